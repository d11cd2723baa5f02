"""Conv2D: a 2-D convolution with numbers (padding, stride, dilation), drawn from the plan.

The input grid (padding dashed), the kernel and the bias ``b``, the output filling in value by
value; the window's kernel weights sit as subscripts in its cells and the sum of products plus
the bias of the current step is written under the grids (``… + b = y[m,n]``, the engine's value,
which the output cell then shows). The deck's formula and the output-size rule are typeset.

    manim -ql scenes/conv2d.py Conv2D
    CONVANIM_SCENE_PARAMS='{"input": "6x6", "stride": 2, "padding": 1}' manim -ql scenes/conv2d.py Conv2D
"""

from __future__ import annotations

import dataclasses

from convanim.scenes._common import fmt, products_text, tex
from convanim.scenes._data import conv2d_example
from convanim.scenes._grid import GridScene, dims_text
from manim import MathTex

from convanim.draw.geometry import Point
from convanim.draw.labels import Label, text_width
from convanim.draw.plan import GridView, Plan
from convanim.draw.trace import Step, Trace


class Conv2D(GridScene):
    """Padding, stride and dilation of a 2-D convolution, with the engine's numbers."""

    STEP_VALUE = "sum"

    def example(self) -> tuple[Trace, Plan]:
        """The engine's trace (the paper's numbers by default, the bias added) and its plan,
        with the bias drawn."""
        trace, plan = conv2d_example(self.p)
        self.shown.append(("b", self.p["bias"]))
        return trace, with_bias(plan, self.p["bias"])

    def formulas(self, trace: Trace) -> tuple[MathTex, MathTex]:
        """The deck's ``y[m,n] = Σ_i Σ_j w[i,j] x[m−i, n−j] + b`` for the convolution (the
        same with + for the correlation frameworks compute; stride and dilation, when used,
        scale the output index and the kernel's), and the output-size rule with its result."""
        s, d = self.p["stride"], self.p["dilation"]
        sign = "-" if trace.mode == "convolution" else "+"
        ms, ns = ("m", "n") if set(s) == {1} else ("ms", "ns")
        di, dj = ("i", "j") if set(d) == {1} else ("id", "jd")
        formula = tex(
            f"y[m,n] = \\sum_i \\sum_j w[i,j]\\, x[{ms} {sign} {di},\\ {ns} {sign} {dj}] + b",
            size=42,  # as the size rule: headline() shrinks it to the width left
            palette=self.palette,
        )
        rule = r"L_{out} = \left\lfloor \frac{L_{in} + 2p - d(M-1) - 1}{s} \right\rfloor + 1"
        return formula, self.size_rule(rule, trace)

    def parameters(self, trace: Trace) -> str:
        (H, W), (K1, K2) = trace.input_shape, trace.kernel_shape
        s, pad, d = (dims_text(self.p[k]) for k in ("stride", "padding", "dilation"))
        return f"input {H}×{W}, kernel {K1}×{K2}, stride {s}, padding {pad}, dilation {d}"

    def note(self, step: Step) -> str:
        """The step's products, plus the bias, equal the output."""
        bias = f"({fmt(step.bias)})" if step.bias < 0 else fmt(step.bias)
        return f"{products_text(step.taps)} + {bias} = {fmt(step.value)}"


BIAS_LABEL = "bias b"


def with_bias(plan: Plan, value: float) -> Plan:
    """``plan`` with the bias drawn as a one-cell grid ``bias`` in the kernel's colours, labelled
    like the other grids, in the first free place: under the kernel, under the output, or
    right of the kernel (the plan grows; the view scales it to the frame)."""
    kernel, output = plan.grid("kernel").outline(), plan.grid("output").outline()
    width = max(1.0, text_width(BIAS_LABEL, 0.5))
    taken = [_box(g.outline()) for g in plan.grids] + [lb.box() for lb in plan.labels]
    bottom = min((lb.box()[1] for lb in plan.labels if lb.role == "caption"), default=plan.height)
    places = [
        (kernel[0][0], kernel[2][1] + 0.3),
        (output[0][0], output[2][1] + 0.3),
        (kernel[1][0] + 0.5, kernel[0][1] - 1.0),
        (kernel[1][0] + 0.5, kernel[0][1]),
        (plan.width + 0.5, 0.0),  # (always free)
    ]
    for x, y in places:
        block = (x - 0.1, y - 0.1, x + width + 0.1, y + 2.1)
        if block[3] <= bottom and not any(_meets(block, t) for t in taken):
            break
    grid = GridView("bias", 1, 1, ("kernel",), (fmt(value),), (1.0, 0.0, x, 0.0, 1.0, y + 1.0))
    label = Label(BIAS_LABEL, (x, y + 0.8), ("left", "bottom"), 0.5)
    return dataclasses.replace(
        plan,
        grids=(*plan.grids, grid),
        labels=(*plan.labels, label),
        width=max(plan.width, x + width),
    )


def _box(corners: tuple[Point, ...]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _meets(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


__all__ = ["Conv2D"]
