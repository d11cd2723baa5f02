"""``convanim render stack`` and ``convanim render receptive_field``: network figures.

Both take the layer language and presets of ``convanim shape stack`` (``--preset``, ``-i``,
``2*conv:k=3,p=1,c=16 maxpool:k=2 fc:c=10``); the sizes come from the shape core, the drawing
from :mod:`convanim.draw.network`. ``convanim render`` hands these two names, with every argument,
to the commands here (as it hands Manim scene names to the video command).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click

from convanim.cli.options import SIZE, OutputPath, option
from convanim.core.stack import PRESETS, StackResult
from convanim.draw import network_layout  # the figures' defaults and choices
from convanim.draw.themes import THEMES

__all__ = ["render_stack", "render_receptive_field", "NETWORK_TARGETS", "stack_from_args"]

#: ``convanim render NAME …`` names handled here.
NETWORK_TARGETS = ("stack", "receptive_field")


def stack_from_args(
    preset: str | None,
    layers: tuple[str, ...],
    input_size: tuple[int, ...] | None,
    in_channels: int | None,
    blocks: int,
) -> tuple[StackResult, list[str]]:
    """The analysed stack and the preset's notes, from ``shape stack``'s arguments."""
    from convanim.draw.network import stack_for

    return stack_for(preset, layers, input_size, in_channels, blocks)


@dataclass(frozen=True)
class _Figure:
    """What both commands take: a stack (``shape stack``'s arguments), where to write it and
    how it looks."""

    layers: tuple[str, ...]
    preset: str | None
    input_size: tuple[int, ...] | None
    in_channels: int | None
    blocks: int
    output: Path | None
    width: int
    font_size: float
    theme: str
    transparent: bool

    def stack(self) -> StackResult:
        return stack_from_args(
            self.preset, self.layers, self.input_size, self.in_channels, self.blocks
        )[0]

    def out(self, name: str, default_ext: str, allowed: tuple[str, ...]) -> Path:
        """``-o`` (a file, or a folder that gets ``name + default_ext``), its suffix checked."""
        out = self.output or Path(f"{name}{default_ext}")
        if not out.suffix:
            out = out / f"{name}{default_ext}"
        if out.suffix.lower() not in allowed:
            raise click.UsageError(f"-o must end in {', '.join(allowed)}, got {out.name!r}")
        return out

    @property
    def look(self) -> dict[str, Any]:
        """The layout's keyword arguments."""
        return {"max_width": self.width, "font_px": self.font_size, "theme": self.theme}


_FIGURE_ARGS = tuple(f.name for f in fields(_Figure))


def _common(func: Callable[..., None]) -> Callable[..., None]:
    """Both commands' arguments and options, handed to the command as one :class:`_Figure`."""

    @functools.wraps(func)
    def command(**args: Any) -> None:
        figure = _Figure(**{name: args.pop(name) for name in _FIGURE_ARGS})
        func(figure, **args)

    decorators = [
        click.argument("layers", nargs=-1),
        click.option("--preset", type=click.Choice(tuple(PRESETS)), help="A named stack."),
        option("input_size", default=None, help="Input size (default: the preset's)."),
        option("in_channels", help="Input channels (default: the preset's, or 1)."),
        click.option("--blocks", type=int, default=1, show_default=True, help="Repeat the preset's block (wavenet) or the LAYER list."),
        click.option("-o", "--output", type=OutputPath(), help="Output file (or a folder)."),
        click.option("--width", type=click.IntRange(network_layout.MIN_WIDTH, network_layout.MAX_WIDTH), default=network_layout.DEFAULT_WIDTH, show_default=True, help="Widest the figure may be, in pixels (it is as wide as its content needs)."),
        click.option("--font-size", type=click.FloatRange(8, 48), default=network_layout.DEFAULT_FONT_PX, show_default=True, help="Label size in pixels."),
        click.option("--theme", type=click.Choice(tuple(THEMES)), default="solarized", show_default=True),
        click.option("--transparent", is_flag=True, help="Transparent background (PNG, SVG)."),
    ]  # fmt: skip
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


@click.command("stack", context_settings={"help_option_names": ["-h", "--help"]})
@_common
@click.option(
    "--streams",
    type=click.Choice(tuple(network_layout.STREAMS)),
    default="auto",
    show_default=True,
    help="Draw the maps as two streams (auto: when the convolutions use groups=2, AlexNet's GPUs).",
)
def render_stack(figure: _Figure, streams: str) -> None:
    """Draw a stack of layers as a paper's figure (PNG or SVG), every size computed.

    \b
      convanim render stack --preset alexnet2012 -o alexnet.png
      convanim render stack --preset vgg16 -o vgg16.svg --theme dark
      convanim render stack -i 32x32 2*conv:k=3,p=1,c=16 maxpool:k=2 fc:c=10 -o toy.png
    """
    from convanim.draw.network import figure_caption, render_network

    out = figure.out(figure.preset or "stack", ".png", (".png", ".svg"))
    result = figure.stack()
    path = render_network(
        result,
        out,
        transparent=figure.transparent,
        streams=network_layout.STREAMS[streams],
        caption=figure_caption(result, figure.preset),
        **figure.look,
    )
    click.echo(str(path))


@click.command("receptive_field", context_settings={"help_option_names": ["-h", "--help"]})
@_common
@click.option(
    "--unit",
    "target",
    type=SIZE,
    help="The output unit to follow (default: the centre of the last map).",
)
@click.option(
    "--view",
    type=click.Choice(tuple(network_layout.VIEWS)),
    default="auto",
    show_default=True,
    help="graph: every position a node, as the WaveNet figure (1-D stacks of convolutions, "
    "at most 48 long); auto: graph when it fits.",
)
@click.option(
    "--duration",
    type=click.IntRange(100, 60_000),
    default=network_layout.DEFAULT_STEP_MS,
    show_default=True,
    help="Milliseconds per map.",
)
@click.option("--hold", type=click.IntRange(100, 600_000), default=network_layout.DEFAULT_HOLD_MS, show_default=True, help="Milliseconds on the last frame.")  # fmt: skip
def render_receptive_field(
    figure: _Figure, target: tuple[int, ...] | None, view: str, duration: int, hold: int
) -> None:
    """Walk one output unit's receptive field back through a stack, one map per frame (GIF).

    \b
      convanim render receptive_field --preset vgg16 -o vgg16_rf.gif
      convanim render receptive_field -i 32x32 3*conv:k=3 maxpool:k=2 conv:k=3 -o rf.gif
      convanim render receptive_field -i 16 conv:k=2,p=causal conv:k=2,d=2,p=causal -o g.gif
    """
    from convanim.draw.network import render_receptive_field as draw

    name = f"{figure.preset or 'stack'}_receptive_field"
    out = figure.out(name, ".gif", (".gif", ".png", ".svg"))
    path = draw(
        figure.stack(),
        out,
        target=target,
        transparent=figure.transparent,
        duration_ms=duration,
        hold_last_ms=hold,
        graph=network_layout.VIEWS[view],
        **figure.look,
    )
    click.echo(str(path))
