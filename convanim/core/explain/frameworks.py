"""Explanations of the TF/Keras/JAX size conventions (``convanim shape … --framework``).

>>> conv("tf", (6, 5), 3, 2, "same", 1).data["padding"]
[[0, 1], [1, 1]]
"""

from __future__ import annotations

from typing import Any

from convanim.core import shapes
from convanim.core.budget import check_list
from convanim.core.explain import Report
from convanim.core.explain.text import (
    AXES,
    fmt_size,
    listing,
    merge_notes,
    notes_block,
    per_axis,
    span,
)
from convanim.core.frameworks import (
    framework_conv_geometry,
    framework_pool_geometry,
    framework_transposed_sizes,
)

__all__ = ["conv", "transposed", "pool", "formula"]


def formula(framework: str, g: Any, pooling: bool) -> str:
    """The size formula of one :class:`~convanim.core.frameworks.FrameworkDim`, numbers filled in."""
    if g.mode in ("same", "same_lower", "causal"):
        return f"⌈{g.size}/{g.stride}⌉ = {g.output}"
    pad = "".join(f" {'−' if v < 0 else '+'} {abs(v)}" for v in (g.pad_before, g.pad_after) if v)
    if framework == "tf":
        return f"trunc(({g.size}{pad} − {g.effective_kernel} + {g.stride})/{g.stride}) = {g.output}"
    floor = f"⌊({g.size}{pad} − {g.effective_kernel})/{g.stride}⌋ + 1"
    # JAX clips at 0; so do Keras pooling layers (Keras convolutions raise instead).
    return (
        f"max(0, {floor}) = {g.output}"
        if framework == "jax" or pooling
        else f"{floor} = {g.output}"
    )


def _data(
    operation: str, framework: str, input_size: Any, dims: Any, texts: list[str]
) -> dict[str, Any]:
    """The --json object of a framework's conv or pool (pooling has no dilation)."""
    data: dict[str, Any] = {
        "operation": operation,
        "framework": framework,
        "input": list(input_size),
        "output": [g.output for g in dims],
        "kernel_size": [g.kernel for g in dims],
        "stride": [g.stride for g in dims],
    }
    if operation == "conv":
        data["dilation"] = [g.dilation for g in dims]
    data["padding"] = [[g.pad_before, g.pad_after] for g in dims]
    data["padding_names"] = [g.mode for g in dims]
    if operation == "conv":
        data["effective_kernel"] = [g.effective_kernel for g in dims]
    data["formula"] = texts
    return data


def _axis_notes(framework: str, g: Any) -> list[str]:
    """How SAME/causal split their padding, and TF's truncation, for one dimension."""
    total = g.pad_before + g.pad_after
    if g.mode == "causal":
        return [f"causal pads d·(k − 1) = {total} before and nothing after"]
    if g.mode in ("same", "same_lower"):
        where = "start" if g.mode == "same_lower" else "end: bottom/right"
        odd = f" (the odd element goes at the {where})" if total % 2 else ""
        return [
            f"{g.mode.upper()} pads max(({g.output} − 1)·{g.stride} + "
            f"{g.effective_kernel} − {g.size}, 0) = {total}: {g.pad_before} before, "
            f"{g.pad_after} after{odd}"
            + ("; it depends on the input size because stride > 1" if g.stride > 1 else "")
        ]
    num = g.padded - g.effective_kernel
    if g.output != 0:
        return []
    text = f"the kernel is longer than the input: {framework} returns an empty output, not an error"
    if framework == "tf" and num + g.stride < 0:
        # −s < num + s < 0: the floor would give −1 (an error); C++ division truncates to 0.
        text += f" (only because it truncates toward zero: ⌊−{-(num + g.stride)}/{g.stride}⌋ = −1)"
    return [text]


def conv(
    framework: str,
    input_size: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
) -> Report:
    """A convolution's size in TF, Keras or JAX, with how SAME/causal pad."""
    if padding == 0 and framework == "keras":
        padding = "valid"
    dims = framework_conv_geometry(framework, input_size, kernel_size, stride, padding, dilation)
    ndim = len(dims)
    out = [g.output for g in dims]
    texts = [formula(framework, g, pooling=False) for g in dims]
    notes = merge_notes(ndim, [_axis_notes(framework, g) for g in dims])
    data = _data("conv", framework, input_size, dims, texts)
    if any(g.stride > 1 for g in dims) and any(g.mode == "same" for g in dims):
        notes.append(
            "torch's padding='same' refuses stride > 1; to copy this in torch, F.pad with these pads, then padding=0"
        )
    lines = [
        f"{framework} conv: input {fmt_size(input_size)} → output {fmt_size(out)}",
        *per_axis(ndim, texts),
    ]
    return Report(data, lines + notes_block(notes))


