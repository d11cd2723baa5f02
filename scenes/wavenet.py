"""DilatedCausalStack: WaveNet's causal layers, first undilated, then with dilations 1, 2, 4, 8.

Nodes are time steps, one row per layer; each node is fed by ``k`` nodes of the layer below,
``d`` apart and never from the future (causal padding ``d(k−1)`` on the left). The receptive
field of the last output lights up layer by layer, top to bottom: ``1 + (k−1)·L`` inputs
without dilation, ``1 + (k−1)·Σ_l d_l`` with it (16 for ``k = 2`` and dilations 1, 2, 4, 8),
the numbers the shape core's stack analysis gives.

    manim -ql scenes/wavenet.py DilatedCausalStack
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from convanim.scenes._common import FONT, NUMBER_SIZE, ConvanimScene, FadeIn, FadeOut, tex
from convanim.scenes._data import CausalStack, causal_stack
from manim import DOWN, LEFT, UP, Circle, Text, VGroup, VMobject, Write

#: MathTex with digits (``d = 8``, ``k = 2``, the receptive field) at 42 pt: 40 px digits.
TEX_SIZE = 42


@dataclass(frozen=True)
class StackLayout:
    """Where node ``t`` of layer ``l`` sits: columns ``dx`` apart from ``x0``, rows ``dy``
    apart from ``y0`` (the input) upwards, between the layer names and the ``d`` labels."""

    x0: float
    dx: float
    y0: float
    dy: float
    names_x: float
    labels_x: float

    @classmethod
    def fit(cls, length: int, layers: int, widest_label: float, top: float) -> StackLayout:
        """The largest spacing that fits the frame below ``top`` (at most 0.75 × 1.25)."""
        names_w = Text("output", font=FONT, font_size=NUMBER_SIZE).width
        left, right = -7.0 + 0.2 + names_w + 0.35, 7.0 - 0.2 - widest_label - 0.35
        dx = min(0.75, (right - left) / max(length - 1, 1))
        bottom = -4.0 + 0.35
        dy = min(1.25, (top - 0.3 - bottom) / max(layers, 1))
        x0 = (left + right) / 2 - dx * (length - 1) / 2
        return cls(x0, dx, bottom, dy, x0 - 0.35 - names_w / 2, x0 + dx * (length - 1) + 0.35)

    def at(self, layer: int, t: int) -> np.ndarray:
        return np.array([self.x0 + t * self.dx, self.y0 + layer * self.dy, 0.0])


def lines(ends: Iterable[tuple[np.ndarray, np.ndarray]], color: str, width: float) -> VMobject:
    """Straight lines as one mobject: a Manim mobject per edge (up to 768 of them in the
    widest stack) makes every frame, and the dry-run checks, many times slower."""
    path = VMobject(stroke_color=color, stroke_width=width)
    for a, b in ends:
        path.start_new_path(a)
        path.add_line_to(b)
    return path


def dots(centres: Iterable[np.ndarray], radius: float, fill: str, stroke: str) -> VMobject:
    """Filled circles as one mobject (for the same reason as :func:`lines`)."""
    path = VMobject(fill_color=fill, fill_opacity=1, stroke_color=stroke, stroke_width=2)
    for c in centres:
        path.append_vectorized_mobject(Circle(radius=radius).move_to(c))
    return path.set_fill(fill, 1).set_stroke(stroke, 2)


class DilatedCausalStack(ConvanimScene):
    """Receptive field of one output of a causal stack, without and with dilation."""

    def construct(self) -> None:
        self.prepare()
        (causal, dilated), (plain, dilated_stack) = self.phases, self.stacks
        drawn = self.stack_drawing(plain, causal)
        self.opening(self.heads[0], self.layer_names(), drawn)
        lit = self.receptive_field(0)
        self.beat(
            "idea",
            FadeOut(self.heads[0], drawn, lit, self.rfs[0]),
            FadeIn(self.heads[1], self.stack_drawing(dilated_stack, dilated)),
            move=1.2,
        )
        self.receptive_field(1)
        self.closing()

    def prepare(self) -> None:
        """Both stacks (undilated, dilated), their headers and formulas, and the layout."""
        p = self.p
        self.k, self.length = p["kernel"], p["length"]
        dilations = list(p["dilations"])
        self.layers = len(dilations)
        self.budget = self.step_count(2 * self.layers)
        self.played = 0
        self.phases = ([1] * self.layers, dilations)
        self.stacks = [causal_stack(self.length, self.k, ds) for ds in self.phases]
        self.heads = [self.header(phase) for phase in range(2)]
        self.rfs = [self.rf_formula(ds) for ds in self.phases]
        top = min(rf.get_bottom()[1] for rf in self.rfs)
        widest = max(self.d_label(d).width for d in dilations)
        self.grid = StackLayout.fit(self.length, self.layers, widest, top)

    def receptive_field(self, phase: int) -> VGroup:
        """Light the last output's field layer by layer, then write its size."""
        stack = self.stacks[phase]
        lit = self.light_field(stack)
        self.shown.append(("receptive_field", stack.receptive_field))
        self.beat("idea", Write(self.rfs[phase]), move=1.0)
        return lit

    # -- the drawing ----------------------------------------------------------------------
    def header(self, phase: int):  # noqa: ANN201 - a MathTex
        kind = "causal convolutions" if phase == 0 else "dilated causal convolutions"
        head = tex(rf"\text{{{kind}, }} k = {self.k}", size=TEX_SIZE, palette=self.palette)
        return head.to_edge(UP, buff=0.25)

    def rf_formula(self, ds: list[int]):  # noqa: ANN201 - a MathTex
        """``r = 1 + (k−1)·Σ_l d_l`` with this stack's numbers, under the header; the result
        is the shape core's (:func:`convanim.core.stack.analyse_stack`)."""
        r = CausalStack.receptive_field_of(self.k, ds)
        terms = "+".join(str(d) for d in ds)
        rf = tex(
            r"r = 1 + (k-1)\sum_l d_l = 1 + ",
            rf"{self.k - 1}\cdot({terms})",
            f"= {r}",
            size=TEX_SIZE,
            palette=self.palette,
        ).next_to(self.heads[0], DOWN, buff=0.15)
        rf[2].set_color(self.palette.red)
        return rf

    def d_label(self, d: int):  # noqa: ANN201 - a MathTex
        return tex(f"d = {d}", size=TEX_SIZE, color=self.palette.grey)

    def layer_names(self) -> VGroup:
        names = VGroup()
        for layer in range(self.layers + 1):
            text = "input" if layer == 0 else ("output" if layer == self.layers else "hidden")
            name = Text(text, font=FONT, font_size=NUMBER_SIZE, color=self.palette.grey)
            names.add(name.move_to(self.grid.at(layer, 0)).set_x(self.grid.names_x))
        return names

    def stack_drawing(self, stack: CausalStack, ds: list[int]) -> VGroup:
        """Every node, every edge (who feeds whom) and each layer's dilation."""
        at, pal = self.grid.at, self.palette
        nodes = dots(
            (at(layer, t) for layer in range(self.layers + 1) for t in range(self.length)),
            0.1,
            pal.blue,
            pal.ink,
        )
        edges = lines(
            ((at(layer - 1, s), at(layer, t)) for layer in range(1, self.layers + 1)
             for t in range(self.length) for s in stack.taps[layer - 1][t]),
            pal.grey, 1.2,
        )  # fmt: skip
        labels = VGroup()
        for layer, d in enumerate(ds, 1):
            label = self.d_label(d).move_to(at(layer, 0))
            labels.add(label.align_to(np.array([self.grid.labels_x, 0, 0]), LEFT))
        return VGroup(edges, nodes, labels)

    def light_field(self, stack: CausalStack) -> VGroup:
        """The receptive field of the last output, one layer per beat, from the top down."""
        at, red = self.grid.at, self.palette.red

        def node(layer: int, t: int) -> VMobject:
            return dots([at(layer, t)], 0.13, red, red)

        lit = VGroup()
        for layer in range(self.layers, 0, -1):
            if self.played == self.budget:
                break
            new = VGroup(
                lines(
                    (
                        (at(layer - 1, s), at(layer, t))
                        for t in stack.field[layer]
                        for s in stack.taps[layer - 1][t]
                    ),
                    red,
                    4,
                ),  # fmt: skip
                dots((at(layer - 1, t) for t in stack.field[layer - 1]), 0.13, red, red),
            )
            if layer == self.layers:
                new.add(node(layer, self.length - 1))
            self.beat("output", FadeIn(new))
            lit.add(new)
            self.played += 1
        return lit


__all__ = ["DilatedCausalStack"]
