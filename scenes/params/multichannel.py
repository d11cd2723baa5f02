"""MultiChannelConv's parameters (the Manim scene is :mod:`convanim.scenes.multichannel`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import LENGTH, SEED, SceneDecl, operation


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
        LENGTH,
        *map(operation, ("in_channels", "out_channels"), (3, 2)),
        operation("kernel", 3, "int"),
        operation("groups", 1),
        operation("mode", "convolution"),
        SEED,
    ),
    _check,
    order=5,
)
