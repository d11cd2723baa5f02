"""Where the scenes get their numbers: the engine's traces and example values, nothing else.

One small adapter per scene kind, so that every scene asks the engine (and the shape core)
the same way and a change of the engine's API is absorbed here, once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convanim.trace import Trace


def conv1d_trace(signal: Sequence[float], kernel: Sequence[float], mode: str) -> Trace:
    """The engine's trace of a valid 1-D convolution (one channel, stride 1, no padding)."""
    from convanim.engine.tracing import trace_conv

    x = np.asarray(signal, dtype=float)
    w = np.asarray(kernel, dtype=float)
    return trace_conv(x, w, mode=mode)
