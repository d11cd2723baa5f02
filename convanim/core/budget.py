"""The work and size budgets: how much convanim agrees to compute, list or trace.

Standard library only, and the one place these limits live. The engine checks them at its
entry points (so ``engine.conv2d`` from Python refuses an absurd size as ``convanim compute``
does), the CLI before it parses or allocates anything else, with the same messages. Every check
counts from sizes alone, before any array is allocated.

>>> check_work("conv2d", 1, 3, 9, 8, (64, 64))
>>> check_trace("conv2d", 10_000, 27, 4_356)
Traceback (most recent call last):
...
ValueError: --explain traces conv2d step by step: 10000 positions × 27 taps and 4356 grid cells are beyond the limit of 200000; explain a smaller example
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "MAX_ELEMENTS",
    "MAX_TEXT",
    "MAX_NPY_HEADER",
    "MAX_WORK",
    "MAX_ADAPTIVE_POSITIONS",
    "TRACE_LIMIT",
    "LIST_LIMIT",
    "check_elements",
    "check_work",
    "check_buffer",
    "check_trace",
    "check_adaptive_positions",
    "check_list",
    "check_conv",
    "check_conv_transpose",
    "check_pool",
    "check_adaptive",
]

#: Elements of any one array (an input, a weight, an output).
MAX_ELEMENTS = 4_000_000
#: Characters of an array given as text (a JSON literal or file).
MAX_TEXT = 64_000_000
#: Bytes of a ``.npy`` file's header (read, and its shape checked, before its data).
MAX_NPY_HEADER = 10_000
#: Elements of the window buffer (im2col) a forward or backward pass gathers.
MAX_WORK = 64_000_000
#: Output positions of adaptive pooling (computed one window at a time).
MAX_ADAPTIVE_POSITIONS = 250_000
#: Taps plus grid cells a step trace may hold (a 64×64 three-channel 3×3 conv is ~110 000).
TRACE_LIMIT = 200_000
#: Entries per dimension a listing (windows, reachable sizes, preimages) may have in --json.
#: Any size up to torch's int64 is answered instantly; only enumerations grow with the numbers.
LIST_LIMIT = 100_000


def _shape_text(shape: Sequence[int]) -> str:
    return "×".join(str(n) for n in shape) if shape else "scalar"


def check_elements(op: str, count: int, out_shape: Sequence[int]) -> None:
    """Refuse an output of more than :data:`MAX_ELEMENTS` values."""
    if count > MAX_ELEMENTS:
        raise ValueError(
            f"{op} would produce {count} values ({_shape_text(out_shape)} per channel); "
            f"the limit is {MAX_ELEMENTS}"
        )


def check_work(
    op: str, n: int, channels: int, taps: int, out_channels: int, out_shape: Sequence[int]
) -> None:
    """Refuse a computation far beyond a teaching example, before allocating anything:
    the output's values and the window cells gathered (``taps`` per position and channel)."""
    positions = math.prod(out_shape)
    check_elements(op, n * out_channels * positions, out_shape)
    work = n * channels * taps * positions
    if work > MAX_WORK:
        raise ValueError(
            f"{op} would gather {work} window cells (kernel {taps} taps × {channels} channels × "
            f"{positions} positions × batch {n}); the limit is {MAX_WORK}"
        )


def check_buffer(op: str, planes: int, spans: Sequence[int]) -> None:
    """Refuse a padded grid far beyond the output (huge padding cancelled by huge dilation)."""
    cells = planes * math.prod(spans)
    if cells > 4 * MAX_ELEMENTS:
        raise ValueError(
            f"{op} would fill a working grid of {cells} cells ({_shape_text(spans)} per channel: "
            f"the padding and dilation reach far past the input); the limit is {4 * MAX_ELEMENTS}"
        )


def check_trace(op: str, positions: int, taps: int, grid: int) -> None:
    """A step trace is Python objects, one per tap: keep it to a teaching example's size."""
    size = positions * taps + grid
    if size > TRACE_LIMIT:
        raise ValueError(
            f"--explain traces {op} step by step: {positions} positions × {taps} taps and "
            f"{grid} grid cells are beyond the limit of {TRACE_LIMIT}; explain a smaller example"
        )


def check_adaptive_positions(op: str, out_shape: Sequence[int]) -> None:
    """Adaptive pooling loops over output positions in Python: at most
    :data:`MAX_ADAPTIVE_POSITIONS` of them."""
    if math.prod(out_shape) > MAX_ADAPTIVE_POSITIONS:
        raise ValueError(
            f"{op} output {_shape_text(out_shape)} has more than {MAX_ADAPTIVE_POSITIONS} positions"
        )


def check_list(count: int, what: str, axis: str) -> None:
    """Refuse a --json answer whose list would be absurdly long (the text view summarises)."""
    if count > LIST_LIMIT:
        raise ValueError(
            f"--json would list {count:,} {what} along {axis}; it lists at most "
            f"{LIST_LIMIT:,} per dimension (drop --json for a summary)"
        )


def check_conv(
    op: str, n: int, in_channels: int, out_channels: int, kernel: Sequence[int], dims: Sequence
) -> None:
    """A convolution's output and gathered cells, and the working grids of its forward pass
    (the padded input) and input gradient (∂L/∂y padded by the dilated kernel each side);
    ``dims`` are the shape core's ``ConvDim``."""
    out_shape = [g.output for g in dims]
    check_work(op, n, in_channels, math.prod(kernel), out_channels, out_shape)
    spans = [max(g.padded, g.output + 2 * (g.effective_kernel - 1)) for g in dims]
    check_buffer(op, n * max(in_channels, out_channels), spans)


def check_conv_transpose(
    op: str, n: int, in_channels: int, out_channels: int, kernel: Sequence[int], dims: Sequence
) -> None:
    """A transposed convolution's output, its scattered taps, and its working grids (the
    uncropped canvas, the input padded by the dilated kernel, the equivalent direct conv's)."""
    check_work(op, n, out_channels, 1, out_channels, [g.output for g in dims])
    check_work(op, n, in_channels, math.prod(kernel), 1, [g.size for g in dims])
    spans = [
        max(g.output + 2 * g.padding, g.size + 2 * (g.effective_kernel - 1), g.grid) for g in dims
    ]
    check_buffer(op, n * max(in_channels, out_channels), spans)


def check_pool(op: str, n: int, channels: int, dims: Sequence) -> None:
    """A pooling's output and window cells (``dims``: the shape core's ``PoolDim``)."""
    taps = math.prod(g.kernel for g in dims)
    check_work(op, n, channels, taps, channels, [g.output for g in dims])


def check_adaptive(op: str, n: int, channels: int, out_shape: Sequence[int]) -> None:
    """Adaptive pooling's positions (one Python step each) and output."""
    check_adaptive_positions(op, out_shape)
    check_work(op, n, channels, 1, channels, out_shape)
