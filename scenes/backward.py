"""ConvBackward: the deck's three gradients of ``y[n] = Σ_k w[k] x[n−k] + b``, as convolutions.

``∂L/∂y`` is indexed as the deck indexes ``y``: ``n = M−1 … L_in−1``, the positions where the
window fits (``y[n]`` is drawn under its newest sample).

1. ``∂L/∂b = Σ_n ∂L/∂y[n]``: the upstream gradient summed.
2. ``∂L/∂w[k] = Σ_n ∂L/∂y[n]·x[n−k]``: the ``∂L/∂y`` row slides under ``x``; for ``w[k]`` it
   sits under the window ``x[n−k]``, and the products of the two rows sum to ``∂L/∂w[k]``.
   The deck writes it ``∂L/∂w = ∂L/∂y ∗ x``: one row slides over the other, no flip.
3. ``∂L/∂x[m] = Σ_k ∂L/∂y[m+k]·w[k]``: ``∂L/∂y`` gets ``M−1`` zeros on each side (outlined and
   counted), ``w`` slides under it, and ``∂L/∂x[m]`` lands under the window's first cell:
   ``∂L/∂x = ∂L/∂y ∗ flip(w)``, a full convolution with the flipped kernel.

Every value is the engine's (its backward pass and its traces); the layout is the scene's own:
three rows (the fixed one, the sliding one, the result), each with its indices.

    manim -ql scenes/backward.py ConvBackward
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from convanim.scenes._common import (
    FONT,
    NUMBER_SIZE,
    ConvanimScene,
    FadeIn,
    FadeOut,
    fmt,
    tex,
)
from convanim.scenes._common import caption as bottom_line
from convanim.scenes._data import backward_example, layout_plan_row
from convanim.scenes._grid import NUM_SIZE, PlanView, layout_plan, top_formulas
from manim import Text, VGroup, Write

DY = r"\frac{\partial \mathcal{L}}{\partial y[n]}"
D = r"\partial\mathcal{L}/\partial "  # the inline ∂L/∂ of the row names


@dataclass(frozen=True)
class Rows:
    """What one gradient's picture shows: the fixed row (values, roles, first index), the
    sliding row, the result row, their names, and the formula and caption."""

    formula: tuple[str, ...]
    fixed: tuple[list[float], list[str], int, str]
    sliding: tuple[list[float], int, str]
    result: tuple[int, str, str]  # cells, name, what each value is (for the note)
    caption: str


class ConvBackward(ConvanimScene):
    """Bias, weight and input gradients of a 1-D convolution, each drawn as a convolution."""

    def construct(self) -> None:
        x, w, gy, grads, (tw, _), (ti, _) = backward_example(self.p)
        m = len(w)
        pal = self.palette
        forward = tex(r"y[n] = \sum_{k=0}^{M-1} w[k]\, x[n-k] + b", size=42, palette=pal)
        top_formulas(forward)
        self._bias(forward, gy, float(grads.grad_bias[0]))
        self._clear()  # the gradients' own formulas take the top
        roles = [ti.grid_roles[(i,)] for i in range(ti.grid_shape[0])]
        self._gradient(
            tw,
            Rows(
                (r"\frac{\partial \mathcal{L}}{\partial w[k]} = \sum_{n}", DY, r"\cdot x[n-k]"),
                (list(x), ["input"] * len(x), 0, "x[m]"),
                (list(gy), m - 1, D + "y[n]"),
                (m, D + "w[k]", "∂L/∂w[{}]"),
                "∂L/∂w = ∂L/∂y ∗ x: the ∂L/∂y row slides under x, no flip",
            ),
        )
        self._clear()
        self._gradient(
            ti,
            Rows(
                (
                    r"\frac{\partial \mathcal{L}}{\partial x[m]} = \sum_{k}",
                    r"\frac{\partial \mathcal{L}}{\partial y[m+k]}",
                    r"\cdot w[k]",
                ),
                ([ti.grid_values[(i,)] for i in range(len(roles))], roles, 0, D + "y[n]"),
                (list(w), 0, "w[k]"),
                (len(x), D + "x[m]", "∂L/∂x[{}]"),
                "∂L/∂x = ∂L/∂y ∗ flip(w): w slides over ∂L/∂y padded with M−1 zeros",
            ),
        )
        self._clear()
        summary = tex(
            r"\frac{\partial \mathcal{L}}{\partial b} = \mathbf{1}^\top "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}} \qquad "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{w}} = "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}} \ast \mathbf{x} \qquad "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{x}} = "
            r"\frac{\partial \mathcal{L}}{\partial \mathbf{y}} \ast \text{flip}(\mathbf{w})",
            size=42,
            palette=pal,
        )
        if summary.width > 13.4:
            summary.scale_to_fit_width(13.4)
        self.beat("idea", FadeIn(forward), Write(summary), move=1.5)
        self.closing()

    def _bias(self, forward: Any, gy: np.ndarray, gb: float) -> None:
        """∂L/∂y, indexed, and its sum: the bias gradient."""
        m = self.p["kernel"]
        row = layout_plan_row("dy", [fmt(v) for v in gy])
        view = PlanView(self, row, centre=(0.0, 0.6), max_width=9.0, max_height=1.6, max_unit=0.9)
        pal = self.palette
        name = tex(r"\frac{\partial \mathcal{L}}{\partial y[n]}", size=34, palette=pal).next_to(
            view.pt((0, 0.5)), np.array([-1, 0, 0]), 0.3
        )
        g = row.grid("dy")
        indices = _indices(view, g, m - 1)
        for v in gy:
            self.shown.append(("dL/dy", float(v)))
        terms = " + ".join(f"({fmt(v)})" if v < 0 else fmt(v) for v in gy).replace("−", "-")
        rule = tex(r"\frac{\partial \mathcal{L}}{\partial b} = \sum_{n}", DY, size=42, palette=pal)
        rule[1].set_color(pal.red)
        total = tex(f"= {terms}", f"= {fmt(gb)}".replace("−", "-"), size=42, palette=pal)
        total[1].set_color(pal.teal)
        f_b = VGroup(rule, total).arrange(np.array([1, 0, 0]), buff=0.15)
        if f_b.width > 13.4:  # many samples: the numbers on a line of their own
            f_b.arrange(np.array([0, -1, 0]), buff=0.15)
        f_b.move_to(np.array([0, -2.0, 0]))
        self.shown.append(("dL/db", gb))
        self.opening(forward, view.static(), name, indices)
        self.beat("idea", Write(f_b), move=1.2)

    def _gradient(self, trace, rows: Rows) -> None:  # noqa: ANN001 - a Trace
        """One gradient: the formula, the three rows, then one window per beat."""
        pic = _Picture(self, trace, rows)
        info = bottom_line(rows.caption, palette=self.palette)
        self.beat(
            "idea",
            Write(pic.formula),
            FadeIn(pic.static),
            FadeIn(info),
            FadeIn(pic.strip),
            move=1.2,
        )
        if "padding" in rows.fixed[1]:
            self.beat("idea", *pic.padding_callout(info))
        for step in trace.steps[: self.step_count(len(trace.steps))]:
            self.shown.append(("grad", step.value))
            self.beat("output", *pic.step(step, info))

    def _clear(self) -> None:
        """Fade out everything on screen."""
        self.beat("move", *(FadeOut(m) for m in self.mobjects))


class _Picture:
    """The three rows of one gradient and what moves between them."""

    def __init__(self, scene: ConvBackward, trace, rows: Rows) -> None:  # noqa: ANN001
        self.scene, self.trace, self.rows = scene, trace, rows
        fixed, roles, self.first, name_a = rows.fixed
        sliding, self.s_first, name_b = rows.sliding
        n_out, name_c, self.what = rows.result
        plan = _three_rows(fixed, roles, sliding, n_out)
        pal = scene.palette
        self.formula = tex(*rows.formula, size=42, palette=pal)
        self.formula[1].set_color(pal.red)
        top_formulas(self.formula)
        # The rows (and the indices under the last, half a cell more) fill the height between
        # the formula and the note over the parameter line (its top at about -3.0).
        top, bottom = self.formula.get_bottom()[1] - 0.15, -2.8
        height = (top - bottom) * plan.height / (plan.height + 0.5)
        self.view = v = PlanView(
            scene,
            plan,
            centre=(0.0, top - height / 2),
            max_width=13.4,
            max_height=height,
            max_unit=0.8,
        )
        grids = {key: v.grid(key) for key in ("fixed", "sliding", "result")}
        self.g = {key: plan.grid(key) for key in grids}
        for key, values in (("fixed", fixed), ("sliding", sliding)):
            scene.shown.extend((key, float(val)) for val in values)
        self.strip = VGroup(
            grids["sliding"],
            _indices(v, self.g["sliding"], self.s_first),
            _name(v, self.g["sliding"], name_b),
        )
        # The strip is not part of the static rows but drawn after them: Manim redraws, on
        # every frame, every mobject from the first moving one on (in drawing order), and a
        # group counts as moving when a part of it moves; inside one group with the rows the
        # sliding strip made all of them redraw each frame (190 of 215 parts, 0.42 CPU s per
        # video s at 480p15 instead of 0.30). The rows do not overlap, so the order does not
        # change a pixel.
        self.static = VGroup(
            grids["fixed"],
            _indices(v, self.g["fixed"], self.first),
            _name(v, self.g["fixed"], name_a),
            grids["result"],
            _indices(v, self.g["result"], 0),
            _name(v, self.g["result"], name_c),
        )
        self.window: VGroup | None = None
        self.note: Text | None = None

    def padding_callout(self, info: Text) -> list:
        """The ``M−1`` zeros on each side of ∂L/∂y, outlined in red and counted (the count
        where the steps' notes will be)."""
        v, g = self.view, self.g["fixed"]
        cells = [c for c in range(g.cols) if g.role(0, c) == "padding"]
        runs = [[c for c in cells if c < g.cols / 2], [c for c in cells if c > g.cols / 2]]
        self.outline = VGroup(
            *(
                v.poly(
                    g.box_polygon(0, run[0], 1, run[-1] + 1),
                    stroke_color=self.scene.palette.red,
                    stroke_width=6,
                )
                .set_fill(opacity=0)
                .set_z_index(2)
                for run in runs
                if run
            )
        )
        m = self.scene.p["kernel"]
        self.scene.shown.append(("zeros", len(runs[0])))
        self.note = Text(
            f"M − 1 = {m - 1} zeros each side: ∂L/∂y[n] = 0 outside {m - 1} … {g.cols - m}",
            font=FONT,
            font_size=NUMBER_SIZE,
            color=self.scene.palette.red,
        )
        if self.note.width > 13.2:
            self.note.scale_to_fit_width(13.2)
        self.note.next_to(info, np.array([0, 1, 0]), buff=0.12)
        return [FadeIn(self.outline), FadeIn(self.note)]

    def step(self, step, info: Text) -> list:  # noqa: ANN001 - a Step
        """The window over the fixed row, the sliding row under it, the result cell."""
        v, t = self.view, self.view.theme
        gf, gr = self.g["fixed"], self.g["result"]
        cols = [tp.grid[0] for tp in step.taps]
        shade = VGroup(
            *(
                v.poly(
                    gf.cell_polygon(0, c),
                    fill_color=t.shade,
                    fill_opacity=t.shade_alpha,
                    stroke_width=0,
                )
                for c in cols
            )
        )
        box = v.poly(
            gf.box_polygon(0, min(cols), 1, max(cols) + 1), stroke_color=t.line, stroke_width=6
        ).set_fill(opacity=0)
        k = step.output[0]
        target = v.poly(gr.cell_polygon(0, k), stroke_color=t.line, stroke_width=6).set_fill(
            opacity=0
        )
        value = v.text(fmt(step.value), gr.centre(0, k), NUM_SIZE, t.ink_on(t.fill("output")))
        # The sliding row's first cell goes under the window's first cell.
        first = min(step.taps, key=lambda tp: tp.kernel[0])
        shift = (
            v.pt(gf.centre(0, first.grid[0]))[0]
            - v.pt(self.g["sliding"].centre(0, first.kernel[0]))[0]
        )
        anims: list[Any] = [self.strip.animate.shift(np.array([shift, 0, 0]))]
        self.g["sliding"] = _moved(self.g["sliding"], shift / v.u)
        # The window's numbers again, over the shade (its translucent fill would blend their
        # ink: 4.3:1 on the dark slide), as the grid scenes draw theirs.
        numbers = [v.cell_number(gf, 0, c) for c in cols if gf.text(0, c)]
        window = VGroup(shade, *numbers, box, target)
        anims += [FadeIn(window), FadeIn(value)]
        if self.window is not None:
            anims.append(FadeOut(self.window))
        self.window = window
        note = Text(
            self._note(step), font=FONT, font_size=NUMBER_SIZE, color=self.scene.palette.ink
        )
        if note.width > 13.2:
            note.scale_to_fit_width(13.2)
        note.next_to(info, np.array([0, 1, 0]), buff=0.12)
        anims.append(FadeIn(note))
        if self.note is not None:
            anims.append(FadeOut(self.note))
        self.note = note
        return anims

    def _note(self, step) -> str:  # noqa: ANN001
        """``∂L/∂w[k] = a·b + … = v``: the deck's order, ∂L/∂y's value first."""

        def par(x: float) -> str:
            return f"({fmt(x)})" if fmt(x).startswith("−") else fmt(x)

        gy_first = self.rows.sliding[2].startswith(D)  # ∂L/∂w: ∂L/∂y slides
        # The padding's zeros add nothing: only the products of ∂L/∂y's own cells are written.
        taps = [tp for tp in step.taps if tp.role != "padding"]
        pairs = [(tp.weight, tp.value) if gy_first else (tp.value, tp.weight) for tp in taps]
        parts = [f"{par(a)}·{par(b)}" for a, b in pairs]
        head, total = f"{self.what.format(step.output[0])} = ", f" = {fmt(step.value)}"
        text = head + (" + ".join(parts) or "0") + total
        while len(parts) > 1 and _width(text) > 13.2:  # the last products give way to "…"
            parts.pop()
            text = head + " + ".join(parts) + " + …" + total
        return text


def _three_rows(fixed: list[float], roles: list[str], sliding: list[float], n_out: int):  # noqa: ANN202
    """The fixed row, the sliding row and the result row, each under a band for its name and
    over one for its indices (a Plan, in cell units)."""
    return layout_plan(
        "gradient",
        [
            ("fixed", 1, len(fixed), roles, [fmt(v) for v in fixed], 0.0, 0.0, ""),
            (
                "sliding",
                1,
                len(sliding),
                ["kernel"] * len(sliding),
                [fmt(v) for v in sliding],
                0.0,
                2.4,
                "",
            ),
            ("result", 1, n_out, ["output"] * n_out, [""] * n_out, 0.0, 4.8, ""),
        ],
    )


def _width(text: str) -> float:
    return Text(text, font=FONT, font_size=NUMBER_SIZE).width


def _moved(g, dx: float):  # noqa: ANN001, ANN202 - a GridView shifted by dx units
    import dataclasses

    ax, bx, tx, ay, by, ty = g.transform
    return dataclasses.replace(g, transform=(ax, bx, tx + dx, ay, by, ty))


def _indices(view: PlanView, g, first: int) -> VGroup:  # noqa: ANN001
    """Each cell's index (from ``first``) under it, grey, at the numbers' size."""
    out = VGroup()
    for c in range(g.cols):
        m = Text(str(first + c), font=FONT, font_size=NUMBER_SIZE, color=view.scene.palette.grey)
        out.add(
            m.move_to(view.pt(g.point(c + 0.5, 1.0))).shift(np.array([0, -m.height / 2 - 0.08, 0]))
        )
    return out


def _name(view: PlanView, g, text: str) -> Any:  # noqa: ANN001
    """A row's name above its first cell."""
    m = tex(text, size=40, palette=view.scene.palette)
    return m.next_to(view.pt(g.point(0, 0)), np.array([1, 1, 0]), buff=0.08)


__all__ = ["ConvBackward"]
