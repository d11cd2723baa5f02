"""Explanations of a direct and a transposed convolution (torch's rules).

>>> from convanim.core.specs import ConvSpec
>>> report = conv(ConvSpec((6, 6), 3, stride=2, padding=1))
>>> report.data["output"], report.lines[0]
([3, 3], 'Conv2d: input 6×6 → output 3×3')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from convanim.core import shapes
from convanim.core.budget import check_list
from convanim.core.explain import Report, text
from convanim.core.specs import ConvSpec, TransposedSpec

__all__ = ["conv", "transposed", "conv_formula", "transposed_formula", "preimage", "lmin"]


# --------------------------------------------------------------------------------------------
# Direct convolution
# --------------------------------------------------------------------------------------------


def conv_formula(g: shapes.ConvDim) -> str:
    """Relationship 15 with one dimension's numbers: ``⌊(6 + 2·1 − 3)/2⌋ + 1 = ⌊5/2⌋ + 1 = 3``."""
    if g.pad_before == g.pad_after:
        pad = f" + 2·{g.pad_before}" if g.pad_before else ""
    else:
        pad = f" + {g.pad_before} + {g.pad_after}"
    ker = f" − {g.kernel}" if g.dilation == 1 else f" − {g.dilation}·({g.kernel} − 1) − 1"
    num = g.padded - g.effective_kernel
    if g.stride == 1:
        return f"{g.size}{pad}{ker} + 1 = {num} + 1 = {g.output}"
    return f"⌊({g.size}{pad}{ker})/{g.stride}⌋ + 1 = ⌊{num}/{g.stride}⌋ + 1 = {g.output}"


def preimage(g: shapes.ConvDim) -> range:
    """Every input length this dimension's convolution maps to the same output."""
    return shapes.preimage(
        g.output, g.kernel, g.stride, (g.pad_before, g.pad_after), g.dilation, g.padding_mode
    )


def lmin(g: shapes.ConvDim) -> int:
    """Smallest input the transposed convolution returns: ``(O−1)s + K − p_before − p_after``."""
    return g.covered - g.pad_before - g.pad_after


def _ambiguity_note(g: shapes.ConvDim, symmetric: bool, ndim: int) -> str | None:
    """Inputs the floor makes indistinguishable, and the output_padding that picks each."""
    pre = preimage(g)
    if len(pre) <= 1:
        return None
    low = lmin(g)
    note = (
        f"ambiguity: inputs {text.span(pre)} {'both' if len(pre) == 2 else 'all'} give "
        f"{g.output} (the floor hides up to {text.cells(g.stride - 1)} at the end)"
    )
    if symmetric and g.pad_before >= 0:  # ConvTranspose refuses negative padding
        if len(pre) <= 6:
            ops = text.and_([f"{L} with output_padding={L - low}" for L in pre])
        else:
            ops = f"L with output_padding = L − {low} ({pre[0] - low} … {pre[-1] - low})"
        note += (
            f"; ConvTranspose{text.TORCH_NAMES[ndim]} with the same k, s, p, d maps "
            f"{g.output} back to {ops} (or give output_size)"
        )
    return note


def _conv_notes(dims: Sequence[shapes.ConvDim], padding: Any, symmetric: bool) -> list[str]:
    ndim = len(dims)
    edge = {1: "end", 2: "bottom/right", 3: "back/bottom/right"}[ndim]
    per_axis_notes: list[list[str]] = []
    for g in dims:
        notes: list[str] = []
        if g.dilation > 1 and g.kernel > 1:
            notes.append(
                f"dilation {g.dilation} spreads the {g.kernel} taps over "
                f"K = {g.dilation}·({g.kernel} − 1) + 1 = {g.effective_kernel} cells"
            )
        if isinstance(padding, str) and padding == "same":
            total = g.pad_before + g.pad_after
            split = f"{g.pad_before} before and {g.pad_after} after" + (
                f" (torch puts the odd element after: {edge})" if total % 2 else ""
            )
            notes.append(f"padding='same' needs d·(k − 1) = {total} in total: {split}")
        per_axis_notes.append(notes)
    dropped = [
        (g.dropped, max(0, g.dropped - g.pad_after), g.covered, g.padded, g.padded > g.size)
        if g.dropped
        else None
        for g in dims
    ]
    per_axis_notes = text.floor_notes(per_axis_notes, dims, dropped)
    for notes, g in zip(per_axis_notes, dims, strict=True):
        ambiguity = _ambiguity_note(g, symmetric, ndim)
        if ambiguity:
            notes.append(ambiguity)
    return text.merge_notes(ndim, per_axis_notes)


