"""TransposedAmbiguity: 6×6 and 5×5 both become 3×3; ``output_padding`` picks which comes back.

The deck's "Ambiguities in Transposed Convolutions" slide as a video: both convolutions
(kernel 3, stride 2, padding 1) run side by side in lockstep (for the 6×6 input the last
padding row and column are never covered: the floor drops them), then the transposed
convolution of the 3×3 result is drawn twice, with ``output_padding`` 0 and 1, next to the
size formula.

    manim -ql scenes/ambiguity.py TransposedAmbiguity
"""

from __future__ import annotations

import numpy as np
from convanim.scenes._common import FONT, GREY, NUMBER_SIZE, RED, ConvanimScene, tex
from convanim.scenes._data import ambiguity_plans
from convanim.scenes._grid import PlanView, top_formulas
from manim import FadeIn, FadeOut, Text, VGroup, Write


class TransposedAmbiguity(ConvanimScene):
    """Two input sizes, one output size, and the parameter that tells them apart."""

    def construct(self) -> None:
        p = self.p
        k, s, pad = p["kernel"], p["stride"], p["padding"]
        forward, backward = ambiguity_plans(p, int(p["step_time"] * 1000))
        o = forward[0][1].output_shape[0]
        sizes = [n for n, _, _ in forward]
        self.shown.extend([("size", n) for n in sizes] + [("O", o)])

        conv = tex(
            r"o = \left\lfloor \frac{i + 2p - k}{s} \right\rfloor + 1",
            "= "
            + " = ".join(
                f"\\left\\lfloor \\frac{{{n} + {2 * pad} - {k}}}{{{s}}} \\right\\rfloor + 1"
                for n in sizes
            )
            + f" = {o}",
            size=30,
        )
        conv[1].set_color(RED)
        top_formulas(conv)
        n_views = len(forward)
        width = 13.0 / n_views
        views = [
            PlanView(
                self,
                plan,
                centre=(-6.5 + width * (i + 0.5), -0.5),
                max_width=width - 0.6,
                max_height=5.4,
                max_unit=0.55,
            )
            for i, (_, _, plan) in enumerate(forward)
        ]
        captions = VGroup(
            *(
                Text(
                    f"{n}×{n} input → {t.output_shape[0]}×{t.output_shape[1]}",
                    font=FONT,
                    font_size=22,
                    color=GREY,
                ).move_to(np.array([v.left + v.plan.width * v.u / 2, -3.65, 0]))
                for (n, t, _), v in zip(forward, views, strict=True)
            )
        )
        self.opening(conv, *(v.static() for v in views), captions)
        frames = min(len(v.plan.frames) for v in views)
        for i in range(self.step_count(frames)):
            anims = []
            for v in views:
                anims.extend(v.frame_animations(v.plan.frames[i], {}))
            self.beat("output", *anims)

        self.beat("move", FadeOut(*self.mobjects))
        formula = tex(
            r"o = (i-1)\,s - 2p + k + ",
            r"\text{output\_padding}",
            size=32,
        )
        formula[1].set_color(RED)
        top_formulas(formula)
        n_views = len(backward)
        width = 13.0 / max(n_views, 1)
        parts = []

        def place(i: int, plan, unit: float) -> PlanView:  # noqa: ANN001
            return PlanView(
                self,
                plan,
                centre=(-6.5 + width * (i + 0.5), -0.4),
                max_width=width - 0.6,
                max_height=5.0,
                max_unit=unit,
            )

        # One cell size for both results, so that the 6×6 looks bigger than the 5×5.
        unit = min(place(i, plan, 0.5).u for i, (_, _, _, plan) in enumerate(backward))
        for i, (_size, op, t, plan) in enumerate(backward):
            v = place(i, plan, unit)
            if op:
                parts.append(FadeIn(_output_padding(v, op)))
            line = tex(
                f"({o}-1)\\cdot {s} - {2 * pad} + {k} + ",
                f"{op}",
                f" = {t.output_shape[0]}",
                size=30,
            )
            line[1].set_color(RED)
            line.move_to(np.array([v.left + plan.width * v.u / 2, -3.6, 0]))
            self.shown.extend([("output_padding", op), ("size", t.output_shape[0])])
            parts.append(FadeIn(v.static(), line))
        self.beat("idea", Write(formula), *parts, move=1.5)
        self.closing()


def _output_padding(view: PlanView, op: int) -> VGroup:
    """The row and column output_padding adds to the result, outlined in red and named."""
    g = view.plan.grid("output")
    strips = [(g.rows - op, 0, g.rows, g.cols), (0, g.cols - op, g.rows, g.cols)]
    outline = VGroup(
        *(
            view.poly(g.box_polygon(*box), stroke_color=RED, stroke_width=5)
            .set_fill(opacity=0)
            .set_z_index(1)
            for box in strips
        )
    )
    tag = Text(f"output_padding = {op}", font=FONT, font_size=NUMBER_SIZE * 0.8, color=RED)
    tag.next_to(outline, np.array([0, -1, 0]), buff=0.12)
    return VGroup(outline, tag)


__all__ = ["TransposedAmbiguity"]
