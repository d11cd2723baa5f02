"""The step trace: plain data describing every step of a convolution-like operation.

This is the contract between the numeric engine (which fills it, :mod:`convanim.engine`) and
everything that draws (the step plan, the GIF renderer, the Manim scenes). Standard library
only, so it can be imported and inspected without NumPy; values are Python floats.

Coordinates:

* ``grid`` coordinates index the *drawn* input grid: the padded input for a direct
  convolution or pooling, the zero-inserted and padded input for the "direct" view of a
  transposed convolution. ``Trace.grid_roles`` says what each grid cell is.
* ``source`` coordinates index the real input array (``None`` for padding and inserted zeros).
* ``output`` coordinates index the output array.

Steps come in the order an animation visits them: raster order from the top-left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["input", "padding", "inserted", "dropped"]
Mode = Literal["correlation", "convolution"]
Op = Literal[
    "conv",
    "transposed",  # direct view: equivalent convolution over the zero-inserted, padded input
    "scatter",  # scatter view of a transposed convolution: one step per *input* cell
    "max_pool",
    "avg_pool",
    "lp_pool",
    "adaptive_max_pool",
    "adaptive_avg_pool",
    "grad_weight",  # dL/dw as a correlation of dL/dy with x
    "grad_input",  # dL/dx as a full convolution of dL/dy with the flipped kernel
]


@dataclass(frozen=True)
class Tap:
    """One cell under the window: what sits there, the kernel tap over it, their product."""

    grid: tuple[int, ...]  # position in the drawn grid
    source: tuple[int, ...] | None  # position in the real input, None for a zero cell
    role: Role
    value: float  # the cell's value (0.0 for zero padding / inserted zeros)
    kernel: tuple[int, ...] | None = None  # kernel index as stored (weight[..., *kernel])
    weight: float | None = None  # the weight applied to this cell (None for pooling)
    product: float | None = None  # value * weight (None for pooling)
    channel: int = 0  # input channel the cell belongs to


@dataclass(frozen=True)
class Step:
    """One output position (or, for the scatter view, one input cell)."""

    output: tuple[int, ...]  # output coordinate (scatter: the input cell being scattered)
    taps: tuple[Tap, ...]
    total: float  # sum of products (conv) / the reduced value before bias (pooling)
    bias: float = 0.0
    value: float = 0.0  # what lands in the output: total + bias, or the pooled value
    divisor: float | None = None  # average pooling: what the sum was divided by
    winner: tuple[int, ...] | None = None  # max pooling: grid coordinate of the maximum
    # scatter view only: the output cells this input cell adds into, and what it adds there
    targets: tuple[tuple[tuple[int, ...], float], ...] = ()


@dataclass(frozen=True)
class Trace:
    """The whole operation, step by step, for one batch element and one output channel."""

    op: Op
    mode: Mode
    input_shape: tuple[int, ...]  # spatial shape of the real input
    grid_shape: tuple[int, ...]  # spatial shape of the drawn grid
    output_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]  # spatial kernel shape (the window for pooling)
    steps: tuple[Step, ...]
    grid_roles: dict[tuple[int, ...], Role] = field(default_factory=dict)
    grid_values: dict[tuple[int, ...], float] = field(default_factory=dict)
    kernel_values: dict[tuple[int, ...], float] = field(default_factory=dict)  # as displayed
    output_values: dict[tuple[int, ...], float] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)  # stride, padding, dilation, …
