"""ConvBackward's parameters (the Manim scene is :mod:`convanim.scenes.backward`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import LENGTH, SEED, SceneDecl, operation


def _check(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    shapes.conv_geometry((p["length"],), p["kernel"])
    if p["length"] > 10:
        raise ValueError("ConvBackward draws up to 10 samples")


SCENE = SceneDecl(
    "ConvBackward",
    "backward",
    "the three gradients of a 1-D convolution, each as a convolution",
    (
        LENGTH,
        operation("kernel", 3, "int"),
        SEED,
    ),
    _check,
    order=7,
)
