"""Conv2D: a 2-D convolution with numbers (padding, stride, dilation), drawn from the plan.

The input grid (padding dashed), the kernel, the output filling in value by value; the
window's kernel weights sit as subscripts in its cells and the sum of products of the current
step is written under the grids. The deck's formula and the output-size rule are typeset.

    manim -ql scenes/conv2d.py Conv2D
    CONVANIM_SCENE_PARAMS='{"input": "6x6", "stride": 2, "padding": 1}' manim -ql scenes/conv2d.py Conv2D
"""

from __future__ import annotations

import numpy as np
from convanim.scenes._common import FONT, GREY, RED, ConvanimScene, fmt, products_text, tex, tex_num
from convanim.scenes._data import conv2d_example
from convanim.scenes._grid import PlanView, play_plan
from manim import Text, VGroup, Write


class Conv2D(ConvanimScene):
    """Padding, stride and dilation of a 2-D convolution, with the engine's numbers."""

    def construct(self) -> None:
        p = self.p
        trace, plan = conv2d_example(p)
        convolution = trace.mode == "convolution"
        view = PlanView(self, plan, centre=(0.0, -0.25), max_width=13.0, max_height=5.7)

        w_idx = "w[K-1-m,\\,K-1-n]" if convolution else "w[m,n]"
        formula = tex(
            f"y[i,j] = \\sum_{{m}}\\sum_{{n}} {w_idx}\\, x[i s + m d,\\ j s + n d] + b",
            size=32,
        )
        (H, W), (K1, K2) = trace.input_shape, trace.kernel_shape
        (O1, O2) = trace.output_shape
        s, pad, d = (p[k] for k in ("stride", "padding", "dilation"))
        sizes = tex(
            r"O = \left\lfloor \frac{I + 2p - d(K-1) - 1}{s} \right\rfloor + 1",
            f"= {O1}" if O1 == O2 else f"= {O1} \\times {O2}",
            size=30,
        )
        sizes[1].set_color(RED)
        top = VGroup(formula, sizes).arrange(np.array([1, 0, 0]), buff=0.9)
        if top.width > 13.4:
            top.scale_to_fit_width(13.4)
        top.to_edge(np.array([0, 1, 0]), buff=0.25)
        info = Text(
            f"input {H}×{W}, kernel {K1}×{K2}, stride {_t(s)}, padding {_t(pad)}, dilation {_t(d)}",
            font=FONT,
            font_size=18,
            color=GREY,
        ).to_edge(np.array([0, -1, 0]), buff=0.15)
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
