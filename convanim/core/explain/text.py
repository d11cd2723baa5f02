"""The shared wording of the explanations: axes, sizes, listings, per-axis notes.

>>> per_axis(2, ["5", "5"]), per_axis(2, ["5", "7"])
(['  H, W: 5'], ['  H: 5', '  W: 7'])
>>> listing(100, str, ", ")
'0, 1, 2, 3, 4, 5, 6, 7, …, 98, 99  (100 in all)'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
TORCH_NAMES = {1: "1d", 2: "2d", 3: "3d"}

#: The text view writes out lists up to this long, longer ones as "first … last (N in all)".
SHOWN = 12

#: What one index along an axis is called, and where its far end is.
UNITS = {
    "L": ("cell", "cells", "end"),
    "D": ("slice", "slices", "back"),
    "H": ("row", "rows", "bottom"),
    "W": ("column", "columns", "right"),
}


def fmt_size(values: Sequence[int]) -> str:
    """``6×6``."""
    return "×".join(str(v) for v in values)


def axes_by_text(ndim: int, per_axis_texts: Sequence[Sequence[str]]) -> dict[str, list[str]]:
    """Each distinct text (first seen first) with the axes it holds for."""
    axes: dict[str, list[str]] = {}
    for name, texts in zip(AXES[ndim], per_axis_texts, strict=True):
        for text in texts:
            axes.setdefault(text, []).append(name)
    return axes


def per_axis(ndim: int, texts: Sequence[str], indent: str = "  ") -> list[str]:
    """One line per distinct text, labelled with the axes it applies to (``H, W: …``)."""
    by_text = axes_by_text(ndim, [[t] for t in texts])
    return [f"{indent}{', '.join(axes)}: {t}" for t, axes in by_text.items()]


def merge_notes(ndim: int, per_axis_notes: Sequence[Sequence[str]]) -> list[str]:
    """Notes computed per axis, each distinct text once, prefixed with the axes it holds for."""
    by_text = axes_by_text(ndim, per_axis_notes)
    return [t if len(axes) == ndim else f"{', '.join(axes)}: {t}" for t, axes in by_text.items()]


def notes_block(notes: Sequence[str]) -> list[str]:
    """The ``Notes:`` block that ends an explanation (nothing when there are none)."""
    if not notes:
        return []
    return ["", "Notes:"] + [f"  • {n}" for n in notes]


def cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def and_(values: Sequence[object]) -> str:
    """``5``, ``5 and 6``, ``4, 5 and 6``."""
    items = [str(v) for v in values]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def listing(count: int, item: Callable[[int], str], sep: str = " ", unit: str = "") -> str:
    """Items ``0 … count−1`` written out, or, past :data:`SHOWN`, the first few, ``…``, the last
    two and the total; ``item`` is called only for the items shown (so counts may be huge)."""
    if count <= SHOWN:
        return sep.join(item(i) for i in range(count))
    shown = [item(i) for i in range(SHOWN - 4)] + ["…"] + [item(count - 2), item(count - 1)]
    return sep.join(shown) + f"  ({count:,}{' ' + unit if unit else ''} in all)"


def span(values: range) -> str:
    """A range of sizes for a sentence: ``5 and 6``, ``8, 9, 10 and 11`` or ``8 … 1007``."""
    if len(values) <= 6:
        return and_(list(values))
    return f"{values[0]} … {values[-1]} ({len(values):,} sizes)"


def units(axes: Sequence[str], n: int) -> str:
    """``row``, ``3 rows``, ``row and column``: n units along the given axes."""
    names = and_([UNITS[a][0 if n == 1 else 1] for a in axes])
    return names if n == 1 else f"{n} {names}"


def grouped(
    ndim: int, keys: Sequence[Any], make: Callable[[Any, list[str]], str]
) -> list[list[str]]:
    """One note per axis (``None`` key: none); axes with equal keys get one shared text that
    names all their units, so :func:`merge_notes` prints it once."""
    groups: dict[Any, list[str]] = {}
    for axis, key in zip(AXES[ndim], keys, strict=True):
        if key is not None:
            groups.setdefault(key, []).append(axis)
    return [[] if key is None else [make(key, groups[key])] for key in keys]


def dropped_note(key: tuple[int, int, int, int, bool], axes: list[str]) -> str:
    """The floor's lost cells: ``key = (dropped, real, covered, padded length, any padding)``."""
    dropped, real, covered, padded, has_pad = key
    edge = "/".join(UNITS[a][2] for a in axes)
    lost = (
        f"{real} of them {'is' if real == 1 else 'are'} real input, never read"
        if real
        else "they are padding, so no input is lost"
    )
    return (
        f"the floor drops the last {units(axes, dropped)} ({edge}): the windows reach "
        f"{covered} of the {padded}{' padded' if has_pad else ''} "
        f"{and_([UNITS[a][1] for a in axes])}; {lost}"
    )


def gap_note(key: tuple[int, int, int], axes: list[str]) -> str:
    """Stride longer than the window: ``key = (stride, K, skipped per gap)``."""
    stride, K, gap = key
    skipped = units(axes, gap) if gap > 1 else f"one {units(axes, gap)}"
    return (
        f"stride {stride} > K = {K}: {skipped} between neighbouring windows "
        f"{'is' if gap == 1 else 'are'} never read"
    )


def gap_notes(dims: Sequence[Any]) -> list[list[str]]:
    """Per axis: the stride-longer-than-window note of conv and pool geometries."""
    return grouped(
        len(dims),
        [
            (g.stride, g.effective_kernel, g.stride - g.effective_kernel)
            if g.stride > g.effective_kernel and g.output > 1
            else None
            for g in dims
        ],
        gap_note,
    )


def floor_notes(
    own: Sequence[Sequence[str]],
    dims: Sequence[Any],
    dropped: Sequence[Any],
    make: Callable[[Any, list[str]], str] = dropped_note,
) -> list[list[str]]:
    """Per axis: an operation's ``own`` notes, then the cells the floor drops (``dropped``: a
    :func:`dropped_note` key per axis, ``None`` where nothing is lost; ``make`` writes it) and
    the strides that step over cells (:func:`gap_notes`), as conv and pool both explain them."""
    lost = grouped(len(dims), dropped, make)
    return [[*mine, *d, *gaps] for mine, d, gaps in zip(own, lost, gap_notes(dims), strict=True)]


def symmetric_window_data(spec: Any, dims: Sequence[Any]) -> dict[str, Any]:
    """The ``--json`` fields a pooling and a transposed convolution report alike (their
    dimensions are :class:`~convanim.core.dims.SymmetricWindow`), in their order."""
    return {
        "framework": "torch",
        "input": list(spec.input_size),
        "output": list(spec.output_shape),
        "kernel_size": [g.kernel for g in dims],
        "stride": [g.stride for g in dims],
        "padding": [g.padding for g in dims],
        "dilation": [g.dilation for g in dims],
    }
