"""The catalogue: conv_arithmetic's animations (names verbatim) and the lecture deck's figures,
rendered. The entries themselves are data in :mod:`convanim.draw.entries` (:func:`get` and
:func:`names` are imported here for the callers that render by name).

Light on purpose: importing this module loads neither NumPy nor Pillow, so ``convanim list``
and :func:`names` are instant. :func:`render_named` and :func:`render_custom` import the engine
and the renderer when they run.

>>> sorted(OVERRIDES)[:3], get("padding_strides_odd_transposed").frames()
(['ceil_mode', 'cell_size', 'dilation'], 36)
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from convanim.core import shapes
from convanim.core.params import PARAMS, lookup
from convanim.draw.entries import OPERATION_KINDS, Entry, get, names, pool_kind
from convanim.draw.themes import DEFAULT_CELL_PX, INKS, THEMES

__all__ = [
    "get",
    "names",
    "render_named",
    "render_custom",
    "entry_plan",
    "entry_trace",
    "plan_named",
    "OVERRIDES",
]


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

#: Entry fields that are not operation parameters, with what an override of them changes.
_DRAWING_OVERRIDES = {
    "look": "perspective | flat (numbers=True switches to flat unless look is given)",
    "numbers": "write the engine's values in the cells",
    "fill": "all | progressive | none: which output values show",
    "values": "input values (nested sequence)",
    "weights": "kernel values (nested sequence)",
    "seed": "seed of the example values",
    "hold_last_ms": "milliseconds the last frame stays",
}
#: What the catalogue adds to an operation parameter's own help.
_NOTES = {
    "input_size": "a tuple; one number on a 2-D entry: square; for a transposed entry the "
    "direct conv's input",
    "output_padding": "transposed only",
}


def _operation_overrides() -> dict[str, str]:
    """The operation parameters an entry holds (``input_size``, ``kernel_size``, ``stride`` …),
    with the help declared once in :data:`convanim.core.params.PARAMS` (the entry's ``kind``
    names the operation, not a pooling kind)."""
    held = {f.name for f in fields(Entry)} - {"kind"}
    return {
        p.name: p.help.rstrip(".") + (f" ({_NOTES[p.name]})" if p.name in _NOTES else "")
        for p in PARAMS.values()
        if p.name in held
    }


#: Overrides :func:`render_named` accepts, with what they change: the entry's fields (operation
#: parameters, then how it is drawn), then pixel-level choices.
OVERRIDES: dict[str, str] = {
    **_operation_overrides(),
    **_DRAWING_OVERRIDES,
    "cell_size": f"pixels per cell (default {DEFAULT_CELL_PX:g}, conv_arithmetic's size)",
    "duration": "milliseconds per frame",
    "theme": " | ".join(THEMES),
    "transparent": "transparent background",
    "ink": f"{' | '.join(INKS)}: lines and text (light for a dark slide)",
    "labels": "label the input and output maps",
    "legend": "legend of cell kinds (transposed, never-covered cells)",
    "image": "vision_kernels: path of the picture to filter",
}
#: The overrides that change the entry itself (the rest are passed to the renderer).
_ENTRY_FIELDS = {f.name for f in fields(Entry)} & set(OVERRIDES)


def _known(name: str, overrides: dict[str, Any]) -> None:
    """Refuse overrides that are not :data:`OVERRIDES`, naming the parameter an alias means."""
    unknown = sorted(set(overrides) - set(OVERRIDES))
    if unknown:
        raise ValueError(f"unknown override(s) {', '.join(map(_named, unknown))} for {name}")


def _named(key: str) -> str:
    """An unknown override, with the parameter's name when ``key`` is one of its aliases.

    >>> _named("kernel"), _named("colour")
    ('kernel (the parameter is kernel_size)', 'colour')
    """
    try:
        name = lookup(key).name
    except KeyError:
        return key
    return f"{key} (the parameter is {name})" if name in OVERRIDES and name != key else key


def render_named(name: str, out: Path, **overrides: Any) -> Path:
    """Render catalogue item ``name`` to ``out`` (``.gif`` or ``.png``; a folder gets
    ``<name><ext>``). Overrides are those of :data:`OVERRIDES`. Returns the written path.
    """
    entry = get(name)
    _known(name, overrides)
    out = Path(out)
    if not out.suffix:  # a folder
        out = out / f"{name}{entry.ext}"
    if out.suffix.lower() not in (".gif", ".png", ".html"):
        raise ValueError(
            f"output must end in .gif, .png or .html (or be a folder), got {out.name!r}"
        )
    entry_changes = {k: v for k, v in overrides.items() if k in _ENTRY_FIELDS and v is not None}
    render = {k: v for k, v in overrides.items() if k not in _ENTRY_FIELDS and v is not None}
    if entry.kind == "figure":
        from convanim.draw import figures

        hold = entry_changes.pop("hold_last_ms", None)
        if entry_changes:
            raise ValueError(
                f"{name} is a fixed figure: {', '.join(sorted(entry_changes))} cannot be changed"
            )
        return figures.render_figure(entry.name, out, hold_last_ms=hold, **render)
    entry = with_changes(entry, entry_changes)
    if "image" in render:
        raise ValueError("--image only applies to vision_kernels")
    return _render_entry(entry, out, **render)


def render_custom(
    kind: str,
    out: Path,
    *,
    input_size: tuple[int, ...],
    kernel_size: Any,
    look: str | None = None,
    numbers: bool = False,
    **options: Any,
) -> Path:
    """Render any operation: ``kind`` is ``conv``, ``transposed`` (``input_size`` is then the
    transposed convolution's own input), ``max_pool``, ``avg_pool`` or ``lp_pool``.
    ``options`` are those of :data:`OVERRIDES`; an operation parameter not given takes its
    default from :data:`convanim.core.params.PARAMS` (through :class:`Entry`).
    """
    if kind not in OPERATION_KINDS:
        raise ValueError(f"unknown operation {kind!r}: use conv, transposed or pool")
    if look is None:
        look = "flat" if (numbers or len(input_size) == 1) else "perspective"
    entry = Entry(
        kind,
        kind,
        "custom",
        input_size=tuple(input_size),
        kernel_size=kernel_size,
        look=look,
        numbers=numbers,
        source="custom",
        size_is_direct=False,
        **{k: v for k, v in options.items() if k in _ENTRY_FIELDS},
    )
    render = {k: v for k, v in options.items() if k not in _ENTRY_FIELDS}
    return _render_entry(entry, Path(out), **render)


#: The line under a transposed animation drawn without numbers.
TRANSPOSED_CAPTION = "transposed conv, direct view"


def entry_plan(
    entry: Entry,
    *,
    duration: int | None = None,
    labels: bool = True,
    legend: bool = True,
    cell_px: float = 29.5,
    still: bool = False,
    trace: Any = None,
) -> Any:
    """Validate (shape core), check the budget, trace (engine) and plan one entry.

    ``still``: only one frame will be drawn (a PNG), so the frame limit does not apply (the
    window count is still bounded: every window is traced). ``trace``: the entry's trace when
    the caller already has it (from :func:`entry_trace`).
    """
    from convanim.draw.plan import build_plan

    if trace is None:
        trace = _trace(entry, cell_px, still)
    look = "flat" if len(trace.grid_shape) == 1 else entry.look
    caption = None
    if entry.kind == "transposed" and not entry.numbers and labels:
        # Without it a transposed animation is indistinguishable from a direct one (users'
        # most frequent question on conv_arithmetic: #9, #30, #35).
        caption = TRANSPOSED_CAPTION
    return build_plan(
        trace,
        label_size=max(0.5, 14.5 / cell_px),  # labels stay 14.5 px or more on small cells
        look=look,  # type: ignore[arg-type]
        numbers=entry.numbers,
        labels=labels,
        legend=legend,
        fill=entry.fill,  # type: ignore[arg-type]
        duration_ms=duration or 1000,
        hold_last_ms=entry.hold_last_ms,
        name=entry.name,
        label_texts=dict(entry.labels_text),
        caption=caption,
        **dict(entry.options),
    )


def plan_named(name: str, **overrides: Any) -> Any:
    """The :class:`~convanim.draw.plan.Plan` that :func:`render_named` would draw (for other
    renderers, e.g. the Manim scenes). Pixel-only overrides (theme, cell size …) are ignored;
    a key that is no override at all is refused, as :func:`render_named` refuses it."""
    entry = get(name)
    _known(name, overrides)
    if entry.kind == "figure":
        raise ValueError(f"{name} is a figure, not a single-window animation")
    changes = {k: v for k, v in overrides.items() if k in _ENTRY_FIELDS and v is not None}
    keep = {
        k: overrides[k] for k in ("duration", "labels", "legend") if overrides.get(k) is not None
    }
    return entry_plan(with_changes(entry, changes), **keep)


def with_changes(entry: Entry, changes: dict[str, Any]) -> Entry:
    """An entry with overrides applied (a deck's placeholder and ``render NAME`` alike)."""
    changes = dict(changes)
    if "input_size" in changes:
        changes["input_size"] = tuple(changes["input_size"])
        if len(changes["input_size"]) == 1 and len(entry.input_size) == 2:
            # `render padding_strides -i 7` means 7x7: a square preset stays square (a 1-D
            # animation is `render conv -i 7 …`).
            changes["input_size"] = changes["input_size"] * 2
    if changes.get("numbers") and "look" not in changes:
        changes["look"] = "flat"  # numbers read best side by side (an explicit look wins)
    return replace(entry, **changes)


def _render_entry(
    entry: Entry,
    out: Path,
    *,
    cell_size: float | None = None,
    duration: int | None = None,
    theme: str = "solarized",
    transparent: bool = False,
    labels: bool = True,
    legend: bool = True,
    ink: str = "auto",
) -> Path:
    """Plan an entry and draw it with Pillow (or, for ``.html``, as an interactive page); a
    cell size of None: :func:`auto_cell_px` for Pillow."""
    if out.suffix.lower() == ".html":
        return _render_entry_html(
            entry,
            out,
            cell_size=cell_size,
            duration=duration,
            theme=theme,
            transparent=transparent,
            labels=labels,
            legend=legend,
            ink=ink,
        )
    from convanim.draw import gif

    if out.suffix.lower() not in (".gif", ".png"):
        raise ValueError(f"output must end in .gif, .png or .html, got {out.name!r}")
    opts = gif.RenderOptions(
        cell_px=auto_cell_px(entry) if cell_size is None else float(cell_size),
        theme=theme,
        transparent=transparent,
        ink=ink,
    )
    plan = entry_plan(
        entry,
        duration=duration or auto_duration_ms(entry.frames()),
        labels=labels,
        legend=legend,
        cell_px=opts.cell_px,
        still=out.suffix.lower() == ".png",
    )
    return gif.render_gif(plan, out, opts)


def entry_trace(entry: Entry, cell_px: float = 29.5) -> Any:
    """The engine's trace of an entry, after the shape core's checks and the size budget."""
    return _trace(entry, cell_px)


def _render_entry_html(
    entry: Entry,
    out: Path,
    *,
    cell_size: float | None,
    duration: int | None,
    theme: str,
    transparent: bool,
    labels: bool,
    legend: bool,
    ink: str = "auto",
) -> Path:
    """The same plan as the GIF, drawn as one interactive page (:mod:`convanim.draw.html`),
    with the trace's arithmetic for the hover read-out."""
    from convanim.draw import html

    opts = html.HtmlOptions(
        cell_px=html.HtmlOptions.cell_px if cell_size is None else float(cell_size),
        theme=theme,
        transparent=transparent,
        ink=ink,
    )
    # A page draws its picture once: the GIF's budget of pixels over all frames does not apply
    # (a still's does, per picture), but its steps are bounded, each carrying its arithmetic.
    check_drawable(entry)
    if entry.frames() > html.MAX_STEPS:
        raise ValueError(
            f"refusing to make a page of {entry.frames()} steps (the limit is {html.MAX_STEPS}); "
            "use a smaller output"
        )
    trace = _trace(entry, opts.cell_px, still=True)
    plan = entry_plan(
        entry, duration=duration, labels=labels, legend=legend, cell_px=opts.cell_px, trace=trace
    )
    return html.render_html(plan, out, opts, trace)


#: A picture chooses a smaller cell when the default would make it larger than this (pixels,
#: its longer side), or its frames together more pixels than :data:`AUTO_WORK_PIXELS`; never
#: smaller than :data:`MIN_AUTO_CELL_PX` (labels keep 14.5 px whatever the cell).
AUTO_SIDE_PX = 1000
AUTO_WORK_PIXELS = 400_000_000
MIN_AUTO_CELL_PX = 6.0
#: Long animations play faster unless a duration is given: at most this long in all, never
#: under 100 ms a frame (900 frames of a 32x32 input: 2 minutes, not 15).
AUTO_TOTAL_MS = 120_000


def auto_cell_px(entry: Entry) -> float:
    """The cell size for an entry: conv_arithmetic's 29.5 px, or less so that a large input
    (``render conv -i 32x32 -k 3``) stays about :data:`AUTO_SIDE_PX` on its longer side and
    within :data:`AUTO_WORK_PIXELS` in all.

    >>> auto_cell_px(get("full_padding_no_strides"))
    29.5
    """
    width, height = extent_units(entry)
    margin = 2 * 21.75
    cell = min(29.5, (AUTO_SIDE_PX - margin) / max(width, height))
    per_frame = AUTO_WORK_PIXELS / max(1, entry.frames())
    # (w·c + m)(h·c + m) <= per_frame, solved for c with the margins taken as part of it
    cell = min(cell, ((per_frame**0.5) - margin) / max(1e-9, (width * height) ** 0.5))
    return 29.5 if cell >= 29.5 else max(MIN_AUTO_CELL_PX, round(cell, 1))


def auto_duration_ms(frames: int) -> int:
    """A frame's duration when none is given: 1 s, less for long animations.

    >>> auto_duration_ms(49), auto_duration_ms(900)
    (1000, 130)
    """
    # whole centiseconds: what a GIF can store
    return max(100, min(1000, AUTO_TOTAL_MS // max(1, frames) // 10 * 10))


def drawn_shapes(entry: Entry) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """``(grid, output, kernel)`` as drawn, each ``(rows, cols)`` (a 1-D signal is one row),
    from the shape core alone: the padded input (direct), the zero-stretched and padded input
    (transposed, the paper's direct view), and the output.

    >>> drawn_shapes(get("padding_strides_odd_transposed"))
    ((8, 8), (6, 6), (3, 3))
    """
    op = entry.operation()
    size = tuple(op["input_size"])
    if entry.kind == "transposed":
        dims = shapes.transposed_geometry(**op)
        grid = tuple(g.grid for g in dims)
        kernel = tuple(g.kernel for g in dims)
    elif pool_kind(entry.kind) is not None:
        pdims = shapes.pool_geometry(
            size,
            op["kernel_size"],
            op["stride"],
            op["padding"],
            op["dilation"],
            entry.ceil_mode,
            kind=pool_kind(entry.kind),  # type: ignore[arg-type]
        )
        grid = tuple(g.size + 2 * g.padding for g in pdims)
        kernel = tuple(g.kernel for g in pdims)
    else:
        cdims = shapes.conv_geometry(**op)
        grid = tuple(g.padded for g in cdims)
        kernel = tuple(g.kernel for g in cdims)

    def rc(shape: tuple[int, ...]) -> tuple[int, int]:
        return (1, shape[0]) if len(shape) == 1 else (shape[0], shape[1])

    return rc(grid), rc(entry.output_shape()), rc(kernel)


def check_drawable(entry: Entry) -> None:
    """Refuse an entry no picture can show (a 3-D input)."""
    ndim = len(entry.input_size)
    if ndim not in (1, 2):
        raise ValueError(
            f"only 1-D and 2-D operations can be drawn (got a {ndim}-D input "
            f"{'x'.join(str(v) for v in entry.input_size)})"
        )


#: A still (PNG) draws one frame but traces every window: refuse more windows than this.
MAX_STILL_WINDOWS = 40_000


def extent_units(entry: Entry) -> tuple[float, float]:
    """An upper bound of the picture's size in cells, from the shape core's drawn grid and
    output alone (the plan's layout rules plus room for labels, legend and caption), so a
    refusal names a size close to the one that would be drawn, and a long 1-D signal is not
    taken for a square."""
    from convanim.draw.geometry import OUTPUT_SHIFT, output_lift, plane_extent

    (gr, gc), (orows, ocols), (kr, kc) = drawn_shapes(entry)
    if entry.look == "perspective" and gr > 1 and len(entry.input_size) == 2:
        ixmin, ixmax, _, iymax = plane_extent(gr, gc)
        oxmin, oxmax, _, oymax = plane_extent(orows, ocols)
        width = max(ixmax, OUTPUT_SHIFT + oxmax) - min(ixmin, OUTPUT_SHIFT + oxmin)
        # slack for label rows and bands; a caption or legend wider than a tiny picture
        # widens it to about 12 units
        return max(width, 12.0), max(iymax, output_lift(gr) + oymax) + 3.0
    return max(gc + 1.5 + ocols + 1.5 + kc + 3.0, 12.0), 1.0 + max(gr, orows + 1.0 + kr) + 2.0


def preflight(entry: Entry, cell_px: float, margin_px: float = 21.75, still: bool = False) -> None:
    """Refuse absurd requests from sizes alone, before any value is computed."""
    from convanim.draw import gif

    width, height = extent_units(entry)
    w = int(round(width * cell_px + 2 * margin_px))
    h = int(round(height * cell_px + 2 * margin_px))
    frames = entry.frames()
    if still and frames > MAX_STILL_WINDOWS:
        raise ValueError(
            f"refusing to trace {frames} windows for a still (the limit is {MAX_STILL_WINDOWS}); "
            "use a smaller input"
        )
    gif.check_budget(1 if still else frames, w, h)


def _trace(entry: Entry, cell_px: float, still: bool = False) -> Any:
    """Validate and size-check from the shape core, then ask the engine for the trace."""
    import numpy as np

    from convanim.engine import examples, tracing

    check_drawable(entry)
    entry.output_shape()  # validation, with the shape core's messages
    preflight(entry, cell_px, still=still)
    op = entry.operation()
    shape = tuple(op["input_size"])
    ndim = len(shape)
    kshape = shapes.per_dim(op["kernel_size"], ndim, "kernel_size")

    if isinstance(entry.values, str) and entry.values == "paper":
        x, w_paper = examples.conv_arithmetic_values()
    else:
        w_paper = None
        x = (
            examples.example_values(shape, seed=entry.seed)
            if entry.values is None
            else np.asarray(entry.values, dtype=np.float64)
        )
    if x.shape != shape:
        raise ValueError(f"--values has shape {list(x.shape)} but the input is {list(shape)}")
    kind = pool_kind(entry.kind)
    if kind is not None:
        # Said rather than ignored: a pooling has no kernel values to set or flip.
        if entry.weights is not None:
            raise ValueError("--weights does not apply to pooling (a pooling has no weights)")
        if entry.mode != "correlation":
            raise ValueError("--mode does not apply to pooling (there is no kernel to flip)")
        from convanim.core.specs import KINDS

        given = {**op, "ceil_mode": entry.ceil_mode, "norm_type": entry.norm_type}
        return tracing.trace_pool(x, kind, **KINDS[entry.kind].keywords(given), ndim=ndim)
    if isinstance(entry.weights, str) and entry.weights == "paper":
        w = w_paper if w_paper is not None else examples.conv_arithmetic_values()[1]
    elif isinstance(entry.weights, str):
        w = examples.classic_kernel(entry.weights)
    elif entry.weights is None:
        w = examples.example_values(kshape, low=0, high=3, seed=entry.seed + 1)
    else:
        w = np.asarray(entry.weights, dtype=np.float64)
    if w.shape != kshape:
        raise ValueError(f"--weights has shape {list(w.shape)} but the kernel is {list(kshape)}")
    if entry.kind == "transposed":
        return tracing.trace_conv_transpose(
            x,
            w,
            stride=op["stride"],
            padding=op["padding"],
            output_padding=op["output_padding"],
            dilation=op["dilation"],
            mode=entry.mode,
        )
    return tracing.trace_conv(
        x,
        w,
        stride=op["stride"],
        padding=op["padding"],
        dilation=op["dilation"],
        mode=entry.mode,
    )
