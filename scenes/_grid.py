"""Draw a :class:`convanim.draw.plan.Plan` with Manim: the same grids, roles, texts and frames the
GIF renderer draws, placed by the plan's own geometry (one unit = one cell side).

Nothing here decides what a frame shows; :class:`PlanView` maps plan units to scene
coordinates (y flipped, scaled to fit a box) and turns each :class:`~convanim.draw.plan.Frame`
into one animation: the window and its outline, the current output cell, the kernel weights
as subscripts, the max-pooling winner, and the output values that become visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from convanim.scenes._common import (
    FONT,
    LIGHT_PALETTE,
    NUMBER_SIZE,
    ConvanimScene,
    FadeIn,
    FadeOut,
    caption,
    tex,
)
from manim import (
    Animation,
    Line,
    MathTex,
    Polygon,
    ReplacementTransform,
    Text,
    VGroup,
    VMobject,
    Write,
)

from convanim.draw.labels import text_width
from convanim.draw.plan import Frame, GridView, Plan, Theme

#: Text height per cell side, like the GIF renderer's ``num_size`` for the flat look.
NUM_SIZE = 0.46  # 28.6 pt in a 0.65-unit cell: 40 px digits at 1080p
SUB_SIZE = 0.28
#: The widest a number may be, as a share of its cell's width.
CELL_FILL = 0.84
_DIGIT_HEIGHT_PER_FONT_SIZE = 0.0105  # Text("8").height / font_size, measured with DejaVu Sans


def minus(text: str) -> str:
    """A real minus sign (U+2212) for the hyphen the plan's number formatting uses."""
    return text.replace("-", "−")


def font_size_for(height: float) -> float:
    """The ``font_size`` whose digits are ``height`` scene units tall."""
    return height / _DIGIT_HEIGHT_PER_FONT_SIZE


