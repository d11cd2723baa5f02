"""TransposedConv2D's parameters (the Manim scene is :mod:`convanim.scenes.transposed`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import SEED, ParamSpec, SceneDecl, grid_geometry, operation

KEYS = ("input", "kernel", "stride", "padding", "output_padding")


def _check(p: dict[str, Any]) -> None:
    dims = grid_geometry("transposed", p, KEYS)
    # The direct view's padded grid and the scatter view's uncropped output canvas: beyond 8
    # cells, three grids side by side no longer keep the numbers 40 px tall at 1080p.
    if max(max(g.grid, g.output + 2 * g.padding) for g in dims) > 8:
        raise ValueError("TransposedConv2D draws grids up to 8x8 (the numbers must stay legible)")


SCENE = SceneDecl(
    "TransposedConv2D",
    "transposed",
    "transposed convolution: zero insertion + padding, then scatter-add",
    (
        *map(operation, KEYS, ([2, 2], [3, 3], [2], [0], [1])),
        ParamSpec(
            "view", "choice", "both", "direct, scatter or both", ("both", "direct", "scatter")
        ),
        SEED,
    ),
    _check,
    order=3,
)
