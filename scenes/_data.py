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


def _pair(values: Sequence[int]) -> tuple[int, int]:
    return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])


def example_grid(shape: Sequence[int], seed: int, low: int = 0, high: int = 4) -> np.ndarray:
    """The engine's seeded example values (conv_arithmetic's numbers for its own 5×5 / 3×3)."""
    from convanim.engine.examples import example_values

    return example_values(tuple(shape), low=low, high=high, seed=seed)


def conv2d_values(p: dict) -> tuple[np.ndarray, np.ndarray]:
    """Input and kernel of the Conv2D scene: the paper's numbers by default, else seeded."""
    from convanim.engine.examples import conv_arithmetic_values

    shape, kshape = _pair(p["input"]), _pair(p["kernel"])
    if p["seed"] == 0 and shape == (5, 5) and kshape == (3, 3):
        return conv_arithmetic_values()
    return example_grid(shape, p["seed"]), example_grid(kshape, p["seed"] + 1, 0, 3)


def conv2d_example(p: dict):  # noqa: ANN201 - (Trace, Plan)
    """The Conv2D scene's trace and plan."""
    from convanim.engine.tracing import trace_conv
    from convanim.plan import build_plan

    x, w = conv2d_values(p)
    trace = trace_conv(
        x,
        w,
        stride=_pair(p["stride"]),
        padding=_pair(p["padding"]),
        dilation=_pair(p["dilation"]),
        mode=p["mode"],
    )
    plan = build_plan(
        trace, look="flat", numbers=True, duration_ms=int(p["step_time"] * 1000), name="Conv2D"
    )
    return trace, plan


def pool_example(p: dict):  # noqa: ANN201 - (Trace, Plan)
    """The MaxPool2D scene's trace and plan (seeded example values, torch's max pooling)."""
    from convanim.engine.tracing import trace_pool
    from convanim.plan import build_plan

    x = example_grid(_pair(p["input"]), p["seed"], 0, 10)
    trace = trace_pool(
        x,
        "max",
        _pair(p["kernel"]),
        stride=_pair(p["stride"]),
        padding=_pair(p["padding"]),
        ceil_mode=p["ceil_mode"],
        ndim=2,
    )
    plan = build_plan(
        trace, look="flat", numbers=True, duration_ms=int(p["step_time"] * 1000), name="MaxPool2D"
    )
    return trace, plan


def transposed_example(p: dict):  # noqa: ANN201 - (direct Trace, its Plan, scatter Trace)
    """The TransposedConv2D scene: the direct view's trace and plan, and the scatter trace."""
    from convanim.engine.tracing import trace_conv_transpose, trace_scatter
    from convanim.plan import build_plan

    x = example_grid(_pair(p["input"]), p["seed"], 0, 4)
    w = example_grid(_pair(p["kernel"]), p["seed"] + 1, 0, 3)
    args = dict(
        stride=_pair(p["stride"]),
        padding=_pair(p["padding"]),
        output_padding=_pair(p["output_padding"]),
    )
    direct = trace_conv_transpose(x, w, **args)
    plan = build_plan(
        direct,
        look="flat",
        numbers=True,
        duration_ms=int(p["step_time"] * 1000),
        name="TransposedConv2D",
    )
    return direct, plan, trace_scatter(x, w, **args)