class PlanView:
    """A plan placed in a box of the scene: ``centre`` and the largest size that fits."""

    def __init__(
        self,
        scene: ConvanimScene,
        plan: Plan,
        centre: Sequence[float] = (0.0, -0.4),
        max_width: float = 13.0,
        max_height: float = 6.0,
        max_unit: float = 0.8,
        theme: Theme | None = None,
    ) -> None:
        self.scene = scene
        self.plan = plan
        #: the cell colours: the scene palette's unless given
        self.theme = theme or getattr(scene, "palette", LIGHT_PALETTE).cells
        self.u = min(max_width / plan.width, max_height / plan.height, max_unit)
        self.left = centre[0] - plan.width * self.u / 2
        self.top = centre[1] + plan.height * self.u / 2
        self.cells: dict[str, dict[tuple[int, int], VGroup]] = {}
        self.overlay: VGroup | None = None
        self.shown: set[tuple[int, int]] = set()
        self._texts: dict[tuple[str, float, str], Text] = {}
        self.hidden: dict[tuple[str, int, int], Text] = {}

    # -- geometry -------------------------------------------------------------------------
    def pt(self, p: Sequence[float]) -> np.ndarray:
        return np.array([self.left + self.u * p[0], self.top - self.u * p[1], 0.0])

    def poly(self, pts: Sequence[Sequence[float]], **style: Any) -> Polygon:
        return Polygon(*(self.pt(p) for p in pts), **style)

    def text(
        self, s: str, at: Sequence[float], size: float, color: str, fit: float | None = 1.0
    ) -> Text:
        """``s`` centred at plan point ``at``; ``fit`` (plan units, default one cell) caps its
        width so that a wide number (``−1``, ``−2.5``) never spills over the cell's border."""
        m = Text(minus(s), font=FONT, font_size=font_size_for(size * self.u), color=color)
        if fit is not None and m.width > CELL_FILL * fit * self.u:
            m.scale_to_fit_width(CELL_FILL * fit * self.u)
        return m.move_to(self.pt(at))

    def cached_text(self, s: str, size: float, color: str) -> Text:
        """A copy of a Text made once per (string, size, colour): Pango and SVG parsing are
        the slow part of building a frame."""
        key = (s, size, color)
        if key not in self._texts:
            self._texts[key] = Text(
                minus(s), font=FONT, font_size=font_size_for(size * self.u), color=color
            )
        return self._texts[key].copy()

    def cell_number(self, g: GridView, r: int, c: int) -> Text:
        """Cell ``(r, c)``'s number in the ink for its shaded fill (a cached copy)."""
        t, role = self.theme, g.role(r, c)
        ink = t.muted if role in ("padding", "inserted") else t.ink_on(t.shaded(role))
        m = self.cached_text(g.text(r, c), NUM_SIZE, ink)
        if m.width > CELL_FILL * self.u:
            m.scale_to_fit_width(CELL_FILL * self.u)
        return m.move_to(self.pt(g.centre(r, c)))

    # -- static parts ---------------------------------------------------------------------
    def grid(self, key: str, texts: bool | None = None, values: Sequence[float] = ()) -> VGroup:
        """Cells of grid ``key`` (fill by role, dashed padding, dotted inserted zeros), numbers.

        Output grids start without numbers: frames reveal them. ``values`` (row-major) are the
        numbers behind the texts, recorded as shown for the structural tests.
        """
        g: GridView = self.plan.grid(key)
        t = self.theme
        show = (key != "output") if texts is None else texts
        group = VGroup()
        self.cells[key] = {}
        dashed: dict[str, list] = {"padding": [], "inserted": []}
        for r in range(g.rows):
            for c in range(g.cols):
                role = g.role(r, c)
                box = self.poly(
                    g.cell_polygon(r, c),
                    fill_color=t.fill(role),
                    fill_opacity=1.0,
                    stroke_color=t.line,
                    stroke_width=2,
                )
                cell = VGroup(box)
                if role in ("padding", "inserted"):
                    box.set_stroke(width=0)
                    dashed[role].append(g.cell_polygon(r, c))
                if g.texts and g.text(r, c):
                    ink = t.muted if role in ("padding", "inserted") else t.ink_on(t.fill(role))
                    num = self.text(g.text(r, c), g.centre(r, c), NUM_SIZE, ink)
                    if show:
                        cell.add(num)
                    else:
                        # Kept out of the grid's family: Manim redraws every mobject after
                        # the first animated one on every frame, so a hidden number inside the
                        # grid would make the whole grid "moving".
                        self.hidden[(key, r, c)] = num
                    if show and values:
                        self.scene.shown.append((key, float(values[r * g.cols + c])))
                self.cells[key][(r, c)] = cell
                group.add(cell)
        # One path per line style for the whole grid: a Manim mobject per dash (DashedVMobject)
        # makes every frame that redraws the grid an order of magnitude slower.
        for role, (dash, gap) in (("padding", (0.16, 0.10)), ("inserted", (0.05, 0.09))):
            if dashed[role]:
                group.add(self.dashed_outline(dashed[role], dash, gap, t.line))
        return group

    def dashed_outline(
        self, polygons: Sequence[Sequence[Sequence[float]]], dash: float, gap: float, color: str
    ) -> VMobject:
        """Dashed outlines of cells as one mobject; dash and gap in cell units, spread so each
        edge starts and ends on a dash (the GIF renderer's rule)."""
        path = VMobject(stroke_color=color, stroke_width=2)
        for pts in polygons:
            corners = [self.pt(p) for p in pts]
            for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
                length = float(np.linalg.norm(b - a)) / self.u
                n = max(1, round((length + gap) / (dash + gap)))
                period = (length + gap) / n
                on = period * dash / (dash + gap)
                for i in range(n):
                    t0, t1 = i * period / length, min(1.0, (i * period + on) / length)
                    path.start_new_path(a + (b - a) * t0)
                    path.add_line_to(a + (b - a) * t1)
        return path

    def labels(self) -> VGroup:
        group = VGroup()
        t = self.theme
        for lb in self.plan.labels:
            ink = t.muted if lb.role == "caption" else t.text
            size = font_size_for(lb.size * self.u * 0.75)
            if any(ch.isdigit() for ch in lb.text):  # numbers at the legible size
                size = max(size, NUMBER_SIZE)
            m = Text(lb.text, font=FONT, font_size=size, color=ink)
            h, v = lb.anchor
            at = self.pt(lb.at)
            dx = {"left": m.width / 2, "centre": 0.0, "right": -m.width / 2}[h]
            dy = {"top": -m.height / 2, "middle": 0.0, "bottom": m.height / 2}[v]
            group.add(m.move_to(at + np.array([dx, dy, 0])))
        size = self.plan.legend_size
        for role, text, (x, y), at in self.plan.legend_items():
            box = self.poly(
                [(x, y), (x + size, y), (x + size, y + size), (x, y + size)],
                fill_color=t.fill(role),
                fill_opacity=1,
                stroke_color=t.line,
                stroke_width=1.5,
            )
            m = Text(text, font=FONT, font_size=font_size_for(size * self.u * 0.7), color=t.muted)
            m.move_to(self.pt(at) + np.array([m.width / 2, 0, 0]))
            group.add(box, m)
        return group

    def static(self) -> VGroup:
        """Every grid the plan has (input, output, kernel) and its labels and legend."""
        parts = VGroup(*(self.grid(g.key) for g in self.plan.grids))
        parts.add(self.labels())
        return parts

    # -- frames ---------------------------------------------------------------------------
    def frame_overlay(self, frame: Frame) -> tuple[VGroup, VGroup]:
        """(moving, still): the outlines that glide from frame to frame (window box, output
        cell, winner) and what is simply swapped in (shading, subscripts, connectors)."""
        t = self.theme
        g_in = self.plan.grid("input")
        g_out = self.plan.grid("output")
        moving, still = VGroup(), VGroup()
        for r, c in frame.window:
            still.add(
                self.poly(
                    g_in.cell_polygon(r, c),
                    fill_color=t.shade,
                    fill_opacity=t.shade_alpha,
                    stroke_width=0,
                )
            )
        # The window's numbers again, over the shade: under it their ink was blended with
        # it (4.3:1 on the dark slide); a copy on top keeps the contrast computed for ink on
        # the shaded cell. (Raising the grid's numbers instead made Manim redraw all of them
        # on every frame: 0.67 CPU s per video s for Conv2D instead of 0.36.)
        if g_in.texts:
            still.add(*(self.cell_number(g_in, r, c) for r, c in frame.window if g_in.text(r, c)))
        for (r, c), s in frame.subscripts:
            ink = t.ink_on(t.shaded(g_in.role(r, c)))
            m = self.cached_text(s, SUB_SIZE, ink)
            m.is_subscript = True  # a weight's label in its cell's corner (also in the kernel)
            corner = self.pt(g_in.point(c + 0.95, r + 0.97))
            still.add(m.move_to(corner + np.array([-m.width / 2, m.height / 2, 0])))
        for a, b in frame.lines:
            still.add(Line(self.pt(a), self.pt(b), color=t.connector, stroke_width=1.5))
        if frame.window_box is not None:
            moving.add(
                self.poly(
                    g_in.box_polygon(*frame.window_box), stroke_color=t.line, stroke_width=6
                ).set_fill(opacity=0)
            )
        if frame.output_cell is not None:
            r, c = frame.output_cell
            moving.add(
                self.poly(
                    g_out.cell_polygon(r, c),
                    fill_color=t.shade,
                    fill_opacity=t.shade_alpha,
                    stroke_color=t.winner if frame.winner is not None else t.line,
                    stroke_width=6,
                )
            )
        if frame.winner is not None:
            moving.add(
                self.poly(
                    g_in.cell_polygon(*frame.winner), stroke_color=t.winner, stroke_width=7
                ).set_fill(opacity=0)
            )
        return moving, still

    def frame_animations(self, frame: Frame, output_values: dict[tuple[int, int], float]) -> list:
        """The animations from the previous frame to ``frame``, all ending together.

        Outlines glide (cheap polygons) while the shading and the subscripts cross-fade from
        the old window to the new one over the same time (digits fade, never morph), so that
        the outline, the shading, the subscripts and the output box arrive at once and a paused
        frame shows one window; new output values fade in.
        """
        moving, still = self.frame_overlay(frame)
        anims: list[Animation] = [FadeIn(still)]
        if self.overlay is None:
            anims.append(FadeIn(moving))
        elif len(self.overlay[0]) == len(moving):
            anims.append(ReplacementTransform(self.overlay[0], moving))
        else:
            anims.extend([FadeOut(self.overlay[0]), FadeIn(moving)])
        if self.overlay is not None:
            anims.append(FadeOut(self.overlay[1]))
        self.overlay = VGroup(moving, still)
        for rc in sorted(frame.shown_outputs - self.shown):
            num = self.hidden.get(("output", *rc))
            if num is not None:
                anims.append(FadeIn(num))
                if rc in output_values:
                    self.scene.shown.append(("output", float(output_values[rc])))
        self.shown |= set(frame.shown_outputs)
        return anims


