"""TransposedConv2D: both views of a transposed convolution, with the engine's numbers.

1. **Direct view** (the plan of the equivalent convolution): ``s − 1`` zeros inserted between
   input cells (dotted), ``K − 1 − p`` zeros of implicit padding around them (dashed), and the
   ``output_padding`` extra row and column at the bottom and right; the flipped kernel slides
   with stride 1.
2. **Scatter view**: each input cell scales the kernel (``x[i,j]·w``, drawn over the kernel),
   the scaled kernel flies onto its output window ``s`` cells further than the last one, and
   where windows overlap the output cell is the sum of the products landed there (the note
   writes it out); cells that ``padding`` crops away are greyed.

Both end in the same output, whose size is typeset: ``o = (i − 1)s − 2p + k + output_padding``.

    manim -ql scenes/transposed.py TransposedConv2D
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from convanim.scenes._common import (
    FONT,
    NUMBER_SIZE,
    ConvanimScene,
    FadeIn,
    FadeOut,
    Palette,
    caption,
    fmt,
    opacity_to,
    tex,
)
from convanim.scenes._data import transposed_example
from convanim.scenes._grid import (
    NUM_SIZE,
    PlanView,
    font_size_for,
    layout_plan,
    play_plan,
    top_formulas,
)
from convanim.scenes.ambiguity import haloed
from manim import ReplacementTransform, Text, VGroup

from convanim.draw.plan import Label, Plan

#: The widest a note under the grids may be (scene units) before it loses terms.
NOTE_WIDTH = 13.2


class TransposedConv2D(ConvanimScene):
    """Zero insertion plus implicit padding, then scatter-add: one output, two pictures."""

    def construct(self) -> None:
        p = self.p
        direct, plan, scatter = transposed_example(p)
        info = caption(_parameter_line(p), palette=self.palette)
        title = None
        if p["view"] in ("both", "direct"):
            title = self._direct(direct, plan, info)
            if p["view"] == "both":
                self.beat("move", FadeOut(*self.mobjects))
        if p["view"] in ("both", "scatter"):
            title = _ScatterView(self, scatter, info).play()
        size = self._size_formula(direct)
        self.beat("idea", FadeOut(title), FadeIn(size), move=1.0)
        self.closing()

    def _size_formula(self, direct) -> VGroup:  # noqa: ANN001 - a Trace
        """``o = (i−1)s − 2p + k + output_padding`` and this scene's numbers in it (one worked
        line per distinct axis), on two lines when one is too wide for the legible size."""
        p = self.p
        o1, o2 = direct.output_shape
        keys = ("input", "kernel", "stride", "padding", "output_padding")
        dims = list(zip(*(_pair(p[key]) for key in keys), strict=True))
        worked = " ,\\; ".join(
            f"({i}-1)\\cdot {st} - {2 * pd} + {k} + {o}" for i, k, st, pd, o in dict.fromkeys(dims)
        )
        result = f"= {worked} = {o1}" if o1 == o2 else f"= {worked} = {o1} \\times {o2}"
        pal = self.palette
        rule = tex(r"o = (i-1)\,s - 2p + k + ", r"\text{output\_padding}", size=42, palette=pal)
        rule[1].set_color(pal.red)
        line = tex(result, size=42, color=pal.red, palette=pal)
        self.shown.extend([("O", o1), ("O", o2)])
        if rule.width + line.width + 0.2 <= 13.4:
            return top_formulas(VGroup(rule, line).arrange(np.array([1, 0, 0]), buff=0.15))
        return (
            VGroup(rule, line)
            .arrange(np.array([0, -1, 0]), buff=0.2)
            .to_edge(np.array([0, 1, 0]), buff=0.25)
        )

    def _direct(self, trace, plan: Plan, info: Text) -> VGroup:  # noqa: ANN001
        """The equivalent convolution, one output per beat; returns its title."""
        title = _title(
            self.palette,
            "direct view: zeros inserted (dotted), padding (dashed),",
            "the flipped kernel slides with stride 1",
        )
        # The grids fill the height between the title and the note over the parameter line.
        top, bottom = title.get_bottom()[1] - 0.1, info.get_top()[1] + 0.6
        view = PlanView(
            self,
            _side_by_side(plan),
            centre=(0.0, (top + bottom) / 2),
            max_width=13.4,
            max_height=top - bottom,
        )
        self.opening(title, view.static(), info, *_output_padding(view, self.p["output_padding"]))

        def note(step) -> str:  # noqa: ANN001 - a Step
            # Zeros (inserted or padding) add nothing: only the input cells' products are
            # written, so the note says which inputs reach this output.
            terms = [(t.weight, t.value) for t in step.taps if t.role == "input"]
            return _fitted_sum(terms, step.value)

        play_plan(self, view, trace.steps, trace.output_values, note, info)
        return title


class _ScatterView:
    """The scatter view of one trace: each input cell's scaled kernel lands and sums."""

    def __init__(self, scene: TransposedConv2D, trace, info: Text) -> None:  # noqa: ANN001
        self.scene, self.trace, self.info = scene, trace, info
        self.ivals = trace.params["input_values"]
        self.off = trace.params.get("canvas_offset", (0, 0))
        # Between the two-line title and the parameter line, leaving room under the grids for
        # a note (or, at the end, output_padding's tag) over the parameter line.
        top, bottom = 2.95, info.get_top()[1] + 0.7
        self.view = PlanView(
            scene,
            self._layout(),
            centre=(0.0, (top + bottom) / 2),
            max_width=13.4,
            max_height=top - bottom,
        )
        self.g_in = self.view.plan.grid("input")
        self.g_k = self.view.plan.grid("kernel")
        self.g_out = self.view.plan.grid("output")
        self.sums: dict[tuple[int, int], list[float]] = {}
        self.texts: dict[tuple[int, int], Text] = {}
        self.marker: VGroup | None = None
        self.note: Text | None = None
        self.rings = VGroup()  # this step's overlapping output cells, outlined

    def _layout(self) -> Plan:
        """Input, kernel and the uncropped output canvas side by side."""
        t = self.trace
        kvals = {tp.kernel: tp.weight for tp in t.steps[0].taps}
        (ir, ic), (kr, kc), (gr, gc) = t.input_shape, t.kernel_shape, t.grid_shape
        roles = [
            "output" if t.grid_roles.get((r, c), "input") == "input" else "dropped"
            for r in range(gr)
            for c in range(gc)
        ]
        inputs = [fmt(self.ivals[(r, c)]) for r in range(ir) for c in range(ic)]
        weights = [fmt(kvals[(r, c)]) for r in range(kr) for c in range(kc)]
        return layout_plan(
            "scatter",
            [
                ("input", ir, ic, ["input"] * (ir * ic), inputs, 0.0, 0.0),
                ("kernel", kr, kc, ["kernel"] * (kr * kc), weights, ic + 1.2, 0.0),
                ("output", gr, gc, roles, [""] * (gr * gc), ic + kc + 2.4, 0.0),
            ],
        )

    def play(self) -> VGroup:
        """Every input cell in turn (up to ``max_steps``), then the engine's output; returns
        the view's title."""
        scene = self.scene
        title = _title(
            scene.palette,
            "scatter view: each input cell scales the kernel, x[i,j]·w,",
            "and adds it into the output, s cells apart",
        )
        for v in self.ivals.values():
            scene.shown.append(("input", v))
        static = self.view.static()
        # The kernel's numbers fade while a scaled kernel lies over them. Manim redraws every
        # frame from the first moving mobject on (a group moves when a part of it does), so
        # inside the grids' group they made all of them redraw; drawn after the grids (which
        # they do not overlap) only they do.
        cells = self.view.cells["kernel"].values()
        self.kernel_numbers = VGroup(*(m for cell in cells for m in cell[1:]))
        for cell in cells:
            cell.remove(*cell[1:])
        parts = (title, static, self.info, self.kernel_numbers)
        if scene.renderer.num_plays == 0:
            scene.opening(*parts)
        else:
            scene.beat("idea", *(FadeIn(m) for m in parts))
        steps = self.trace.steps[: scene.step_count(len(self.trace.steps))]
        for step in steps:
            self._scale(step)
            self._land(step)
            self._add(step)
        out = [FadeOut(m) for m in (self.marker, self.note) if m is not None]
        out += [FadeOut(self.rings)] if len(self.rings) else []
        if out:
            scene.beat("move", *out)
        if len(steps) == len(self.trace.steps):
            self._finish()
        return title

    # -- the beats of one input cell ------------------------------------------------------
    def _scale(self, step) -> None:  # noqa: ANN001 - a Step
        """The input cell is marked and the kernel, scaled by its value, appears over the
        kernel: ``x[i,j]·w``, one product per weight."""
        view, t = self.view, self.view.theme
        marker = VGroup(
            view.poly(
                self.g_in.cell_polygon(*step.output), stroke_color=t.winner, stroke_width=7
            ).set_fill(opacity=0)
        )
        self.patch = VGroup()
        for tp in step.taps:
            box = view.poly(
                self.g_k.cell_polygon(*tp.kernel),
                fill_color=t.fill("kernel"),
                fill_opacity=1.0,
                stroke_color=self.scene.palette.gold,
                stroke_width=4,
            )
            num = view.text(
                fmt(tp.product), self.g_k.centre(*tp.kernel), NUM_SIZE, t.ink_on(t.fill("kernel"))
            )
            self.patch.add(VGroup(box, num).set_z_index(2))
            self.scene.shown.append(("product", float(tp.product)))
        i, j = step.output
        value = self.ivals[step.output]
        note = f"x[{i},{j}]·w = {fmt(value)}·w"
        # The kernel's own numbers give way to the products while the patch lies over them.
        anims = [FadeIn(self.patch), *self._swap_note(note), *self._kernel_numbers(0.0)]
        if len(self.rings):
            anims.append(FadeOut(self.rings))
        anims.append(
            FadeIn(marker) if self.marker is None else ReplacementTransform(self.marker, marker)
        )
        self.marker = marker
        self.scene.beat("product", *anims)

    def _land(self, step) -> None:  # noqa: ANN001
        """The scaled kernel flies to its output window (outlined) and covers it."""
        view, t = self.view, self.view.theme
        rows = [tp.grid[0] for tp in step.taps]
        cols = [tp.grid[1] for tp in step.taps]
        box = (
            view.poly(
                self.g_out.box_polygon(min(rows), min(cols), max(rows) + 1, max(cols) + 1),
                stroke_color=t.line,
                stroke_width=6,
            )
            .set_fill(opacity=0)
            .set_z_index(3)
        )
        shift = view.pt(self.g_out.centre(*step.taps[0].grid)) - view.pt(
            self.g_k.centre(*step.taps[0].kernel)
        )
        # The values the patch now covers fade with its arrival (they come back summed).
        covered = [self.texts.pop(tp.grid[:2]) for tp in step.taps if tp.grid[:2] in self.texts]
        self.covered = covered
        anims = [self.patch.animate.shift(shift), FadeIn(box), *(FadeOut(m) for m in covered)]
        anims.extend(self._kernel_numbers(1.0))
        self.box = box
        self.scene.beat("move", *anims)

    def _add(self, step) -> None:  # noqa: ANN001
        """The patch dissolves into the output: each cell shows its new sum, and the cells
        where windows overlap are outlined and their sums written out."""
        view, t = self.view, self.view.theme
        anims: list[Any] = [FadeOut(self.patch), FadeOut(self.box)]
        overlaps = []
        for tp in step.taps:
            rc = (tp.grid[0], tp.grid[1])
            before = self.sums.setdefault(rc, [])
            if before and self.g_out.role(*rc) == "output":
                overlaps.append((rc, [*before, tp.product]))
            before.append(float(tp.product))
            ink = t.ink_on(t.fill(self.g_out.role(*rc)))
            num = view.text(fmt(sum(before)), self.g_out.centre(*rc), NUM_SIZE, ink)
            self.texts[rc] = num
            anims.append(FadeIn(num))
        self.rings = rings = VGroup(
            *(
                view.poly(
                    self.g_out.cell_polygon(*rc),
                    stroke_color=self.scene.palette.gold,
                    stroke_width=5,
                )
                .set_fill(opacity=0)
                .set_z_index(2)
                for rc, _ in overlaps
            )
        )
        if overlaps:
            anims.append(FadeIn(rings))
            anims.extend(self._swap_note(self._overlap_note(overlaps)))
        self.scene.beat("output", *anims)

    def _kernel_numbers(self, opacity: float) -> list:
        """Fade the kernel grid's numbers to ``opacity``."""
        return [opacity_to(m, opacity) for m in self.kernel_numbers]

    def _overlap_note(self, overlaps: list) -> str:
        """``y[r,c] = a + b = s`` for as many overlapping cells as fit on one line."""
        parts = []
        for (r, c), terms in overlaps:
            line = " + ".join(_par(v) for v in terms) + f" = {fmt(sum(terms))}"
            parts.append(f"y[{r - self.off[0]},{c - self.off[1]}] = {line}")
        text = "overlaps add up: " + ",  ".join(parts)
        while len(parts) > 1 and _text_width(text) > NOTE_WIDTH:
            parts.pop()
            text = "overlaps add up: " + ",  ".join(parts) + ",  …"
        return text

    def _swap_note(self, text: str) -> list:
        """Cross-fade the note above the parameter line to ``text``."""
        new = Text(text, font=FONT, font_size=NUMBER_SIZE, color=self.view.theme.text)
        if new.width > NOTE_WIDTH:
            new.scale_to_fit_width(NOTE_WIDTH)
        new.next_to(self.info, np.array([0, 1, 0]), buff=0.12)
        anims = [FadeIn(new)] + ([FadeOut(self.note)] if self.note is not None else [])
        self.note = new
        return anims

    def _finish(self) -> None:
        """Every output cell as the engine computes it (the bias added; output_padding's extra
        row and column hold just the bias, outlined in red); the sums drawn must agree."""
        view, t, trace = self.view, self.view.theme, self.trace
        bias = float(trace.params.get("bias", 0.0))
        finals: list[Any] = []
        extra = []
        for key, value in trace.output_values.items():
            canvas = (key[0] + self.off[0], key[1] + self.off[1])
            if abs(sum(self.sums.get(canvas, [])) + bias - value) > 1e-9:
                raise AssertionError(f"scatter sum at {key} disagrees with the engine")
            self.scene.shown.append(("output", value))
            if canvas not in self.sums:
                extra.append(canvas)
            if canvas not in self.texts or bias:
                ink = t.ink_on(t.fill(self.g_out.role(*canvas)))
                num = view.text(fmt(value), self.g_out.centre(*canvas), NUM_SIZE, ink)
                if canvas in self.texts:
                    self.scene.remove(self.texts[canvas])
                finals.append(FadeIn(num))
        if extra:
            cells = VGroup(*(view.poly(self.g_out.cell_polygon(*rc)) for rc in extra))
            outline = haloed(cells, self.scene.palette, 4)
            grid = view.cells["output"]
            tag = _tag(
                self.scene.palette,
                self.scene.p["output_padding"],
                VGroup(*grid.values()),
                "right",
                False,
            )
            finals.extend([FadeIn(outline), FadeIn(tag)])
        if finals:
            self.scene.beat("idea", *finals)


