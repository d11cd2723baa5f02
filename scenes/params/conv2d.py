"""Conv2D's parameters (the Manim scene is :mod:`convanim.scenes.conv2d`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import SEED, ParamSpec, SceneDecl, pair


def _check(p: dict[str, Any]) -> None:
    from convanim.core.specs import spec_from_mapping

    # The operation's own spec checks the sizes (torch's rules and messages).
    keys = ("input", "kernel", "stride", "padding", "dilation")
    dims = spec_from_mapping("conv", {k: pair(p[k], k) for k in keys}).geometry()
    # Numbers 40 px tall at 1080p: a 7x7 padded input, its kernel and output fill the frame.
    if max(g.padded for g in dims) > 7:
        raise ValueError("Conv2D draws padded inputs up to 7x7 (the numbers must stay legible)")


SCENE = SceneDecl(
    "Conv2D",
    "conv2d",
    "2-D convolution with numbers: padding, stride, dilation",
    (
        ParamSpec("input", "ints", [5, 5], "input size H x W", minimum=1),
        ParamSpec("kernel", "ints", [3, 3], "kernel size", minimum=1),
        ParamSpec("stride", "ints", [1], "stride", minimum=1),
        ParamSpec("padding", "ints", [1], "zero padding", minimum=0),
        ParamSpec("dilation", "ints", [1], "dilation", minimum=1),
        ParamSpec(
            "mode",
            "choice",
            "correlation",
            "correlation (what frameworks compute) or convolution (kernel flipped)",
            ("correlation", "convolution"),
        ),
        SEED,
    ),
    _check,
    order=2,
)
