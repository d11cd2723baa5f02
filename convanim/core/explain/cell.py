"""One output cell of a step trace, term by term (``convanim compute --explain``).

Reads the engine's trace objects (plain attributes: ``steps``, ``taps``, ``value`` …); no NumPy.
``x_where``/``w_where`` map a tap to its index in the arrays as the user typed them (the CLI
knows the rank rule), ``shown`` is the output coordinate as the user typed it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["explain_cell", "number", "CONVENTIONS", "TRANSPOSED_CONVENTIONS"]

#: What a (transposed) convolution computes, in each convention: the first line of its report.
CONVENTIONS = {
    "correlation": (
        "correlation: the kernel is applied as stored, what PyTorch and TensorFlow compute "
        "(y[i] = Σ_k w[k]·x[i·s + k·d] + b)"
    ),
    "convolution": (
        "convolution: the kernel is flipped, the textbook definition (y[n] = Σ_k w[k]·x[n − k] + b)"
    ),
}

TRANSPOSED_CONVENTIONS = {
    "correlation": (
        "correlation: the kernel is applied as stored, what PyTorch and TensorFlow compute "
        "(each input cell adds x[j]·w[k] into y[j·s + k·d − p], + b)"
    ),
    "convolution": (
        "convolution: the kernel is flipped (each input cell adds x[j]·w[K−1−k] into "
        "y[j·s + k·d − p], + b)"
    ),
}

Where = Callable[[Any], Sequence[int]]


def number(value: float) -> str:
    """Compact number text; ``-0`` shows as ``0``.

    >>> number(-0.0), number(2.5), number(3.0)
    ('0', '2.5', '3')
    """
    return f"{value + 0.0:g}"


def _cell_label(tap: Any, where: Where | None = None, name: str = "x") -> str:
    if tap.role == "inserted":
        return "0 (inserted)"
    if tap.role == "padding" and tap.source is None:
        return "0 (padding)" if tap.value == 0 else f"{number(tap.value)} (padding)"
    coords = where(tap) if where is not None else list(tap.source)
    label = f"{name}[{', '.join(map(str, coords))}]"
    return f"pad={label}" if tap.role == "padding" else label


def _products(step: Any, x_where: Where | None, w_where: Where | None) -> tuple[list, dict]:
    """Conv and transposed conv: each tap's product, then the sum and bias."""
    rows = []
    data: dict[str, Any] = {"terms": []}
    for tap in step.taps:
        kernel = w_where(tap) if w_where is not None else list(tap.kernel)
        cell = _cell_label(tap, x_where)
        k = ", ".join(map(str, kernel))
        rows.append(
            (f"{cell} · w[{k}]", f"{number(tap.value)} · {number(tap.weight)}", number(tap.product))
        )
        data["terms"].append(
            {
                "cell": cell,
                "value": tap.value,
                "kernel": list(kernel),
                "weight": tap.weight,
                "product": tap.product,
            }
        )
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    lines = [f"  {a.ljust(w1)} = {b.rjust(w2)} = {c}" for a, b, c in rows]
    bias = f" + bias {number(step.bias)}" if step.bias else ""
    lines.append(f"  sum = {number(step.total)}{bias} → {number(step.value)}")
    data.update(sum=step.total, bias=step.bias, value=step.value)
    return lines, data


def _lp_sum(trace: Any, step: Any) -> tuple[str, dict]:
    full = math.prod(trace.kernel_shape)
    p = number(trace.params["norm_type"])
    if len(step.taps) < full:
        # torch computes avg_pool(x^p) · (kernel size), and avg_pool divides a ceil_mode
        # window cut short by its real cells: the sum is scaled up to the full kernel
        scaled = step.total * full / len(step.taps)
        return (
            f"  Σ x^p = {number(step.total)}, × {full}/{len(step.taps)} (torch scales a window "
            f"cut short by ceil_mode to the full kernel) = {number(scaled)}, "
            f"^(1/{p}) → {number(step.value)}",
            {"sum": step.total, "scale": full / len(step.taps), "value": step.value},
        )
    return (
        f"  Σ x^p = {number(step.total)}, ^(1/{p}) → {number(step.value)}",
        {"sum": step.total, "value": step.value},
    )


def _window(trace: Any, step: Any, x_where: Where | None) -> tuple[list[str], dict]:
    """Pooling: the window's cells, then the max (and its winner), the mean or the p-norm."""
    cells = []
    data: dict[str, Any] = {"terms": []}
    for tap in step.taps:
        label = _cell_label(tap, x_where)
        # a zero/-inf padding cell's label already says its value
        cells.append(label if tap.source is None else f"{label}={number(tap.value)}")
        data["terms"].append({"cell": label, "value": tap.value})
    lines = ["  window: " + ", ".join(cells)]
    # max and min pick one cell (the winner); avg divides; lp takes a power sum
    picked = trace.op.removeprefix("adaptive_").removesuffix("_pool")
    norm_type = trace.params.get("norm_type")
    if step.winner is not None:
        win = next(t for t in step.taps if t.grid == step.winner)
        lines.append(
            f"  {picked} = {number(step.value)} at {_cell_label(win, x_where)} "
            f"(the first {picked}imum in scan order wins ties)"
        )
        data.update(value=step.value, winner=list(x_where(win) if x_where else win.source))
    elif step.divisor is not None:
        lines.append(
            f"  sum = {number(step.total)}, ÷ {number(step.divisor)} → {number(step.value)}"
        )
        data.update(sum=step.total, divisor=step.divisor, value=step.value)
    elif norm_type is None:  # a picking kind's window with no real cell
        lines.append(
            f"  {picked} = {number(step.value)} (every tap is padding: no input cell to pick)"
        )
        data.update(value=None, winner=None)
    elif math.isinf(norm_type):
        which = "largest" if norm_type > 0 else "smallest"
        lines.append(f"  p = {number(norm_type)}: the {which} |x| → {number(step.value)}")
        data.update(value=step.value)
    else:
        text, values = _lp_sum(trace, step)
        lines.append(text)
        data.update(values)
    return lines, data


def explain_cell(
    trace: Any,
    coord: tuple[int, ...],
    what: str,
    x_where: Where | None = None,
    w_where: Where | None = None,
    shown: tuple[int, ...] | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """One output cell's terms (lines, and the same as data for ``--json``)."""
    step = next((s for s in trace.steps if s.output == coord), None)
    if step is None:
        raise ValueError(
            f"--explain {list(coord)} is outside the output {list(trace.output_shape)}"
        )
    shown = coord if shown is None else shown
    if trace.op in ("conv", "transposed"):
        lines, data = _products(step, x_where, w_where)
    else:
        lines, data = _window(trace, step, x_where)
    header = f"{what}[{', '.join(map(str, shown))}]"
    return [header, *lines], {"coordinate": list(shown), **data}
