"""MaxPool2D: 2-D max pooling with numbers, the winner of each window marked (from the plan).

The deck's "2D Max Pooling with pool size 2x2 and stride 2" by default; the winner is the
engine's (torch's first maximum in scan order), never a random cell.

    manim -ql scenes/pool.py MaxPool2D
    CONVANIM_SCENE_PARAMS='{"input": "5x5", "kernel": 3, "stride": 2, "ceil_mode": true}' manim -ql scenes/pool.py MaxPool2D
"""

from __future__ import annotations

from convanim.scenes._common import fmt, tex
from convanim.scenes._data import pool_example
from convanim.scenes._grid import GridScene, dims_text
from manim import MathTex

from convanim.draw.plan import Plan
from convanim.draw.trace import Step, Trace


class MaxPool2D(GridScene):
    """Each window's maximum lands in the output; the winning cell is outlined."""

    STEP_VALUE = "max"

    def example(self) -> tuple[Trace, Plan]:
        return pool_example(self.p)

    def formulas(self, trace: Trace) -> tuple[MathTex, MathTex]:
        """The deck's ``y[m,n] = max x[ms+i, ns+j]`` and the output-size rule (ceil with
        ``ceil_mode``; ``2p`` only when there is padding)."""
        ceil = self.p["ceil_mode"]
        left, right = (
            (r"\left\lceil", r"\right\rceil") if ceil else (r"\left\lfloor", r"\right\rfloor")
        )
        formula = tex(  # as the size rule: headline() shrinks it only if it must
            r"y[m,n] = \max_{i,j < M} x[m s + i,\ n s + j]", size=42, palette=self.palette
        )
        top = "L_{in} + 2p - M" if any(self.p["padding"]) or ceil else "L_{in} - M"
        rule = f"L_{{out}} = {left} \\frac{{{top}}}{{s}} {right} + 1"
        return formula, self.size_rule(rule, trace)

    def parameters(self, trace: Trace) -> str:
        (H, W), (K1, K2) = trace.input_shape, trace.kernel_shape
        stride, padding = dims_text(self.p["stride"]), dims_text(self.p["padding"])
        ceil = ", ceil_mode" if self.p["ceil_mode"] else ""
        return f"{K1}×{K2} max pooling, stride {stride}, padding {padding}{ceil} on a {H}×{W} input"

    def note(self, step: Step) -> str:
        """The window's values and their maximum."""
        return f"max({', '.join(fmt(t.value) for t in step.taps)}) = {fmt(step.value)}"


__all__ = ["MaxPool2D"]
