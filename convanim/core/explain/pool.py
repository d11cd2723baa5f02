"""Explanations of pooling (max/avg/lp with torch's ceil_mode rule), adaptive pooling and what
MaxUnpool can restore.

>>> from convanim.core.specs import PoolSpec
>>> pool(PoolSpec((5,), 1, stride=3, ceil_mode=True)).data["output"]
[2]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from convanim.core import shapes
from convanim.core.budget import LIST_LIMIT, check_list
from convanim.core.explain import Report
from convanim.core.explain.text import (
    AXES,
    TORCH_NAMES,
    dropped_note,
    floor_notes,
    fmt_size,
    listing,
    merge_notes,
    notes_block,
    per_axis,
    symmetric_window_data,
)
from convanim.core.specs import KINDS, AdaptiveSpec, PoolSpec

__all__ = ["pool", "adaptive", "pool_formula", "unpool_note"]


def pool_formula(g: shapes.PoolDim) -> str:
    """The pooling size rule with one dimension's numbers (ceil mode's last-window rule too)."""
    pad = f" + 2·{g.padding}" if g.padding else ""
    ker = f" − {g.kernel}" if g.dilation == 1 else f" − {g.dilation}·({g.kernel} − 1) − 1"
    num = g.padded - g.effective_kernel
    if not g.ceil_mode:
        return f"⌊({g.size}{pad}{ker})/{g.stride}⌋ + 1 = ⌊{num}/{g.stride}⌋ + 1 = {g.output}"
    raw = -(-num // g.stride) + 1
    text = f"⌈({g.size}{pad}{ker})/{g.stride}⌉ + 1 = ⌈{num}/{g.stride}⌉ + 1 = {raw}"
    if raw != g.output:
        text += (
            f", minus the last window (it would start at {(raw - 1) * g.stride - g.padding} ≥ "
            f"L + p = {g.size + g.padding}, in the right padding) = {g.output}"
        )
    return text


def _pool_axis_notes(dims: Sequence[shapes.PoolDim]) -> list[str]:
    """Overhanging last windows, the cells the floor drops, strides longer than the window."""
    ndim = len(dims)
    per_axis_notes: list[list[str]] = []
    for g in dims:
        notes: list[str] = []
        last_start, last_stop = g.window(g.output - 1)
        if last_stop > g.size + g.padding:
            notes.append(
                f"the last window [{last_start}, {last_stop}) hangs past the input"
                f"{' and its padding' if g.padding else ''}; only its cells up to L + p count"
            )
        per_axis_notes.append(notes)
    # ceil_mode would add a window only where torch's last-window rule lets it start in time.
    ceil_adds = [replace(g, ceil_mode=True).output > g.output for g in dims]
    dropped = [
        (
            g.padded - g.covered,
            max(0, g.padded - g.covered - g.padding),
            g.covered,
            g.padded,
            g.padding > 0,
            more,
        )
        if g.covered < g.padded and not g.ceil_mode
        else None
        for g, more in zip(dims, ceil_adds, strict=True)
    ]
    per_axis_notes = floor_notes(
        per_axis_notes,
        dims,
        dropped,
        lambda key, axes: (
            dropped_note(key[:5], axes)
            + (" (--ceil-mode keeps a partial window)" if key[5] else "")
        ),
    )
    return merge_notes(ndim, per_axis_notes)


def _divisor_lines(spec: PoolSpec, data: dict[str, Any], listed: bool) -> list[str]:
    """Average pooling: each window's divisor (padding counted or not, overhang never)."""
    dims = spec.geometry()
    cip = spec.count_include_pad
    if listed:  # per dimension; a window's divisor is their product
        data["divisors"] = [shapes.avg_pool_divisors(g, cip) for g in dims]
    data["count_include_pad"] = cip
    data["divisor_override"] = spec.divisor_override
    which = "real cells only" if not cip else "padding counted, overhang not"
    override = spec.divisor_override
    return [
        f"Divisors per window ({which}"
        + (", multiplied across dimensions" if len(dims) > 1 else "")
        + (f"; divisor_override={override} replaces them" if override else "")
        + "):",
        *per_axis(
            len(dims),
            [
                listing(g.output, lambda i, g=g: str(shapes.avg_pool_divisor(g, i, cip)), ", ")
                for g in dims
            ],
        ),
    ]