def _transposed_formula(
    framework: str, mode: str, L: int, k: int, s: int, d: int, op: int | None, out: int, r: range
) -> str:
    """The size rule of a TF/Keras/JAX transposed convolution, numbers filled in."""
    K = shapes.effective_kernel(k, d)
    ker = f"{K}" if d == 1 else f"{d}·({k} − 1) + 1"
    if framework == "tf":
        rule = (
            f"[({L} − 1)·{s} + 1, {L}·{s}]"
            if mode == "same"
            else f"[({L} − 1)·{s} + {ker}, ({L} − 1)·{s} + {ker} + {s} − 1]"
        )
        return (
            f"output_shape ∈ {rule} = [{r[0]}, {r[-1]}]; Keras asks for "
            + (f"{L}·{s}" if mode == "same" else f"({L} − 1)·{s} + max({K}, {s})")
            + f" = {out}"
        )
    if framework == "jax":
        if mode == "same":
            return f"{L}·{s} = {out}"
        return f"{L}·{s} + max({K} − {s}, 0) = {out}"
    if op is None:
        if mode == "same":
            return f"{L}·{s} = {out}   (output_padding=None)"
        return f"({L} − 1)·{s} + max({K}, {s}) = {out}   (output_padding=None)"
    if mode == "same":
        return f"({L} − 1)·{s} + {K} mod 2 + {op} = {out}"
    return f"({L} − 1)·{s} + {ker} + {op} = {out}"


def _transposed_notes(framework: str, mode: str, k: Any, d: Any) -> list[str]:
    if framework == "tf":
        return [
            "tf.nn.conv2d_transpose accepts an output_shape iff conv2d with the same stride/padding maps it back to the input"
        ]
    if framework != "keras":
        return []
    notes = ["Keras output_padding must be < strides (dilation does not widen it, unlike torch)"]
    if mode == "same" and any(
        shapes.effective_kernel(kk, dd) % 2 == 0 for kk, dd in zip(k, d, strict=True)
    ):
        notes.append(
            "an even kernel with padding='same' loses one: output_padding = s − 1 gives "
            "L·s − 1, only output_padding=None gives L·s"
        )
    return notes


def transposed(
    framework: str,
    input_size: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    output_padding: Any,
    output_size: tuple[int, ...] | None,
    listed: bool = False,
) -> Report:
    """A transposed convolution's size in TF, Keras or JAX, and every size each accepts."""
    if padding == 0:
        padding = "valid"
    out, reach = framework_transposed_sizes(
        framework, input_size, kernel_size, stride, padding, dilation, output_padding
    )
    ndim = len(input_size)
    default_out = list(out)  # what the formula gives; --output-size may pick another
    if output_size is not None:
        if len(output_size) != ndim:
            raise ValueError(f"--output-size needs {ndim} values, got {len(output_size)}")
        for axis, (want, ok) in enumerate(zip(output_size, reach, strict=True)):
            if want not in ok:
                raise ValueError(
                    f"output size {want} is not reachable in dimension {axis} with {framework} "
                    f"(accepted: {span(ok)})"
                )
        out = list(output_size)
    mode = padding.lower()
    k = shapes.per_dim(kernel_size, ndim, "kernel_size")
    s = shapes.per_dim(stride, ndim, "stride")
    d = shapes.per_dim(dilation, ndim, "dilation")
    ops = (None,) * ndim if output_padding is None else shapes.per_dim(output_padding, ndim, "")
    texts = [
        _transposed_formula(framework, mode, *args)
        for args in zip(input_size, k, s, d, ops, default_out, reach, strict=True)
    ]
    data = {
        "operation": "transposed",
        "framework": framework,
        "input": list(input_size),
        "output": out,
        "padding": padding,
        "reachable": [],
        "formula": texts,
    }
    if listed:
        for axis, r in zip(AXES[ndim], reach, strict=True):
            check_list(len(r), "reachable sizes", axis)
        data["reachable"] = [list(r) for r in reach]
    lines = [
        f"{framework} transposed conv: input {fmt_size(input_size)} → output {fmt_size(out)}",
        *per_axis(ndim, texts),
        "Reachable sizes:",
        *per_axis(ndim, [listing(len(r), lambda i, r=r: str(r[i]), ", ") for r in reach]),
    ]
    return Report(data, lines + notes_block(_transposed_notes(framework, mode, k, d)))


def pool(
    framework: str, input_size: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any
) -> Report:
    """A pooling's size in TF, Keras or JAX (padding same or valid)."""
    if padding == 0:
        padding = "valid"
    if not isinstance(padding, str):
        raise ValueError(f"{framework} pooling takes padding same or valid, got {padding!r}")
    dims = framework_pool_geometry(framework, input_size, kernel_size, stride, padding)
    ndim = len(dims)
    out = [g.output for g in dims]
    texts = [formula(framework, g, pooling=True) for g in dims]
    data = _data("pool", framework, input_size, dims, texts)
    notes: list[str] = []
    if stride is None:
        notes.append("stride defaults to the kernel size (pool_size), as in torch")
    notes += merge_notes(ndim, [_axis_notes(framework, g) for g in dims])
    if padding == "same":
        notes.append(
            "SAME max-pool pads with −∞; SAME avg-pool leaves the padding out of the divisor"
        )
    lines = [
        f"{framework} pool: input {fmt_size(input_size)} → output {fmt_size(out)}",
        *per_axis(ndim, texts),
    ]
    return Report(data, lines + notes_block(notes))