def _conv_lines(spec: ConvSpec, compared: shapes.ParamComparison) -> list[str]:
    dims = spec.geometry()
    ndim = len(dims)
    c_in, c_out = spec.channels
    k = [g.kernel for g in dims]
    lines = [
        f"Conv{text.TORCH_NAMES[ndim]}: input {text.fmt_size(spec.input_size)} → "
        f"output {text.fmt_size(spec.output_shape)}",
        "  ⌊(L + p_before + p_after − d·(k − 1) − 1)/s⌋ + 1   (Relationship 15)",
        *text.per_axis(ndim, [conv_formula(g) for g in dims]),
    ]
    if any(g.pad_before or g.pad_after for g in dims):
        pads = [
            f"{g.pad_before} before, {g.pad_after} after"
            if g.pad_before != g.pad_after
            else f"{g.pad_before} each side"
            if g.pad_before >= 0
            else f"{-g.pad_before} cropped each side ({spec.padding_mode} mode crops negative padding)"
            for g in dims
        ]
        lines += ["Padding:", *text.per_axis(ndim, pads)]
    lines.append(
        f"Weights: {c_out}·{c_in // spec.groups}·{'·'.join(map(str, k))} = {compared.conv} "
        f"(+{c_out} bias); a fully connected layer on the same signal needs "
        f"{compared.input_length * c_in}·{compared.output_length * c_out} = {compared.dense}"
    )
    return lines


