"""MultiChannelConv's parameters (the Manim scene is :mod:`convanim.scenes.multichannel`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import SEED, ParamSpec, SceneDecl


def _check(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    shapes.check_groups(p["in_channels"], p["out_channels"], p["groups"])
    shapes.conv_geometry((p["length"],), p["kernel"])
    # The most that keeps every number 40 px tall at 1080p (tests/test_scenes_channels.py).
    if p["in_channels"] + p["out_channels"] > 6 or p["length"] > 8 or p["kernel"] > 4:
        raise ValueError(
            "MultiChannelConv draws up to 6 channel rows (in_channels + out_channels), "
            "8 samples and a kernel of 4"
        )


SCENE = SceneDecl(
    "MultiChannelConv",
    "multichannel",
    "C_in channels, one kernel stack per head, channel products summed",
    (
        ParamSpec("length", "int", 6, "input length L_in", minimum=1),
        ParamSpec("in_channels", "int", 3, "C_in", minimum=1),
        ParamSpec("out_channels", "int", 2, "C_out (heads)", minimum=1),
        ParamSpec("kernel", "int", 3, "kernel size M", minimum=1),
        ParamSpec("groups", "int", 1, "groups (grouped convolution when > 1)", minimum=1),
        ParamSpec(
            "mode",
            "choice",
            "convolution",
            "convolution (the deck's x_i[n-k]) or correlation (what frameworks compute)",
            ("convolution", "correlation"),
        ),
        SEED,
    ),
    _check,
    order=5,
)
