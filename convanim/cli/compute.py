"""``convanim compute``: the numeric engine on the command line.

Parses the arrays and the operation's parameters (options generated from the parameter table),
builds the operation's spec through the registry (:data:`convanim.core.specs.KINDS`: which
options an operation takes, whether it has gradients and traces), checks the work budget
(:mod:`convanim.core.budget`), calls the engine, prints the matrices aligned (or ``--json``).
NumPy is imported only when the command runs.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields
from typing import Any

import click

from convanim.cli.operands import Result, Run, bias_array, parse_coords, weight_array
from convanim.cli.options import options
from convanim.cli.printing import (
    finite_or_none,
    format_array,
    header,
    in_user_rank,
    json_default,
    json_values,
    jsonable,
    shape_text,
)
from convanim.core import budget
from convanim.core.explain.cell import CONVENTIONS, TRANSPOSED_CONVENTIONS
from convanim.core.params import PARAMS
from convanim.core.specs import KINDS, Kind, Spec, get_kind

#: Every torch.nn.functional name compute runs: each kind at 1, 2 and 3 spatial dimensions.
OPS: tuple[str, ...] = tuple(kind.torch_name(n) for kind in KINDS.values() for n in (1, 2, 3))

#: Arrays bigger than this are summarised in the human view (``--json`` prints everything).
SHOW_LIMIT = 600

#: The operation parameters compute offers: every parameter some kind's spec takes (a new
#: kind's parameters appear by themselves), in the table's order; each kind takes its own.
PARAMETERS = tuple(
    name
    for name in PARAMS
    if name not in ("input_size", "in_channels", "out_channels")
    and any(name in {p.name for p in kind.params()} for kind in KINDS.values())
)

#: Every option an operation may refuse, in the order they are listed.
_OPTION_ORDER = ("weight", "bias", *PARAMETERS, "indices")


def _check_options(op: str, kind: Kind, given: dict[str, Any], explain: str | None) -> None:
    """Refuse, in one usage line, what this operation does not take (read from the registry)."""
    takes = set(kind.operands) | {p.name for p in kind.params()}
    if "weight" in kind.operands:  # the weight gives the kernel size and the channels
        takes -= {"kernel_size", "in_channels", "out_channels"}
    if op == "avg_pool1d":
        takes.discard("divisor_override")
    for name, value in given.items():
        if value not in (None, False) and name not in takes and name != "grad_output":
            raise click.UsageError(f"{op} does not take --{name.replace('_', '-')}")
    if kind.name == "transposed" and None not in (given["output_size"], given["output_padding"]):
        raise click.UsageError(
            "give --output-size or --output-padding, not both (the size sets the padding)"
        )
    if given["grad_output"] is not None and kind.backward is None:
        names = ", ".join(k.torch for k in KINDS.values() if k.backward is not None)
        names = " and ".join(names.rsplit(", ", 1))
        raise click.UsageError(f"--grad-output: gradients are computed for {names}, not {op}")
    if explain is not None and kind.trace is None:
        raise click.UsageError(f"--explain is not available for {kind.torch}")
    if "weight" in kind.operands and given["weight"] is None:
        raise click.UsageError(f"{op} needs --weight")
    if "kernel_size" in takes and given["kernel_size"] is None:
        raise click.UsageError(f"{op} needs --kernel-size (-k)")
    if "indices" in kind.operands and given["indices"] is None:
        raise click.UsageError(f"{op} needs --indices (the argmax indices of the max pool)")
    if kind.spec.KIND == "adaptive" and given["output_size"] is None:
        raise click.UsageError(f"{op} needs --output-size")


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


_DECORATORS = [
    click.argument("op", metavar="OP", type=click.Choice(OPS)),
    click.option(
        "-i",
        "--input",
        "input_",
        required=True,
        metavar="ARRAY",
        help="Input: JSON literal or @file (.json/.npy/.csv). Rank = spatial rank: one "
        "channel; +1: (C, …); +2: (N, C, …).",
    ),
    click.option(
        "-w",
        "--weight",
        metavar="ARRAY|NAME",
        help="Kernel (same rank rule), or a classic kernel name: identity, edge, sharpen, "
        "box_blur, gaussian, sobel_x, sobel_y, laplacian.",
    ),
    click.option("--bias", metavar="ARRAY", help="One number, or one per output channel."),
    options(
        *PARAMETERS,
        # None: not given (the operation's default applies, and an option it does not take is
        # refused only when given).
        **{
            **{name: {"default": None} for name in PARAMETERS},
            "groups": {"default": None, "type": click.IntRange(min=1)},
            "output_size": {
                "help": "Adaptive pools, max_unpool, conv_transpose (e.g. 3,3; none keeps a dim of "
                "a 2-d/3-d adaptive pool).",
            },
        },
    ),
    click.option(
        "--indices", metavar="ARRAY", help="max_unpool: the argmax indices of the max pool."
    ),
    click.option(
        "--grad-output",
        metavar="ARRAY",
        help="∂L/∂y (the output's shape): also print the gradients.",
    ),
    click.option("--explain", metavar="ROW,COL", help="Print one output cell's products and sum."),
    click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
]


def _compute_options(func: Any) -> Any:
    """The options of ``compute``: the arrays, the operation parameters (from the parameter
    table), gradients, explanation and output."""
    for decorator in reversed(_DECORATORS):
        func = decorator(func)
    return func


@click.command("compute", context_settings={"help_option_names": ["-h", "--help"]})
@_compute_options
def compute(
    op: str,
    input_: str,
    weight: str | None,
    bias: str | None,
    indices: str | None,
    grad_output: str | None,
    explain: str | None,
    as_json: bool,
    **values: Any,
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

    kind, ndim = get_kind(op), int(op[-2])
    x_raw = arrays.parse_array(input_, "--input")
    x = arrays.as_batched(x_raw, ndim, "--input")
    coord = parse_coords(explain) if explain is not None else None
    # In the order the options are listed (click hands them over in the order typed).
    given = dict(weight=weight, bias=bias, **values, indices=indices)
    given = {name: given[name] for name in _OPTION_ORDER}
    _check_options(op, kind, {**given, "grad_output": grad_output}, explain)
    takes = {p.name for p in kind.params()}
    params = {k: v for k, v in values.items() if v is not None and k in takes}
    if "output_size" in params:
        params["output_size"] = _output_size(params["output_size"], ndim)
    run = Run(op, kind, ndim, x, x_raw, coord, grad_output)
    import numpy as np

    # Overflow (finite inputs near the float64 limit) and lp_pool's odd powers of negative sums
    # give inf/nan as in torch; they are reported below as one error, not as NumPy warnings.
    with np.errstate(all="ignore"):
        if "weight" in kind.operands:
            result = _run_conv(run, params, weight, bias)  # type: ignore[arg-type]
        elif "indices" in kind.operands:
            result = _run_unpool(run, params, indices)  # type: ignore[arg-type]
        elif kind.spec.KIND == "adaptive":
            result = _run_adaptive(run, params)
        else:
            result = _run_pool(run, params)
    _check_results(op, kind, result)
    _print(op, result, as_json)


_COUNT_WORDS = {1: "one", 2: "two", 3: "three"}


def _output_size(values: tuple[int | None, ...], ndim: int) -> tuple[int | None, ...]:
    """``--output-size``: one value for every dimension, or one per dimension (torch's rule
    and wording)."""
    if len(values) == 1 and ndim > 1:
        values = values * ndim
    if len(values) != ndim:
        raise ValueError(
            f"argument 'output_size' should contain {_COUNT_WORDS.get(ndim, ndim)} "
            f"int{'s' if ndim > 1 else ''} (got {len(values)})"
        )
    return values


def _print(op: str, result: Result, as_json: bool) -> None:
    if as_json:
        report: dict[str, Any] = {"op": op}
        report.update(result.header_json)
        for name, array in result.arrays.items():
            report[name] = json_values(array)
        # nested lists lose the trailing dimensions of an empty array: say every shape
        report["shape"] = {name: list(a.shape) for name, a in result.arrays.items()}
        if result.explain_json is not None:
            report["explain"] = finite_or_none(result.explain_json)
        # strict JSON: a max-pool window made only of padding (-inf in torch) is null
        click.echo(json.dumps(report, default=json_default, allow_nan=False))
        return
    lines = list(result.header)
    for name, array in result.arrays.items():
        lines.append("")
        lines.append(f"{name} ({shape_text(array.shape)}):")
        if array.size > SHOW_LIMIT:
            lines.append(f"  … {array.size} values (use --json to print them all)")
        else:
            lines.extend(format_array(array))
    if result.explain:
        lines.append("")
        lines.extend(result.explain)
    click.echo("\n".join(lines))


def _check_results(op: str, kind: Kind, result: Result) -> None:
    """Refuse inf/nan results: only max pooling's padding-only windows are legitimately -inf."""
    import numpy as np

    for name, array in result.arrays.items():
        a = np.asarray(array)
        if a.dtype.kind != "f" or np.isfinite(a).all():
            continue
        if kind.name == "max_pool" and name == "output" and not np.isnan(a).any():
            if not np.isposinf(a).any():
                continue
        if kind.name == "lp_pool" and name == "grad_input" and np.isnan(a).any():
            raise ValueError(
                f"{op}: the gradient is nan where an input is 0 (0·∞ in the chain rule for "
                "this --norm-type; torch gives nan too)"
            )
        if kind.name == "lp_pool" and np.isnan(a).any():
            raise ValueError(
                f"{op} gives nan: a window's sum of x^p is negative and its 1/p-th power is not "
                "real (negative inputs with an odd or fractional --norm-type)"
            )
        raise ValueError(
            f"{op}: the {name.replace('_', ' ')} overflows float64 (values beyond ±1.8e308); "
            "use smaller numbers"
        )


