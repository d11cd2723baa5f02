"""What a grid figure's page says, from the engine's trace: every cell's name and value (its
text alternative, and the script's labels), each step's arithmetic (taps, values, weights,
products, sum, bias, divisor), and the figure's description. Numbers are formatted here, once,
as the plan formats them (with a real minus sign). Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence

from convanim.core.params import PARAMS
from convanim.draw.plan import GridView, Plan, format_values
from convanim.draw.trace import Step, Trace

__all__ = ["fmt", "step_data", "cell_names", "describe", "feeds_verb"]

_OP_NAMES = {
    "conv": "convolution",
    "transposed": "transposed convolution (direct view: zeros inserted, kernel rotated)",
    "max_pool": "max pooling",
    "avg_pool": "average pooling",
    "lp_pool": "power-average pooling",
    "grad_weight": "weight gradient",
    "grad_input": "input gradient",
}
#: How an input cell relates to the outputs whose windows hold it.
_FEEDS = {
    "transposed": "scatters to",
    "max_pool": "is pooled into",
    "avg_pool": "is pooled into",
    "lp_pool": "is pooled into",
}


def feeds_verb(op: str) -> str:
    """How an input cell relates to the outputs whose windows hold it (``scatters to`` …)."""
    return _FEEDS.get(op, "feeds")


def _index_label(name: str, pos: Sequence[int]) -> str:
    return f"{name}[{','.join(str(v) for v in pos)}]"


def _as2d(pos: Sequence[int]) -> tuple[int, int]:
    return (0, pos[0]) if len(pos) == 1 else (pos[0], pos[1])


def fmt(values: Sequence[float]) -> tuple[str, ...]:
    """The plan's number format, with a real minus sign (as the cells show them)."""
    return tuple(text.replace("-", "−") for text in format_values(values))


def step_data(op: str, step: Step, cols: int) -> dict:
    """One step's arithmetic, formatted once here: every tap's grid cell, value, weight and
    product, the sum, the bias, the divisor and the value that lands in the output."""
    vals = fmt([t.value for t in step.taps]) if step.taps else ()
    weighted = bool(step.taps) and all(t.weight is not None for t in step.taps)
    ws = fmt([t.weight for t in step.taps]) if weighted else ()
    ps = fmt([t.product for t in step.taps]) if weighted else ()
    taps = []
    for i, tap in enumerate(step.taps):
        r, c = _as2d(tap.grid)
        taps.append([r * cols + c, vals[i], *((ws[i], ps[i]) if weighted else ())])
    data: dict = {"t": taps, "v": fmt([step.value])[0]}
    if weighted:
        data["s"] = fmt([step.total])[0]
        if step.bias:
            data["b"] = fmt([step.bias])[0]
    if op == "avg_pool":
        data["s"] = fmt([step.total])[0]
        data["d"] = fmt([step.divisor or len(step.taps)])[0]
    return data


def _sources(trace: Trace, grid: GridView) -> dict[int, tuple[int, ...]]:
    """Real-input coordinates of the drawn input cells (padding and inserted zeros have none).

    The taps say where every covered cell comes from; a cell no window reaches (``dropped``)
    is placed by the offset the taps show, which is constant for a padded grid (not for the
    zero-inserted grid of a transposed convolution, where every real cell is covered anyway).
    """
    found: dict[int, tuple[int, ...]] = {}
    offset = None
    for step in trace.steps:
        for tap in step.taps:
            if tap.source is not None:
                r, c = _as2d(tap.grid)
                found[r * grid.cols + c] = tuple(tap.source)
                if offset is None and len(tap.source) == len(tap.grid):
                    offset = tuple(g - s for g, s in zip(tap.grid, tap.source, strict=True))
    if offset is not None and trace.op != "transposed":
        one_d = len(trace.input_shape) == 1
        for i, role in enumerate(grid.roles):
            if role in ("input", "dropped") and i not in found:
                r, c = divmod(i, grid.cols)
                pos = (c,) if one_d else (r, c)
                found[i] = tuple(p - o for p, o in zip(pos, offset, strict=True))
    return found


