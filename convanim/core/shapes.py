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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ConvDim",
    "TransposedDim",
    "PoolDim",
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
    "transposed_geometry",
    "transposed_output_size",
    "transposed_output_shape",
    "transposed_output_range",
    "output_padding_for_size",
    "preimage",
    "transposed_output_sizes",
    "pool_geometry",
    "pool_output_shape",
    "avg_pool_divisor",
    "avg_pool_divisors",
    "adaptive_window",
    "adaptive_windows",
    "AdaptiveDim",
    "adaptive_geometry",
    "unpool_default_size",
    "unpool_size_range",
    "unpool_output_size",
    "UnpoolDim",
    "unpool_geometry",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")

#: torch stores every size and parameter as a C ``int64_t``; a larger Python int is refused
#: before any arithmetic ("Overflow when unpacking long long"). So does convanim.
INT64_MAX = 2**63 - 1

#: One dimension's padding: an int, a (before, after) pair, or one of the strings.
PaddingSpec = int | str | Sequence[int | tuple[int, int]]


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """The span of a dilated kernel, ``d·(k−1)+1`` (Relationship 15's k̂).

    >>> effective_kernel(3, 2)
    5
    """
    return dilation * (kernel - 1) + 1


def check_int64(values: Sequence[int] | int, name: str) -> None:
    """Refuse integers that do not fit torch's ``int64_t`` (as torch does, before computing).

    >>> check_int64([3, 2**63], "stride")
    Traceback (most recent call last):
    ...
    ValueError: stride=9223372036854775808 does not fit in a 64-bit integer (torch: Overflow when unpacking long long)
    """
    for v in (values,) if isinstance(values, int) else values:
        if isinstance(v, int) and not -INT64_MAX - 1 <= v <= INT64_MAX:
            raise ValueError(
                f"{name}={v} does not fit in a 64-bit integer "
                "(torch: Overflow when unpacking long long)"
            )


def _ndim_error(name: str, ndim: int, value: object) -> ValueError:
    # torch's own wording (also for 1-D: "... or a list of 1 values ...").
    return ValueError(
        f"expected {name} to be a single integer value or a list of {ndim} values to match "
        f"the convolution dimensions, but got {name}={value!r}"
    )


def per_dim(value: int | Sequence[int], ndim: int, name: str) -> tuple[int, ...]:
    """Expand an int or per-dimension sequence to ``ndim`` ints (torch's ``_ntuple``).

    >>> per_dim(3, 2, "kernel_size")
    (3, 3)
    >>> per_dim((3, 5), 2, "kernel_size")
    (3, 5)
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, int):
        check_int64(value, name)
        return (value,) * ndim
    values = tuple(value)
    if len(values) == 1 and ndim > 1:
        values = values * ndim
    if len(values) != ndim or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise _ndim_error(name, ndim, list(values))
    check_int64(values, name)
    return values


def _check_input_sizes(sizes: Sequence[int], what: str) -> None:
    """torch rejects empty and negative spatial dimensions for every layer in this module."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in sizes):
        raise ValueError(f"input sizes must be integers, got {list(sizes)}")
    check_int64(sizes, "input size")
    if any(v <= 0 for v in sizes):
        raise ValueError(
            f"every spatial input size must be positive, got {list(sizes)} ({what} accepts "
            "only an empty batch or channel dimension, never an empty spatial one)"
        )


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvDim:
    """One spatial dimension of a (direct) convolution, fully resolved."""

    size: int
    kernel: int
    stride: int
    dilation: int
    pad_before: int
    pad_after: int
    padding_mode: str = "zeros"

    @property
    def effective_kernel(self) -> int:
        return effective_kernel(self.kernel, self.dilation)

    @property
    def padded(self) -> int:
        """Length of the padded input (negative padding, non-zeros modes only, crops)."""
        return self.size + self.pad_before + self.pad_after

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
            raise _ndim_error("padding", ndim, list(padding))
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
            raise _ndim_error("padding", ndim, list(items))
        check_int64(pair, "padding")
        if (pair[0] < 0 or pair[1] < 0) and not allow_negative:
            raise ValueError("negative padding is not supported")
        pairs.append(pair)
    return tuple(pairs)