def _side_by_side(plan: Plan) -> Plan:
    """The direct view's plan with its grids one cell apart (or as far as a grid's label needs)
    and without its legend and caption (the title says what the dotted and dashed cells are):
    the same cells, frames and windows, in the width that keeps every number 40 px tall at
    1080p."""
    x = 0.0
    grids, labels = [], []
    text = {lb.at[0]: lb.text for lb in plan.labels if lb.role == "label"}
    for g in plan.grids:
        ax, bx, tx, ay, by, ty = g.transform
        grids.append(dataclasses.replace(g, transform=(ax, bx, x, ay, by, 0.6)))
        name = "w, flipped" if g.key == "kernel" else text.get(tx, g.key)
        labels.append(Label(name, (x, 0.5), ("left", "bottom"), 0.5))
        # PlanView.labels draws a label 0.375 cells tall: its width, in cells
        wide = Text(name, font=FONT, font_size=font_size_for(0.375)).width + 0.2
        x += max(g.cols * ax, wide) + 1.0
    height = 0.6 + max(g.rows for g in plan.grids)
    return dataclasses.replace(
        plan, width=x - 1.0, height=height, grids=tuple(grids), labels=tuple(labels), legend=()
    )


def _parameter_line(p: dict[str, Any]) -> str:
    """The parameters in words, or in the formula's letters when the words are too wide."""
    values = [_size(p["input"]), _size(p["kernel"]), _t(p["stride"]), _t(p["padding"])]
    words = ("input", "kernel", "stride", "padding")
    for names in (words, ("i", "k", "s", "p")):
        line = ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True))
        line += f", output_padding {_t(p['output_padding'])}"
        if _text_width(line) <= 13.6:
            break
    return line


