"""Network figures: a stack of layers drawn the way papers draw it, every size computed.

``convanim render stack`` draws each feature map as a 3-D box (height down the page, width
receding, channels along the flow on a compressed scale so that 3 and 4096 both read), the kernel
of each convolution (and the window of each pooling) as a small box inside the map it reads with
lines to the cell it produces in the next map, fully connected layers as bars, labels with sizes
(``55×55×96``), kernel sizes and strides, and the totals in a caption. AlexNet's two GPUs are two
streams of boxes, as in the 2012 paper's Fig. 2 (a stack whose convolutions use ``groups=2``).

This module is the public face (the CLI, the deck build and the tests import from here): stacks
by preset or layer list (:func:`stack_for`), :func:`render_network`, and the deck's named figures.
The work is done by modules split by capability:

- :mod:`convanim.draw.network_figure`: the plain data (boxes, windows, lines, labels), label
  widths, colours and painting order (standard library);
- :mod:`convanim.draw.network_layout`: :func:`layout_network`, so tests check geometry without
  drawing (standard library);
- :mod:`convanim.draw.network_png` (Pillow, anti-aliased by drawing at 3× and downsampling,
  DejaVu Sans) and :mod:`convanim.draw.network_svg` (vector, written by hand) draw the *same*
  layout, so the PNG and the SVG cannot disagree;
- :mod:`convanim.draw.network_receptive`: :func:`receptive_field_walk` and
  :func:`layout_receptive_field` give the frames of ``convanim render receptive_field``: one
  output unit's receptive field walked back through the maps, with the shape core's sizes and
  jumps.

>>> from convanim.core.stack import PRESETS, analyse_stack
>>> p = PRESETS["alexnet2012"]
>>> fig = layout_network(analyse_stack(p.input_size, p.layers(), p.in_channels), streams=None)
>>> [b.label_size for b in fig.boxes if b.stream == 0][:3]
['227×227×3', '55×55×96', '27×27×96']
>>> sorted({b.stream for b in fig.boxes}), fig.width <= 1600
([0, 1], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convanim.core.stack import PRESETS, StackResult, analyse_stack, check_layer_count, parse_layers
from convanim.draw.network_figure import NetworkFigure
from convanim.draw.network_layout import (
    DEFAULT_FONT_PX,
    DEFAULT_HOLD_MS,
    DEFAULT_STEP_MS,
    DEFAULT_WIDTH,
    MAX_WIDTH,
    MIN_WIDTH,
    STREAMS,
    VIEWS,
    _kernel_text,
    _size_text,
    _totals,
    layout_network,
)
from convanim.draw.network_png import _png_bytes, _write, render_png
from convanim.draw.network_receptive import (
    RegionStep,
    graph_fits,
    layout_receptive_field,
    receptive_field_graph,
    receptive_field_walk,
    render_receptive_field,
)
from convanim.draw.network_svg import svg_text
from convanim.draw.themes import THEMES

__all__ = [
    "NetworkFigure",
    "RegionStep",
    "layout_network",
    "receptive_field_walk",
    "layout_receptive_field",
    "svg_text",
    "render_png",
    "render_network",
    "render_receptive_field",
    "receptive_field_graph",
    "graph_fits",
    "stack_for",
    "figure_caption",
    "names",
    "default_ext",
    "check_params",
    "render_named",
    "DEFAULT_WIDTH",
    "DEFAULT_FONT_PX",
]


def render_network(
    result: StackResult,
    out: Path,
    *,
    transparent: bool = False,
    **layout: Any,
) -> Path:
    """Draw a stack to ``out``: ``.png`` (Pillow) or ``.svg`` (vector), written atomically."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"a network figure is .png or .svg, got {out.name!r}")
    fig = layout_network(result, **layout)
    if suffix == ".svg":
        return _write(out, svg_text(fig, transparent).encode())
    return _write(out, _png_bytes(render_png(fig, transparent)))


# ---------------------------------------------------------------------------------------------
# Stacks by name or layer list, and the deck's named figures
# ---------------------------------------------------------------------------------------------


def stack_for(
    preset: str | None = None,
    layers: Sequence[str] = (),
    input_size: Sequence[int] | None = None,
    in_channels: int | None = None,
    blocks: int = 1,
) -> tuple[StackResult, list[str]]:
    """The analysed stack and the preset's notes, from ``shape stack``'s arguments."""
    if preset is not None:
        if layers:
            raise ValueError("give LAYER arguments or --preset, not both")
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        chosen = PRESETS[preset]
        stack_layers = chosen.layers(blocks)
        size = tuple(input_size) if input_size is not None else chosen.input_size
        channels = in_channels if in_channels is not None else chosen.in_channels
        notes = list(chosen.notes)
    else:
        if not layers:
            raise ValueError("give LAYER arguments (e.g. conv:k=3,p=1,c=16) or --preset")
        if input_size is None:
            raise ValueError("a LAYER list needs an input size (-i / --input)")
        if blocks < 1:
            raise ValueError(f"--blocks must be at least 1, got {blocks}")
        parsed = parse_layers(layers)
        check_layer_count(len(parsed) * blocks)
        stack_layers, size, notes = parsed * blocks, tuple(input_size), []
        channels = 1 if in_channels is None else in_channels
    return analyse_stack(size, stack_layers, channels), notes


