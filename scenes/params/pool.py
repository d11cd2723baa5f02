"""MaxPool2D's parameters (the Manim scene is :mod:`convanim.scenes.pool`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import SEED, ParamSpec, SceneDecl, pair


def _check(p: dict[str, Any]) -> None:
    from convanim.core.specs import spec_from_mapping

    keys = ("input", "kernel", "stride", "padding")
    values = {k: pair(p[k], k) for k in keys}
    dims = spec_from_mapping("max_pool", {**values, "ceil_mode": p["ceil_mode"]}).geometry()
    if max(g.padded for g in dims) > 7:  # numbers 40 px tall at 1080p
        raise ValueError("MaxPool2D draws padded inputs up to 7x7 (the numbers must stay legible)")


SCENE = SceneDecl(
    "MaxPool2D",
    "pool",
    "2-D max pooling, the winner of each window marked",
    (
        ParamSpec("input", "ints", [4, 4], "input size H x W", minimum=1),
        ParamSpec("kernel", "ints", [2, 2], "pool size", minimum=1),
        ParamSpec("stride", "ints", [2], "stride", minimum=1),
        ParamSpec("padding", "ints", [0], "padding (-inf)", minimum=0),
        ParamSpec("ceil_mode", "bool", False, "ceil instead of floor"),
        SEED,
    ),
    _check,
    order=4,
)
