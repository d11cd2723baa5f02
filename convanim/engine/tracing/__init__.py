"""Step traces: every step of an operation as plain data (:mod:`convanim.draw.trace`) for the renderers.

A trace follows one batch element and one output channel. Steps come in raster order of the
output (the order an animation visits them); each step lists the cells under the window with
their role (``input``, ``padding``, ``inserted``), the kernel tap over each cell, the products,
the sum, the bias and the value that lands in the output. Values are the engine's own, so a
drawing and ``convanim compute`` can never disagree. One module per family: :mod:`.conv`
(``trace_conv``, ``trace_grad_weight``, ``trace_grad_input``), :mod:`.transposed`
(``trace_conv_transpose``, ``trace_scatter``), :mod:`.pool` (``trace_pool``,
``trace_adaptive_pool``); :mod:`._steps` holds what they share.

Conventions worth knowing when drawing:

* ``Tap.kernel`` is the kernel index *as stored* (``weight[co, ci, *kernel]``) and ``Tap.weight``
  the number applied to the cell. ``Trace.kernel_values`` is the kernel *as it lies over the
  grid* (keyed by window offset), so in ``convolution`` mode, or in the direct view of a
  transposed convolution, it is the flipped kernel. It shows the first input channel of the
  group; taps carry every channel (``Tap.channel``), listed in ``params["in_channels"]``.
* ``grid_roles`` marks grid cells no window ever reaches as ``dropped`` (e.g. the last padded
  row of conv_arithmetic's ``padding_strides_odd``); taps never touch them.

The conv_arithmetic Figure 1.1 (valid 3×3 correlation of a 5×5 input):

>>> import numpy as np
>>> x = np.array([[3,3,2,1,0],[0,0,1,3,1],[3,1,2,2,3],[2,0,0,2,2],[2,0,0,0,1]], float)
>>> w = np.array([[0,1,2],[2,2,0],[0,1,2]], float)
>>> t = trace_conv(x, w)
>>> [s.value for s in t.steps[:3]]
[12.0, 12.0, 17.0]
>>> [(tap.value, tap.weight) for tap in t.steps[0].taps[:3]]
[(3.0, 0.0), (3.0, 1.0), (2.0, 2.0)]
"""

from .conv import *  # noqa: F403
from .conv import __all__ as _conv
from .pool import *  # noqa: F403
from .pool import __all__ as _pool
from .transposed import *  # noqa: F403
from .transposed import __all__ as _transposed

__all__ = [*_conv, *_transposed, *_pool]
