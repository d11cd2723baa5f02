"""The numeric engine: NumPy values, gradients and step traces for every operation.

Names and layouts follow ``torch.nn.functional``; sizes and validation come from
:mod:`convanim.shapes`. Import cost: NumPy (never imported by ``convanim`` itself).
"""

from .grad import (
    Grads,
    avg_pool_backward,
    conv_backward,
    conv_transpose_backward,
    max_pool_backward,
)
from .ops import *  # noqa: F403 - the torch.nn.functional-style operations
from .ops import __all__ as _ops_all

__all__ = [
    *_ops_all,
    "Grads",
    "conv_backward",
    "conv_transpose_backward",
    "max_pool_backward",
    "avg_pool_backward",
]
