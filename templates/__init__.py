"""Embed templates of convanim (installed as ``convanim.templates``)."""