def _keys(trace: Trace, grid: GridView, output: bool = False) -> list[tuple[int, ...]]:
    """The trace's coordinates of a drawn grid's cells, row-major (1-D traces: ``(c,)``)."""
    shape = trace.output_shape if output else trace.grid_shape
    return [(c,) if len(shape) == 1 else (r, c) for r in range(grid.rows) for c in range(grid.cols)]


def cell_names(plan: Plan, trace: Trace | None) -> tuple[dict[int, str], dict[int, str]]:
    """Every drawn input and output cell's name, by cell index: ``x[1,2] = 3`` (with the
    trace's values), ``padding (zero)``, ``y[0] = 4``; 1-D operations have one index."""
    g_in, g_out = plan.grid("input"), plan.grid("output")
    one_d = len(trace.output_shape) == 1 if trace is not None else g_out.rows == 1
    sources = _sources(trace, g_in) if trace is not None else {}
    in_values = (
        fmt([trace.grid_values.get(k, 0.0) for k in _keys(trace, g_in)])
        if (trace is not None)
        else g_in.texts
    )
    in_names: dict[int, str] = {}
    for i, role in enumerate(g_in.roles):
        if role in ("input", "dropped") and i in sources:
            name = _index_label("x", sources[i])
            if in_values:
                name += f" = {in_values[i]}"
            in_names[i] = name + (", never covered" if role == "dropped" else "")
        else:
            in_names[i] = {
                "padding": "padding (zero)",
                "inserted": "inserted zero",
                "output_padding": "output_padding (zero)",
            }.get(role, role)
    out_values = g_out.texts
    if trace is not None:
        okeys = _keys(trace, g_out, output=True)
        by_out = {_as2d(s.output): s.value for s in trace.steps}
        out_values = fmt([trace.output_values.get(k, by_out.get(_as2d(k), 0.0)) for k in okeys])
    out_names = {}
    for i in range(g_out.rows * g_out.cols):
        r, c = divmod(i, g_out.cols)
        name = _index_label("y", (c,) if one_d else (r, c))
        out_names[i] = name + (f" = {out_values[i]}" if out_values else "")
    return in_names, out_names


def describe(plan: Plan, trace: Trace | None) -> str:
    """The figure's text alternative: what it shows and how to use it."""
    g_in, g_out = plan.grid("input"), plan.grid("output")
    op = _OP_NAMES.get(plan.op, plan.op)
    if plan.op == "conv" and plan.mode == "convolution":
        op += " (kernel flipped)"

    def dims(rows: int, cols: int) -> str:
        return f"{cols}" if rows == 1 else f"{rows}×{cols}"

    parts = [f"{op}: {dims(g_in.rows, g_in.cols)} drawn input grid"]
    if trace is not None:
        parts.append(f"(the input is {'×'.join(str(v) for v in trace.input_shape)})")
    for key in ("stride", "padding", "dilation", "output_padding"):
        text = _param_text(plan.params.get(key))
        if text and text != str(PARAMS[key].default):
            parts.append(f"{key.replace('_', ' ')} {text}")
    parts.append(f"→ {dims(g_out.rows, g_out.cols)} output, {len(plan.frames)} steps.")
    verb = feeds_verb(plan.op)
    parts.append(
        "Hover, focus or tap an output cell to see its window and arithmetic; "
        f"an input cell to see every output it {verb}. "
        "Keys: comma and period (or [ and ]) step back and forward."
    )
    return " ".join(parts)


def _param_text(value: object) -> str:
    """A parameter as a student writes it: ``2`` for ``(2, 2)``, ``1:2`` for a pair ``(1, 2)``.

    >>> _param_text((2, 2)), _param_text(((1, 1), (0, 1))), _param_text(None)
    ('2', '1, 0:1', '')
    """
    if value is None:
        return ""
    if not isinstance(value, (tuple, list)):
        return str(value)
    parts = []
    for v in value:
        if isinstance(v, (tuple, list)):
            parts.append(str(v[0]) if len(set(v)) == 1 else ":".join(str(x) for x in v))
        else:
            parts.append(str(v))
    return parts[0] if len(set(parts)) == 1 else ", ".join(parts)