def top_formulas(*formulas: Any, width: float = 13.4) -> VGroup:
    """Formulas side by side along the top edge, shrunk to fit ``width``."""
    top = VGroup(*formulas).arrange(np.array([1, 0, 0]), buff=0.9)
    if top.width > width:
        top.scale_to_fit_width(width)
    return top.to_edge(np.array([0, 1, 0]), buff=0.25)


#: The width of a note line under the grids, and the em of its font (DejaVu Sans at
#: ``NUMBER_SIZE``: 0.401 units, measured) for :func:`convanim.draw.labels.text_width`.
NOTE_WIDTH, NOTE_EM = 13.2, 0.401


def wrap_note(text: str, width: float = NOTE_WIDTH) -> str:
    """``text`` broken into lines at its ``" + "`` where one line would be wider than
    ``width`` (a long sum of products stays at the legible size instead of shrinking).

    >>> wrap_note("1·2 + 3·4 + 5·6 = 44", width=3.5).splitlines()
    ['1·2 + 3·4', '+ 5·6 = 44']
    """
    lines: list[str] = []
    for term in text.split(" + "):
        if lines and text_width(lines[-1] + " + " + term, NOTE_EM) <= width:
            lines[-1] += " + " + term
        else:
            lines.append(("+ " if lines else "") + term)
    return "\n".join(lines)


