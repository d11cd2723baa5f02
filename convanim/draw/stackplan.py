"""Stacks of 1-D convolutions drawn as graphs (WaveNet's figure): the plan (standard library).

Re-exported by :mod:`convanim.draw.plan`, where both renderers find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from convanim.draw.geometry import Point
from convanim.draw.labels import Label
from convanim.draw.trace import Trace

__all__ = ["StackFrame", "StackPlan", "build_stack_plan"]


@dataclass(frozen=True)
class StackFrame:
    """Which nodes and edges of a stack are highlighted (the receptive field so far)."""

    nodes: frozenset[tuple[int, int]]
    edges: frozenset[tuple[tuple[int, int], tuple[int, int]]]
    duration_ms: int = 1000


@dataclass(frozen=True)
class StackPlan:
    """A stack of 1-D convolutions as a graph: one row of nodes per layer (input at the bottom).

    Nodes are keyed ``(layer, t)``; ``positions`` gives their centres in units (y down).
    ``edges`` join ``(layer, s)`` to ``(layer + 1, t)`` for every real input cell under the
    window of output ``t`` (padding cells of a causal convolution have no node).
    """

    name: str
    width: float
    height: float
    radius: float
    positions: dict[tuple[int, int], Point]
    edges: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    target: tuple[int, int]
    labels: tuple[Label, ...]
    frames: tuple[StackFrame, ...]

    @property
    def durations(self) -> list[int]:
        return [f.duration_ms for f in self.frames]

    def pixel_size(self, cell_px: float, margin_px: float) -> tuple[int, int]:
        return (
            int(round(self.width * cell_px + 2 * margin_px)),
            int(round(self.height * cell_px + 2 * margin_px)),
        )


def build_stack_plan(
    traces: Sequence[Trace],
    *,
    layer_names: Sequence[str] | None = None,
    right_labels: Sequence[str] = (),
    target: int | None = None,
    spacing: float = 1.6,
    row_gap: float = 2.2,
    duration_ms: int = 1000,
    hold_last_ms: int | None = None,
    name: str = "stack",
) -> StackPlan:
    """Lay out ``traces`` (layer ``l`` → ``l + 1``, 1-D) as a graph and grow the receptive field
    of output ``target`` (default: the last) one layer per frame, from the output down.

    >>> from convanim.draw.trace import Step, Tap, Trace
    >>> def layer(n):   # a causal k=2 convolution: output t reads t-1 and t
    ...     steps = tuple(Step((t,), tuple(Tap((t + a,), (t + a - 1,) if t + a else None,
    ...                   "input" if t + a else "padding", 0.0) for a in (0, 1)), 0.0)
    ...                   for t in range(n))
    ...     return Trace("conv", "correlation", (n,), (n + 1,), (n,), (2,), steps)
    >>> p = build_stack_plan([layer(4), layer(4)])
    >>> sorted(t for (l, t) in p.frames[-1].nodes if l == 0)   # receptive field 3
    [1, 2, 3]
    >>> len(p.frames)
    3
    """
    if not traces:
        raise ValueError("a stack needs at least one layer")
    sizes = [traces[0].input_shape[0]] + [t.output_shape[0] for t in traces]
    depth = len(traces)
    label_w = 4.2
    right_w = 3.6  # the same size with or without labels, so before/after line up on a slide
    widest = max(sizes)
    width = label_w + (widest - 1) * spacing + 1.0 + right_w
    height = depth * row_gap + 1.0
    positions: dict[tuple[int, int], Point] = {}
    for layer, n in enumerate(sizes):
        y = height - 0.5 - layer * row_gap
        x0 = label_w + 0.5 + (widest - n) * spacing  # right-align: time runs left to right
        for t in range(n):
            positions[layer, t] = (x0 + t * spacing, y)
    edges, parents = _edges(traces)
    t_out = sizes[-1] - 1 if target is None else target
    if not 0 <= t_out < sizes[-1]:
        raise ValueError(f"target must be in 0 … {sizes[-1] - 1}, got {t_out}")
    root = (depth, t_out)
    frames = _growth(root, parents, depth)
    names_ = list(layer_names or [])
    if not names_:
        names_ = ["Input"] + ["Hidden Layer"] * (depth - 1) + ["Output"]
    labels = [
        Label(names_[layer], (0.0, positions[layer, 0][1]), ("left", "middle"), 0.5)
        for layer in range(min(len(names_), depth + 1))
    ]
    for layer, text in enumerate(right_labels):
        if layer + 1 <= depth and text:
            y = (positions[layer, 0][1] + positions[layer + 1, 0][1]) / 2
            labels.append(Label(text, (width, y), ("right", "middle"), 0.45, "caption"))
    n = len(frames)
    return StackPlan(
        name=name,
        width=width,
        height=height,
        radius=0.32,
        positions=positions,
        edges=tuple(edges),
        target=root,
        labels=tuple(labels),
        frames=tuple(
            StackFrame(nodes_, edges_, (hold_last_ms or duration_ms) if i == n - 1 else duration_ms)
            for i, (nodes_, edges_) in enumerate(frames)
        ),
    )


Node = tuple[int, int]


def _edges(traces: Sequence[Trace]) -> tuple[list[tuple[Node, Node]], dict[Node, list[Node]]]:
    """Every edge ``(layer, s) → (layer + 1, t)`` of a real input cell under output t's
    window, and each node's parents."""
    edges: list[tuple[Node, Node]] = []
    parents: dict[Node, list[Node]] = {}
    for layer, trace in enumerate(traces):
        for step in trace.steps:
            out = (layer + 1, step.output[0])
            for tap in step.taps:
                if tap.source is not None:
                    edge = ((layer, tap.source[0]), out)
                    edges.append(edge)
                    parents.setdefault(out, []).append(edge[0])
    return edges, parents


def _growth(
    root: Node, parents: dict[Node, list[Node]], depth: int
) -> list[tuple[frozenset, frozenset]]:
    """The receptive field of ``root`` grown one layer per frame: (nodes, edges) so far."""
    nodes = {root}
    active: set = set()
    frontier = {root}
    frames = [(frozenset(nodes), frozenset(active))]
    for _ in range(depth):
        nxt = set()
        for node in frontier:
            for p in parents.get(node, []):
                nxt.add(p)
                active.add((p, node))
        nodes |= nxt
        frontier = nxt
        frames.append((frozenset(nodes), frozenset(active)))
    return frames
