"""DilatedCausalStack's parameters (the Manim scene is :mod:`convanim.scenes.wavenet`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import ParamSpec, SceneDecl


def _check(p: dict[str, Any]) -> None:
    if len(p["dilations"]) > 6 or p["length"] > 32:
        raise ValueError("DilatedCausalStack draws up to 6 layers and 32 time steps")


SCENE = SceneDecl(
    "DilatedCausalStack",
    "wavenet",
    "WaveNet causal stack, dilations 1, 2, 4, 8: the receptive field",
    (
        ParamSpec("dilations", "ints", [1, 2, 4, 8], "dilation of each layer", minimum=1),
        ParamSpec("kernel", "int", 2, "kernel size of every layer", minimum=1),
        ParamSpec("length", "int", 16, "time steps drawn", minimum=1),
    ),
    _check,
    order=6,
)
