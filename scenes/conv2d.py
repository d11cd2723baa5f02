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

from convanim.scenes._common import (
    ConvanimScene,
    caption,
    fmt,
    products_text,
    tex,
    tex_num,
)
from convanim.scenes._data import conv2d_example
from convanim.scenes._grid import NOTE_LINE, PlanView, note_lines, play_plan
from manim import RIGHT, UP, MathTex, VGroup, Write

from convanim.draw.geometry import Point
from convanim.draw.labels import Label, text_width
from convanim.draw.plan import GridView, Plan
from convanim.draw.trace import Step, Trace


class Conv2D(ConvanimScene):
    """Padding, stride and dilation of a 2-D convolution, with the engine's numbers."""

    def construct(self) -> None:
        p = self.p
        trace, plan = conv2d_example(p)
        plan = with_bias(plan, p["bias"])
        self.shown.append(("b", p["bias"]))
        formula, sizes = self.formulas(trace)
        top = headline(formula, sizes)
        (H, W), (K1, K2) = trace.input_shape, trace.kernel_shape
        s, pad, d = (_t(p[k]) for k in ("stride", "padding", "dilation"))
        info = caption(
            f"input {H}×{W}, kernel {K1}×{K2}, stride {s}, padding {pad}, dilation {d}",
            palette=self.palette,
        )
        steps = trace.steps[: self.step_count(len(trace.steps))]
        # The grids fill the room between the formulas and the note over the caption line
        # (one line, or more for a long sum of products).
        lines = max((note_lines(_note(step)) for step in steps), default=1)
        room_top, room_bottom = top.get_bottom()[1] - 0.1, -3.1 + (lines - 1) * NOTE_LINE
        view = PlanView(
            self,
            plan,
            centre=(0.0, (room_top + room_bottom) / 2),
            max_width=13.0,
            max_height=room_top - room_bottom,
        )
        self.opening(formula, view.static(), info)
        self.beat("idea", Write(sizes))
        for step in steps:
            self.shown.append(("sum", step.value))
        play_plan(self, view, trace.steps, trace.output_values, _note, info)
        self.closing()

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
            size=30,
            palette=self.palette,
        )
        O1, O2 = trace.output_shape
        sizes = tex(
            r"L_{out} = \left\lfloor \frac{L_{in} + 2p - d(M-1) - 1}{s} \right\rfloor + 1",
            f"= {O1}" if O1 == O2 else f"= {O1} \\times {O2}",
            size=42,
            palette=self.palette,
        )
        sizes[1].set_color(self.palette.red)
        self.shown.extend([("O", O1), ("O", O2)])
        return formula, sizes


def _note(step: Step) -> str:
    """The step's line under the grids: its products, plus the bias, equal the output."""
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


def headline(formula: MathTex, sizes: MathTex, width: float = 13.8, buff: float = 0.4) -> VGroup:
    """The deck's formula and the output-size rule on one line along the top edge.

    The size rule has digits (``2p``, ``− 1``), so it keeps the legible 42 pt; the formula
    has none and gives way: shrunk to the width left (stride and dilation lengthen both, down
    to 21 pt at 5x5, stride 2, dilation 2). Stacked, the two took the room of the grids,
    whose 7 padded rows need all the height left for 40 px numbers.
    """
    room = width - sizes.width - buff
    if formula.width > room:
        formula.scale_to_fit_width(room)
    top = VGroup(formula, sizes).arrange(RIGHT, buff=buff)
    return top.to_edge(UP, buff=0.25)


def _t(v: object) -> str:
    if isinstance(v, list | tuple):
        vals = [_t(x) for x in v]
        if len(set(vals)) == 1:
            return vals[0]
        return "×".join(vals)
    return str(v)


__all__ = ["Conv2D", "tex_num"]
