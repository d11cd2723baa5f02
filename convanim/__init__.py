"""convanim: convolution arithmetic, the actual numbers, and the animations lecturers show.

Importing the package loads nothing heavy (no NumPy, Pillow or Manim); the shape core lives in
:mod:`convanim.core.shapes`, the numeric engine in :mod:`convanim.engine`.
"""

__version__ = "0.1.0"
