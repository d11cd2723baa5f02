"""The numeric engine: NumPy values, gradients and step traces for every operation.

Names and layouts follow ``torch.nn.functional``; sizes and validation come from
:mod:`convanim.core.shapes`. Importing it loads NumPy (``import convanim`` alone never does).

* :mod:`~convanim.engine.ops`: every operation, forward and backward, one module per family
  (``conv2d``, ``conv_transpose2d``, ``max_pool2d``, ``avg_pool2d``, ``lp_pool2d``, adaptive
  pools, ``max_unpool2d`` …, and ``conv_backward`` …), each with ``mode="correlation"``
  (default, what frameworks compute) or ``"convolution"`` (kernel flipped) where a kernel is.
* :mod:`~convanim.engine.tracing`: step traces for the renderers (``trace_conv`` …).
* :mod:`~convanim.engine.examples`: seeded example values and the classic kernels.
* :mod:`~convanim.engine.arrays`: parsing and validating user-supplied arrays.
"""

from .examples import CLASSIC_KERNELS, classic_kernel, conv_arithmetic_values, example_values
from .ops import *  # noqa: F403 - the torch.nn.functional-style operations and their backward passes
from .ops import __all__ as _ops
from .tracing import *  # noqa: F403
from .tracing import __all__ as _tracing

__all__ = [
    *_ops,
    *_tracing,
    "CLASSIC_KERNELS",
    "classic_kernel",
    "example_values",
    "conv_arithmetic_values",
]
