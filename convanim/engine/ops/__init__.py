"""Every operation of the engine, forward and backward, named, shaped and parameterised like
``torch.nn.functional`` and ``torch.autograd``; one module per family:

* :mod:`.conv` ``conv``, ``conv1d/2d/3d``, ``conv_backward``
* :mod:`.transposed` ``conv_transpose``, ``conv_transpose1d/2d/3d``, ``conv_transpose_backward``
* :mod:`.pool` ``max_pool``, ``avg_pool``, ``lp_pool`` (and ``…1d/2d/3d``, ``…_backward``)
* :mod:`.adaptive` ``adaptive_max_pool``, ``adaptive_avg_pool`` (likewise)
* :mod:`.unpool` ``max_unpool`` (likewise)

``x`` is ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``; conv weights are
``(C_out, C_in/groups, *k)``, transposed-conv weights ``(C_in, C_out/groups, *k)``. Each N-d
function takes the spatial rank from its arguments (or ``ndim=``); ``…2d`` fixes it, with torch's
signature (:func:`._operands.at_rank`). Sizes and validity come from the shape core
(:mod:`convanim.core.shapes`), work limits from :mod:`convanim.core.budget`; a backward pass
returns :class:`Grads`, exactly what ``torch.autograd`` gives.
"""

from ._operands import MODES, Grads, Mode
from .adaptive import *  # noqa: F403
from .adaptive import __all__ as _adaptive
from .conv import *  # noqa: F403
from .conv import __all__ as _conv
from .pool import *  # noqa: F403
from .pool import __all__ as _pool
from .transposed import *  # noqa: F403
from .transposed import __all__ as _transposed
from .unpool import *  # noqa: F403
from .unpool import __all__ as _unpool

__all__ = ["MODES", "Mode", "Grads", *_conv, *_transposed, *_pool, *_adaptive, *_unpool]
