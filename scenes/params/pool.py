"""MaxPool2D's parameters (the Manim scene is :mod:`convanim.scenes.pool`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import SEED, SceneDecl, grid_geometry, operation

KEYS = ("input", "kernel", "stride", "padding", "ceil_mode")


def _check(p: dict[str, Any]) -> None:
    dims = grid_geometry("max_pool", p, KEYS[:-1], ceil_mode=p["ceil_mode"])
    if max(g.padded for g in dims) > 7:  # numbers 40 px tall at 1080p
        raise ValueError("MaxPool2D draws padded inputs up to 7x7 (the numbers must stay legible)")


SCENE = SceneDecl(
    "MaxPool2D",
    "pool",
    "2-D max pooling, the winner of each window marked",
    (
        *map(operation, KEYS, ([4, 4], [2, 2], [2], [0], False)),
        SEED,
    ),
    _check,
    order=4,
)
