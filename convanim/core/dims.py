"""Per-dimension parameters: the expansions and checks every size rule starts with.

Standard library only, no dependencies: :mod:`convanim.core.shapes` (convolution),
:mod:`convanim.core.transposed` and :mod:`convanim.core.pooling` build on it.

>>> per_dim(3, 2, "kernel_size"), effective_kernel(3, 2)
((3, 3), 5)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import ParamSpec, Protocol

from convanim.core.record import Record, record

__all__ = [
    "PADDING_MODES",
    "INT64_MAX",
    "Dims",
    "PaddingSpec",
    "effective_kernel",
    "check_int64",
    "ndim_error",
    "per_dim",
    "check_input_sizes",
    "size_text",
    "output_too_small",
    "conv_args",
    "DilatedKernel",
    "Window",
    "PaddedWindow",
    "SymmetricWindow",
    "output_shape_of",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")

#: torch stores every size and parameter as a C ``int64_t``; a larger Python int is refused
#: before any arithmetic ("Overflow when unpacking long long"). So does convanim.
INT64_MAX = 2**63 - 1

#: A parameter given once for every dimension or once per dimension (``3`` or ``(3, 5)``).
Dims = int | Sequence[int]

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


def ndim_error(name: str, ndim: int, value: object) -> ValueError:
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
        raise ndim_error(name, ndim, list(values))
    check_int64(values, name)
    return values


def check_input_sizes(sizes: Sequence[int], what: str) -> None:
    """torch rejects empty and negative spatial dimensions for every layer in this module."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in sizes):
        raise ValueError(f"input sizes must be integers, got {list(sizes)}")
    check_int64(sizes, "input size")
    if any(v <= 0 for v in sizes):
        raise ValueError(
            f"every spatial input size must be positive, got {list(sizes)} ({what} accepts "
            "only an empty batch or channel dimension, never an empty spatial one)"
        )


def size_text(values: Sequence[int]) -> str:
    """``(5 x 7)``: sizes as torch's messages write them."""
    return "(" + " x ".join(str(v) for v in values) + ")"


def output_too_small(
    sizes: Sequence[int], outputs: Sequence[int], per_channel: bool = False
) -> ValueError:
    """torch's refusal of an output with a dimension under 1 (convolutions say "per channel").

    >>> output_too_small((1,), (0,))
    ValueError('Given input size: (1). Calculated output size: (0). Output size is too small')
    """
    where = " per channel" if per_channel else ""
    return ValueError(
        f"Given input size{where}: {size_text(sizes)}. "
        f"Calculated output size{where}: {size_text(outputs)}. Output size is too small"
    )


class DilatedKernel:
    """A kernel of ``kernel`` taps spaced ``dilation`` apart (every geometry record has one)."""

    __slots__ = ()
    kernel: int
    dilation: int

    @property
    def effective_kernel(self) -> int:
        return effective_kernel(self.kernel, self.dilation)


@record
class Window(DilatedKernel, Record):
    """One dimension a kernel sweeps with a stride: the fields every geometry record starts
    with (the padding and dilation follow, in torch's order for each operation)."""

    size: int
    kernel: int
    stride: int


@record
class PaddedWindow(Window):
    """A dimension padded ``(pad_before, pad_after)`` and swept by a dilated kernel (torch's
    ``ConvDim`` and the frameworks' ``FrameworkDim`` share it)."""

    dilation: int
    pad_before: int
    pad_after: int

    @property
    def padded(self) -> int:
        """Length of the padded input (negative padding, non-zeros modes only, crops)."""
        return self.size + self.pad_before + self.pad_after


@record
class SymmetricWindow(Window):
    """A dimension in torch's parameters for a padding given once for both sides: pooling's
    (``PoolDim``) and a transposed convolution's (``TransposedDim``, where it crops)."""

    padding: int
    dilation: int


def conv_args(
    input_size: Sequence[int], kernel_size: Dims, stride: Dims, dilation: Dims
) -> tuple[tuple[int, ...], ...]:
    """A convolution's sizes, kernel, stride and dilation, one value per dimension (1 to 3).

    >>> conv_args((6, 5), 3, (2, 1), 1)
    ((6, 5), (3, 3), (2, 1), (1, 1))
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"convolutions have 1, 2 or 3 spatial dimensions, got {ndim}")
    k = per_dim(kernel_size, ndim, "kernel_size")
    return sizes, k, per_dim(stride, ndim, "stride"), per_dim(dilation, ndim, "dilation")


class _Sized(Protocol):
    @property
    def output(self) -> int: ...


_P = ParamSpec("_P")


def output_shape_of(
    geometry: Callable[_P, Sequence[_Sized]], name: str, doc: str
) -> Callable[_P, tuple[int, ...]]:
    """The ``*_output_shape`` function of a ``*_geometry``: the same arguments (its signature,
    for ``help()``), each dimension's output size.

    >>> from types import SimpleNamespace as Dim
    >>> def geometry(n: int, k: int = 3) -> tuple[Dim, ...]:
    ...     return (Dim(output=n - k + 1),)
    >>> shape = output_shape_of(geometry, "shape", "Output sizes.")
    >>> shape(5), shape(5, k=5), shape.__name__
    ((3,), (1,), 'shape')
    """

    @functools.wraps(geometry)
    def output_shape(*args: _P.args, **kwargs: _P.kwargs) -> tuple[int, ...]:
        return tuple(d.output for d in geometry(*args, **kwargs))

    output_shape.__name__ = output_shape.__qualname__ = name
    output_shape.__doc__ = doc
    return output_shape
