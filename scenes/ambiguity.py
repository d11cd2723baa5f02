"""TransposedAmbiguity: 6×6 and 5×5 both become 3×3; ``output_padding`` picks which comes back.

The deck's "Ambiguities in Transposed Convolutions" slide as a video:

1. Both convolutions (kernel 3, stride 2, padding 1) run side by side in lockstep; then the
   cells no window ever read are outlined in red: the 6×6 input's last row and column (the
   floor in ``⌊(i + 2p − k)/s⌋ + 1`` drops them), which is why 6×6 and 5×5 both give 3×3.
2. The transposed convolution of the 3×3 result runs twice, with ``output_padding`` 0 and 1,
   in lockstep along the first output row and then to the last cell, drawn with one cell size
   so the 6×6 visibly outgrows the 5×5; the row and column ``output_padding`` adds are
   outlined in red, next to the size formula.

    manim -ql scenes/ambiguity.py TransposedAmbiguity
"""

from __future__ import annotations

from typing import Any

import numpy as np
from convanim.scenes._common import FONT, NUMBER_SIZE, ConvanimScene, FadeIn, FadeOut, Palette, tex
from convanim.scenes._data import ambiguity_plans
from convanim.scenes._grid import PlanView, top_formulas
from manim import Text, VGroup

from convanim.draw.plan import Plan

#: The line under each drawing (the sizes), and the call-out line under it.
CAPTION_Y, CALLOUT_Y = -2.6, -3.1


