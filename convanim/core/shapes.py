"""The shape core: every size rule of convolution, transposed convolution and pooling.

Standard library only, exact integers, torch-identical validation. Every other part of
convanim (engine, renderers, CLI) asks this module for sizes, paddings and windows and never
re-derives them.

Parameters are given per spatial dimension: an ``int`` applies to every dimension, a sequence
gives one value per dimension. Padding additionally accepts ``"valid"``, ``"same"``, ``"full"``
and explicit asymmetric ``(before, after)`` pairs per dimension.

>>> conv_output_shape((6, 6), 3, stride=2, padding=1)
(3, 3)
>>> conv_output_shape((5, 5), 3, stride=2, padding=1)
(3, 3)
>>> transposed_output_shape((3, 3), 3, stride=2, padding=1, output_padding=1)
(6, 6)
>>> list(preimage(3, 3, stride=2, padding=1))
[5, 6]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from convanim.core import pooling as _pooling
from convanim.core import transposed as _transposed
from convanim.core.dims import (
    INT64_MAX,
    PADDING_MODES,
    PaddedWindow,
    PaddingSpec,
    check_input_sizes,
    check_int64,
    conv_args,
    effective_kernel,
    ndim_error,
    output_shape_of,
    per_dim,
    size_text,
)

# The transposed and pooling rules live in their own modules; this one keeps answering for all
# of them (``shapes.pool_geometry`` …), as the rest of convanim and its users call them.
from convanim.core.pooling import *  # noqa: F403
from convanim.core.record import Record, record
from convanim.core.transposed import *  # noqa: F403

__all__ = [
    "ConvDim",
    "PaddingSpec",
    "PADDING_MODES",
    "INT64_MAX",
    "check_int64",
    "effective_kernel",
    "per_dim",
    "resolve_conv_padding",
    "conv_geometry",
    "conv_output_size",
    "conv_output_shape",
    "check_groups",
    "ParamComparison",
    "conv_vs_dense",
    "preimage",
    *_pooling.__all__,
    *_transposed.__all__,
]

# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------


@record
class ConvDim(PaddedWindow):
    """One spatial dimension of a (direct) convolution, fully resolved."""

    padding_mode: str = "zeros"

    @property
    def output(self) -> int:
        return (self.padded - self.effective_kernel) // self.stride + 1

    @property
    def covered(self) -> int:
        """Padded cells the windows reach; the rest (``dropped``) the floor throws away."""
        return (self.output - 1) * self.stride + self.effective_kernel

    @property
    def dropped(self) -> int:
        """Trailing padded cells no window covers (the rows the floor drops)."""
        return self.padded - self.covered

    def window_start(self, i: int) -> int:
        """Index in the *unpadded* input of output ``i``'s first tap (negative in padding)."""
        return i * self.stride - self.pad_before