def play_plan(
    scene: ConvanimScene,
    view: PlanView,
    steps: Sequence[Any],
    output_values: dict[tuple[int, ...], float],
    note_for: Any = None,
    note_anchor: Any = None,
) -> int:
    """One ``play`` per plan frame (up to ``max_steps``), with an optional note per step.

    ``note_for(step)`` returns the text under the grids (the sum of products, the maximum).
    Returns the number of frames played.
    """

    outputs = {(0, k[0]) if len(k) == 1 else (k[0], k[1]): v for k, v in output_values.items()}
    count = scene.step_count(len(view.plan.frames))
    note = None
    for frame, step in zip(view.plan.frames[:count], steps, strict=False):
        anims = view.frame_animations(frame, outputs)
        if note_for is not None:
            text = note_for(step)
            scene.notes.append(text)
            new_note = Text(
                wrap_note(text), font=FONT, font_size=NUMBER_SIZE, color=view.theme.text
            )
            if new_note.width > NOTE_WIDTH:  # (one term wider than the frame)
                new_note.scale_to_fit_width(NOTE_WIDTH)
            if note_anchor is not None:
                new_note.next_to(note_anchor, np.array([0, 1, 0]), buff=0.12)
            else:
                new_note.to_edge(np.array([0, -1, 0]), buff=0.2)
            # Cross-faded with the window (never morphed: digits would pass through blobs, and
            # transforming long texts costs more than the whole frame).
            anims.append(FadeIn(new_note))
            if note is not None:
                anims.append(FadeOut(note))
            note = new_note
        scene.beat("output", *anims)
    if note is not None:
        scene.remove(note)
    return count


def headline(formula: MathTex, sizes: MathTex, width: float = 13.8, buff: float = 0.4) -> VGroup:
    """The deck's formula and the output-size rule on one line along the top edge.

    Both are written at 42 pt. The size rule has digits (``2p``, ``− 1``, its result), so it
    keeps them 40 px tall at 1080p, as every digit on screen is; the formula has none and
    gives way where the two do not fit: shrunk to the width left (27 pt for Conv2D's 5x5,
    24 pt with stride and dilation 2; MaxPool2D's fits whole). Stacked, the two took the room
    of the grids, whose 7 padded rows need all the height left for 40 px numbers.
    """
    room = width - sizes.width - buff
    if formula.width > room:
        formula.scale_to_fit_width(room)
    top = VGroup(formula, sizes).arrange(np.array([1, 0, 0]), buff=buff)
    return top.to_edge(np.array([0, 1, 0]), buff=0.25)