def figure_caption(result: StackResult, preset: str | None = None) -> list[str]:
    """The caption's lines: the totals, and for the paper's AlexNet why its input is 227."""
    lines = [_totals(result)]
    if preset == "alexnet2012" and result.input == PRESETS[preset].input_size:
        # The paper's 224 through the same first layer, by the shape core.
        first = PRESETS[preset].layers()[0]
        at_224 = analyse_stack((224, 224), [first], result.in_channels).layers[0].output
        r = result.layers[0]
        lines.append(
            f"input {_size_text(result.input)}: the paper says 224×224, but conv1 "
            f"({_kernel_text(r)}, no padding) gives {_size_text(r.output)} only from 227; "
            f"from 224 it gives {_size_text(at_224)}"
        )
    return lines


#: Named figures a deck can reference by file name (``assets/images/01-history/alexnet.png``)
#: or placeholder (``{{CONVANIM:stack preset=alexnet2012}}``): name -> (preset, kind).
NAMED: dict[str, tuple[str | None, str]] = {
    "alexnet": ("alexnet2012", "stack"),  # the deck's AlexNet slide: the 2012 paper's figure
    "stack": (None, "stack"),
    "receptive_field": (None, "receptive_field"),
}
#: The keys a deck's placeholder may give (``input=``/``size=`` arrive as ``input_size``, the
#: spec's name, as the deck reads every operation parameter).
_DECK_KEYS = {
    "preset", "layers", "input_size", "in_channels", "blocks", "max_width", "font_size", "theme",
    "transparent", "streams", "unit", "view", "duration", "hold",
}  # fmt: skip


def names() -> list[str]:
    """The names the deck build may ask this module for."""
    return list(NAMED)


def default_ext(name: str) -> str:
    return ".gif" if NAMED[name][1] == "receptive_field" else ".png"


def _deck_stack(name: str, params: dict[str, Any]) -> tuple[StackResult, str | None]:
    unknown = sorted(set(params) - _DECK_KEYS)
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)} for {name}; "
            f"known: {', '.join(sorted(_DECK_KEYS))}"
        )
    preset = params.get("preset", NAMED[name][0])
    layers = params.get("layers", ())
    if isinstance(layers, tuple):  # the deck split "conv:k=3,c=8 fc:c=10" at its commas
        layers = ",".join(map(str, layers))
    tokens = str(layers).split() if layers else []
    size = params.get("input_size")
    if isinstance(size, int):
        size = (size,)
    result, _ = stack_for(
        preset if not tokens else params.get("preset"),
        tokens,
        size,
        params.get("in_channels"),
        int(params.get("blocks", 1)),
    )
    return result, (preset if not tokens else params.get("preset"))


def check_params(name: str, params: dict[str, Any]) -> None:
    """Refuse a deck's parameters the renderer would refuse (the stack is analysed: cheap)."""
    _deck_stack(name, params)
    if params.get("theme", "solarized") not in THEMES:
        raise ValueError(f"theme={params['theme']!r}: one of {', '.join(THEMES)}")
    if params.get("view", "auto") not in VIEWS:
        raise ValueError(f"view={params['view']!r}: one of {', '.join(VIEWS)}")
    if str(params.get("streams", "auto")) not in STREAMS:
        raise ValueError(f"streams={params['streams']!r}: one of {', '.join(STREAMS)}")
    width = params.get("max_width", DEFAULT_WIDTH)  # (the deck's width= sizes the <img>)
    if not isinstance(width, int) or not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"max_width={width!r}: between {MIN_WIDTH} and {MAX_WIDTH} pixels")


def render_named(name: str, out: Path, **params: Any) -> Path:
    """Draw a named figure (:data:`NAMED`) to ``out``, as the deck build calls it."""
    if name not in NAMED:
        raise ValueError(f"unknown network figure {name!r}; one of {', '.join(NAMED)}")
    result, preset = _deck_stack(name, params)
    look = {
        "max_width": int(params.get("max_width", DEFAULT_WIDTH)),
        "font_px": float(params.get("font_size", DEFAULT_FONT_PX)),
        "theme": str(params.get("theme", "solarized")),
    }
    transparent = bool(params.get("transparent", False))
    if NAMED[name][1] == "receptive_field":
        unit = params.get("unit")
        view = params.get("view", "auto")
        return render_receptive_field(
            result,
            Path(out),
            target=(unit,) if isinstance(unit, int) else unit,
            transparent=transparent,
            duration_ms=int(params.get("duration", DEFAULT_STEP_MS)),
            hold_last_ms=int(params.get("hold", DEFAULT_HOLD_MS)),
            graph=VIEWS[view],
            **look,
        )
    streams = params.get("streams", "auto")
    return render_network(
        result,
        Path(out),
        transparent=transparent,
        streams=STREAMS[str(streams)],
        caption=figure_caption(result, preset),
        **look,
    )