def unpool_note(spec: PoolSpec, data: dict[str, Any]) -> str | None:
    """What MaxUnpool (kernel, stride, padding only) gives back after this max pool."""
    dims = spec.geometry()
    # MaxUnpool takes only kernel, stride and padding: its default size ignores dilation
    # and ceil_mode, and output_size must lie strictly within default ± stride.
    default = [shapes.unpool_default_size(g.output, g.kernel, g.stride, g.padding) for g in dims]
    accepted = [shapes.unpool_size_range(g.output, g.kernel, g.stride, g.padding) for g in dims]
    data["unpool"] = {"default": default, "accepted": [[r.start, r.stop - 1] for r in accepted]}
    if default == list(spec.input_size):
        return None
    unaware = spec.ceil_mode or any(g.dilation > 1 for g in dims)
    ranges = ", ".join(f"{r.start}…{r.stop - 1}" for r in accepted)
    text = f"MaxUnpool{TORCH_NAMES[len(dims)]} gives {fmt_size(default)} by default" + (
        " (it knows nothing of dilation or ceil_mode)" if unaware else ""
    )
    if all(L in r for L, r in zip(spec.input_size, accepted, strict=True)):
        return text + f", not {fmt_size(spec.input_size)}: pass output_size (accepted {ranges})"
    return (
        text + f" and accepts output_size only in {ranges}: it cannot restore "
        f"{fmt_size(spec.input_size)}"
    )


def pool(spec: PoolSpec, listed: bool = False) -> Report:
    """The output size, the formula per axis, the windows, average divisors, and the notes:
    the default stride, overhanging and dropped cells, what MaxUnpool restores. ``listed`` adds
    windows and divisors to the data while every dimension has at most ``LIST_LIMIT`` of them
    (the output size of a 10⁹-long pooling is still answered, instantly)."""
    dims = spec.geometry()
    ndim = len(dims)
    listed = listed and all(g.output <= LIST_LIMIT for g in dims)
    data: dict[str, Any] = {
        "operation": "pool",
        "kind": spec.kind,
        **symmetric_window_data(spec, dims),
        "ceil_mode": spec.ceil_mode,
        "formula": [pool_formula(g) for g in dims],
    }
    if listed:
        data["windows"] = [[list(g.window(i)) for i in range(g.output)] for g in dims]
    notes = ["stride defaults to the kernel size for pooling"] if spec.stride is None else []
    notes += _pool_axis_notes(dims)
    divisor_lines = _divisor_lines(spec, data, listed) if spec.kind == "avg" else []
    if spec.kind == "max":
        note = unpool_note(spec, data)
        notes += [note] if note else []
    windows = [
        listing(g.output, lambda i, g=g: "[{},{})".format(*g.window(i)), unit="windows")
        for g in dims
    ]
    lines = [
        f"{KINDS[spec.kind + '_pool'].title}{TORCH_NAMES[ndim]}: input {fmt_size(spec.input_size)} → "
        f"output {fmt_size(spec.output_shape)}",
        *per_axis(ndim, data["formula"]),
        "Windows [start, stop) in input coordinates:",
        *per_axis(ndim, windows),
        *divisor_lines,
    ]
    return Report(data, lines + notes_block(notes))


# --------------------------------------------------------------------------------------------
# Adaptive pooling
# --------------------------------------------------------------------------------------------


def _adaptive_note(g: shapes.AdaptiveDim) -> list[str]:
    L, out = g.size, g.output
    if out and L % out == 0:
        return [
            f"{L} is a multiple of {out}: the same as pooling with kernel = stride = {L // out}"
        ]
    if not out:
        return []
    # Widths repeat with period O/gcd(L, O) (window i + period is window i shifted by
    # L/gcd), so one period shows them all; each is ⌊L/O⌋ + 1 or ⌊L/O⌋ + 2. Windows
    # overlap because some boundary i·L/O is not whole (O does not divide L).
    period = out // math.gcd(L, out)
    widths = sorted(
        {b - a for a, b in (g.window(i) for i in range(period))}
        if period <= LIST_LIMIT
        else {L // out + 1, L // out + 2}
    )
    return [
        f"window sizes {', '.join(map(str, widths))}; neighbouring windows overlap"
        + ("; input cells repeat because out > L" if out > L else "")
    ]


def adaptive(spec: AdaptiveSpec, listed: bool = False) -> Report:
    """The windows ``[⌊i·L/O⌋, ⌈(i+1)·L/O⌉)`` per axis and when they equal plain pooling."""
    dims = spec.geometry()
    ndim = len(dims)
    out = list(spec.output_shape)
    data: dict[str, Any] = {"operation": "adaptive", "input": list(spec.input_size), "output": out}
    if listed:
        for axis, g in zip(AXES[ndim], dims, strict=True):
            check_list(g.output, "windows", axis)
        data["windows"] = [[list(w) for w in g.windows()] for g in dims]
    texts = [
        listing(g.output, lambda i, g=g: "[{},{})".format(*g.window(i)), unit="windows")
        or "(empty)"
        for g in dims
    ]
    lines = [
        f"AdaptivePool{TORCH_NAMES[ndim]}: input {fmt_size(spec.input_size)} → "
        f"output {fmt_size(out)}",
        "  window i = [⌊i·L/O⌋, ⌈(i + 1)·L/O⌉)",
        *per_axis(ndim, texts),
    ]
    notes = merge_notes(ndim, [_adaptive_note(g) for g in dims])
    return Report(data, lines + notes_block(notes))
