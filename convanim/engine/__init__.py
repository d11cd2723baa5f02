"""The numeric engine: NumPy values, gradients and step traces for every operation.

Names and layouts follow ``torch.nn.functional``; sizes and validation come from
:mod:`convanim.core.shapes`. Importing it loads NumPy (``import convanim`` alone never does).

* :mod:`~convanim.engine.ops`: forward operations (``conv2d``, ``conv_transpose2d``,
  ``max_pool2d``, ``avg_pool2d``, ``lp_pool2d``, adaptive pools, ``max_unpool2d`` …), each with
  ``mode="correlation"`` (default, what frameworks compute) or ``"convolution"`` (kernel flipped).
* :mod:`~convanim.engine.grad`: backward passes (``conv_backward`` …).
* :mod:`~convanim.engine.tracing`: step traces for the renderers (``trace_conv`` …).
* :mod:`~convanim.engine.examples`: seeded example values and the classic kernels.
* :mod:`~convanim.engine.arrays`: parsing and validating user-supplied arrays.
"""

from .examples import CLASSIC_KERNELS, classic_kernel, conv_arithmetic_values, example_values
from .grad import (
    Grads,
    adaptive_avg_pool_backward,
    adaptive_max_pool_backward,
    avg_pool_backward,
    conv_backward,
    conv_transpose_backward,
    lp_pool_backward,
    max_pool_backward,
    max_unpool_backward,
)
from .ops import *  # noqa: F403 - the torch.nn.functional-style operations
from .ops import __all__ as _ops_all
from .tracing import (
    trace_adaptive_pool,
    trace_conv,
    trace_conv_transpose,
    trace_grad_input,
    trace_grad_weight,
    trace_pool,
    trace_scatter,
)

__all__ = [
    *_ops_all,
    "Grads",
    "conv_backward",
    "conv_transpose_backward",
    "max_pool_backward",
    "avg_pool_backward",
    "lp_pool_backward",
    "adaptive_max_pool_backward",
    "adaptive_avg_pool_backward",
    "max_unpool_backward",
    "trace_conv",
    "trace_conv_transpose",
    "trace_scatter",
    "trace_pool",
    "trace_adaptive_pool",
    "trace_grad_weight",
    "trace_grad_input",
    "CLASSIC_KERNELS",
    "classic_kernel",
    "example_values",
    "conv_arithmetic_values",
]