class GridScene(ConvanimScene):
    """A scene drawn from a step plan, from its title state to its end: the deck's formula
    and the size rule on one line along the top (:func:`headline`), the grids filling the room
    down to the step's note (one line, or more for a long one) over the caption line that
    names the parameters; the size rule written as an idea, one beat per step
    (:func:`play_plan`), the end held.

    A scene says what it shows: :meth:`example` (the trace and its plan), :meth:`formulas`,
    :meth:`parameters` (the caption) and :meth:`note` (a step's line); each step's value is
    recorded in ``shown`` as :attr:`STEP_VALUE`.
    """

    STEP_VALUE = "value"

    def construct(self) -> None:
        trace, plan = self.example()
        formula, sizes = self.formulas(trace)
        info = caption(self.parameters(trace), palette=self.palette)
        steps = trace.steps[: self.step_count(len(trace.steps))]
        self.shown.extend((self.STEP_VALUE, step.value) for step in steps)
        top = headline(formula, sizes)
        # The tallest note (its lines, brackets included) sits on the caption; the grids take
        # all the height between it and the formulas (a 7-row padded input needs all of it for
        # 40 px numbers).
        notes = [wrap_note(self.note(step)) for step in steps] or ["0"]
        tallest = max(notes, key=lambda n: (n.count("\n"), "(" in n))
        height = Text(tallest, font=FONT, font_size=NUMBER_SIZE).height
        room_top = top.get_bottom()[1] - 0.06
        room_bottom = info.get_top()[1] + 0.12 + height + 0.03
        view = PlanView(
            self,
            plan,
            centre=(0.0, (room_top + room_bottom) / 2),
            max_width=13.0,
            max_height=room_top - room_bottom,
        )
        self.opening(formula, view.static(), info)
        self.beat("idea", Write(sizes))
        play_plan(self, view, trace.steps, trace.output_values, self.note, info)
        self.closing()

    def example(self) -> tuple[Any, Plan]:
        """The engine's trace of this scene's operation and its step plan."""
        raise NotImplementedError

    def formulas(self, trace: Any) -> tuple[MathTex, MathTex]:
        """The deck's formula and the output-size rule (see :meth:`size_rule`)."""
        raise NotImplementedError

    def parameters(self, trace: Any) -> str:
        """The caption line: the operation's parameters."""
        raise NotImplementedError

    def note(self, step: Any) -> str:
        """The line under the grids while ``step`` is shown."""
        raise NotImplementedError

    def size_rule(self, rule: str, trace: Any) -> MathTex:
        """``rule`` (LaTeX) and its result, ``= O`` or ``= O1 × O2`` in red, at the legible
        42 pt; the output size is recorded as shown (``"O"``)."""
        O1, O2 = trace.output_shape
        sizes = tex(
            rule,
            f"= {O1}" if O1 == O2 else f"= {O1} \\times {O2}",
            size=42,
            palette=self.palette,
        )
        sizes[1].set_color(self.palette.red)
        self.shown.extend([("O", O1), ("O", O2)])
        return sizes


def dims_text(values: Sequence[int]) -> str:
    """One value per dimension as a caption writes it: ``2`` for (2, 2), ``2×1`` for (2, 1).

    >>> dims_text([2, 2]), dims_text([2, 1]), dims_text([3])
    ('2', '2×1', '3')
    """
    text = [str(v) for v in values]
    return text[0] if len(set(text)) == 1 else "×".join(text)


def layout_plan(name: str, grids: Sequence[tuple]) -> Plan:
    """A frameless plan of flat grids placed side by side (for views the plan module lacks:
    the scatter view, channels, stacks).

    Each grid is ``(key, rows, cols, roles, texts, x, y[, label])`` with its top-left corner at
    units ``(x, y)``; a one-unit band above each grid holds its label (default: the key).
    """
    from convanim.draw.plan import Label

    views = []
    labels = []
    width = height = 0.0
    for key, rows, cols, roles, texts, x, y, *rest in grids:
        views.append(
            GridView(key, rows, cols, tuple(roles), tuple(texts), (1.0, 0.0, x, 0.0, 1.0, y + 1.0))
        )
        text = rest[0] if rest else key
        if text:
            labels.append(Label(text, (x, y + 0.8), ("left", "bottom"), 0.5))
        width = max(width, x + cols)
        height = max(height, y + 1.0 + rows)
    return Plan(name, "flat", width, height, tuple(views), (), tuple(labels), numbers=True)