def resolve_conv_padding(
    padding: PaddingSpec,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    allow_negative: bool = False,
) -> tuple[tuple[int, int], ...]:
    """Resolve a padding spec to one ``(before, after)`` pair per dimension.

    ``same`` follows torch: total ``d(k−1)``, the odd element goes after; it needs stride 1.
    ``full`` pads ``d(k−1)`` on both sides (Relationship 4). Negative padding is refused
    unless ``allow_negative`` (``nn.Conv*d`` with a non-zeros ``padding_mode`` crops instead).

    >>> resolve_conv_padding("same", (4, 3), (1, 1), (1, 1))
    ((1, 2), (1, 1))
    >>> resolve_conv_padding([(0, 1), 2], (3, 3), (1, 1), (1, 1))
    ((0, 1), (2, 2))
    """
    ndim = len(kernel_size)
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return ((0, 0),) * ndim
        if mode == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pairs = []
            for k, d in zip(kernel_size, dilation, strict=True):
                total = d * (k - 1)
                pairs.append((total // 2, total - total // 2))
            return tuple(pairs)
        if mode == "full":
            return tuple((d * (k - 1),) * 2 for k, d in zip(kernel_size, dilation, strict=True))
        raise ValueError(
            f"Invalid padding string {padding!r}, should be one of {{'valid', 'same', 'full'}}"
        )
    if isinstance(padding, bool):
        raise ValueError(f"padding must be an integer, got {padding!r}")
    if isinstance(padding, int):
        items: list[int | tuple[int, int]] = [padding] * ndim
    else:
        items = list(padding)
        if len(items) == 1 and ndim > 1:
            items = items * ndim
        if len(items) != ndim:
            raise ndim_error("padding", ndim, list(padding))
    pairs = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            pair = (item, item)
        elif (
            isinstance(item, Sequence)
            and len(item) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in item)
        ):
            pair = (item[0], item[1])
        else:
            raise ndim_error("padding", ndim, list(items))
        check_int64(pair, "padding")
        if (pair[0] < 0 or pair[1] < 0) and not allow_negative:
            raise ValueError("negative padding is not supported")
        pairs.append(pair)
    return tuple(pairs)


def conv_geometry(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    padding_mode: str = "zeros",
) -> tuple[ConvDim, ...]:
    """Validate a convolution and resolve every dimension, with torch's error messages.

    >>> g = conv_geometry((6,), 3, stride=2, padding=1)[0]
    >>> g.output, g.dropped
    (3, 1)
    >>> conv_geometry((5,), 7)
    Traceback (most recent call last):
    ...
    ValueError: Calculated padded input size per channel: (5). Kernel size: (7). Kernel size can't be greater than actual input size
    """
    sizes, k, s, d = conv_args(input_size, kernel_size, stride, dilation)
    check_input_sizes(sizes, "a convolution")
    if any(v <= 0 for v in k):
        raise ValueError(f"kernel size should be greater than zero, but got kernel_size={list(k)}")
    if any(v <= 0 for v in s):
        raise ValueError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise ValueError(f"dilation should be greater than zero, but got {list(d)}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
            f"but got padding_mode={padding_mode!r}"
        )
    # nn.Conv*d hands a non-zeros mode's padding to F.pad, which crops where it is negative
    pads = resolve_conv_padding(padding, k, s, d, allow_negative=padding_mode != "zeros")
    dims = tuple(
        ConvDim(L, kk, ss, dd, pb, pa, padding_mode)
        for L, kk, ss, dd, (pb, pa) in zip(sizes, k, s, d, pads, strict=True)
    )
    if padding_mode != "zeros":
        for axis, g in enumerate(dims):
            if min(g.pad_before, g.pad_after) < 0 < max(g.pad_before, g.pad_after):
                # F.pad would crop one side and pad the other, in an order that differs
                # between modes; nn.Conv*d (one padding per dimension) never asks for it
                raise ValueError(
                    f"padding ({g.pad_before}, {g.pad_after}) at dimension {axis} crops one side "
                    f"and pads the other; with padding_mode={padding_mode!r} give both sides the "
                    "same sign (negative padding crops, as torch's nn.Conv does)"
                )
            if g.padded <= 0 and (padding_mode != "circular" or g.padded < 0):
                raise ValueError(
                    f"padding ({g.pad_before}, {g.pad_after}) at dimension {axis} crops away all "
                    f"{g.size} cells of the input (padding_mode={padding_mode!r} crops negative "
                    "padding, as torch's F.pad does)"
                )
            if padding_mode == "reflect" and max(g.pad_before, g.pad_after) >= g.size:
                raise ValueError(
                    "Padding size should be less than the corresponding input dimension, but got: "
                    f"padding ({g.pad_before}, {g.pad_after}) at dimension {axis} of input size {g.size}"
                )
            if padding_mode == "circular" and max(g.pad_before, g.pad_after) > g.size:
                raise ValueError(
                    "Padding value causes wrapping around more than once "
                    f"(padding ({g.pad_before}, {g.pad_after}) at dimension {axis} of input size {g.size})"
                )
    if any(g.padded < g.effective_kernel for g in dims):
        raise ValueError(
            f"Calculated padded input size per channel: {size_text([g.padded for g in dims])}. "
            f"Kernel size: {size_text([g.effective_kernel for g in dims])}. "
            "Kernel size can't be greater than actual input size"
        )
    return dims


def conv_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int = 1,
) -> int:
    """Output length of a 1-D convolution (Relationship 15).

    >>> conv_output_size(7, 3, dilation=2)
    3
    >>> conv_output_size(5, 3, padding="same")
    5
    """
    pad: PaddingSpec = padding if isinstance(padding, int | str) else [tuple(padding)]
    return conv_geometry((size,), kernel, stride, pad, dilation)[0].output