# --------------------------------------------------------------------------------------------
# Convolutions
# --------------------------------------------------------------------------------------------


#: The transposed-conv parameters torch's output_size rule reads (defaults: core.params).
_TRANSPOSED = ("stride", "padding", "dilation")


def _conv_spec(run: Run, params: dict[str, Any], w: Any) -> Spec:
    """The spec of the convolution these arrays and parameters describe, its work checked."""
    transposed = run.kind.name == "transposed"
    n, c_in = run.x.shape[:2]
    spatial = {"input_size": run.x.shape[2:], "kernel_size": w.shape[2:]}
    if transposed:
        if "output_size" in params:  # as the module's forward(x, output_size)
            from convanim.engine import ops

            size = params.pop("output_size")
            if any(v is None for v in size):
                raise ValueError(f"{run.op} needs every dimension of --output-size")
            params["output_padding"] = ops.transposed_output_padding(
                run.x.shape[2:],
                w.shape[2:],
                size,
                *(params.get(k, PARAMS[k].default) for k in _TRANSPOSED),
            )
        spec = run.kind.make(**spatial, **params)
        c_out = w.shape[1] * spec.groups
        budget.check_conv_transpose(run.op, n, c_in, c_out, w.shape[2:], spec.geometry())
    else:
        # The channels are the engine's to check, with F.conv's wording (not nn.Conv's).
        spec = run.kind.make(**spatial, **params)
        budget.check_conv(run.op, n, c_in, w.shape[0], w.shape[2:], spec.geometry())
    if run.coord is not None:
        dims = spec.geometry()
        taps = (c_in // spec.groups) * math.prod(w.shape[2:])
        grid = math.prod(g.grid if transposed else g.padded for g in dims)
        budget.check_trace(run.op, math.prod(spec.output_shape), taps, grid)
    return spec


def _run_conv(run: Run, params: dict[str, Any], weight: str, bias: str | None) -> Result:
    from convanim.engine import arrays

    transposed = run.kind.name == "transposed"
    w_raw = arrays.check_finite(weight_array(weight, run.ndim), "--weight")
    groups = params.get("groups", 1)
    if transposed:
        w = arrays.as_transposed_weight(w_raw, run.ndim, run.x.shape[1], "--weight")
        b = bias_array(bias, w.shape[1] * groups)
    else:
        w = arrays.as_conv_weight(w_raw, run.ndim, run.x.shape[1], groups, "--weight")
        b = bias_array(bias, w.shape[0])
    spec: Any = _conv_spec(run, params, w)
    if transposed:
        shown = ("stride", "padding", "output_padding", "dilation", "groups")
    else:
        shown = ("stride", "padding", "dilation", "groups", "padding_mode")
    shown_params = {name: getattr(spec, name) for name in shown}
    args = {**shown_params, "mode": spec.mode}
    y = run.kind.load("forward")(run.x, w, b, **args)
    shown = run.display(y)
    out: dict[str, Any] = {"output": shown}
    if run.grad_output is not None:
        g = run.kind.load("backward")(run.x, w, run.grad(y.shape, shown.shape), **args)
        out["grad_input"] = g.grad_input.reshape(run.x_raw.shape)
        out["grad_weight"] = g.grad_weight.reshape(w_raw.shape)
        out["grad_bias"] = g.grad_bias
    convention = (TRANSPOSED_CONVENTIONS if transposed else CONVENTIONS)[spec.mode]
    lines = header(f"{run.op} · {convention}", shown_params, run.x_raw.shape, shown.shape)
    result = Result(out, lines, header_json={"mode": spec.mode, "params": jsonable(shown_params)})
    if run.coord is not None:
        result.explain, result.explain_json = _explain_conv(run, w, w_raw, b, args, spec.mode)
    return result


def _explain_conv(
    run: Run, w: Any, w_raw: Any, b: Any, args: dict[str, Any], mode: str
) -> tuple[list[str], dict]:
    """One output cell of a (transposed) convolution, indexed as the user typed the arrays."""
    from convanim.core.explain.cell import explain_cell

    transposed = run.kind.name == "transposed"
    n, c, spatial = run.split_coord()
    trace = run.kind.load("trace")(run.x, w, b, **args, batch=n, out_channel=c)
    first = trace.params["in_channels"][0]  # the group's first input channel

    def x_where(tap: Any) -> list[int]:
        return in_user_rank((n, tap.channel, *tap.source), run.x.shape, run.x_raw.shape)

    def w_where(tap: Any) -> list[int]:
        if transposed:  # (C_in, C_out/groups, *k)
            full = (tap.channel, c % w.shape[1], *tap.kernel)
        else:  # (C_out, C_in/groups, *k)
            full = (c, tap.channel - first, *tap.kernel)
        return in_user_rank(full, w.shape, w_raw.shape)

    lines, data = explain_cell(trace, tuple(spatial), "output", x_where, w_where, run.coord)
    note = (
        "(equivalent direct convolution: zeros inserted between input cells, the kernel "
        "rotated 180°)"
        if transposed
        else f"({mode})"
    )
    lines[0] = f"{lines[0]} {note}:"
    return lines, data


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------


def _pool_params(run: Run, spec: Any) -> dict[str, Any]:
    """The parameters a pooling's header shows: its kind's, in torch's order (LPPool's power
    first), an unset divisor_override left out."""
    params: dict[str, Any] = {
        "kernel_size": spec.kernel_size,
        "stride": spec.stride if spec.stride is not None else "kernel size",
    }
    rest = [p.name for p in run.kind.params() if p.name not in ("input_size", *params)]
    for name in sorted(rest, key=lambda name: name != "norm_type"):
        if not (name == "divisor_override" and spec.divisor_override is None):
            params[name] = getattr(spec, name)
    return params


def _spec_args(run: Run, spec: Any) -> dict[str, Any]:
    """The kind's parameters as torch's keywords (``kernel_size=…, stride=…``), from the spec."""
    return run.kind.keywords({f.name: getattr(spec, f.name) for f in fields(spec)})


def _run_pool(run: Run, params: dict[str, Any]) -> Result:
    spec: Any = run.kind.make(input_size=run.x.shape[2:], **params)
    n, c = run.x.shape[:2]
    budget.check_pool(run.op, n, c, spec.geometry())
    args = _spec_args(run, spec)
    if spec.kind == "max":  # max pooling also says where each maximum was
        y, idx = run.kind.load("forward")(run.x, **args, return_indices=True, ndim=run.ndim)
        out = {"output": run.display(y), "indices": run.display(idx)}
    else:
        y = run.kind.load("forward")(run.x, **args, ndim=run.ndim)
        out = {"output": run.display(y)}
    result = _pool_result(run, _pool_params(run, spec), out)
    if run.coord is not None:
        _explain_pool(run, spec, result)
    if run.grad_output is not None:
        gy = run.grad(y.shape, out["output"].shape)
        g = run.kind.load("backward")(run.x, gy, **args, ndim=run.ndim)
        out["grad_input"] = g.grad_input.reshape(run.x_raw.shape)
    return result


def _explain_pool(run: Run, spec: Any, result: Result) -> None:
    dims = spec.geometry()
    taps = math.prod(g.kernel for g in dims)
    grid = math.prod(g.padded for g in dims)
    budget.check_trace(run.op, math.prod(spec.output_shape), taps, grid)
    n, c, spatial = run.split_coord()
    trace = run.kind.load("trace")(
        run.x, spec.kind, **_spec_args(run, spec), ndim=run.ndim, batch=n, channel=c
    )
    _explain_window(run, result, trace, n, c, spatial)


def _pool_result(run: Run, params: dict[str, Any], out: dict[str, Any]) -> Result:
    lines = header(run.op, params, run.x_raw.shape, out["output"].shape)
    if "indices" in out:
        lines.append(
            "  indices: flat position of each maximum in its input plane (first maximum wins ties)"
        )
    return Result(out, lines, header_json={"params": jsonable(params)})


def _explain_window(
    run: Run, result: Result, trace: Any, n: int, c: int, spatial: tuple[int, ...]
) -> None:
    from convanim.core.explain.cell import explain_cell

    def x_where(tap: Any) -> list[int]:
        return in_user_rank((n, c, *tap.source), run.x.shape, run.x_raw.shape)

    lines, data = explain_cell(trace, tuple(spatial), "output", x_where, None, run.coord)
    lines[0] += ":"
    result.explain, result.explain_json = lines, data


def _run_adaptive(run: Run, params: dict[str, Any]) -> Result:
    shown_size = list(params["output_size"])
    spec: Any = run.kind.make(input_size=run.x.shape[2:], **params)
    n, c = run.x.shape[:2]
    budget.check_adaptive(run.op, n, c, spec.output_shape)
    forward = run.kind.load("forward")
    if spec.kind == "max":
        y, idx = forward(run.x, shown_size, True, ndim=run.ndim)
        out = {"output": run.display(y), "indices": run.display(idx)}
    else:
        y = forward(run.x, shown_size, ndim=run.ndim)
        out = {"output": run.display(y)}
    if run.grad_output is not None:
        gy = run.grad(y.shape, out["output"].shape)
        g = run.kind.load("backward")(run.x, gy, shown_size, ndim=run.ndim)
        out["grad_input"] = g.grad_input.reshape(run.x_raw.shape)
    result = _pool_result(run, {"output_size": shown_size}, out)
    if run.coord is not None:
        sizes = run.x.shape[2:]
        # windows overlap by at most one cell per dimension: Σ taps ≤ Π (size + out)
        taps = math.prod(a + o for a, o in zip(sizes, spec.output_shape, strict=True))
        budget.check_trace(run.op, 1, taps, math.prod(sizes))
        n, c, spatial = run.split_coord()
        trace = run.kind.load("trace")(
            run.x, spec.kind, shown_size, ndim=run.ndim, batch=n, channel=c
        )
        _explain_window(run, result, trace, n, c, spatial)
    return result


def _run_unpool(run: Run, params: dict[str, Any], indices: str) -> Result:
    from convanim.engine import arrays

    idx_raw = arrays.parse_array(indices, "--indices")
    idx = arrays.as_batched(idx_raw, run.ndim, "--indices")
    if idx.shape != run.x.shape:
        raise ValueError(
            f"--indices must have the input's shape {list(run.x_raw.shape)}, "
            f"got {list(idx_raw.shape)}"
        )
    spec: Any = run.kind.make(input_size=run.x.shape[2:], **params)
    n, c = run.x.shape[:2]
    budget.check_work(run.op, n, c, 1, c, spec.output_shape)
    size = None if spec.output_size is None else list(spec.output_size)
    args = (spec.kernel_size, spec.stride, spec.padding, size)
    y = run.kind.load("forward")(run.x, idx, *args, ndim=run.ndim)
    out = {"output": run.display(y)}
    if run.grad_output is not None:
        gy = run.grad(y.shape, out["output"].shape)
        g = run.kind.load("backward")(run.x, idx, gy, *args, ndim=run.ndim)
        out["grad_input"] = g.grad_input.reshape(run.x_raw.shape)
    shown_params = {
        "kernel_size": spec.kernel_size,
        "stride": spec.stride if spec.stride is not None else "kernel size",
        "padding": spec.padding,
    }
    return _pool_result(run, shown_params, out)
