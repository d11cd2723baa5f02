"""``convanim compute``: the numeric engine on the command line.

Parses the arrays and parameters, applies the rank rule, calls one engine function, prints the
matrices aligned (or ``--json``). NumPy is imported only when the command runs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

from convanim.cli.shape import DIMS, PADDING
from convanim.core import shapes

# op name -> (family, spatial rank)
FAMILIES = (
    "conv",
    "conv_transpose",
    "max_pool",
    "avg_pool",
    "lp_pool",
    "adaptive_max_pool",
    "adaptive_avg_pool",
    "max_unpool",
)
OPS: dict[str, tuple[str, int]] = {
    f"{family}{n}d": (family, n) for family in FAMILIES for n in (1, 2, 3)
}

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

#: Work the command line agrees to do: elements of the window buffer (im2col) and of the
#: output, and output positions of adaptive pooling (computed one window at a time).
MAX_WORK = 64_000_000
MAX_ADAPTIVE_POSITIONS = 250_000

#: Arrays bigger than this are summarised in the human view (``--json`` prints everything).
SHOW_LIMIT = 600

#: Taps plus grid cells an --explain trace may hold (a 64×64 three-channel 3×3 conv is ~110 000).
TRACE_LIMIT = 200_000


@dataclass
class Result:
    """What one ``compute`` run produced, arrays already in the user's ranks."""

    arrays: dict[str, Any]  # name -> numpy array (output, grad_input, …), in print order
    header: list[str]
    explain: list[str] | None = None
    explain_json: dict[str, Any] | None = None
    header_json: dict[str, Any] = field(default_factory=dict)  # mode, params (for --json)


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def _number_texts(values: Sequence[float]) -> list[str]:
    """Shortest common fixed-point format (up to 4 decimals) that shows every value exactly."""
    decimals = 4
    for d in range(5):
        if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            decimals = d
            break
    out = []
    for v in values:
        text = f"{v:.{decimals}f}"
        if float(text) == 0:
            text = text.lstrip("-")
        out.append(text)
    return out


def format_array(array: Any, indent: str = "  ") -> list[str]:
    """Aligned rows of a 0-d to N-d array; leading axes become ``[i, j]`` block headers."""
    import numpy as np

    a = np.asarray(array, dtype=np.float64)
    if a.ndim == 0:
        return [indent + _number_texts([float(a)])[0]]
    texts = np.array(_number_texts(a.ravel().tolist()), dtype=object).reshape(a.shape)
    width = max((len(t) for t in texts.ravel()), default=1)
    if a.ndim == 1:
        return [indent + " ".join(t.rjust(width) for t in texts)]
    lines: list[str] = []
    lead = a.shape[:-2]
    for pos in np.ndindex(*lead) if lead else [()]:
        if lead:
            lines.append(f"{indent}[{', '.join(map(str, pos))}]")
        block = texts[pos] if lead else texts
        for row in block:
            lines.append(indent + ("  " if lead else "") + " ".join(t.rjust(width) for t in row))
    return lines


def _shape_text(shape: Sequence[int]) -> str:
    return "×".join(str(n) for n in shape) if shape else "scalar"


# --------------------------------------------------------------------------------------------
# Argument helpers
# --------------------------------------------------------------------------------------------


def _parse_coords(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in re.split(r"[,x×\s]+", text.strip()) if p)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an output coordinate (ROW,COL, e.g. 1,2)", param_hint="--explain"
        ) from None


def _parse_output_size(text: str, ndim: int) -> Any:
    parts = [p.strip().lower() for p in re.split(r"[,x×]", text.strip())]
    try:
        values = [None if p in ("none", "-") else int(p) for p in parts]
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an output size (e.g. 3, 3,4 or 3,none)", param_hint="--output-size"
        ) from None
    if len(values) == 1 and ndim > 1:
        values = values * ndim
    if len(values) != ndim:  # torch's rule and wording
        raise ValueError(
            f"argument 'output_size' should contain {_COUNT_WORDS.get(ndim, ndim)} "
            f"int{'s' if ndim > 1 else ''} (got {len(values)})"
        )
    return values


_COUNT_WORDS = {1: "one", 2: "two", 3: "three"}


def _weight_array(text: str, ndim: int) -> Any:
    from convanim.engine import arrays, examples

    stripped = text.strip()
    if re.fullmatch(r"[A-Za-z][A-Za-z_ -]*", stripped):
        kernel = examples.classic_kernel(stripped)
        if ndim != 2:
            raise ValueError(
                f"the classic kernel {stripped!r} is 2-d; {ndim}-d operations need a {ndim}-d weight"
            )
        return kernel
    return arrays.parse_array(text, "--weight")