def _size_text(values: Sequence[int]) -> str:
    return "(" + " x ".join(str(v) for v in values) + ")"


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
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"convolutions have 1, 2 or 3 spatial dimensions, got {ndim}")
    k = per_dim(kernel_size, ndim, "kernel_size")
    s = per_dim(stride, ndim, "stride")
    d = per_dim(dilation, ndim, "dilation")
    _check_input_sizes(sizes, "a convolution")
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
            f"Calculated padded input size per channel: {_size_text([g.padded for g in dims])}. "
            f"Kernel size: {_size_text([g.effective_kernel for g in dims])}. "
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


def conv_output_shape(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    padding_mode: str = "zeros",
) -> tuple[int, ...]:
    """Spatial output shape of a convolution."""
    dims = conv_geometry(input_size, kernel_size, stride, padding, dilation, padding_mode)
    return tuple(g.output for g in dims)


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


# --------------------------------------------------------------------------------------------
# Transposed convolution
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransposedDim:
    """One dimension of a transposed convolution and its equivalent direct convolution.

    The equivalent direct convolution (the conv_arithmetic picture): insert ``stride − 1``
    zeros between input cells, pad ``K − 1 − p`` before and ``K − 1 − p + output_padding``
    after (the extra ``output_padding`` cells go at the end: bottom/right), then slide the
    180°-rotated kernel with stride 1. ``pad_before`` is negative when ``p > K − 1``: the
    stretched input is then cropped instead of padded.
    """

    size: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    output_padding: int

    @property
    def effective_kernel(self) -> int:
        return effective_kernel(self.kernel, self.dilation)

    @property
    def output(self) -> int:
        return (
            (self.size - 1) * self.stride
            - 2 * self.padding
            + self.effective_kernel
            + self.output_padding
        )

    @property
    def zeros_between(self) -> int:
        return self.stride - 1

    @property
    def stretched(self) -> int:
        """ĩ′: the input with ``stride − 1`` zeros inserted between cells."""
        return (self.size - 1) * self.stride + 1 if self.size else 0

    @property
    def pad_before(self) -> int:
        return self.effective_kernel - 1 - self.padding

    @property
    def pad_after(self) -> int:
        return self.effective_kernel - 1 - self.padding + self.output_padding

    @property
    def grid(self) -> int:
        """Side of the equivalent direct convolution's input (= output + K − 1)."""
        return self.stretched + self.pad_before + self.pad_after

    def input_position(self, j: int) -> int:
        """Where input cell ``j`` sits in the equivalent direct convolution's grid."""
        return self.pad_before + j * self.stride


def _transposed_params(
    ndim: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int],
    padding: int | Sequence[int],
    dilation: int | Sequence[int],
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    if isinstance(padding, str):
        raise ValueError(
            f"transposed convolution takes integer padding, not {padding!r} "
            "(torch: argument 'padding' must be tuple of ints, but found element of type str)"
        )
    k = per_dim(kernel_size, ndim, "kernel_size")
    s = per_dim(stride, ndim, "stride")
    p = per_dim(padding, ndim, "padding")
    d = per_dim(dilation, ndim, "dilation")
    if any(v <= 0 for v in k):
        raise ValueError(f"kernel size should be greater than zero, but got kernel_size={list(k)}")
    if any(v <= 0 for v in s):
        raise ValueError("non-positive stride is not supported")
    if any(v < 0 for v in p):
        raise ValueError("negative padding is not supported")
    if any(v <= 0 for v in d):
        raise ValueError(f"dilation should be greater than zero, but got {list(d)}")
    return k, s, p, d