def _title(pal: Palette, *lines: str) -> VGroup:
    """A view's title: lines of text at the legible size, along the top edge."""
    rows = VGroup(*(Text(s, font=FONT, font_size=NUMBER_SIZE, color=pal.ink) for s in lines))
    rows.arrange(np.array([0, -1, 0]), buff=0.1)
    if rows.width > 13.4:
        rows.scale_to_fit_width(13.4)
    return rows.to_edge(np.array([0, 1, 0]), buff=0.2)


def _par(v: float) -> str:
    return f"({fmt(v)})" if fmt(v).startswith("−") else fmt(v)


def _text_width(s: str) -> float:
    return Text(s, font=FONT, font_size=NUMBER_SIZE).width


def _fitted_sum(terms: list[tuple[float, float]], value: float) -> str:
    """``w·x + … = y``, dropping trailing products (``+ …``) until it fits the frame."""
    parts = [f"{_par(w)}·{_par(x)}" for w, x in terms]
    text = " + ".join(parts) + f" = {fmt(value)}" if parts else f"only zeros: {fmt(value)}"
    while len(parts) > 1 and _text_width(text) > NOTE_WIDTH:
        parts.pop()
        text = " + ".join(parts) + f" + … = {fmt(value)}"
    return text


def _tag(pal: Palette, op: list[int], below: Any, align: str, stacked: bool = True) -> VGroup:
    """``output_padding = …`` in red, under mobject ``below`` (the kernel grid in the direct
    view, whose column has room under it; the output grid at the end of the scatter view),
    its left or right edge aligned with it; the word (no digits) narrowed to the frame's edge
    if need be."""
    word = Text("output_padding", font=FONT, font_size=NUMBER_SIZE, color=pal.red)
    value = Text(f"= {_t(op)}", font=FONT, font_size=NUMBER_SIZE, color=pal.red)
    room = 7.0 - below.get_left()[0] if align == "left" else 13.4
    room -= 0 if stacked else value.width + 0.15
    if word.width > room:
        word.scale_to_fit_width(room)
    tag = VGroup(word, value)
    if stacked:
        tag.arrange(np.array([0, -1, 0]), aligned_edge=np.array([-1, 0, 0]), buff=0.08)
    else:
        tag.arrange(np.array([1, 0, 0]), aligned_edge=np.array([0, -1, 0]), buff=0.15)
    tag.next_to(below, np.array([0, -1, 0]), buff=0.15)
    return tag.align_to(below, np.array([-1 if align == "left" else 1, 0, 0]))