def _bias_array(text: str | None, channels: int) -> Any:
    import numpy as np

    from convanim.engine import arrays

    if text is None:
        return None
    b = arrays.parse_array(text, "--bias")
    if b.ndim == 0:
        return np.full(channels, float(b))
    if b.ndim != 1 or b.shape[0] != channels:
        raise ValueError(
            f"--bias must be one number or one per output channel ({channels}), got shape {list(b.shape)}"
        )
    return b


def _check_work(
    op: str, n: int, channels: int, taps: int, out_channels: int, out_shape: Sequence[int]
) -> None:
    """Refuse computations far beyond a teaching example before allocating anything."""
    from convanim.engine.arrays import MAX_ELEMENTS

    positions = math.prod(out_shape)
    outputs = n * out_channels * positions
    if outputs > MAX_ELEMENTS:
        raise ValueError(
            f"{op} would produce {outputs} values ({_shape_text(out_shape)} per channel); "
            f"the limit is {MAX_ELEMENTS}"
        )
    work = n * channels * taps * positions
    if work > MAX_WORK:
        raise ValueError(
            f"{op} would gather {work} window cells (kernel {taps} taps × {channels} channels × "
            f"{positions} positions × batch {n}); the limit is {MAX_WORK}"
        )


def _check_buffer(op: str, planes: int, spans: Sequence[int]) -> None:
    """Refuse a padded grid far beyond the output (huge padding cancelled by huge dilation)."""
    from convanim.engine.arrays import MAX_ELEMENTS

    cells = planes * math.prod(spans)
    if cells > 4 * MAX_ELEMENTS:
        raise ValueError(
            f"{op} would fill a working grid of {cells} cells ({_shape_text(spans)} per channel: "
            f"the padding and dilation reach far past the input); the limit is {4 * MAX_ELEMENTS}"
        )


def _check_trace(op: str, positions: int, taps: int, grid: int) -> None:
    """--explain builds the step trace (Python objects): keep it to a teaching example's size."""
    size = positions * taps + grid
    if size > TRACE_LIMIT:
        raise ValueError(
            f"--explain traces {op} step by step: {positions} positions × {taps} taps and "
            f"{grid} grid cells are beyond the limit of {TRACE_LIMIT}; explain a smaller example"
        )


def _display(full: Any, extra: int) -> Any:
    """Undo the rank rule for an output computed as (N, C, …)."""
    if extra == 2:
        return full
    if extra == 1:
        return full[0]
    return full[0, 0] if full.shape[1] == 1 else full[0]


def _grad_output(text: str, full_shape: tuple[int, ...], shown_shape: tuple[int, ...]) -> Any:
    from convanim.engine import arrays

    gy = arrays.parse_array(text, "--grad-output")
    if gy.shape == tuple(full_shape):
        return gy
    if gy.shape == tuple(shown_shape):
        return gy.reshape(full_shape)
    raise ValueError(
        f"--grad-output must have the output's shape {list(shown_shape)}, got {list(gy.shape)}"
    )


# --------------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------------


def _g(value: float) -> str:
    """Compact number text; ``-0`` shows as ``0``."""
    return f"{value + 0.0:g}"


Where = Callable[[Any], Sequence[int]]


def _in_user_rank(full: tuple[int, ...], full_shape: Sequence[int], user_shape: Sequence[int]):
    """An index into the (N, C, …) array as an index into the array the user typed."""
    import numpy as np

    flat = np.ravel_multi_index(full, tuple(full_shape))
    return [int(v) for v in np.unravel_index(flat, tuple(user_shape))]


def _cell_label(tap: Any, where: Where | None = None, name: str = "x") -> str:
    if tap.role == "inserted":
        return "0 (inserted)"
    if tap.role == "padding" and tap.source is None:
        return "0 (padding)" if tap.value == 0 else f"{_g(tap.value)} (padding)"
    coords = where(tap) if where is not None else list(tap.source)
    label = f"{name}[{', '.join(map(str, coords))}]"
    return f"pad={label}" if tap.role == "padding" else label