class TransposedAmbiguity(ConvanimScene):
    """Two input sizes, one output size, and the parameter that tells them apart."""

    def construct(self) -> None:
        p = self.p
        forward, backward = ambiguity_plans(p, int(p["step_time"] * 1000))
        o = forward[0][1].output_shape[0]
        self.shown.extend([("size", n) for n, _, _ in forward] + [("O", o)])
        views = self._forward(forward, o)
        self._never_read(forward, views)
        self.beat("move", FadeOut(*self.mobjects))
        self._transposed(backward, o)
        self.closing()

    def _place(self, plans: list[Plan], unit: float, top: float) -> list[PlanView]:
        """One view per plan, side by side between ``top`` and the captions, all with cells at
        most ``unit`` wide."""
        width = 13.0 / max(len(plans), 1)
        bottom = CAPTION_Y + 0.15
        return [
            PlanView(
                self,
                plan,
                centre=(-6.5 + width * (i + 0.5), (top + bottom) / 2),
                max_width=width - 0.6,
                max_height=top - bottom,
                max_unit=unit,
            )
            for i, plan in enumerate(plans)
        ]

    def _forward(self, forward: list, o: int) -> list[PlanView]:
        """The convolutions, window by window in lockstep, under the size formula."""
        k, s, pad = self.p["kernel"], self.p["stride"], self.p["padding"]
        worked = " = ".join(
            f"\\left\\lfloor \\frac{{{n} + {2 * pad} - {k}}}{{{s}}} \\right\\rfloor + 1"
            for n, _, _ in forward
        )
        pal = self.palette
        conv = _heading(
            tex(r"o = \left\lfloor \frac{i + 2p - k}{s} \right\rfloor + 1", size=42, palette=pal),
            tex(f"= {worked} = {o}", size=42, color=pal.red, palette=pal),
        )
        plans, top = [plan for _, _, plan in forward], conv.get_bottom()[1] - 0.15
        # One cell size for every input, so that the 6×6 is drawn bigger than the 5×5.
        views = self._place(plans, min(v.u for v in self._place(plans, 0.55, top)), top)
        captions = [
            _under(
                v, f"{n}×{n} input → {t.output_shape[0]}×{t.output_shape[1]}", CAPTION_Y, pal.grey
            )
            for (n, t, _), v in zip(forward, views, strict=True)
        ]
        self.opening(conv, *(v.static() for v in views), *captions)
        frames = min(len(v.plan.frames) for v in views)
        for i in range(self.step_count(frames)):
            anims = []
            for v in views:
                anims.extend(v.frame_animations(v.plan.frames[i], {}))
            self.beat("output", *anims)
        return views

    def _never_read(self, forward: list, views: list[PlanView]) -> None:
        """Outline, in red, the input cells no window read (the larger input's last row and
        column), and say so under each drawing."""
        anims: list[Any] = [FadeOut(v.overlay) for v in views if v.overlay is not None]
        for (_, trace, _), v in zip(forward, views, strict=True):
            rows, cols = unread_rows_cols(trace)
            g = v.plan.grid("input")
            boxes = [(g.rows - rows, 0, g.rows, g.cols)] if rows else []
            boxes += [(0, g.cols - cols, g.rows, g.cols)] if cols else []
            outline = VGroup(
                *(
                    v.poly(g.box_polygon(*box), stroke_color=self.palette.red, stroke_width=6)
                    .set_fill(opacity=0)
                    .set_z_index(2)
                    for box in boxes
                )
            )
            self.shown.append(("never_read", max(rows, cols)))
            if rows or cols:
                what = "row and column" if max(rows, cols) == 1 else "rows and columns"
                n = "" if max(rows, cols) == 1 else f"{max(rows, cols)} "
                text = [f"last {n}{what}: never read", "never read"]
            else:
                text = ["every row and column: read", "all read"]
            anims.extend(
                [
                    FadeIn(outline),
                    FadeIn(
                        _under(
                            v,
                            text,
                            CALLOUT_Y,
                            self.palette.red if boxes else self.palette.grey,
                            len(views),
                        )
                    ),
                ]
            )
        self.beat("idea", *anims)

    def _transposed(self, backward: list, o: int) -> None:
        """The transposed convolutions back from ``o×o``, in lockstep: the first output row
        window by window, then the last cell, where ``output_padding``'s row and column are."""
        pal = self.palette
        formula = tex(r"o = (i-1)\,s - 2p + k + ", r"\text{output\_padding}", size=42, palette=pal)
        formula[1].set_color(pal.red)
        top_formulas(formula)
        place = [plan for _, _, _, plan in backward]
        # One cell size for both results, so that the 6×6 looks bigger than the 5×5.
        top = formula.get_bottom()[1] - 0.15
        unit = min(v.u for v in self._place(place, 0.5, top))
        views = self._place(place, unit, top)
        lines = []
        for (_, op, t, _), v in zip(backward, views, strict=True):
            lines.append(self._worked_line(v, o, op, t.output_shape[0]))
        self.beat("idea", FadeIn(formula, *(v.static() for v in views), *lines), move=1.0)
        first_row = [[f for f in v.plan.frames if f.output_cell[0] == 0] for v in views]
        for i in range(self.step_count(max(len(r) for r in first_row))):
            anims = []
            for v, frames in zip(views, first_row, strict=True):
                if i < len(frames):
                    anims.extend(v.frame_animations(frames[i], {}))
            self.beat("output", *anims)
        # Then straight to each result's last cell: the window reaches output_padding's row.
        anims = []
        for v in views:
            anims.extend(v.frame_animations(v.plan.frames[-1], {}))
        for (_, op, _, _), v in zip(backward, views, strict=True):
            if op:
                anims.append(FadeIn(_output_padding(v, op)))
        self.beat("idea", *anims)

    def _worked_line(self, v: PlanView, o: int, op: int, size: int) -> Any:
        k, s, pad = self.p["kernel"], self.p["stride"], self.p["padding"]
        pal = self.palette
        line = tex(
            f"({o}-1)\\cdot {s} - {2 * pad} + {k} + ", f"{op}", f" = {size}", size=42, palette=pal
        )
        line[1].set_color(pal.red)
        width = 13.0 / len(self.p["sizes"]) - 0.3
        if line.width > width:  # three drawings side by side: the worked line on two rows
            line = VGroup(
                tex(f"({o}-1)\\cdot {s} - {2 * pad} + {k}", size=42, palette=pal),
                VGroup(
                    tex("+", size=42, palette=pal),
                    tex(f"{op}", size=42, color=pal.red, palette=pal),
                    tex(f"= {size}", size=42, palette=pal),
                ).arrange(np.array([1, 0, 0]), buff=0.1),
            ).arrange(np.array([0, -1, 0]), buff=0.1)
        line.move_to(np.array([v.left + v.plan.width * v.u / 2, CALLOUT_Y, 0]))
        self.shown.extend([("output_padding", op), ("size", size)])
        return line