def transposed_geometry(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    output_padding: int | Sequence[int] = 0,
) -> tuple[TransposedDim, ...]:
    """Validate a transposed convolution (torch rules) and resolve every dimension.

    >>> g = transposed_geometry((3,), 3, stride=2, padding=1, output_padding=1)[0]
    >>> g.output, g.stretched, g.pad_before, g.pad_after, g.grid
    (6, 5, 1, 2, 8)
    >>> transposed_geometry((5,), 3, stride=2, output_padding=2)
    Traceback (most recent call last):
    ...
    ValueError: output padding must be smaller than either stride or dilation, but got output_padding=[2] stride=[2] dilation=[1]
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"convolutions have 1, 2 or 3 spatial dimensions, got {ndim}")
    k, s, p, d = _transposed_params(ndim, kernel_size, stride, padding, dilation)
    op = per_dim(output_padding, ndim, "output_padding")
    _check_input_sizes(sizes, "a transposed convolution")
    if any(v < 0 for v in op):
        raise ValueError("negative output_padding is not supported")
    if any(o >= max(ss, dd) for o, ss, dd in zip(op, s, d, strict=True)):
        raise ValueError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(op)} stride={list(s)} dilation={list(d)}"
        )
    dims = tuple(TransposedDim(*args) for args in zip(sizes, k, s, p, d, op, strict=True))
    if any(g.output > INT64_MAX for g in dims):
        raise ValueError(
            f"Calculated output size per channel: {_size_text([g.output for g in dims])} does "
            "not fit in a 64-bit integer (torch's sizes are int64)"
        )
    if any(g.output < 1 for g in dims):
        raise ValueError(
            f"Given input size per channel: {_size_text(sizes)}. "
            f"Calculated output size per channel: {_size_text([g.output for g in dims])}. "
            "Output size is too small"
        )
    return dims


def transposed_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    output_padding: int = 0,
) -> int:
    """``(L−1)s − 2p + d(k−1) + output_padding + 1`` (Relationship 14 with k̂).

    >>> transposed_output_size(2, 3, stride=2)   # Fig 4.5
    5
    """
    return transposed_geometry((size,), kernel, stride, padding, dilation, output_padding)[0].output


def transposed_output_shape(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    output_padding: int | Sequence[int] = 0,
) -> tuple[int, ...]:
    """Spatial output shape of a transposed convolution."""
    dims = transposed_geometry(input_size, kernel_size, stride, padding, dilation, output_padding)
    return tuple(g.output for g in dims)


def transposed_output_sizes(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> range:
    """Every output length torch can produce, a ``range``: ``output_padding = size − start``.

    ``output_padding`` runs over ``0 … max(stride, dilation) − 1`` from the size with
    ``output_padding = 0``; sizes below 1 are dropped (so ``range.start`` may exceed it).
    A ``range`` stays instant for any stride; :func:`transposed_output_range` lists it.

    >>> transposed_output_sizes(3, 3, stride=2, padding=1)
    range(5, 7)
    >>> transposed_output_sizes(1, 1, stride=3, padding=1)   # −1 and 0 are not sizes
    range(1, 2)
    """
    check_int64((size, kernel, stride, padding, dilation), "transposed parameter")
    low = TransposedDim(size, kernel, stride, padding, dilation, 0).output
    return range(max(low, 1), low + max(stride, dilation))


def transposed_output_range(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> list[tuple[int, int]]:
    """Every output size torch can produce, as ``(size, output_padding)`` pairs.

    ``output_padding`` ranges over ``0 … max(stride, dilation) − 1``; sizes below 1 are dropped.
    (The list has up to ``max(stride, dilation)`` entries: for huge strides use
    :func:`transposed_output_sizes`.)

    >>> transposed_output_range(3, 3, stride=2, padding=1)
    [(5, 0), (6, 1)]
    >>> transposed_output_range(5, 3, stride=1, dilation=2)
    [(9, 0), (10, 1)]
    """
    low = TransposedDim(size, kernel, stride, padding, dilation, 0).output
    return [
        (out, out - low) for out in transposed_output_sizes(size, kernel, stride, padding, dilation)
    ]


def output_padding_for_size(
    input_size: Sequence[int],
    output_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> tuple[int, ...]:
    """The ``output_padding`` torch derives from ``forward(x, output_size=…)``.

    torch accepts sizes in ``[min, min + stride − 1]`` per dimension, where ``min`` is the size
    with ``output_padding = 0`` (the range ignores dilation).

    >>> output_padding_for_size((3, 3), (6, 6), 3, stride=2, padding=1)
    (1, 1)
    >>> output_padding_for_size((5,), (13,), 3, stride=2)
    Traceback (most recent call last):
    ...
    ValueError: requested an output size of [13], but valid sizes range from [11] to [12] (for an input of [5])
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    k, s, p, d = _transposed_params(ndim, kernel_size, stride, padding, dilation)
    wanted = tuple(output_size)
    if len(wanted) != ndim:
        raise ValueError(f"output_size must have {ndim} spatial elements (got {len(wanted)})")
    mins = [
        TransposedDim(L, kk, ss, pp, dd, 0).output
        for L, kk, ss, pp, dd in zip(sizes, k, s, p, d, strict=True)
    ]
    maxs = [m + ss - 1 for m, ss in zip(mins, s, strict=True)]
    if any(not (lo <= w <= hi) for w, lo, hi in zip(wanted, mins, maxs, strict=True)):
        raise ValueError(
            f"requested an output size of {list(wanted)}, but valid sizes range from "
            f"{mins} to {maxs} (for an input of {list(sizes)})"
        )
    if any(w < 1 for w in wanted):
        # torch's Python check passes these when min <= 0; its C++ kernel then refuses them.
        raise ValueError(
            f"Given input size per channel: {_size_text(sizes)}. Calculated output size per "
            f"channel: {_size_text(wanted)}. Output size is too small"
        )
    return tuple(w - m for w, m in zip(wanted, mins, strict=True))


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


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------

