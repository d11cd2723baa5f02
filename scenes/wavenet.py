"""DilatedCausalStack: WaveNet's causal layers, first undilated, then with dilations 1, 2, 4, 8.

Nodes are time steps, one row per layer; each node is fed by ``k`` nodes of the layer below,
``d`` apart and never from the future (causal padding ``d(k−1)`` on the left). The receptive
field of the last output lights up layer by layer, top to bottom: ``1 + L(k−1)`` inputs
without dilation, ``1 + Σ_l (k−1) d_l`` with it (16 for ``k = 2`` and dilations 1, 2, 4, 8),
the numbers the shape core's stack analysis gives.

    manim -ql scenes/wavenet.py DilatedCausalStack
"""

from __future__ import annotations

import numpy as np
from convanim.scenes._common import BLUE, FONT, GREY, INK, RED, ConvanimScene, tex
from convanim.scenes._data import causal_stack
from manim import Circle as _Circle
from manim import FadeIn, FadeOut, Line, ReplacementTransform, Text, VGroup, Write


class DilatedCausalStack(ConvanimScene):
    """Receptive field of one output of a causal stack, without and with dilation."""

    def construct(self) -> None:
        p = self.p
        k, length = p["kernel"], p["length"]
        dilations = list(p["dilations"])
        n_layers = len(dilations)
        dx = min(0.75, 10.6 / max(length, 1))
        x0 = -5.0 + dx / 2
        dy = min(1.25, 5.2 / max(n_layers, 1))
        y0 = -3.2
        pos = [
            [np.array([x0 + t * dx, y0 + layer * dy, 0.0]) for t in range(length)]
            for layer in range(n_layers + 1)
        ]

        names = VGroup()
        for layer in range(n_layers + 1):
            text = "input" if layer == 0 else ("output" if layer == n_layers else "hidden")
            names.add(
                Text(text, font=FONT, font_size=20, color=GREY).move_to(
                    np.array([-6.1, y0 + layer * dy, 0])
                )
            )

        budget = self.step_count(2 * n_layers)
        played = 0
        title = None
        shown_d = None
        for phase, ds in enumerate(([1] * n_layers, dilations)):
            stack = causal_stack(length, k, ds)
            nodes = VGroup(
                *(
                    VGroup(
                        *(
                            _Circle(radius=0.1, color=INK, stroke_width=2)
                            .set_fill(BLUE, opacity=1)
                            .move_to(pos[layer][t])
                            for t in range(length)
                        )
                    )
                    for layer in range(n_layers + 1)
                )
            )
            edges = VGroup()
            for layer in range(1, n_layers + 1):
                for t in range(length):
                    for s in stack.taps[layer - 1][t]:
                        edges.add(
                            Line(pos[layer - 1][s], pos[layer][t], color=GREY, stroke_width=1.2)
                        )
            labels = VGroup(
                *(
                    tex(f"d = {ds[layer - 1]}", size=26, color=GREY).move_to(
                        np.array([x0 + (length - 1) * dx + 0.8, y0 + layer * dy, 0])
                    )
                    for layer in range(1, n_layers + 1)
                )
            )
            head = tex(
                r"\text{causal convolutions, } k = " + str(k)
                if phase == 0
                else r"\text{dilated causal convolutions, } k = " + str(k),
                size=34,
            ).to_edge(np.array([0, 1, 0]), buff=0.25)
            if phase == 0:
                self.opening(head, names, nodes, edges, labels)
                drawn = VGroup(nodes, edges, labels)
            else:
                new = VGroup(nodes, edges, labels)
                self.beat(
                    "idea",
                    ReplacementTransform(title, head),
                    FadeOut(drawn),
                    FadeIn(new),
                    *([FadeOut(shown_d)] if shown_d is not None else []),
                    move=1.2,
                )
                drawn = new
            title = head

            # Light the receptive field of the last output, layer by layer, top down.
            lit = VGroup()
            for layer in range(n_layers, 0, -1):
                if played == budget:
                    break
                field = stack.field[layer]
                below = stack.field[layer - 1]
                new_lit = VGroup()
                for t in field:
                    for s in stack.taps[layer - 1][t]:
                        new_lit.add(
                            Line(pos[layer - 1][s], pos[layer][t], color=RED, stroke_width=4)
                        )
                for t in below:
                    new_lit.add(
                        _Circle(radius=0.13, color=RED, stroke_width=3)
                        .set_fill(RED, opacity=1)
                        .move_to(pos[layer - 1][t])
                    )
                if layer == n_layers:
                    new_lit.add(
                        _Circle(radius=0.13, color=RED, stroke_width=3)
                        .set_fill(RED, opacity=1)
                        .move_to(pos[layer][length - 1])
                    )
                self.beat("output", FadeIn(new_lit))
                lit.add(new_lit)
                played += 1
            terms = " + ".join(f"({k}-1)\\cdot {d}" for d in ds)
            rf = tex(
                r"r = 1 + \sum_l (k-1)\,d_l = 1 + ",
                terms,
                f"= {stack.receptive_field}",
                size=30,
            ).next_to(head, np.array([0, -1, 0]), buff=0.15)
            rf[2].set_color(RED)
            self.shown.append(("receptive_field", stack.receptive_field))
            self.beat("idea", Write(rf), move=1.0)
            shown_d = VGroup(rf, lit)
        self.closing()


__all__ = ["DilatedCausalStack"]