def unread_rows_cols(trace) -> tuple[int, int]:  # noqa: ANN001 - a Trace
    """How many of the drawn (padded) input's last rows and columns no window covers."""
    rows = {tp.grid[0] for step in trace.steps for tp in step.taps}
    cols = {tp.grid[1] for step in trace.steps for tp in step.taps}
    n_rows, n_cols = trace.grid_shape
    return n_rows - 1 - max(rows), n_cols - 1 - max(cols)


def _under(v: PlanView, text: str | list[str], y: float, color: Any, views: int = 2) -> Any:
    """Text centred under view ``v`` with its top at ``y``, within the view's share of the
    frame (``views`` side by side): one line, or two (split at the colon); of several
    wordings, the first that fits (the last one anyway)."""
    room = 13.0 / views - 0.3
    for wording in [text] if isinstance(text, str) else text:
        parts = [wording] if ": " not in wording else [wording, *wording.split(": ", 1)]
        lines = [Text(s, font=FONT, font_size=NUMBER_SIZE, color=color) for s in parts]
        m: Any = lines[0]
        if m.width > room and len(lines) > 1:
            m = VGroup(*lines[1:]).arrange(np.array([0, -1, 0]), buff=0.08)
        if m.width <= room:
            break
    m.move_to(np.array([v.left + v.plan.width * v.u / 2, 0, 0]))
    return m.shift(np.array([0, y - m.get_top()[1], 0]))


def _heading(rule: Any, worked: Any) -> VGroup:
    """A formula and its worked numbers along the top edge: one line, or two if too wide."""
    group = VGroup(rule, worked).arrange(np.array([1, 0, 0]), buff=0.15)
    if group.width > 13.4:
        group.arrange(np.array([0, -1, 0]), buff=0.15)
    return group.to_edge(np.array([0, 1, 0]), buff=0.25)


def haloed(outline: VGroup, pal: Palette, width: float) -> VGroup:
    """``outline`` in red over a wider stroke of the slide's colour: red on the dark slide's
    output cells is only 2.4:1, against the slide itself 5.4:1 (tests: graphics 3:1)."""
    outline.set_fill(opacity=0)
    halo = outline.copy().set_stroke(pal.background, width=width + 6)
    return VGroup(halo, outline.set_stroke(pal.red, width=width)).set_z_index(1)


def _output_padding(view: PlanView, op: int) -> VGroup:
    """The row and column output_padding adds to the result, outlined in red and named."""
    g = view.plan.grid("output")
    strips = [(g.rows - op, 0, g.rows, g.cols), (0, g.cols - op, g.rows, g.cols)]
    outline = haloed(
        VGroup(*(view.poly(g.box_polygon(*box)) for box in strips)), view.scene.palette, 5
    )
    # The word alone (its value is the red term of the worked line under the drawing), no
    # wider than the grid: a wider one would run into the input grid beside it.
    tag = Text("output_padding", font=FONT, font_size=NUMBER_SIZE, color=view.scene.palette.red)
    if tag.width > outline.width:
        tag.scale_to_fit_width(outline.width)
    tag.next_to(outline, np.array([0, -1, 0]), buff=0.12)
    return VGroup(outline, tag)


__all__ = ["TransposedAmbiguity"]