def _output_padding(view: PlanView, op: list[int]) -> list:
    """In the direct view, the extra rows and columns output_padding adds at the bottom and
    right of the padded input (drawn as padding by the plan), outlined in red and labelled."""
    g = view.plan.grid("input")
    rows, cols = _pair(op)
    strips = [(g.rows - rows, 0, g.rows, g.cols)] if rows else []
    strips += [(0, g.cols - cols, g.rows, g.cols)] if cols else []
    strips = [
        box
        for box in strips
        if all(
            g.role(r, c) in ("padding", "output_padding")
            for r in range(box[0], box[2])
            for c in range(box[1], box[3])
        )
    ]
    if not strips:
        return []
    outline = VGroup(
        *(
            view.poly(g.box_polygon(*box), stroke_color=view.scene.palette.red, stroke_width=4)
            .set_fill(opacity=0)
            .set_z_index(1)
            for box in strips
        )
    )
    kernel = VGroup(*view.cells["kernel"].values())
    return [outline, _tag(view.scene.palette, op, kernel, "left")]


def _pair(v: list[int]) -> tuple[int, int]:
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def _size(v: list[int]) -> str:
    return "×".join(str(x) for x in (v * 2 if len(v) == 1 else v))


def _t(v: list[int]) -> str:
    return str(v[0]) if len(set(v)) == 1 else "×".join(str(x) for x in v)


__all__ = ["TransposedConv2D"]
