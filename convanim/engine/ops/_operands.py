"""What every operation does to its arguments before computing: torch's rank and layout rules,
the dtype, the bias, the convention (``mode``), the spatial rank, ``grad_output``.

Also :func:`at_rank`, which gives each N-d operation its torch names (``max_pool`` at 2 spatial
dimensions is ``max_pool2d``), and :class:`Grads`, what every backward pass returns.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ...core import shapes
from ...core.params import MODES
from .. import _kernels as K

Mode = Literal["correlation", "convolution"]
Ints = int | Sequence[int]
OutputSize = int | None | Sequence[int | None]


@dataclass(frozen=True)
class Grads:
    """Gradients of one operation; ``grad_bias`` is ``None`` when the op had no bias asked for."""

    grad_input: np.ndarray
    grad_weight: np.ndarray | None = None
    grad_bias: np.ndarray | None = None


def at_rank(op: Callable[..., Any], ndim: int, *, omit: Sequence[str] = ()) -> Callable[..., Any]:
    """``op`` fixed at ``ndim`` spatial dimensions, under torch's name (``max_pool2d``).

    Its signature is ``op``'s without ``ndim`` and without ``omit`` (arguments torch's variant
    does not take, such as ``avg_pool1d``'s ``divisor_override``), so a call binds exactly as
    the torch function's would, keywords and positions alike.

    >>> def pool(input, kernel_size, *, ndim=None):
    ...     "N-d pooling."
    ...     return ndim
    >>> pool2d = at_rank(pool, 2)
    >>> pool2d.__name__, str(inspect.signature(pool2d)), pool2d([], kernel_size=3)
    ('pool2d', '(input, kernel_size)', 2)
    """
    signature = inspect.signature(op)
    kept = [p for p in signature.parameters.values() if p.name not in ("ndim", *omit)]
    signature = signature.replace(parameters=kept)
    name = f"{op.__name__}{ndim}d"

    def fixed(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        return op(*bound.args, **bound.kwargs, ndim=ndim)

    fixed.__name__ = fixed.__qualname__ = name
    fixed.__module__ = op.__module__
    fixed.__doc__ = f"{ndim}-d :func:`{op.__name__}` (torch ``F.{name}``)."
    fixed.__signature__ = signature  # type: ignore[attr-defined]
    return fixed


def arguments(op: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """``op``'s arguments by name, its defaults filled in, bound as a call of ``op`` binds them
    (a wrong name raises ``TypeError``). A trace reads its operation's arguments through it,
    so they stay declared once, in ``op``'s torch signature.

    >>> def pool(input, kernel_size, stride=None, *, ndim=None): ...
    >>> arguments(pool, [], 2, ndim=1)
    {'input': [], 'kernel_size': 2, 'stride': None, 'ndim': 1}
    """
    bound = inspect.signature(op).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def check_mode(mode: str) -> None:
    """Refuse a convention other than ``correlation`` and ``convolution``."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'correlation' or 'convolution', got {mode!r}")


def batched(x: np.ndarray, ndim: int, name: str) -> tuple[np.ndarray, bool]:
    """``x`` as ``(N, C, *spatial)`` and whether it came unbatched (torch's rank rule)."""
    x = np.asarray(x)
    if x.ndim == ndim + 1:
        return x[None], True
    if x.ndim == ndim + 2:
        return x, False
    raise ValueError(
        f"Expected {ndim + 1}D (unbatched) or {ndim + 2}D (batched) input to {name}, "
        f"but got input of size: {list(x.shape)}"
    )


def unbatch(y: np.ndarray, unbatched: bool) -> np.ndarray:
    """``y`` without the batch axis :func:`batched` added."""
    return y[0] if unbatched else y


def pool_rank(input: np.ndarray, kernel_size: object, ndim: int | None) -> int:
    """A windowed pool's spatial rank: ``ndim``, else ``len(kernel_size)``, else the input's."""
    if ndim is not None:
        return ndim
    return len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2


def pool_input(input: np.ndarray, ndim: int, name: str) -> tuple[np.ndarray, bool]:
    """A pool's input as ``(N, C, *spatial)`` in its computing dtype, and whether it came
    unbatched."""
    x, unbatched = batched(input, ndim, name)
    return x.astype(K.float_dtype(x), copy=False), unbatched


