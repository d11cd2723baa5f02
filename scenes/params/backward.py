"""ConvBackward's parameters (the Manim scene is :mod:`convanim.scenes.backward`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import SEED, ParamSpec, SceneDecl


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
        ParamSpec("length", "int", 6, "input length L_in", minimum=1),
        ParamSpec("kernel", "int", 3, "kernel size M", minimum=1),
        SEED,
    ),
    _check,
    order=7,
)
