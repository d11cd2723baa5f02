"""TransposedConv2D's parameters (the Manim scene is :mod:`convanim.scenes.transposed`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import SEED, ParamSpec, SceneDecl, pair


def _check(p: dict[str, Any]) -> None:
    from convanim.core.specs import spec_from_mapping

    keys = ("input", "kernel", "stride", "padding", "output_padding")
    dims = spec_from_mapping("transposed", {k: pair(p[k], k) for k in keys}).geometry()
    # The direct view's padded grid and the scatter view's uncropped output canvas: beyond 8
    # cells, three grids side by side no longer keep the numbers 40 px tall at 1080p.
    if max(max(g.grid, g.output + 2 * g.padding) for g in dims) > 8:
        raise ValueError("TransposedConv2D draws grids up to 8x8 (the numbers must stay legible)")


SCENE = SceneDecl(
    "TransposedConv2D",
    "transposed",
    "transposed convolution: zero insertion + padding, then scatter-add",
    (
        ParamSpec("input", "ints", [2, 2], "input size H x W", minimum=1),
        ParamSpec("kernel", "ints", [3, 3], "kernel size", minimum=1),
        ParamSpec("stride", "ints", [2], "stride", minimum=1),
        ParamSpec("padding", "ints", [0], "padding", minimum=0),
        ParamSpec("output_padding", "ints", [1], "output_padding", minimum=0),
        ParamSpec(
            "view", "choice", "both", "direct, scatter or both", ("both", "direct", "scatter")
        ),
        SEED,
    ),
    _check,
    order=3,
)
