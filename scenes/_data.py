"""Where the scenes get their numbers: the engine's traces and example values, nothing else.

One small adapter per scene kind, so that every scene asks the engine (and the shape core)
the same way and a change of the engine's API is absorbed here, once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convanim.draw.trace import Trace


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


def _scene_plan(trace, p: dict, name: str, **options):  # noqa: ANN001, ANN202 - a Plan
    """A grid scene's step plan: flat, numbered, one step per ``step_time`` seconds."""
    from convanim.draw.plan import build_plan

    ms = int(p["step_time"] * 1000)
    return build_plan(trace, look="flat", numbers=True, duration_ms=ms, name=name, **options)


def conv2d_example(p: dict):  # noqa: ANN201 - (Trace, Plan)
    """The Conv2D scene's trace and plan."""
    from convanim.engine.tracing import trace_conv

    x, w = conv2d_values(p)
    trace = trace_conv(
        x,
        w,
        p.get("bias"),
        stride=_pair(p["stride"]),
        padding=_pair(p["padding"]),
        dilation=_pair(p["dilation"]),
        mode=p["mode"],
    )
    return trace, _scene_plan(trace, p, "Conv2D")


def pool_example(p: dict):  # noqa: ANN201 - (Trace, Plan)
    """The MaxPool2D scene's trace and plan (seeded example values, torch's max pooling)."""
    from convanim.engine.tracing import trace_pool

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
    # (caption: the scene says which pooling in its own title and notes)
    return trace, _scene_plan(trace, p, "MaxPool2D", caption="")


def transposed_example(p: dict):  # noqa: ANN201 - (direct Trace, its Plan, scatter Trace)
    """The TransposedConv2D scene: the direct view's trace and plan, and the scatter trace."""
    from convanim.engine.tracing import trace_conv_transpose, trace_scatter

    x = example_grid(_pair(p["input"]), p["seed"], 0, 4)
    w = example_grid(_pair(p["kernel"]), p["seed"] + 1, 0, 3)
    args = dict(
        stride=_pair(p["stride"]),
        padding=_pair(p["padding"]),
        output_padding=_pair(p["output_padding"]),
    )
    direct = trace_conv_transpose(x, w, **args)
    return direct, _scene_plan(direct, p, "TransposedConv2D"), trace_scatter(x, w, **args)


def ambiguity_plans(p: dict, step_ms: int):  # noqa: ANN201 - list of (size, Trace, Plan) x 2
    """The TransposedAmbiguity scene: each input size's convolution, and each transposed
    convolution back (one per ``output_padding``), as traces and plans without numbers: the
    same plans as the ``ambiguity`` figure (:mod:`convanim.draw.figure_plans`)."""
    from convanim.draw.figure_plans import ambiguity_plans as plans

    k = p["kernel"]
    built = plans(
        p["sizes"],
        k,
        p["stride"],
        p["padding"],
        weight=example_grid((k, k), 1, 0, 3),
        values=lambda shape: example_grid(shape, 0),
        duration_ms=step_ms,
        legend=False,
    )
    return list(built.forward), list(built.backward)


