"""FIRConvolution1D's parameters (the Manim scene is :mod:`convanim.scenes.fir`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import ParamSpec, SceneDecl, operation


def _check(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    # Numbers 40 px tall at 1080p leave room for 10 samples side by side (a product such as
    # −1.25 is 1.16 units wide) and a formula line
    # of 5 products.
    if len(p["signal"]) > 10 or len(p["kernel"]) > 5:
        raise ValueError(
            "FIRConvolution1D draws at most 10 samples and 5 taps (numbers legible at the back)"
        )
    shapes.conv_geometry((len(p["signal"]),), len(p["kernel"]))


SCENE = SceneDecl(
    "FIRConvolution1D",
    "fir",
    "1-D FIR filter: flipped h[k] slides over x[n], y[n] grows stem by stem",
    (
        ParamSpec("signal", "floats", [1, 2, 3, 1, 0, -1, 2, 1], "input samples x[n]"),
        ParamSpec("kernel", "floats", [1, 0.5, -1], "impulse response h[k]"),
        operation("mode", "convolution"),
    ),
    _check,
    order=1,
)