def _explain(
    trace: Any,
    coord: tuple[int, ...],
    what: str,
    x_where: Where | None = None,
    w_where: Where | None = None,
    shown: tuple[int, ...] | None = None,
) -> tuple[list[str], dict]:
    """One output cell's terms. ``x_where``/``w_where`` map a tap to its index in the arrays as
    the user gave them; ``shown`` is the output coordinate as the user typed it."""
    step = next((s for s in trace.steps if s.output == coord), None)
    if step is None:
        raise ValueError(
            f"--explain {list(coord)} is outside the output {list(trace.output_shape)}"
        )
    shown = coord if shown is None else shown
    where = ", ".join(map(str, shown))
    lines = [f"{what}[{where}]"]
    data: dict[str, Any] = {"coordinate": list(shown), "terms": []}
    if trace.op in ("conv", "transposed"):
        rows = []
        for tap in step.taps:
            kernel = w_where(tap) if w_where is not None else list(tap.kernel)
            k = ", ".join(map(str, kernel))
            cell = _cell_label(tap, x_where)
            rows.append(
                (f"{cell} · w[{k}]", f"{_g(tap.value)} · {_g(tap.weight)}", _g(tap.product))
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
        lines.extend(f"  {a.ljust(w1)} = {b.rjust(w2)} = {c}" for a, b, c in rows)
        bias = f" + bias {_g(step.bias)}" if step.bias else ""
        lines.append(f"  sum = {_g(step.total)}{bias} → {_g(step.value)}")
        data.update(sum=step.total, bias=step.bias, value=step.value)
    else:
        cells = []
        for tap in step.taps:
            label = _cell_label(tap, x_where)
            # a zero/-inf padding cell's label already says its value
            cells.append(label if tap.source is None else f"{label}={_g(tap.value)}")
            data["terms"].append({"cell": label, "value": tap.value})
        lines.append("  window: " + ", ".join(cells))
        if trace.op == "max_pool" and step.winner is None:
            lines.append(f"  max = {_g(step.value)} (every tap is padding: no input cell to pick)")
            data.update(value=None, winner=None)
        elif step.winner is not None:
            win = next(t for t in step.taps if t.grid == step.winner)
            lines.append(
                f"  max = {_g(step.value)} at {_cell_label(win, x_where)} "
                "(the first maximum in scan order wins ties)"
            )
            data.update(value=step.value, winner=list(x_where(win) if x_where else win.source))
        elif step.divisor is not None:
            lines.append(f"  sum = {_g(step.total)}, ÷ {_g(step.divisor)} → {_g(step.value)}")
            data.update(sum=step.total, divisor=step.divisor, value=step.value)
        elif math.isinf(trace.params["norm_type"]):
            which = "largest" if trace.params["norm_type"] > 0 else "smallest"
            lines.append(
                f"  p = {_g(trace.params['norm_type'])}: the {which} |x| → {_g(step.value)}"
            )
            data.update(value=step.value)
        else:
            full = math.prod(trace.kernel_shape)
            if len(step.taps) < full:
                # torch computes avg_pool(x^p) · (kernel size), and avg_pool divides a ceil_mode
                # window cut short by its real cells: the sum is scaled up to the full kernel
                scaled = step.total * full / len(step.taps)
                lines.append(
                    f"  Σ x^p = {_g(step.total)}, × {full}/{len(step.taps)} (torch scales a window "
                    f"cut short by ceil_mode to the full kernel) = {_g(scaled)}, "
                    f"^(1/{_g(trace.params['norm_type'])}) → {_g(step.value)}"
                )
                data.update(sum=step.total, scale=full / len(step.taps), value=step.value)
            else:
                lines.append(
                    f"  Σ x^p = {_g(step.total)}, ^(1/{_g(trace.params['norm_type'])}) "
                    f"→ {_g(step.value)}"
                )
                data.update(sum=step.total, value=step.value)
    return lines, data


def _split_coord(coord: tuple[int, ...], ndim: int) -> tuple[int, int, tuple[int, ...]]:
    if len(coord) == ndim:
        return 0, 0, coord
    if len(coord) == ndim + 1:
        return 0, coord[0], coord[1:]
    if len(coord) == ndim + 2:
        return coord[0], coord[1], coord[2:]
    raise click.BadParameter(
        f"give {ndim} coordinates (or channel and batch first), got {len(coord)}",
        param_hint="--explain",
    )


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def _reject(op: str, **given: Any) -> None:
    for name, value in given.items():
        if value not in (None, False):
            raise click.UsageError(f"{op} does not take --{name.replace('_', '-')}")


@click.command("compute", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("op", metavar="OP", type=click.Choice(list(OPS)))
@click.option(
    "-i",
    "--input",
    "input_",
    required=True,
    metavar="ARRAY",
    help="Input: JSON literal or @file (.json/.npy/.csv). Rank = spatial rank: one "
    "channel; +1: (C, …); +2: (N, C, …).",
)
@click.option(
    "-w",
    "--weight",
    metavar="ARRAY|NAME",
    help="Kernel (same rank rule), or a classic kernel name: identity, edge, sharpen, "
    "box_blur, gaussian, sobel_x, sobel_y, laplacian.",
)
@click.option("--bias", metavar="ARRAY", help="One number, or one per output channel.")
@click.option("-k", "--kernel-size", type=DIMS, help="Pooling window (pool and unpool ops).")
@click.option("-s", "--stride", type=DIMS, help="Stride (default 1; pooling: the window).")
@click.option(
    "-p",
    "--padding",
    type=PADDING,
    help="1, 1,2, before:after pairs 0:1,1:1, or same|valid|full (conv).",
)
@click.option("-d", "--dilation", type=DIMS, help="Dilation (conv, transposed conv, max pool).")
@click.option("--groups", type=click.IntRange(min=1), help="Groups (conv, transposed conv).")
@click.option(
    "--padding-mode",
    type=click.Choice(shapes.PADDING_MODES),
    help="Padding mode (conv only).",
)
@click.option("--output-padding", type=DIMS, help="Transposed conv: extra cells at the end.")
@click.option(
    "--output-size",
    metavar="SIZE",
    help="Adaptive pools, max_unpool, conv_transpose (e.g. 3,3; none keeps a dim of a 2-d/3-d adaptive pool).",
)
@click.option("--indices", metavar="ARRAY", help="max_unpool: the argmax indices of the max pool.")
@click.option("--ceil-mode", is_flag=True, default=None, help="Pooling: ceil instead of floor.")
@click.option(
    "--count-include-pad/--no-count-include-pad",
    default=None,
    help="avg pool: count padding cells in the divisor (default: yes).",
)
@click.option("--divisor-override", type=int, help="avg_pool2d/3d: divide by this instead.")
@click.option("--norm-type", type=float, help="lp pool: the power p (default 2).")
@click.option(
    "--mode",
    type=click.Choice(("correlation", "convolution")),
    default=None,
    help="Convention for conv ops: correlation (default, what frameworks compute) "
    "or convolution (kernel flipped).",
)
@click.option(
    "--grad-output", metavar="ARRAY", help="∂L/∂y (the output's shape): also print the gradients."
)
@click.option("--explain", metavar="ROW,COL", help="Print one output cell's products and sum.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def compute(
    op: str,
    input_: str,
    weight: str | None,
    bias: str | None,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int | None,
    padding_mode: str | None,
    output_padding: Any,
    output_size: str | None,
    indices: str | None,
    ceil_mode: bool | None,
    count_include_pad: bool | None,
    divisor_override: int | None,
    norm_type: float | None,
    mode: str | None,
    grad_output: str | None,
    explain: str | None,
    as_json: bool,
) -> None:
    """Compute an operation's actual values (and gradients), exactly as PyTorch does.

    OP is a torch.nn.functional name: conv1d/2d/3d, conv_transpose1d/2d/3d, max_pool*, avg_pool*,
    lp_pool*, adaptive_max_pool*, adaptive_avg_pool*, max_unpool*.

    \b
    Example (the conv_arithmetic paper's Figure 1.2):
      convanim compute conv2d --input '[[3,3,2,1,0],[0,0,1,3,1],[3,1,2,2,3],[2,0,0,2,2],[2,0,0,0,1]]' \\
        --weight '[[0,1,2],[2,2,0],[0,1,2]]' -s 2 -p 1
    """
    from convanim.engine import arrays

    family, ndim = OPS[op]
    x_raw = arrays.parse_array(input_, "--input")
    x = arrays.as_batched(x_raw, ndim, "--input")
    extra = x_raw.ndim - ndim
    coord = _parse_coords(explain) if explain is not None else None
    opts = dict(
        weight=weight,
        bias=bias,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        padding_mode=padding_mode,
        output_padding=output_padding,
        output_size=output_size,
        indices=indices,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
        norm_type=norm_type,
        mode=mode,
    )
    allowed = {
        "conv": {
            "weight",
            "bias",
            "stride",
            "padding",
            "dilation",
            "groups",
            "padding_mode",
            "mode",
        },
        "conv_transpose": {
            "weight",
            "bias",
            "stride",
            "padding",
            "dilation",
            "groups",
            "output_padding",
            "output_size",
            "mode",
        },
        "max_pool": {"kernel_size", "stride", "padding", "dilation", "ceil_mode"},
        "avg_pool": {
            "kernel_size",
            "stride",
            "padding",
            "ceil_mode",
            "count_include_pad",
            "divisor_override",
        },
        "lp_pool": {"kernel_size", "stride", "ceil_mode", "norm_type"},
        "adaptive_max_pool": {"output_size"},
        "adaptive_avg_pool": {"output_size"},
        "max_unpool": {"kernel_size", "stride", "padding", "output_size", "indices"},
    }[family]
    if op == "avg_pool1d":
        allowed = allowed - {"divisor_override"}
    _reject(op, **{k: v for k, v in opts.items() if k not in allowed})
    if family == "conv_transpose" and output_size is not None and output_padding is not None:
        raise click.UsageError(
            "give --output-size or --output-padding, not both (the size sets the padding)"
        )
    if explain is not None and family == "max_unpool":
        raise click.UsageError("--explain is not available for max_unpool")
    if family in ("conv", "conv_transpose") and weight is None:
        raise click.UsageError(f"{op} needs --weight")
    import numpy as np

    # Overflow (finite inputs near the float64 limit) and lp_pool's odd powers of negative sums
    # give inf/nan as in torch; they are reported below as one error, not as NumPy warnings.
    with np.errstate(all="ignore"):
        result = _dispatch(
            op, family, ndim, x, x_raw, extra, weight, bias, stride, padding, dilation, groups,
            padding_mode, output_padding, mode, grad_output, coord, kernel_size, ceil_mode,
            count_include_pad, divisor_override, norm_type, output_size, indices,
        )  # fmt: skip
    _check_results(op, family, result)
    if as_json:
        report: dict[str, Any] = {"op": op}
        report.update(result.header_json)
        for name, array in result.arrays.items():
            report[name] = _json_values(array)
        # nested lists lose the trailing dimensions of an empty array: say every shape
        report["shape"] = {name: list(a.shape) for name, a in result.arrays.items()}
        if result.explain_json is not None:
            report["explain"] = _finite_or_none(result.explain_json)
        # strict JSON: a max-pool window made only of padding (-inf in torch) is null
        click.echo(json.dumps(report, default=_json_default, allow_nan=False))
        return
    lines = list(result.header)
    for name, array in result.arrays.items():
        lines.append("")
        lines.append(f"{name} ({_shape_text(array.shape)}):")
        if array.size > SHOW_LIMIT:
            lines.append(f"  … {array.size} values (use --json to print them all)")
        else:
            lines.extend(format_array(array))
    if result.explain:
        lines.append("")
        lines.extend(result.explain)
    click.echo("\n".join(lines))


def _check_results(op: str, family: str, result: Result) -> None:
    """Refuse inf/nan results: only max pooling's padding-only windows are legitimately -inf."""
    import numpy as np

    for name, array in result.arrays.items():
        a = np.asarray(array)
        if a.dtype.kind != "f" or np.isfinite(a).all():
            continue
        if family == "max_pool" and name == "output" and not np.isnan(a).any():
            if not np.isposinf(a).any():
                continue
        if family == "lp_pool" and name == "grad_input" and np.isnan(a).any():
            raise ValueError(
                f"{op}: the gradient is nan where an input is 0 and --norm-type is below 1 "
                "(x^(p−1) is infinite there; torch gives nan too)"
            )
        if family == "lp_pool" and np.isnan(a).any():
            raise ValueError(
                f"{op} gives nan: a window's sum of x^p is negative and its 1/p-th power is not "
                "real (negative inputs with an odd or fractional --norm-type)"
            )
        raise ValueError(
            f"{op}: the {name.replace('_', ' ')} overflows float64 (values beyond ±1.8e308); "
            "use smaller numbers"
        )


def _finite_or_none(value: Any) -> Any:
    """``value`` with every non-finite float (a padding cell of max pooling: -inf) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value


def _json_values(array: Any) -> Any:
    """Nested lists, -inf (a max-pool window of padding only) as None."""
    import numpy as np

    a = np.asarray(array)
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        return np.where(np.isfinite(a), a, None).tolist()
    return a.tolist()


def _json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dispatch(
    op: str,
    family: str,
    ndim: int,
    x: Any,
    x_raw: Any,
    extra: int,
    weight: str | None,
    bias: str | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int | None,
    padding_mode: str | None,
    output_padding: Any,
    mode: str | None,
    grad_output: str | None,
    coord: tuple[int, ...] | None,
    kernel_size: Any,
    ceil_mode: bool,
    count_include_pad: bool | None,
    divisor_override: int | None,
    norm_type: float | None,
    output_size: Any,
    indices: str | None,
) -> Result:
    if family in ("conv", "conv_transpose"):
        return _run_conv(
            op,
            family,
            ndim,
            x,
            x_raw,
            extra,
            weight,
            bias,
            stride,
            padding,
            dilation,
            groups or 1,
            padding_mode or "zeros",
            output_padding,
            mode or "correlation",
            grad_output,
            coord,
            output_size,
        )
    if family == "max_unpool":
        return _run_unpool(
            op, ndim, x, x_raw, extra, kernel_size, stride, padding, output_size, indices,
            grad_output,
        )  # fmt: skip
    return _run_pool(
        op,
        family,
        ndim,
        x,
        x_raw,
        extra,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        count_include_pad,
        divisor_override,
        norm_type,
        output_size,
        grad_output,
        coord,
    )


def _run_conv(
    op: str,
    family: str,
    ndim: int,
    x: Any,
    x_raw: Any,
    extra: int,
    weight: str,
    bias: str | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    padding_mode: str,
    output_padding: Any,
    mode: str,
    grad_output: str | None,
    coord: tuple[int, ...] | None,
    output_size: str | None = None,
) -> Result:
    from convanim import engine
    from convanim.engine import arrays, ops

    w_raw = arrays.check_finite(_weight_array(weight, ndim), "--weight")
    stride = 1 if stride is None else stride
    dilation = 1 if dilation is None else dilation
    padding = 0 if padding is None else padding
    if family == "conv":
        w = arrays.as_conv_weight(w_raw, ndim, x.shape[1], groups, "--weight")
        b = _bias_array(bias, w.shape[0])
        geom = shapes.conv_geometry(
            x.shape[2:], w.shape[2:], stride, padding, dilation, padding_mode
        )
        out_shape = [g.output for g in geom]
        _check_work(op, x.shape[0], x.shape[1], math.prod(w.shape[2:]), w.shape[0], out_shape)
        # forward pads the input; the input gradient pads ∂L/∂y by the dilated kernel each side
        spans = [max(g.padded, g.output + 2 * (g.effective_kernel - 1)) for g in geom]
        _check_buffer(op, x.shape[0] * max(x.shape[1], w.shape[0]), spans)
        if coord is not None:
            _check_trace(
                op, math.prod(out_shape), math.prod(w.shape[1:]), math.prod(g.padded for g in geom)
            )
        y = engine.conv(x, w, b, stride, padding, dilation, groups, padding_mode, mode)
        params = dict(
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            padding_mode=padding_mode,
        )
    else:
        w = arrays.as_transposed_weight(w_raw, ndim, x.shape[1], "--weight")
        b = _bias_array(bias, w.shape[1] * groups)
        op_pad = 0 if output_padding is None else output_padding
        if output_size is not None:  # as the module's forward(x, output_size)
            size = _parse_output_size(output_size, ndim)
            if any(v is None for v in size):
                raise ValueError(f"{op} needs every dimension of --output-size")
            op_pad = ops.transposed_output_padding(
                x.shape[2:], w.shape[2:], size, stride, padding, dilation
            )
        geom = shapes.transposed_geometry(
            x.shape[2:], w.shape[2:], stride, padding, dilation, op_pad
        )
        out_shape = [g.output for g in geom]
        _check_work(op, x.shape[0], w.shape[1] * groups, 1, w.shape[1] * groups, out_shape)
        _check_work(op, x.shape[0], x.shape[1], math.prod(w.shape[2:]), 1, x.shape[2:])
        # the uncropped canvas, and the input padded by the dilated kernel (stride-1 kernel)
        spans = [
            max(g.output + 2 * g.padding, g.size + 2 * (g.effective_kernel - 1), g.grid)
            for g in geom
        ]
        _check_buffer(op, x.shape[0] * max(x.shape[1], w.shape[1] * groups), spans)
        if coord is not None:
            taps = (x.shape[1] // groups) * math.prod(w.shape[2:])
            _check_trace(op, math.prod(out_shape), taps, math.prod(g.grid for g in geom))
        y = engine.conv_transpose(x, w, b, stride, padding, op_pad, groups, dilation, mode)
        params = dict(
            stride=stride, padding=padding, output_padding=op_pad, dilation=dilation, groups=groups
        )
    shown = _display(y, extra)
    out: dict[str, Any] = {"output": shown}
    if grad_output is not None:
        gy = _grad_output(grad_output, y.shape, shown.shape)
        if family == "conv":
            g = engine.conv_backward(
                x, w, gy, stride, padding, dilation, groups, padding_mode, mode
            )
        else:
            g = engine.conv_transpose_backward(
                x, w, gy, stride, padding, op_pad, groups, dilation, mode
            )
        out["grad_input"] = g.grad_input.reshape(x_raw.shape)
        out["grad_weight"] = g.grad_weight.reshape(w_raw.shape)
        out["grad_bias"] = g.grad_bias
    convention = CONVENTIONS[mode] if family == "conv" else TRANSPOSED_CONVENTIONS[mode]
    header = _header(f"{op} · {convention}", params, x_raw.shape, shown.shape)
    result = Result(out, header, header_json={"mode": mode, "params": _jsonable(params)})
    if coord is not None:
        n, c, spatial = _split_coord(coord, ndim)
        if family == "conv":
            trace = engine.trace_conv(
                x,
                w,
                b,
                stride,
                padding,
                dilation,
                groups,
                padding_mode,
                mode,
                batch=n,
                out_channel=c,
            )
        else:
            trace = engine.trace_conv_transpose(
                x, w, b, stride, padding, op_pad, groups, dilation, mode, batch=n, out_channel=c
            )
        first = trace.params["in_channels"][0]  # the group's first input channel

        def x_where(tap: Any) -> list[int]:
            return _in_user_rank((n, tap.channel, *tap.source), x.shape, x_raw.shape)

        def w_where(tap: Any) -> list[int]:
            if family == "conv":  # (C_out, C_in/groups, *k)
                full = (c, tap.channel - first, *tap.kernel)
            else:  # (C_in, C_out/groups, *k)
                full = (tap.channel, c % w.shape[1], *tap.kernel)
            return _in_user_rank(full, w.shape, w_raw.shape)

        lines, data = _explain(trace, tuple(spatial), "output", x_where, w_where, coord)
        note = (
            (
                "(equivalent direct convolution: zeros inserted between input cells, the kernel "
                "rotated 180°)"
            )
            if family == "conv_transpose"
            else f"({mode})"
        )
        lines[0] = f"{lines[0]} {note}:"
        result.explain, result.explain_json = lines, data
    return result


def _header(
    title: str, params: dict[str, Any], in_shape: Sequence[int], out_shape: Sequence[int]
) -> list[str]:
    """The lines every op prints first: its name, its parameters, input → output shapes."""
    return [
        title,
        "  " + " · ".join(f"{k.replace('_', ' ')} {_param_text(v)}" for k, v in params.items()),
        f"  input {_shape_text(in_shape)} → output {_shape_text(out_shape)}",
    ]


def _param_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(f"{v[0]}:{v[1]}" if isinstance(v, tuple | list) else str(v) for v in value)
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"  # lp_pool's norm_type; strict JSON has no inf
    return value


def _run_pool(
    op: str,
    family: str,
    ndim: int,
    x: Any,
    x_raw: Any,
    extra: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool | None,
    count_include_pad: bool | None,
    divisor_override: int | None,
    norm_type: float | None,
    output_size: str | None,
    grad_output: str | None,
    coord: tuple[int, ...] | None,
) -> Result:
    from convanim import engine

    out: dict[str, Any] = {}
    params: dict[str, Any] = {}
    ceil = bool(ceil_mode)
    cip = True if count_include_pad is None else count_include_pad
    p = 0 if padding is None else padding
    d = 1 if dilation is None else dilation
    trace = None
    if family in ("adaptive_max_pool", "adaptive_avg_pool"):
        if output_size is None:
            raise click.UsageError(f"{op} needs --output-size")
        size = _parse_output_size(output_size, ndim)
        if len(size) != ndim:  # torch: one size per spatial dimension (or one for all)
            raise ValueError(
                f"{op} takes {ndim} output size{'s' if ndim > 1 else ''} (one per spatial "
                f"dimension), got {len(size)}: {output_size!r}"
            )
        params["output_size"] = size
        out_shape = [x.shape[2 + a] if v is None else v for a, v in enumerate(size)]
        if math.prod(out_shape) > MAX_ADAPTIVE_POSITIONS:
            raise ValueError(
                f"{op} output {_shape_text(out_shape)} has more than "
                f"{MAX_ADAPTIVE_POSITIONS} positions"
            )
        _check_work(op, x.shape[0], x.shape[1], 1, x.shape[1], out_shape)
        if family == "adaptive_max_pool":
            y, idx = engine.adaptive_max_pool(x, size, True, ndim=ndim)
            out["output"], out["indices"] = _display(y, extra), _display(idx, extra)
        else:
            y = engine.adaptive_avg_pool(x, size, ndim=ndim)
            out["output"] = _display(y, extra)
        if grad_output is not None:
            gy = _grad_output(grad_output, y.shape, out["output"].shape)
            backward = (
                engine.adaptive_max_pool_backward
                if family == "adaptive_max_pool"
                else engine.adaptive_avg_pool_backward
            )
            out["grad_input"] = backward(x, gy, size, ndim=ndim).grad_input.reshape(x_raw.shape)
        if coord is not None:
            sizes = x.shape[2:]
            # windows overlap by at most one cell per dimension: Σ taps ≤ Π (size + out)
            taps = math.prod(a + o for a, o in zip(sizes, out_shape, strict=True))
            _check_trace(op, 1, taps, math.prod(sizes))
            n, c, spatial = _split_coord(coord, ndim)
            trace = engine.trace_adaptive_pool(
                x, family.split("_")[1], size, ndim=ndim, batch=n, channel=c
            )
    else:
        if kernel_size is None:
            raise click.UsageError(f"{op} needs --kernel-size (-k)")
        params.update(
            kernel_size=kernel_size, stride=stride if stride is not None else "kernel size"
        )
        kind = family.split("_")[0]
        geom = shapes.pool_geometry(
            x.shape[2:],
            kernel_size,
            stride,
            0 if kind == "lp" else p,
            d if kind == "max" else 1,
            ceil,
            kind,
        )
        out_shape = [g.output for g in geom]
        taps = math.prod(g.kernel for g in geom)
        _check_work(op, x.shape[0], x.shape[1], taps, x.shape[1], out_shape)
        if family == "max_pool":
            params.update(padding=p, dilation=d, ceil_mode=ceil)
            y, idx = engine.max_pool(x, kernel_size, stride, p, d, ceil, True, ndim=ndim)
            out["output"], out["indices"] = _display(y, extra), _display(idx, extra)
        elif family == "avg_pool":
            params.update(padding=p, ceil_mode=ceil, count_include_pad=cip)
            if divisor_override is not None:
                params["divisor_override"] = divisor_override
            y = engine.avg_pool(x, kernel_size, stride, p, ceil, cip, divisor_override, ndim=ndim)
            out["output"] = _display(y, extra)
        else:
            norm = 2.0 if norm_type is None else norm_type
            params.update(norm_type=norm, ceil_mode=ceil)
            y = engine.lp_pool(x, norm, kernel_size, stride, ceil, ndim=ndim)
            out["output"] = _display(y, extra)
        if coord is not None:
            grid = math.prod(g.padded for g in geom)
            _check_trace(op, math.prod(out_shape), taps, grid)
            n, c, spatial = _split_coord(coord, ndim)
            trace = engine.trace_pool(
                x,
                kind,
                kernel_size,
                stride,
                p,
                d,
                ceil,
                cip,
                divisor_override,
                2.0 if norm_type is None else norm_type,
                ndim=ndim,
                batch=n,
                channel=c,
            )
        if grad_output is not None:
            gy = _grad_output(grad_output, y.shape, out["output"].shape)
            if family == "max_pool":
                g = engine.max_pool_backward(x, gy, kernel_size, stride, p, d, ceil, ndim=ndim)
            elif family == "lp_pool":
                norm = 2.0 if norm_type is None else norm_type
                g = engine.lp_pool_backward(x, gy, norm, kernel_size, stride, ceil, ndim=ndim)
            else:
                g = engine.avg_pool_backward(
                    x, gy, kernel_size, stride, p, ceil, cip, divisor_override, ndim=ndim
                )
            out["grad_input"] = g.grad_input.reshape(x_raw.shape)
    shown = out["output"]
    header = _header(op, params, x_raw.shape, shown.shape)
    if "indices" in out:
        header.append(
            "  indices: flat position of each maximum in its input plane (first maximum wins ties)"
        )
    result = Result(out, header, header_json={"params": _jsonable(params)})
    if trace is not None:

        def x_where(tap: Any) -> list[int]:
            return _in_user_rank((n, c, *tap.source), x.shape, x_raw.shape)

        result.explain, result.explain_json = _explain(
            trace, tuple(spatial), "output", x_where, None, coord
        )
        result.explain[0] += ":"
    return result


def _run_unpool(
    op: str,
    ndim: int,
    x: Any,
    x_raw: Any,
    extra: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: str | None,
    indices: str | None,
    grad_output: str | None = None,
) -> Result:
    from convanim import engine
    from convanim.engine import arrays, ops

    if kernel_size is None:
        raise click.UsageError(f"{op} needs --kernel-size (-k)")
    if indices is None:
        raise click.UsageError(f"{op} needs --indices (the argmax indices of the max pool)")
    idx_raw = arrays.parse_array(indices, "--indices")
    idx = arrays.as_batched(idx_raw, ndim, "--indices")
    if idx.shape != x.shape:
        raise ValueError(
            f"--indices must have the input's shape {list(x_raw.shape)}, got {list(idx_raw.shape)}"
        )
    size = None
    if output_size is not None:
        size = _parse_output_size(output_size, ndim)
        if any(v is None for v in size):
            raise ValueError("max_unpool needs every dimension of --output-size")
    p = 0 if padding is None else padding
    out_shape = ops.unpool_output_size(x.shape[2:], kernel_size, stride, p, size)
    _check_work(op, x.shape[0], x.shape[1], 1, x.shape[1], out_shape)
    y = engine.max_unpool(x, idx, kernel_size, stride, p, size, ndim=ndim)
    shown = _display(y, extra)
    out: dict[str, Any] = {"output": shown}
    if grad_output is not None:
        gy = _grad_output(grad_output, y.shape, shown.shape)
        g = engine.max_unpool_backward(x, idx, gy, kernel_size, stride, p, size, ndim=ndim)
        out["grad_input"] = g.grad_input.reshape(x_raw.shape)
    params = {
        "kernel_size": kernel_size,
        "stride": stride if stride is not None else "kernel size",
        "padding": p,
    }
    header = _header(op, params, x_raw.shape, shown.shape)
    return Result(out, header, header_json={"params": _jsonable(params)})