def conv(spec: ConvSpec, listed: bool = False) -> Report:
    """The output size, the formula per axis, padding, weights, and the notes: dilation, how
    ``same`` splits, the cells the floor drops, the preimage. ``listed`` adds the preimage lists
    to the data (``--json``; refused past :data:`~convanim.core.budget.LIST_LIMIT`)."""
    dims = spec.geometry()
    ndim = len(dims)
    c_in, c_out = spec.channels
    out = list(spec.output_shape)
    k = [g.kernel for g in dims]
    pre: list[list[int]] = []
    if listed:
        for axis, g in zip(text.AXES[ndim], dims, strict=True):
            check_list(len(preimage(g)), "preimage sizes", axis)
            pre.append(list(preimage(g)))
    # The same counts `shape stack` reports for each convolution.
    compared = shapes.conv_vs_dense(spec.input_size, out, k, c_in, c_out, spec.groups)
    data = {
        "operation": "conv",
        "framework": "torch",
        "input": list(spec.input_size),
        "output": out,
        "kernel_size": k,
        "stride": [g.stride for g in dims],
        "dilation": [g.dilation for g in dims],
        "padding": [[g.pad_before, g.pad_after] for g in dims],
        "padding_mode": spec.padding_mode,
        "effective_kernel": [g.effective_kernel for g in dims],
        "dropped": [g.dropped for g in dims],
        "preimage": pre,
        # output_padding that makes ConvTranspose (same k, s, p, d) return each member
        "preimage_output_padding": [
            [L - lmin(g) for L in p] if g.pad_before >= 0 and g.pad_after >= 0 else []
            for g, p in zip(dims, pre, strict=False)
        ],  # ConvTranspose has no negative padding to map a crop back
        "groups": spec.groups,
        "in_channels": c_in,
        "out_channels": c_out,
        "weight_shape": [c_out, c_in // spec.groups, *k],
        "params": {"weights": compared.conv, "bias": c_out, "dense_weights": compared.dense},
        "formula": [conv_formula(g) for g in dims],
    }
    symmetric = all(g.pad_before == g.pad_after for g in dims)
    notes = _conv_notes(dims, spec.padding, symmetric)
    if spec.padding_mode in ("reflect", "circular"):
        limit = "< L" if spec.padding_mode == "reflect" else "≤ L"
        notes.append(
            f"padding_mode={spec.padding_mode!r} mirrors/wraps real cells: each side's pad "
            f"must be {limit}"
        )
    return Report(data, _conv_lines(spec, compared) + text.notes_block(notes))


# --------------------------------------------------------------------------------------------
# Transposed convolution
# --------------------------------------------------------------------------------------------


def transposed_formula(g: shapes.TransposedDim) -> str:
    """Relationship 14 with one dimension's numbers."""
    pad = f" − 2·{g.padding}" if g.padding else ""
    ker = f" + ({g.kernel} − 1)" if g.dilation == 1 else f" + {g.dilation}·({g.kernel} − 1)"
    op = f" + {g.output_padding}" if g.output_padding else ""
    return f"({g.size} − 1)·{g.stride}{pad}{ker}{op} + 1 = {g.output}"


def _transposed_notes(dims: Sequence[shapes.TransposedDim], reach: Sequence[range]) -> list[str]:
    ndim = len(dims)
    per_axis_notes: list[list[str]] = []
    for g, r in zip(dims, reach, strict=True):
        notes: list[str] = []
        low = g.output - g.output_padding
        pre = range(r.start, min(r.stop, low + g.stride))
        if len(pre) > 1:
            notes.append(
                f"Conv{text.TORCH_NAMES[ndim]} with the same k, s, p, d maps {text.span(pre)} to {g.size}: "
                "output_padding (or output_size) says which one you want back"
            )
        beyond = range(max(r.start, low + g.stride), r.stop)
        if beyond:
            them = "it" if len(beyond) == 1 else "them"
            notes.append(
                f"dilation {g.dilation} > stride {g.stride} lets output_padding reach "
                f"{text.span(beyond)}, but forward(output_size=…) refuses {them} and the direct "
                f"convolution does not map {them} back to {g.size}"
            )
        if g.pad_before < 0:
            notes.append(
                f"padding {g.padding} > K − 1 = {g.effective_kernel - 1}: the equivalent direct "
                f"convolution crops {-g.pad_before} from the stretched input instead of padding"
            )
        per_axis_notes.append(notes)
    return text.merge_notes(ndim, per_axis_notes)


def _twin(g: shapes.TransposedDim) -> str:
    """The equivalent direct convolution of one dimension (what the animation draws)."""
    zeros = f"{g.zeros_between} zero{'s' if g.zeros_between != 1 else ''}"
    return (
        f"{g.size} → {g.stretched} with {zeros} between inputs, "
        f"pad {g.pad_before} before and {g.pad_after} after"
        + (f" (output_padding {g.output_padding} at the end)" if g.output_padding else "")
        + f": {g.grid} cells, flipped kernel {g.kernel}"
        + (f" (dilation {g.dilation})" if g.dilation > 1 else "")
        + f", stride 1 → {g.output}"
    )


def _transposed_data(spec: TransposedSpec, reach: Sequence[range], listed: bool) -> dict:
    dims = spec.geometry()
    data: dict[str, Any] = {
        "operation": "transposed",
        **text.symmetric_window_data(spec, dims),
        "output_padding": [g.output_padding for g in dims],
        "reachable": [],
        "equivalent_conv": [
            {
                "zeros_between": g.zeros_between,
                "stretched": g.stretched,
                "pad_before": g.pad_before,
                "pad_after": g.pad_after,
                "grid": g.grid,
                "kernel": g.kernel,
                "dilation": g.dilation,
                "stride": 1,
            }
            for g in dims
        ],
        "formula": [transposed_formula(g) for g in dims],
    }
    if listed:
        for axis, r in zip(text.AXES[len(dims)], reach, strict=True):
            check_list(len(r), "reachable sizes", axis)
        # Sizes, as for every framework; the output_padding of each in a parallel list
        # (like conv's preimage / preimage_output_padding).
        data["reachable"] = [list(r) for r in reach]
        data["reachable_output_padding"] = [
            [size - (g.output - g.output_padding) for size in r]
            for r, g in zip(reach, dims, strict=True)
        ]
    return data


def transposed(spec: TransposedSpec, listed: bool = False) -> Report:
    """The output size, every reachable size (and its output_padding), the equivalent direct
    convolution, and the notes (which sizes the direct convolution maps back, cropping)."""
    dims = spec.geometry()
    ndim = len(dims)
    notes: list[str] = []
    if spec.output_size is not None:
        notes.append(
            f"output_size={text.fmt_size(spec.output_size)} means "
            f"output_padding={text.fmt_size(spec.output_padding_used)}"
        )
    # Ranges, not lists: a stride of 10¹⁸ has 10¹⁸ reachable sizes (output_padding = size − low).
    reach = [
        shapes.transposed_output_sizes(g.size, g.kernel, g.stride, g.padding, g.dilation)
        for g in dims
    ]
    notes += _transposed_notes(dims, reach)
    reach_text = [
        text.listing(len(r), lambda i, r=r, low=low: f"{r[i]} (output_padding={r[i] - low})", ", ")
        for r, low in zip(reach, [g.output - g.output_padding for g in dims], strict=True)
    ]
    lines = [
        f"ConvTranspose{text.TORCH_NAMES[ndim]}: input {text.fmt_size(spec.input_size)} → "
        f"output {text.fmt_size(spec.output_shape)}",
        "  (L − 1)·s − 2p + d·(k − 1) + output_padding + 1   (Relationship 14 with a = output_padding)",
        *text.per_axis(ndim, [transposed_formula(g) for g in dims]),
        "Reachable sizes:",
        *text.per_axis(ndim, reach_text),
        "Equivalent direct convolution (what the animation draws):",
        *text.per_axis(ndim, [_twin(g) for g in dims]),
    ]
    return Report(_transposed_data(spec, reach, listed), lines + text.notes_block(notes))
