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
    # Each step's sum of products is written under the grids, 40 px tall: one line of up to
    # 9 products under 7 rows, a second line (up to 19) under 6, a third under 5.
    taps = pair(p["kernel"], "kernel")[0] * pair(p["kernel"], "kernel")[1]
    rows = dims[0].padded
    most = {7: 9, 6: 19}.get(rows, 29)
    if taps > most:
        raise ValueError(
            f"Conv2D writes at most {most} products per step under a {rows}-row padded input "
            f"(the kernel has {taps}); use a smaller kernel or input"
        )
    if not 0 <= p["bias"] <= 9:
        raise ValueError("Conv2D's bias is a whole number from 0 to 9 (outputs fit their cells)")


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
        # Whole and 0 to 9: the outputs keep at most two digits, which fit a cell at the
        # legible size (a "−2" or "7.75" widens every cell and shrinks the grids).
        ParamSpec("bias", "int", 1, "the bias b added to every output (0 to 9)", minimum=0),
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