PoolKind = Literal["max", "avg", "lp"]


@dataclass(frozen=True)
class PoolDim:
    """One dimension of a max/avg/lp pooling, resolved with torch's ``ceil_mode`` rule."""

    size: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    ceil_mode: bool

    @property
    def effective_kernel(self) -> int:
        return effective_kernel(self.kernel, self.dilation)

    @property
    def padded(self) -> int:
        """Length of the padded input."""
        return self.size + 2 * self.padding

    @property
    def output(self) -> int:
        num = self.padded - self.effective_kernel
        if self.ceil_mode:
            num += self.stride - 1
        out = num // self.stride + 1
        # torch drops a last window that would start in the right padding.
        if self.ceil_mode and (out - 1) * self.stride >= self.size + self.padding:
            out -= 1
        return out

    @property
    def covered(self) -> int:
        """Padded cells the windows reach (more than ``padded`` when ceil mode overhangs)."""
        return (self.output - 1) * self.stride + self.effective_kernel

    def window(self, i: int) -> tuple[int, int]:
        """Half-open ``[start, stop)`` of window ``i`` in unpadded input coordinates.

        ``stop`` may pass the right padding (ceil mode); taps are every ``dilation`` cells.
        """
        start = i * self.stride - self.padding
        return start, start + self.effective_kernel


