"""Conv2D: a 2-D convolution with numbers (padding, stride, dilation), drawn from the plan.

The input grid (padding dashed), the kernel, the output filling in value by value; the
window's kernel weights sit as subscripts in its cells and the sum of products of the current
step is written under the grids. The deck's formula and the output-size rule are typeset.

    manim -ql scenes/conv2d.py Conv2D
    CONVANIM_SCENE_PARAMS='{"input": "6x6", "stride": 2, "padding": 1}' manim -ql scenes/conv2d.py Conv2D
"""

from __future__ import annotations

import numpy as np
from convanim.scenes._common import (
    ConvanimScene,
    caption,
    fmt,
    products_text,
    tex,
    tex_num,
)
from convanim.scenes._data import conv2d_example
from convanim.scenes._grid import PlanView, play_plan
from manim import VGroup, Write


class Conv2D(ConvanimScene):
    """Padding, stride and dilation of a 2-D convolution, with the engine's numbers."""

    def construct(self) -> None:
        p = self.p
        trace, plan = conv2d_example(p)
        convolution = trace.mode == "convolution"
        view = PlanView(self, plan, centre=(0.0, -0.25), max_width=13.0, max_height=5.7)

        # The deck's notation: y[m,n] = Σ_i Σ_j w[i,j] x[m−i, n−j] + b for the convolution,
        # the same with + for the correlation frameworks compute; stride and dilation, when
        # used, scale the output index and the kernel's.
        s, pad, d = (p[k] for k in ("stride", "padding", "dilation"))
        sign = "-" if convolution else "+"
        ms = "m" if set(s) == {1} else "ms"
        ns = "n" if set(s) == {1} else "ns"
        di = "i" if set(d) == {1} else "id"
        dj = "j" if set(d) == {1} else "jd"
        formula = tex(
            f"y[m,n] = \\sum_i \\sum_j w[i,j]\\, x[{ms} {sign} {di},\\ {ns} {sign} {dj}] + b",
            size=26,
            palette=self.palette,
        )
        (H, W), (K1, K2) = trace.input_shape, trace.kernel_shape
        (O1, O2) = trace.output_shape
        sizes = tex(
            r"L_{out} = \left\lfloor \frac{L_{in} + 2p - d(M-1) - 1}{s} \right\rfloor + 1",
            f"= {O1}" if O1 == O2 else f"= {O1} \\times {O2}",
            size=42,
            palette=self.palette,
        )
        sizes[1].set_color(self.palette.red)
        top = VGroup(formula, sizes).arrange(np.array([1, 0, 0]), buff=0.4)
        if top.width > 13.8:  # stride and dilation lengthen the formula: one above the other
            top.arrange(np.array([0, -1, 0]), buff=0.15)
        if top.width > 13.8:
            top.scale_to_fit_width(13.8)
        top.to_edge(np.array([0, 1, 0]), buff=0.25)
        info = caption(
            f"input {H}×{W}, kernel {K1}×{K2}, stride {_t(s)}, padding {_t(pad)}, dilation {_t(d)}",
            palette=self.palette,
        )
        self.shown.extend([("O", O1), ("O", O2)])
        self.opening(formula, view.static(), info)
        self.beat("idea", Write(sizes))

        steps = trace.steps[: self.step_count(len(trace.steps))]
        for step in steps:
            self.shown.append(("sum", step.value))

        def note(step) -> str:  # noqa: ANN001
            terms = products_text(step.taps)
            return f"{terms} = {fmt(step.value)}"

        play_plan(self, view, trace.steps, trace.output_values, note, info)
        self.closing()


def _t(v: object) -> str:
    if isinstance(v, list | tuple):
        vals = [_t(x) for x in v]
        if len(set(vals)) == 1:
            return vals[0]
        return "×".join(vals)
    return str(v)


__all__ = ["Conv2D", "tex_num"]