def multichannel_example(p: dict):  # noqa: ANN201 - (x, w, b, [Trace per output channel])
    """The MultiChannelConv scene: seeded values and one engine trace per output channel."""
    from convanim.engine.tracing import trace_conv

    cin, cout, g, m, n = p["in_channels"], p["out_channels"], p["groups"], p["kernel"], p["length"]
    x = example_grid((cin, n), p["seed"], 0, 4)
    w = example_grid((cout, cin // g, m), p["seed"] + 1, -1, 2)
    b = example_grid((cout,), p["seed"] + 2, 0, 2)
    traces = [trace_conv(x, w, b, groups=g, mode=p["mode"], out_channel=j) for j in range(cout)]
    return x, w, b, traces


class CausalStack:
    """A causal 1-D stack, drawn from the engine's traces through the same
    :func:`convanim.draw.plan.build_stack_plan` as the WaveNet GIF: who feeds whom, and the
    receptive field.

    ``taps[l][t]``: positions in layer ``l`` (0 = input) that feed node ``t`` of layer ``l+1``
    (the real, non-padding cells of its window). ``field[l]``: the nodes of layer ``l`` the
    last output depends on. ``receptive_field``: from :func:`convanim.core.stack.analyse_stack`.
    """

    def __init__(self, length: int, kernel: int, dilations: Sequence[int]) -> None:
        from convanim.draw.figure_plans import causal_stack_plan

        self.receptive_field: int = self.receptive_field_of(kernel, dilations)
        plan = causal_stack_plan(length, kernel, dilations)  # the WaveNet figure's plan
        self.taps: list[list[list[int]]] = [[[] for _ in range(length)] for _ in dilations]
        for (layer, s), (_, t) in plan.edges:
            self.taps[layer][t].append(s)
        for rows in self.taps:
            for sources in rows:
                sources.sort()
        lit = plan.frames[-1].nodes  # the last output's receptive field, every layer
        self.field: list[list[int]] = [
            sorted(t for layer_, t in lit if layer_ == layer) for layer in range(len(dilations) + 1)
        ]

    @staticmethod
    def receptive_field_of(kernel: int, dilations: Sequence[int]) -> int:
        """The receptive field of a causal stack, from the shape core's stack analysis.

        >>> CausalStack.receptive_field_of(2, [1, 2, 4, 8])
        16
        """
        from convanim.core.stack import Layer, analyse_stack

        layers = [Layer("conv", kernel, 1, "causal", d) for d in dilations]
        # (the analysis needs an input size; the field does not depend on it)
        return analyse_stack((1,), layers).receptive_field[0]


def causal_stack(length: int, kernel: int, dilations: Sequence[int]) -> CausalStack:
    """See :class:`CausalStack`."""
    return CausalStack(length, kernel, dilations)


def backward_example(p: dict):  # noqa: ANN201
    """The ConvBackward scene: x, w, b, ∂L/∂y (seeded), the engine's gradients, and the traces
    and plans of ∂L/∂w (correlation of ∂L/∂y with x) and ∂L/∂x (full convolution of ∂L/∂y
    with the flipped kernel), for the deck's convolution ``y[n] = Σ w[k] x[n−k] + b``."""
    from convanim.core import shapes
    from convanim.draw.plan import build_plan
    from convanim.engine import conv_backward
    from convanim.engine.tracing import trace_grad_input, trace_grad_weight

    n, m, seed = p["length"], p["kernel"], p["seed"]
    L_out = shapes.conv_output_size(n, m)
    x = example_grid((n,), seed, 0, 4)
    w = example_grid((m,), seed + 1, -1, 3)
    gy = example_grid((L_out,), seed + 2, -2, 3)
    grads = conv_backward(x[None, None], w[None, None], gy[None, None], mode="convolution")
    ms = int(p["step_time"] * 1000)
    tw = trace_grad_weight(x, w, gy, mode="convolution")
    ti = trace_grad_input(x, w, gy, mode="convolution")
    plans = [
        _without_caption(build_plan(t, look="flat", numbers=True, labels=False, duration_ms=ms))
        for t in (tw, ti)
    ]
    return x, w, gy, grads, (tw, plans[0]), (ti, plans[1])


def _without_caption(plan):  # noqa: ANN001, ANN202
    """The plan without its caption: for a gradient trace the plan names the *forward* mode
    ("kernel flipped"), while the picture slides ∂L/∂y (or w) unflipped; the scene says what
    is drawn instead."""
    import dataclasses

    return dataclasses.replace(plan, labels=tuple(lb for lb in plan.labels if lb.role != "caption"))


def layout_plan_row(key: str, texts: Sequence[str]):  # noqa: ANN201 - a one-row Plan
    """A single labelled row of cells (the bias part of ConvBackward)."""
    from convanim.scenes._grid import layout_plan

    return layout_plan(
        key, [(key, 1, len(texts), ["output"] * len(texts), list(texts), 0.0, 0.0, "")]
    )
