"""DilatedCausalStack's parameters (the Manim scene is :mod:`convanim.scenes.wavenet`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import ParamSpec, SceneDecl


def _check(p: dict[str, Any]) -> None:
    # The most that keeps the labels and the receptive-field formula 40 px tall at 1080p
    # (tests/test_scenes_channels.py); a dilation past the 32 steps drawn would reach only
    # the padding.
    if len(p["dilations"]) > 6 or p["length"] > 32 or p["kernel"] > 4 or max(p["dilations"]) > 32:
        raise ValueError(
            "DilatedCausalStack draws up to 6 layers, 32 time steps, a kernel of 4 "
            "and dilations up to 32"
        )


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
