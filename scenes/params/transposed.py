"""TransposedConv2D's parameters (the Manim scene is :mod:`convanim.scenes.transposed`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import SEED, ParamSpec, SceneDecl, pair


def _check(p: dict[str, Any]) -> None:
    from convanim.core.specs import spec_from_mapping

    keys = ("input", "kernel", "stride", "padding", "output_padding")
    dims = spec_from_mapping("transposed", {k: pair(p[k], k) for k in keys}).geometry()
    if max(g.grid for g in dims) > 10:
        raise ValueError("TransposedConv2D draws grids up to 10x10 (the numbers must stay legible)")


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