def check_rank(weight: np.ndarray, ndim: int | None, name: str) -> None:
    """A ``conv2d``-style call's weight has exactly ``ndim + 2`` dimensions (no check for None)."""
    if ndim is not None and np.ndim(weight) != ndim + 2:
        raise ValueError(
            f"weight of {name}{ndim}d must have {ndim + 2} dimensions, "
            f"but got weight of size {list(np.shape(weight))}"
        )


def conv_operands(
    input: np.ndarray, weight: np.ndarray, groups: int, transposed: bool
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``input`` as ``(N, C, *spatial)``, ``weight`` as an array, and whether the input came
    unbatched; the spatial rank is read from ``weight`` and checked by torch's rules."""
    w = np.asarray(weight)
    ndim = w.ndim - 2
    if ndim not in (1, 2, 3):
        layout = "(in, out/groups, *k)" if transposed else "(out, in/groups, *k)"
        raise ValueError(f"weight must be {layout} with 1-3 spatial dims, got {list(w.shape)}")
    x, unbatched = batched(input, ndim, f"conv_transpose{ndim}d" if transposed else f"conv{ndim}d")
    check_weight(x, w, groups, transposed)
    return x, w, unbatched


def check_weight(x: np.ndarray, w: np.ndarray, groups: int, transposed: bool) -> None:
    """Channel and group rules of ``F.conv*`` / ``F.conv_transpose*`` (shape core: check_groups)."""
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups <= 0:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    c_in = x.shape[1]
    if transposed:
        if w.shape[0] != c_in:
            raise ValueError(
                f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(x.shape)} "
                f"to have {w.shape[0]} channels, but got {c_in} channels instead"
            )
        shapes.check_groups(c_in, w.shape[1] * groups, groups)
    else:
        if w.shape[0] % groups:
            raise ValueError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                f"but got weight of size {list(w.shape)} instead"
            )
        if w.shape[1] * groups != c_in:
            raise ValueError(
                f"Given groups={groups}, weight of size {list(w.shape)}, expected input{list(x.shape)} "
                f"to have {w.shape[1] * groups} channels, but got {c_in} channels instead"
            )
        shapes.check_groups(c_in, w.shape[0], groups)
    if any(n == 0 for n in w.shape[2:]):
        raise ValueError(f"kernel size should be greater than zero, but got {list(w.shape[2:])}")


def check_bias(bias: np.ndarray | None, channels: int) -> None:
    """A bias, when given, holds one value per output channel."""
    if bias is not None and (np.ndim(bias) != 1 or np.shape(bias)[0] != channels):
        raise ValueError(
            f"bias must have shape ({channels},) (one value per output channel), "
            f"but got {list(np.shape(bias))}"
        )


def conv_inputs(
    input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, groups: int, transposed: bool
) -> tuple[np.ndarray, np.ndarray, bool, np.dtype]:
    """:func:`conv_operands`, the bias checked (one per output channel), and the dtype the
    convolution computes in (the bias's counts when there is one)."""
    x, w, unbatched = conv_operands(input, weight, groups, transposed)
    check_bias(bias, w.shape[1] * groups if transposed else w.shape[0])
    dtype = K.float_dtype(x, w) if bias is None else K.float_dtype(x, w, np.asarray(bias))
    return x, w, unbatched, dtype


def effective_weight(w: np.ndarray, mode: str) -> np.ndarray:
    """The kernel the correlation actually applies: ``w`` itself, or ``w`` flipped for convolution."""
    check_mode(mode)
    return K.spatial_flip(w) if mode == "convolution" else w


def add_bias(y: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """``y`` (N, C, *spatial) plus one bias value per channel, in place."""
    if bias is not None:
        y += np.asarray(bias, dtype=y.dtype).reshape((1, -1) + (1,) * (y.ndim - 2))
    return y


def bias_grad(gy: np.ndarray, bias: bool) -> np.ndarray | None:
    """∂L/∂b: ∂L/∂y summed over the batch and the spatial axes (None when no bias was asked)."""
    return gy.sum(axis=(0, *range(2, gy.ndim))) if bias else None


def grad_output_like(
    grad_output: np.ndarray, unbatched: bool, dtype: np.dtype, expected: Sequence[int]
) -> np.ndarray:
    """``grad_output`` batched like the input, in ``dtype``, checked to have the output's shape."""
    gy = np.asarray(grad_output)
    if unbatched:
        gy = gy[None]
    gy = gy.astype(dtype, copy=False)
    if gy.shape != tuple(expected):
        raise ValueError(
            f"grad_output must have the shape of the output {list(expected)}, got {list(gy.shape)}"
        )
    return gy
