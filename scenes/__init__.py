"""Manim scenes of convanim (installed as ``convanim.scenes``)."""
