"""Explanation of a stack of layers: the table of sizes, receptive fields, jumps, parameters
and multiply-adds, and the notes (torchvision's adaptive pool, receptive field wider than the
input, what fully connected layers would cost)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from convanim.core.explain import Report
from convanim.core.explain.text import fmt_size, notes_block
from convanim.core.stack import Preset, StackResult

__all__ = ["stack"]


def _half(x: float) -> str:
    """A start coordinate (a multiple of ½) in full: ``-1534.5``, ``3``, never ``-1.2e+06``."""
    return str(int(x)) if x == int(x) else f"{x:.1f}"


def _num(n: int) -> str:
    return f"{n:,}"


def _table(result: StackResult) -> list[str]:
    rows = [("#", "layer", "output", "rf", "jump", "start", "params", "mult-adds")]
    for n, r in enumerate(result.layers, 1):
        shape_text = (
            (fmt_size(r.output) + f"×{r.out_channels}") if r.output else str(r.out_channels)
        )
        rows.append(
            (
                str(n),
                r.layer.describe(),
                shape_text,
                fmt_size(r.receptive_field),
                fmt_size(r.jump) if r.jump else "",
                "×".join(_half(s) for s in r.start) if r.start else "",
                _num(r.params),
                _num(r.multiply_adds),
            )
        )
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(
            cell.rjust(w) if c in (0, 6, 7) else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _notes(
    result: StackResult, size: Sequence[int], preset: str | None, chosen: Preset | None, blocks: int
) -> list[str]:
    notes: list[str] = []
    if chosen is not None and chosen.adaptive_pool is not None:
        want = chosen.adaptive_pool
        last = [r for r in result.layers if r.layer.kind != "fc"][-1]
        if len(last.output) == len(want) and last.output != want:
            features = last.out_channels * math.prod(want)
            notes.append(
                f"at this input the last map is {fmt_size(last.output)}, not {fmt_size(want)}: "
                f"torchvision's AdaptiveAvgPool2d({want}) would resize it, so its first fully "
                f"connected layer takes {_num(features)} features, not "
                f"{_num(last.out_channels * math.prod(last.output))} (the counts above leave that "
                "pool out)"
            )
    if any(r > L for r, L in zip(result.receptive_field, size, strict=True)):
        notes.append("the receptive field is wider than the input: the padding supplies the rest")
    convs = [r for r in result.layers if r.layer.kind == "conv" and r.dense_params]
    if convs:
        dense = sum(r.dense_params or 0 for r in convs)
        weights = sum(r.params - (r.out_channels if r.layer.bias else 0) for r in convs)
        notes.append(
            f"the convolutions hold {_num(weights)} weights; fully connected layers computing maps "
            f"of the same shapes would need {_num(dense)}"
        )
    if len(size) == 1 and preset == "wavenet":
        rf = result.receptive_field[0]
        notes.append(
            f"receptive field 1 + {blocks}·1023 = {rf} samples ({blocks} block"
            f"{'s' if blocks > 1 else ''} of dilations 1…512)"
        )
    return notes


def stack(
    result: StackResult,
    size: Sequence[int],
    channels: int,
    preset: str | None = None,
    chosen: Preset | None = None,
    blocks: int = 1,
    notes: Sequence[str] = (),
) -> Report:
    """The stack's table and totals; ``notes`` (a preset's description) come first."""
    rf = list(result.receptive_field)
    data: dict[str, Any] = {
        "operation": "stack",
        "preset": preset,
        "input": list(size),
        "in_channels": channels,
        "output": list(result.output),
        "out_channels": result.out_channels,
        "receptive_field": rf,
        "jump": list(result.jump),
        "start": list(result.start),
        "params": result.params,
        "multiply_adds": result.multiply_adds,
        "layers": [r.as_dict() for r in result.layers],
    }
    out = fmt_size(result.output) + "×" if result.output else ""
    lines = [
        f"{preset or 'stack'}: input {fmt_size(size)}×{channels} → output {out}"
        f"{result.out_channels}",
        *_table(result),
        f"Receptive field {fmt_size(rf)} (jump {fmt_size(result.jump)}), "
        f"{_num(result.params)} parameters, {_num(result.multiply_adds)} multiply-adds",
        "  r_l = r_{l−1} + (K_l − 1)·j_{l−1},  j_l = j_{l−1}·s_l  (from the input: r = j = 1)",
    ]
    all_notes = [*notes, *_notes(result, size, preset, chosen, blocks)]
    return Report(data, lines + notes_block(all_notes))
