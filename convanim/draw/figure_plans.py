"""Plans of the deck's figures that are more than one sliding window, built once for every
renderer: the Pillow figures (:mod:`convanim.draw.figures`) and the Manim scenes
(``scenes/ambiguity.py``, the causal stacks) draw these same plans.

* :func:`ambiguity_plans`: every input size that collapses to one output size (the shape
  core's preimage), each as a convolution plan, and the transposed convolution back to each
  (one ``output_padding`` each).
* :func:`causal_stack_plan`: a stack of causal 1-D convolutions (WaveNet's figure) as a graph,
  the receptive field of the last output grown layer by layer.

Sizes come from the shape core, window positions from the engine's traces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from convanim.core import shapes
from convanim.draw.plan import Plan, StackPlan, build_plan, build_stack_plan
from convanim.draw.trace import Trace
from convanim.engine import examples, tracing

__all__ = ["AmbiguityPlans", "ambiguity_plans", "causal_stack_traces", "causal_stack_plan"]


@dataclass(frozen=True)
class AmbiguityPlans:
    """``forward``: ``(input side, trace, plan)`` per input size; ``backward``: ``(output
    side, output_padding, trace, plan)`` per transposed convolution back."""

    output: int
    forward: tuple[tuple[int, Trace, Plan], ...]
    backward: tuple[tuple[int, int, Trace, Plan], ...]

    def panels(self) -> list[tuple[str, Plan]]:
        """Titled plans, forward then backward.

        >>> [title for title, _ in ambiguity_plans(shapes.preimage(3, 3, 2, 1)).panels()]
        ... # doctest: +NORMALIZE_WHITESPACE
        ['conv: 5×5 → 3×3', 'conv: 6×6 → 3×3',
         'transposed: 3×3 → 5×5, output_padding=0', 'transposed: 3×3 → 6×6, output_padding=1']
        """
        o = self.output
        out = [(f"conv: {n}×{n} → {o}×{o}", plan) for n, _, plan in self.forward]
        for size, op, _, plan in self.backward:
            out.append((f"transposed: {o}×{o} → {size}×{size}, output_padding={op}", plan))
        return out


def ambiguity_plans(
    sizes: Sequence[int],
    kernel: int = 3,
    stride: int = 2,
    padding: int = 1,
    *,
    weight: np.ndarray | None = None,
    values: Callable[[tuple[int, int]], np.ndarray] | None = None,
    duration_ms: int = 1000,
    legend: bool = True,
) -> AmbiguityPlans:
    """Square inputs of each side in ``sizes`` (all giving the same output), convolved, and
    the transposed convolutions back to them. ``values(shape)`` gives an input's values
    (default: the seeded example, seed = its side), ``weight`` the kernel (default ones)."""
    sizes = list(sizes)
    outputs = {shapes.conv_output_shape((n, n), kernel, stride, padding) for n in sizes}
    if len(outputs) != 1:
        raise ValueError(f"input sizes {sizes} do not all give one output size")
    if len(sizes) < 2:
        raise ValueError("no ambiguity: only one input size gives this output (stride 1?)")
    w = np.ones((kernel, kernel)) if weight is None else np.asarray(weight, dtype=np.float64)
    make = values or (lambda shape: examples.example_values(shape, seed=shape[0]))
    forward = []
    for n in sizes:
        t = tracing.trace_conv(make((n, n)), w, stride=stride, padding=padding)
        plan = build_plan(t, look="flat", duration_ms=duration_ms, name=f"conv{n}")
        forward.append((n, t, plan))
    o = outputs.pop()[0]
    backward = []
    for size, op in shapes.transposed_output_range(o, kernel, stride, padding):
        if size not in sizes:
            continue
        t = tracing.trace_conv_transpose(
            make((o, o)), w, stride=stride, padding=padding, output_padding=op
        )
        plan = build_plan(t, look="flat", legend=legend, name=f"transposed{size}")
        backward.append((size, op, t, plan))
    return AmbiguityPlans(o, tuple(forward), tuple(backward))


def causal_stack_traces(length: int, kernel: int, dilations: Sequence[int]) -> list[Trace]:
    """The engine's traces of causal 1-D convolutions (left padding ``d·(k − 1)``), one per
    dilation; each keeps the length."""
    traces = [
        tracing.trace_conv(
            np.zeros(length), np.ones(kernel), padding=[(d * (kernel - 1), 0)], dilation=d
        )
        for d in dilations
    ]
    if any(t.output_shape != (length,) for t in traces):
        raise AssertionError("a causal layer changed the length")
    return traces


def causal_stack_plan(
    length: int,
    kernel: int,
    dilations: Sequence[int],
    *,
    right_labels: Sequence[str] = (),
    duration_ms: int = 1000,
    hold_last_ms: int | None = None,
    name: str = "stack",
) -> StackPlan:
    """A causal stack as a graph (:func:`~convanim.draw.plan.build_stack_plan`).

    >>> p = causal_stack_plan(16, 2, [1, 2, 4, 8])
    >>> sorted(t for layer, t in p.frames[-1].nodes if layer == 0) == list(range(16))
    True
    """
    return build_stack_plan(
        causal_stack_traces(length, kernel, dilations),
        right_labels=right_labels,
        duration_ms=duration_ms,
        hold_last_ms=hold_last_ms,
        name=name,
    )