conv_output_shape = output_shape_of(
    conv_geometry, "conv_output_shape", "Spatial output shape of a convolution."
)


def check_groups(in_channels: int, out_channels: int, groups: int = 1) -> None:
    """torch's module-construction checks on channels and groups, in torch's order.

    >>> check_groups(4, 6, 3)
    Traceback (most recent call last):
    ...
    ValueError: in_channels must be divisible by groups (in_channels=4, groups=3)
    """
    check_int64((in_channels, out_channels, groups), "channels/groups")
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels <= 0 or out_channels <= 0:
        raise ValueError("in_channels and out_channels must be positive integers")
    if in_channels % groups:
        raise ValueError(
            f"in_channels must be divisible by groups (in_channels={in_channels}, groups={groups})"
        )
    if out_channels % groups:
        raise ValueError(
            f"out_channels must be divisible by groups (out_channels={out_channels}, groups={groups})"
        )


@record
class ParamComparison(Record):
    """A convolution's weights against a fully connected layer computing a map of the same shape.

    ``conv = M·(C_in/g)·C_out`` with ``M = ∏k`` (independent of the signal length);
    ``dense = (L_in·C_in)·(L_out·C_out)`` with ``L = ∏spatial``. Biases excluded on both sides.
    """

    kernel_volume: int
    input_length: int
    output_length: int
    in_channels: int
    out_channels: int
    conv: int
    dense: int

    @property
    def ratio(self) -> float:
        return self.dense / self.conv


def conv_vs_dense(
    input_size: Sequence[int],
    output_size: Sequence[int],
    kernel_size: Sequence[int],
    in_channels: int = 1,
    out_channels: int = 1,
    groups: int = 1,
) -> ParamComparison:
    """Weights of a convolution versus a fully connected layer on the same signal.

    >>> c = conv_vs_dense((100,), (98,), (3,))
    >>> c.conv, c.dense        # M × C_in × C_out   vs   L_in × L_out
    (3, 9800)
    """
    m = math.prod(kernel_size)
    l_in, l_out = math.prod(input_size), math.prod(output_size)
    return ParamComparison(
        kernel_volume=m,
        input_length=l_in,
        output_length=l_out,
        in_channels=in_channels,
        out_channels=out_channels,
        conv=m * (in_channels // groups) * out_channels,
        dense=l_in * in_channels * l_out * out_channels,
    )


def preimage(
    output: int,
    kernel: int,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
    padding_mode: str = "zeros",
) -> range:
    """Every input length a convolution maps to ``output`` (the transposed-conv ambiguity).

    ``padding`` is symmetric (an int) or a ``(before, after)`` pair. Member ``L`` is recovered
    by a transposed convolution with ``output_padding = L − min`` (``min = (O−1)s + K − 2p``);
    the set is shorter than ``stride`` (or empty) when padding pushes ``min`` below 1, or when
    ``padding_mode`` needs a longer input (reflect: each pad < ``L``; circular: each pad ≤ ``L``).

    >>> list(preimage(3, 3, stride=2, padding=1))   # i = 5 and i = 6 both give 3
    [5, 6]
    >>> list(preimage(4, 3, stride=3))
    [12, 13, 14]
    >>> list(preimage(1, 1, padding=3))              # unreachable: the smallest output is 7
    []
    >>> list(preimage(2, 1, stride=4, padding=2, padding_mode="reflect"))  # 1, 2: pad ≥ L
    [3, 4]
    """
    check_int64((output, kernel, stride, dilation), "preimage parameter")
    if output < 1:
        return range(0)
    pads = (padding, padding) if isinstance(padding, int) else (padding[0], padding[1])
    lmin = (output - 1) * stride + effective_kernel(kernel, dilation) - pads[0] - pads[1]
    shortest = {"reflect": max(pads) + 1, "circular": max(pads)}.get(padding_mode, 1)
    return range(max(1, lmin, shortest), lmin + stride)
