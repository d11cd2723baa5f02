"""ConvBackward: the deck's three gradients of ``y[n] = Σ_k w[k] x[n−k] + b``, as convolutions.

1. ``∂L/∂b = Σ_n ∂L/∂y[n]``: the upstream gradient summed.
2. ``∂L/∂w[k] = Σ_n ∂L/∂y[n]·x[n−k]``: ``∂L/∂y`` slides over ``x`` (a correlation), one
   weight per step.
3. ``∂L/∂x[m] = Σ_k ∂L/∂y[m+k]·w[k]``: ``∂L/∂y`` padded with ``M−1`` zeros, the kernel slides
   over it (a full convolution with the flipped kernel), one input cell per step.

Every value is the engine's (its backward pass and its traces); the grids are the plans'.

    manim -ql scenes/backward.py ConvBackward
"""

from __future__ import annotations

import numpy as np
from convanim.scenes._common import RED, TEAL, ConvanimScene, fmt, products_text, tex
from convanim.scenes._common import caption as bottom_line
from convanim.scenes._data import backward_example, layout_plan_row
from convanim.scenes._grid import PlanView, play_plan, top_formulas
from manim import FadeIn, FadeOut, VGroup, Write

DY = r"\frac{\partial \mathcal{L}}{\partial y[n]}"


class ConvBackward(ConvanimScene):
    """Bias, weight and input gradients of a 1-D convolution, each drawn as a convolution."""

    def construct(self) -> None:
        p = self.p
        x, w, gy, grads, (tw, pw), (ti, pi) = backward_example(p)
        gb = float(grads.grad_bias[0])
        forward = tex(r"y[n] = \sum_{k=0}^{M-1} w[k]\, x[n-k] + b", size=30)

        # -- 1. the bias: a sum -------------------------------------------------------------
        row = layout_plan_row("dy", [fmt(v) for v in gy])
        view = PlanView(self, row, centre=(0.0, 0.2), max_width=9.0, max_height=1.6, max_unit=0.9)
        name = tex(r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}}", size=34).next_to(
            view.pt((0, 0.5)), np.array([-1, 0, 0]), 0.3
        )
        for v in gy:
            self.shown.append(("dL/dy", float(v)))
        f_b = tex(
            r"\frac{\partial \mathcal{L}}{\partial b} = \sum_{n}",
            DY,
            "=",
            " + ".join(f"({fmt(v)})" if v < 0 else fmt(v) for v in gy).replace("−", "-"),
            f"= {fmt(gb)}".replace("−", "-"),
            size=32,
        ).move_to(np.array([0, -1.6, 0]))
        f_b[1].set_color(RED)
        f_b[4].set_color(TEAL)
        self.shown.append(("dL/db", gb))
        top_formulas(forward)
        self.opening(forward, view.static(), name)
        self.beat("idea", Write(f_b), move=1.2)
        self._clear(forward)

        # -- 2. the weights: ∂L/∂y correlated with x ---------------------------------------
        self._gradient(
            forward,
            tw,
            pw,
            [
                r"\frac{\partial \mathcal{L}}{\partial w[k]} = \sum_{n}",
                DY,
                r"\cdot x[n-k]",
            ],
            (
                r"x",
                r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}}",
                r"\frac{\partial \mathcal{L}}{\partial \mathbf{w}}",
            ),
            "∂L/∂w: ∂L/∂y slides over x (a correlation with the input)",
        )
        # -- 3. the input: full convolution with the flipped kernel ------------------------
        self._gradient(
            forward,
            ti,
            pi,
            [
                r"\frac{\partial \mathcal{L}}{\partial x[m]} = \sum_{k}",
                r"\frac{\partial \mathcal{L}}{\partial y[m+k]}",
                r"\cdot w[k]",
            ],
            (
                r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}} \text{ padded}",
                r"w",
                r"\frac{\partial \mathcal{L}}{\partial \mathbf{x}}",
            ),
            "∂L/∂x: w slides over ∂L/∂y padded with M−1 zeros (a convolution with flip(w))",
        )

        summary = tex(
            r"\frac{\partial \mathcal{L}}{\partial b} = \mathbf{1}^\top "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}} \qquad "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{w}} = "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}} \ast \mathbf{x} \qquad "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{x}} = "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}} \ast \text{flip}(\mathbf{w})",
            size=34,
        )
        self.beat("idea", Write(summary), move=1.5)
        self.closing()

    def _gradient(self, forward, trace, plan, formula, names, caption) -> None:  # noqa: ANN001
        view = PlanView(
            self, plan, centre=(0.0, -0.3), max_width=13.0, max_height=3.0, max_unit=0.8
        )
        f = tex(*formula, size=32).next_to(forward, np.array([0, -1, 0]), buff=0.3)
        f[1].set_color(RED)
        labels = VGroup()
        for key, text in zip(("input", "kernel", "output"), names, strict=True):
            g = plan.grid(key)
            labels.add(tex(text, size=26).next_to(view.pt(g.point(0, 0)), np.array([1, 1, 0]), 0.1))
        for key in ("input", "kernel"):
            for v in _grid_values(trace, key):
                self.shown.append((key, v))
        info = bottom_line(caption)
        self.beat("idea", Write(f), FadeIn(view.static(), labels, info), move=1.2)

        def note(step) -> str:  # noqa: ANN001
            terms = products_text(step.taps)
            return f"{terms} = {fmt(step.value)}"

        for step in trace.steps[: self.step_count(len(trace.steps))]:
            self.shown.append(("grad", step.value))
        play_plan(self, view, trace.steps, trace.output_values, note, info)
        self._clear(forward)

    def _clear(self, keep) -> None:  # noqa: ANN001
        """Fade out everything but ``keep`` (the forward formula stays on top)."""
        self.beat("move", *(FadeOut(m) for m in self.mobjects if m is not keep))


def _grid_values(trace, key: str) -> list[float]:  # noqa: ANN001
    if key == "input":
        return [v for _, v in sorted(trace.grid_values.items())]
    return [v for _, v in sorted(trace.kernel_values.items())]


__all__ = ["ConvBackward"]
