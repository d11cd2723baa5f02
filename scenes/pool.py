"""MaxPool2D: 2-D max pooling with numbers, the winner of each window marked (from the plan).

The deck's "2D Max Pooling with pool size 2x2 and stride 2" by default; the winner is the
engine's (torch's first maximum in scan order), never a random cell.

    manim -ql scenes/pool.py MaxPool2D
    CONVANIM_SCENE_PARAMS='{"input": "5x5", "kernel": 3, "stride": 2, "ceil_mode": true}' manim -ql scenes/pool.py MaxPool2D
"""

from __future__ import annotations

from convanim.scenes._common import ConvanimScene, caption, fmt, tex
from convanim.scenes._data import pool_example
from convanim.scenes._grid import PlanView, play_plan, top_formulas
from manim import Write


class MaxPool2D(ConvanimScene):
    """Each window's maximum lands in the output; the winning cell is outlined."""

    def construct(self) -> None:
        p = self.p
        trace, plan = pool_example(p)
        (O1, O2) = trace.output_shape
        floor = r"\left\lceil" if p["ceil_mode"] else r"\left\lfloor"
        ceil_r = r"\right\rceil" if p["ceil_mode"] else r"\right\rfloor"
        formula = tex(
            r"y[m,n] = \max_{i,j < M} x[m s + i,\ n s + j]", size=28, palette=self.palette
        )
        size_tex = (
            f"L_{{out}} = {floor} \\frac{{L_{{in}} + 2p - M}}{{s}} {ceil_r} + 1"
            if any(p["padding"]) or p["ceil_mode"]
            else f"L_{{out}} = {floor} \\frac{{L_{{in}} - M}}{{s}} {ceil_r} + 1"
        )
        sizes = tex(
            size_tex,
            f"= {O1}" if O1 == O2 else f"= {O1} \\times {O2}",
            size=42,
            palette=self.palette,
        )
        sizes[1].set_color(self.palette.red)
        self.shown.extend([("O", O1), ("O", O2)])
        top_formulas(formula, sizes)
        view = PlanView(self, plan, centre=(0.0, -0.15), max_width=13.2, max_height=5.4)
        (H, W), (K1, K2) = trace.input_shape, trace.kernel_shape
        info = caption(
            f"{K1}×{K2} max pooling, stride {_t(p['stride'])}, padding {_t(p['padding'])}"
            f"{', ceil_mode' if p['ceil_mode'] else ''} on a {H}×{W} input",
            palette=self.palette,
        )
        self.opening(formula, view.static(), info)
        self.beat("idea", Write(sizes))

        def note(step) -> str:  # noqa: ANN001
            values = ", ".join(fmt(t.value) for t in step.taps)
            return f"max({values}) = {fmt(step.value)}"

        for step in trace.steps[: self.step_count(len(trace.steps))]:
            self.shown.append(("max", step.value))
        play_plan(self, view, trace.steps, trace.output_values, note, info)
        self.closing()


def _t(v: list[int]) -> str:
    return str(v[0]) if len(set(v)) == 1 else "×".join(str(x) for x in v)


__all__ = ["MaxPool2D"]