def pool_geometry(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    kind: PoolKind = "max",
) -> tuple[PoolDim, ...]:
    """Validate a pooling (torch rules) and resolve every dimension.

    >>> [g.output for g in pool_geometry((6,), 3, stride=2, padding=1, ceil_mode=True)]
    [4]
    >>> [g.output for g in pool_geometry((5,), 1, stride=3, ceil_mode=True)]
    [2]
    >>> pool_geometry((5,), 3, padding=2)
    Traceback (most recent call last):
    ...
    ValueError: pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1
    >>> pool_geometry((5,), 3, padding="same")
    Traceback (most recent call last):
    ...
    ValueError: pooling takes symmetric integer padding (at most half the kernel), got 'same'
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"pooling has 1, 2 or 3 spatial dimensions, got {ndim}")
    if kind not in ("max", "avg", "lp"):
        raise ValueError(f"pooling kind must be one of max, avg, lp, got {kind!r}")
    k = per_dim(kernel_size, ndim, "kernel_size")
    s = k if stride is None else per_dim(stride, ndim, "stride")
    if isinstance(padding, str) or (
        not isinstance(padding, int) and not all(isinstance(v, int) for v in padding)
    ):
        # torch pooling has no 'same'/'valid' and no (before, after) pairs.
        raise ValueError(
            f"pooling takes symmetric integer padding (at most half the kernel), got {padding!r}"
        )
    p = per_dim(padding, ndim, "padding")
    d = per_dim(dilation, ndim, "dilation")
    if kind != "max" and any(v != 1 for v in d):
        raise ValueError(f"{kind} pooling has no dilation (got dilation={list(d)})")
    if kind == "lp" and any(v != 0 for v in p):
        raise ValueError(f"lp pooling has no padding (got padding={list(p)})")
    if any(v <= 0 for v in k):
        raise ValueError(f"kernel_size must be greater than zero, but got {list(k)}")
    if any(v <= 0 for v in s):
        raise ValueError(
            "stride should not be zero"
            if any(v == 0 for v in s)
            else f"stride must be greater than zero, but got {list(s)}"
        )
    if any(v < 0 for v in p):
        raise ValueError(f"pad must be non-negative, but got pad: {list(p)}")
    if any(v <= 0 for v in d):
        raise ValueError(f"dilation should be greater than zero, but got {list(d)}")
    for kk, pp, dd in zip(k, p, d, strict=True):
        if pp > kk // 2:
            raise ValueError(
                "pad should be at most half of effective kernel size, but got "
                f"pad={pp}, kernel_size={kk} and dilation={dd}"
            )
    _check_input_sizes(sizes, "a pooling")
    dims = tuple(
        PoolDim(L, kk, ss, pp, dd, bool(ceil_mode))
        for L, kk, ss, pp, dd in zip(sizes, k, s, p, d, strict=True)
    )
    if kind in ("avg", "lp") and ndim == 3 and any(g.size < g.kernel for g in dims):
        # pool3d_shape_check(check_input_size=True); lp_pool3d runs on avg_pool3d.
        raise ValueError(
            f"input image {_size_text(sizes)} smaller than kernel size {_size_text(k)} "
            "(avg_pool3d needs every unpadded dimension at least the kernel)"
        )
    if any(g.output < 1 for g in dims):
        raise ValueError(
            f"Given input size: {_size_text(sizes)}. "
            f"Calculated output size: {_size_text([g.output for g in dims])}. Output size is too small"
        )
    return dims


def pool_output_shape(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    kind: PoolKind = "max",
) -> tuple[int, ...]:
    """Spatial output shape of a pooling (Relationship 7 when padding is 0 and no ceil mode)."""
    dims = pool_geometry(input_size, kernel_size, stride, padding, dilation, ceil_mode, kind)
    return tuple(g.output for g in dims)


def avg_pool_divisor(dim: PoolDim, index: int, count_include_pad: bool = True) -> int:
    """The divisor of average-pooling window ``index`` along one dimension (torch's rule).

    The window is clipped at the right padding edge (never at ``start + k``), so a ceil-mode
    window hanging past the padding counts only up to ``L + p``; ``count_include_pad=False``
    counts only real cells.

    >>> g = pool_geometry((6,), 3, stride=2, padding=1, ceil_mode=True, kind="avg")[0]
    >>> avg_pool_divisor(g, 3), avg_pool_divisor(g, 3, count_include_pad=False)
    (2, 1)
    """
    start = index * dim.stride - dim.padding
    end = min(start + dim.kernel, dim.size + dim.padding)
    if count_include_pad:
        return end - start
    return min(end, dim.size) - max(start, 0)


def avg_pool_divisors(
    dim: PoolDim, count_include_pad: bool = True, divisor_override: int | None = None
) -> list[int]:
    """The divisor of each average-pooling window along one dimension (torch's rule).

    The window is clipped at the right padding edge; ``count_include_pad=False`` counts only
    real cells. (For N-d the divisor is the product over dimensions, unless overridden.)

    >>> g = pool_geometry((6,), 3, stride=2, padding=1, ceil_mode=True, kind="avg")[0]
    >>> avg_pool_divisors(g)
    [3, 3, 3, 2]
    >>> avg_pool_divisors(g, count_include_pad=False)
    [2, 3, 3, 1]
    """
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("divisor must be not zero")
        return [divisor_override] * dim.output
    return [avg_pool_divisor(dim, i, count_include_pad) for i in range(dim.output)]


def adaptive_window(size: int, output: int, index: int) -> tuple[int, int]:
    """Half-open window ``index`` of adaptive pooling: ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``.

    >>> adaptive_window(10, 4, 1)
    (2, 5)
    """
    return (index * size) // output, -((-(index + 1) * size) // output)


def adaptive_windows(size: int, output: int) -> list[tuple[int, int]]:
    """Half-open windows of adaptive pooling: ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``.

    >>> adaptive_windows(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    >>> adaptive_windows(10, 4)
    [(0, 3), (2, 5), (5, 8), (7, 10)]
    """
    check_int64((size, output), "adaptive size")
    if output < 0:
        raise ValueError(
            f"elements of output_size must be greater than or equal to 0 but received {output}"
        )
    if size <= 0:
        raise ValueError(
            "Expected input to have non-zero size for non-batch dimensions, "
            f"but got input size {size}"
        )
    return [adaptive_window(size, output, i) for i in range(output)]


def unpool_default_size(size: int, kernel: int, stride: int | None = None, padding: int = 0) -> int:
    """Default output length of max-unpool: ``(L−1)s + k − 2p``.

    >>> unpool_default_size(5, 3, 2, 1)   # a 10-long input pooled to 5 unpools to 9
    9
    """
    s = kernel if stride is None else stride
    return (size - 1) * s + kernel - 2 * padding


def unpool_size_range(size: int, kernel: int, stride: int | None = None, padding: int = 0) -> range:
    """Output lengths max-unpool accepts: strictly between ``default − s`` and ``default + s``.

    >>> unpool_size_range(5, 3, 2, 1)
    range(8, 11)
    """
    s = kernel if stride is None else stride
    default = unpool_default_size(size, kernel, s, padding)
    # torch's Python check is strict on both sides; an empty output (0) passes it and torch
    # returns an empty tensor.
    return range(max(default - s + 1, 0), default + s)


def unpool_output_size(
    size: int,
    kernel: int,
    stride: int | None = None,
    padding: int = 0,
    output_size: int | None = None,
) -> int:
    """Validate max-unpool's output length along one dimension (torch's rules and messages).

    >>> unpool_output_size(5, 3, 2, 1), unpool_output_size(5, 3, 2, 1, output_size=10)
    (9, 10)
    >>> unpool_output_size(5, 3, 2, 1, output_size=11)
    Traceback (most recent call last):
    ...
    ValueError: invalid output_size "[11]" (dim 0 must be between 7 and 11)
    """
    s = kernel if stride is None else stride
    default = unpool_default_size(size, kernel, s, padding)
    if output_size is None:
        output_size = default
        if output_size >= 0:
            return default
    if output_size < 0:
        raise ValueError(
            "max_unpooling: output_size must contain non-negative spatial dimensions, "
            f"but got output_size[0]={output_size}"
        )
    if output_size not in unpool_size_range(size, kernel, s, padding):
        raise ValueError(
            f'invalid output_size "[{output_size}]" (dim 0 must be between '
            f"{default - s} and {default + s})"
        )
    return output_size


@dataclass(frozen=True)
class AdaptiveDim:
    """One dimension of adaptive pooling: ``output`` windows over ``size`` cells."""

    size: int
    output: int

    def window(self, i: int) -> tuple[int, int]:
        """Half-open window ``i``: ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``."""
        return adaptive_window(self.size, self.output, i)

    def windows(self) -> list[tuple[int, int]]:
        """Every window (``output`` of them: list only reasonable sizes)."""
        return adaptive_windows(self.size, self.output)


def adaptive_geometry(
    input_size: Sequence[int], output_size: Sequence[int | None]
) -> tuple[AdaptiveDim, ...]:
    """Validate adaptive pooling (torch's checks) and resolve every dimension.

    ``output_size`` has one value (every dimension) or one per dimension; ``None`` keeps that
    dimension's input size.

    >>> [g.output for g in adaptive_geometry((10, 7), (3, None))]
    [3, 7]
    >>> adaptive_geometry((10, 7), (3, 3, 3))
    Traceback (most recent call last):
    ...
    ValueError: output_size must have 1 or 2 elements for a 2-d input, got 3
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"adaptive pooling has 1, 2 or 3 spatial dimensions, got {ndim}")
    wanted = tuple(output_size)
    if len(wanted) == 1:
        wanted = wanted * ndim
    if len(wanted) != ndim:
        raise ValueError(
            f"output_size must have 1 or {ndim} elements for a {ndim}-d input, got {len(wanted)}"
        )
    outs = tuple(L if out is None else out for L, out in zip(sizes, wanted, strict=True))
    check_int64(outs, "output_size")
    for L, out in zip(sizes, outs, strict=True):
        adaptive_windows(L, min(out, 0))  # torch's checks on both numbers, nothing listed
    return tuple(AdaptiveDim(L, out) for L, out in zip(sizes, outs, strict=True))


@dataclass(frozen=True)
class UnpoolDim:
    """One dimension of max-unpooling: the max pool's ``kernel, stride, padding`` and the
    output length (its default, or the ``output_size`` asked for)."""

    size: int
    kernel: int
    stride: int
    padding: int
    output: int

    @property
    def default(self) -> int:
        """``(L−1)s + k − 2p``: the length without ``output_size``."""
        return unpool_default_size(self.size, self.kernel, self.stride, self.padding)

    @property
    def accepted(self) -> range:
        """The ``output_size`` lengths torch accepts (strictly within default ± stride)."""
        return unpool_size_range(self.size, self.kernel, self.stride, self.padding)


def unpool_geometry(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    output_size: Sequence[int] | None = None,
) -> tuple[UnpoolDim, ...]:
    """Validate max-unpool's sizes (torch's rules and messages) and resolve every dimension.

    ``output_size`` may also carry the batch and channel sizes first (``ndim + 2`` values).

    >>> [g.output for g in unpool_geometry((5,), 3, 2, 1)]
    [9]
    >>> unpool_geometry((5, 5), 3, 2, 1, (9, 11))
    Traceback (most recent call last):
    ...
    ValueError: invalid output_size "[9, 11]" (dim 1 must be between 7 and 11)
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    k = per_dim(kernel_size, ndim, "kernel_size")
    s = k if stride is None else per_dim(stride, ndim, "stride")
    p = per_dim(padding, ndim, "padding")
    if any(v <= 0 for v in k) or any(v <= 0 for v in s) or any(v < 0 for v in p):
        raise ValueError(
            "max_unpool needs positive kernel_size and stride and non-negative padding"
        )
    if output_size is None:
        outs = [unpool_default_size(*args) for args in zip(sizes, k, s, p, strict=True)]
    else:
        outs = [int(v) for v in output_size]
        if len(outs) == ndim + 2:
            outs = outs[2:]
        elif len(outs) != ndim:
            raise ValueError(
                f"output_size should be a sequence containing {ndim} or {ndim + 2} elements, "
                f"but it has a length of '{len(outs)}'"
            )
        for axis, (L, kk, ss, pp, w) in enumerate(zip(sizes, k, s, p, outs, strict=True)):
            allowed = unpool_size_range(L, kk, ss, pp)
            if w not in allowed:
                raise ValueError(
                    f'invalid output_size "{outs}" (dim {axis} must be between '
                    f"{allowed.start - 1} and {allowed.stop})"
                )
    return tuple(UnpoolDim(*args) for args in zip(sizes, k, s, p, outs, strict=True))
