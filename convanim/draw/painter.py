"""Drawing a plan with Pillow, supersampled: the static base once, then each frame's changes.

:class:`Painter` draws at ``factor`` times the final size and reduces (a box filter), which
anti-aliases every edge, dash and glyph. Four layers are kept at that size: the input side
(background, labels, legend, kernel, the input plane) and the output plane (on a transparent
layer), each unshaded and with every cell shaded; their composite, reduced, is the base of
every frame. A frame copies the rectangles it changes (:func:`dirty_boxes`) from the input
layer, cuts the window's cells out of the shaded copy, draws the outline, lays the output layer
over it and cuts the output cell out of its shaded copy, reduces only those rectangles, and
lays the connector lines over the result (:meth:`Painter.line`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence

from PIL import Image, ImageDraw

from convanim.draw import fonts
from convanim.draw.plan import MIN_NUMBER_SIZE, SUBSCRIPT_SIZE, Frame, GridView, Plan
from convanim.draw.themes import Theme, rgb

__all__ = ["Painter", "dirty_boxes", "cell_style"]

Px = tuple[float, float]

#: A connector is a hairline (one supersampled pixel wide) whose coverage, a quarter or a half
#: of a final pixel, is shown as 43 % or 78 % of the connector colour: an even grey line about
#: one pixel wide like the originals' connectors, with a lighter pixel where it steps. Two
#: levels (the old 2-px line had black and 50 % stretches) mean a moving line repeats the same
#: few colours from row to row, which the GIF's LZW codes compress: the lines were half of
#: every file's bytes, and this takes 5 % off the catalogue's animations.
_LINE_LEVELS = [0] * 32 + [110] * 64 + [200] * 160


def cell_style(role: str) -> str:
    """How a cell's outline is drawn: the paper's dashes for padding, dots for inserted zeros."""
    return {"padding": "dashed", "output_padding": "dashed", "inserted": "dotted"}.get(
        role, "solid"
    )


def _quad_point(pts: Sequence[Px], u: float, v: float) -> Px:
    """Bilinear point of a quadrilateral (top-left, top-right, bottom-right, bottom-left)."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = pts
    tx, ty = ax + (bx - ax) * u, ay + (by - ay) * u
    bx2, by2 = dx + (cx - dx) * u, dy + (cy - dy) * u
    return (tx + (bx2 - tx) * v, ty + (by2 - ty) * v)


def _aligned(
    pts: Sequence[Px], cell_px: float, margin_px: float, size: tuple[int, int], factor: int
) -> tuple[int, int, int, int]:
    xs = [margin_px + x * cell_px for x, _ in pts]
    ys = [margin_px + y * cell_px for _, y in pts]
    pad = 4 + cell_px / 8
    x0 = max(0, math.floor(min(xs) - pad))
    y0 = max(0, math.floor(min(ys) - pad))
    x1 = min(size[0], math.ceil(max(xs) + pad))
    y1 = min(size[1], math.ceil(max(ys) + pad))
    return (x0 * factor, y0 * factor, x1 * factor, y1 * factor)


def dirty_boxes(
    plan: Plan, frame: Frame, cell_px: float, margin_px: float, factor: int
) -> list[tuple[int, int, int, int]]:
    """The rectangles (pixels at ``factor`` times the size, aligned to ``factor``) a frame
    redraws over the static base: the window with its neighbours' edges (and the winner), and
    the output cell with its neighbours' edges; one rectangle when the two meet. The connector
    lines are not in them: they are laid over the finished frame (:meth:`Painter.line`)."""
    g_in, g_out = plan.grid("input"), plan.grid("output")
    size = plan.pixel_size(cell_px, margin_px)
    boxes = []
    if frame.window_box is not None:
        r0, c0, r1, c1 = frame.window_box
        pts = list(
            g_in.box_polygon(
                max(0, r0 - 1), max(0, c0 - 1), min(g_in.rows, r1 + 1), min(g_in.cols, c1 + 1)
            )
        )
        boxes.append(_aligned(pts, cell_px, margin_px, size, factor))
    if frame.output_cell is not None:
        r, c = frame.output_cell
        pts = list(
            g_out.box_polygon(
                max(0, r - 1), max(0, c - 1), min(g_out.rows, r + 2), min(g_out.cols, c + 2)
            )
        )
        boxes.append(_aligned(pts, cell_px, margin_px, size, factor))
    if len(boxes) == 2:
        a, b = boxes
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
            boxes = [(min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))]
    return boxes


def _meet(
    a: tuple[int, int, int, int], b: tuple[int, int, int, int]
) -> tuple[int, int, int, int] | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


class Painter:
    """Draws one plan's frames (see the module docstring)."""

    def __init__(
        self,
        plan: Plan,
        theme: Theme,
        cell_px: float,
        margin_px: float,
        factor: int,
        transparent: bool = False,
    ) -> None:
        self.plan, self.theme, self.factor = plan, theme, factor
        self.transparent = transparent
        self._sizes: dict[tuple, float] = {}  # each grid's number size (see _fitted)
        self.cell_px, self.margin_px = cell_px, margin_px
        self.size = plan.pixel_size(cell_px, margin_px)
        self.hsize = (self.size[0] * factor, self.size[1] * factor)
        self.cell = cell_px * factor
        self.margin = margin_px * factor
        k = factor * min(1.6, max(0.6, cell_px / 29.5))
        self.line_w = max(1, round(1.5 * k))  # the paper's "thick" grid lines, 1.7 px
        self.thick_w = max(2, round(2.6 * k))  # the window's outline
        self.connector_w = max(1, round(0.45 * k))  # the paper's thin connectors: a hairline
        self.origin = (0.0, 0.0)  # the crop being drawn into, in hi-res pixels
        self.g_in, self.g_out = plan.grid("input"), plan.grid("output")
        self.subscripted = any(f.subscripts for f in plan.frames)

    # -- mapping -----------------------------------------------------------------------------
    def px(self, p: Px) -> Px:
        return (
            self.margin + p[0] * self.cell - self.origin[0],
            self.margin + p[1] * self.cell - self.origin[1],
        )

    def poly(self, pts: Iterable[Px]) -> list[Px]:
        return [self.px(p) for p in pts]

    # -- primitives --------------------------------------------------------------------------
    def dashed(self, d: ImageDraw.ImageDraw, a: Px, b: Px, colour, dash: float, gap: float) -> None:
        (x0, y0), (x1, y1) = a, b
        length = math.hypot(x1 - x0, y1 - y0)
        if length == 0:
            return
        step = (dash + gap) * self.cell
        n = max(1, int(length // step))
        # Spread the remainder so dashes sit symmetrically on every edge (no half dashes).
        period = length / n
        on = period * dash / (dash + gap)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        for i in range(n):
            s = i * period + (period - on) / 2
            e = s + on
            d.line(
                [(x0 + ux * s, y0 + uy * s), (x0 + ux * e, y0 + uy * e)],
                fill=colour,
                width=self.line_w,
            )

    def outline(
        self,
        d: ImageDraw.ImageDraw,
        pts: Sequence[Px],
        colour,
        style: str,
        width: int | None = None,
        dash_scale: float = 1.0,
    ) -> None:
        """A closed outline, solid, dashed (padding) or dotted (inserted zeros); a legend
        swatch half a cell wide uses half-size dashes (one dash an edge read as a bracket)."""
        w = width or self.line_w
        for i in range(len(pts)):
            a, b = pts[i], pts[(i + 1) % len(pts)]
            if style == "solid":
                d.line([a, b], fill=colour, width=w)
            elif style == "dashed":
                self.dashed(d, a, b, colour, 0.16 * dash_scale, 0.10 * dash_scale)
            else:  # dotted
                self.dashed(d, a, b, colour, 0.05 * dash_scale, 0.09 * dash_scale)
        if style == "solid" and w > 2:  # round the joins of thick outlines
            r = w / 2 - 0.5
            for x, y in pts:
                d.ellipse([x - r, y - r, x + r, y + r], fill=colour)

    def mark(
        self, d: ImageDraw.ImageDraw, role: str, pts: Sequence[Px], corner: bool = False
    ) -> None:
        """The marks that tell zeros apart under any shade: a dot in an inserted zero, a
        hatch across an output_padding cell. With ``corner`` (a cell that shows a number) they
        shrink into the top-right corner, clear of the number."""
        colour = rgb(self.theme.mark)
        if role == "inserted":
            x, y = _quad_point(pts, 0.8, 0.2) if corner else _quad_point(pts, 0.5, 0.5)
            r = self.cell * (0.06 if corner else 0.09)
            d.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        elif role == "output_padding":
            strokes = (
                [((0.6, 0.4), (0.98, 0.02)), ((0.8, 0.4), (0.98, 0.22)), ((0.6, 0.2), (0.78, 0.02))]
                if corner
                else [((0, 0.5), (0.5, 0)), ((0, 1), (1, 0)), ((0.5, 1), (1, 0.5))]
            )
            for (u0, v0), (u1, v1) in strokes:
                d.line(
                    [_quad_point(pts, u0, v0), _quad_point(pts, u1, v1)],
                    fill=colour,
                    width=max(1, self.line_w - 1),
                )

    def text(
        self,
        d: ImageDraw.ImageDraw,
        text: str,
        at: Px,
        size_units: float,
        colour,
        anchor=("centre", "middle"),
        max_width: float | None = None,
    ) -> None:
        """Draw ``text`` (``at`` in crop pixels); with ``max_width`` (pixels) a long text is set
        smaller to fit, never under the plan's minimum number size."""
        if not text:
            return
        text = fonts.plain(text)
        px = int(round(size_units * self.cell))
        f = fonts.font(px)
        if max_width is not None:
            length = f.getlength(text)
            if length > max_width:
                smallest = int(MIN_NUMBER_SIZE * self.cell)
                f = fonts.font(max(smallest, int(px * max_width / length)))
        h = {"left": "l", "centre": "m", "center": "m", "right": "r"}[anchor[0]]
        v = {"top": "a", "middle": "m", "bottom": "d", "baseline": "s"}[anchor[1]]
        d.text(at, text, fill=colour, font=f, anchor=h + v)

    # -- grids -------------------------------------------------------------------------------
    def cells(
        self, d: ImageDraw.ImageDraw, grid: GridView, cells: Iterable[tuple[int, int]], shaded: set
    ) -> list[tuple[int, int]]:
        t = self.theme
        done = []
        for r, c in cells:
            role = grid.role(r, c)
            pts = self.poly(grid.cell_polygon(r, c))
            fill = t.shaded(role) if self._under_shade(role, (r, c), shaded) else t.fill(role)
            d.polygon(pts, fill=rgb(fill))
            self.mark(d, role, pts, corner=grid.texts is not None)
            done.append((r, c))
        return done

    def outlines(
        self,
        d: ImageDraw.ImageDraw,
        grid: GridView,
        cells: Iterable[tuple[int, int]],
        solid: bool = False,
    ) -> None:
        """Dotted, then dashed, then solid: a padding cell next to an input cell keeps the
        input cell's solid edge. ``solid``: every cell's edges solid, as conv_arithmetic draws
        the cells under the window (its shaded grid is drawn over the dashes)."""
        line = rgb(self.theme.line)
        cells = list(cells)
        for style in ("dotted", "dashed", "solid"):
            for r, c in cells:
                if (cell_style(grid.role(r, c)) if not solid else "solid") == style:
                    self.outline(d, self.poly(grid.cell_polygon(r, c)), line, style)

    def texts(
        self,
        d: ImageDraw.ImageDraw,
        grid: GridView,
        cells: Iterable[tuple[int, int]],
        shaded: set,
        visible: Callable[[int, int], bool],
    ) -> None:
        if not grid.texts:
            return
        t = self.theme
        at = (0.4, 0.42) if (self.subscripted and grid.key == "input") else (0.5, 0.5)
        room = (0.62 if at[0] != 0.5 else 0.86) * grid.cell_width * self.cell
        size = self.plan.number_size if grid.key != "kernel" else min(0.42, self.plan.number_size)
        size = self._fitted(grid, size, room)
        for r, c in cells:
            if visible(r, c):
                role = grid.role(r, c)
                ink = t.cell_ink(role, self._under_shade(role, (r, c), shaded))
                self.text(
                    d,
                    grid.text(r, c),
                    self.px(grid.point(c + at[0], r + at[1])),
                    size,
                    rgb(ink),
                    max_width=room,
                )

    def _under_shade(self, role: str, cell: tuple[int, int], shaded: set) -> bool:
        """Whether a cell is drawn shaded: a see-through cell (padding, the background's fill)
        of a transparent picture stays see-through under the window, since a GIF has no
        translucent pixel; the shade over it would be an opaque patch on the slide."""
        if cell not in shaded:
            return False
        return not (self.transparent and self.theme.fill(role) == self.theme.background)

    def _fitted(self, grid: GridView, size: float, room: float) -> float:
        """One font size for every number of ``grid``: the plan's, or as much smaller as its
        longest number needs to fit ``room`` pixels (never under the minimum, where cells
        widen instead), so that ``0.778`` and ``1`` read at one size side by side. Measured
        over all the grid's numbers, not the frame's, so the size never jumps between frames."""
        key = (grid.key, grid.texts, size, room)
        if key not in self._sizes:
            f = fonts.font(int(round(size * self.cell)))
            longest = max((f.getlength(fonts.plain(t)) for t in grid.texts or () if t), default=0)
            fitted = size if longest <= room else size * room / longest
            self._sizes[key] = max(MIN_NUMBER_SIZE, fitted)
        return self._sizes[key]

    # -- layers ------------------------------------------------------------------------------
    def grid(
        self,
        d: ImageDraw.ImageDraw,
        grid: GridView,
        visible: Callable[[int, int], bool],
        shaded: bool = False,
    ) -> None:
        every = [(r, c) for r in range(grid.rows) for c in range(grid.cols)]
        lit = set(every) if shaded else set()
        self.cells(d, grid, every, lit)
        self.outlines(d, grid, every, solid=shaded)
        self.texts(d, grid, every, lit, visible)

    def static(self, shaded: bool = False) -> Image.Image:
        """Background, labels, legend, kernel and the input plane (every cell shaded or none:
        a frame's window is cut out of the shaded copy)."""
        t = self.theme
        img = Image.new("RGB", self.hsize, rgb(t.background))
        d = ImageDraw.Draw(img)
        if not shaded:
            for label in self.plan.labels:
                ink = t.muted if label.role == "caption" else t.text
                self.text(d, label.text, self.px(label.at), label.size, rgb(ink), label.anchor)
            s = self.plan.legend_size
            for role, text, (x, y), at in self.plan.legend_items():
                pts = self.poly([(x, y), (x + s, y), (x + s, y + s), (x, y + s)])
                d.polygon(pts, fill=rgb(t.fill(role)))
                self.mark(d, role, pts)
                self.outline(d, pts, rgb(t.line), cell_style(role), dash_scale=s / 1.6)
                self.text(d, text, self.px(at), s, rgb(t.text), ("left", "middle"))
            if self.plan.has_grid("kernel"):
                self.grid(d, self.plan.grid("kernel"), lambda r, c: True)
        self.grid(d, self.g_in, lambda r, c: True, shaded)
        return img

    def output_layer(self, shown: frozenset, shaded: bool = False) -> Image.Image:
        img = Image.new("RGBA", self.hsize, (0, 0, 0, 0))
        self.grid(ImageDraw.Draw(img), self.g_out, lambda r, c: (r, c) in shown, shaded)
        return img

    # -- frames ------------------------------------------------------------------------------
    def frames(self) -> Iterator[Image.Image]:
        """Every frame, RGB at the final size. After each, :attr:`changed` lists the boxes
        (final pixels) where it differs from :attr:`base`, and :attr:`base_serial` counts the
        changes of the base (output values appearing)."""
        f = self.factor
        shown = self.plan.frames[0].shown_outputs if self.plan.frames else frozenset()
        self.layers = {
            "in": self.static(),
            "in_lit": self.static(shaded=True),
            "out": self.output_layer(shown),
            "out_lit": self.output_layer(shown, shaded=True),
        }
        self.out_box = self._bbox(self.g_out.outline(), 2 * self.line_w)
        base = self.layers["in"].copy()
        base.paste(self.layers["out"], (0, 0), self.layers["out"])
        self.base = base.reduce(f) if f > 1 else base
        self.base_serial = 0
        del base
        for frame in self.plan.frames:
            if frame.shown_outputs != shown:
                self._refresh(frame.shown_outputs ^ shown, frame.shown_outputs)
                shown = frame.shown_outputs
            img = self.base.copy()
            self.changed = []
            for box in dirty_boxes(self.plan, frame, self.cell_px, self.margin_px, f):
                self.origin = (box[0], box[1])
                crop = self._compose(box, frame)
                self.origin = (0.0, 0.0)
                at = (box[0] // f, box[1] // f)
                img.paste(crop.reduce(f) if f > 1 else crop, at)
                self.changed.append((*at, box[2] // f, box[3] // f))
            for a, b in frame.lines:
                self.changed.append(self.line(img, a, b))
            yield img

    def _compose(self, box: tuple[int, int, int, int], frame: Frame) -> Image.Image:
        """One dirty rectangle of a frame, at the supersampled size (``self.origin`` is its
        top-left corner)."""
        t, g = self.theme, self.g_in
        crop = self.layers["in"].crop(box)
        if frame.window:
            cells = [g.cell_polygon(r, c) for r, c in frame.window]
            self._cut(crop, box, "in_lit", cells, edges=True)
        d = ImageDraw.Draw(crop)
        if frame.window_box is not None and self._outlined(frame):
            pts = self.poly(g.box_polygon(*frame.window_box))
            self.outline(d, pts, rgb(t.line), "solid", self.thick_w)
        if frame.winner is not None:
            pts = self.poly(g.cell_polygon(*frame.winner))
            self.outline(d, pts, rgb(t.winner), "solid", self.thick_w)
        inset = (self.thick_w / self.factor + 1.5) / self.cell_px
        for (r, c), text in frame.subscripts:
            at = self.px(g.point(c + 1 - inset, r + 1 - inset))
            ink = t.cell_ink(g.role(r, c), shaded=True)
            self.text(d, text, at, SUBSCRIPT_SIZE, rgb(ink), ("right", "bottom"))
        meet = _meet(box, self.out_box)
        if meet is not None:
            layer = self.layers["out"].crop(meet)
            crop.paste(layer, (meet[0] - box[0], meet[1] - box[1]), layer)
        if frame.output_cell is not None:
            cell = self.g_out.cell_polygon(*frame.output_cell)
            self._cut(crop, box, "out_lit", [cell])
            if frame.winner is not None:
                self.outline(d, self.poly(cell), rgb(t.winner), "solid", self.thick_w)
        return crop

    def _outlined(self, frame: Frame) -> bool:
        """Whether the window gets a thick outline: where the shade alone does not show its
        extent (a dilated window shades only its taps) and in the flat look (numbers). The
        paper's perspective windows are shade only, and an outline moving every frame was
        8 % of the catalogue's bytes."""
        r0, c0, r1, c1 = frame.window_box or (0, 0, 0, 0)
        return self.plan.look == "flat" or len(frame.window) < (r1 - r0) * (c1 - c0)

    def _cut(
        self,
        crop: Image.Image,
        box: tuple[int, int, int, int],
        layer: str,
        polys: list,
        edges: bool = False,
    ) -> None:
        """Paste ``layer`` into ``crop`` (whose top-left is ``box``'s, and ``self.origin``)
        through the given cell polygons: the shaded copy of a plane, with fills, marks, lines
        and text already right. ``edges``: the cells' edge lines whole, the half outside the
        polygons too (the window's solid edges over a dashed neighbour)."""
        pts = [self.px(p) for poly in polys for p in poly]  # crop pixels
        pad = 2 + (self.line_w // 2 if edges else 0)
        x0 = max(0, int(min(x for x, _ in pts)) - pad)
        y0 = max(0, int(min(y for _, y in pts)) - pad)
        x1 = min(crop.size[0], int(max(x for x, _ in pts)) + pad + 1)
        y1 = min(crop.size[1], int(max(y for _, y in pts)) + pad + 1)
        if x0 >= x1 or y0 >= y1:
            return
        mask = Image.new("L", (x1 - x0, y1 - y0), 0)
        md = ImageDraw.Draw(mask)
        for poly in polys:
            pts = [(x - x0, y - y0) for x, y in self.poly(poly)]
            md.polygon(pts, fill=255)
            if edges:
                md.line([*pts, pts[0]], fill=255, width=self.line_w)
        area = (box[0] + x0, box[1] + y0, box[0] + x1, box[1] + y1)
        crop.paste(self.layers[layer].crop(area), (x0, y0), mask)

    def lit_base(self) -> Image.Image:
        """Both planes with every cell shaded, at the final size (a palette sample)."""
        img = self.layers["in_lit"].copy()
        img.paste(self.layers["out_lit"], (0, 0), self.layers["out_lit"])
        return img.reduce(self.factor) if self.factor > 1 else img

    def _bbox(self, pts: Iterable[Px], pad: float) -> tuple[int, int, int, int]:
        """Hi-res pixel box of some unit points, aligned to the factor."""
        f = self.factor
        ps = self.poly(pts)
        x0 = max(0, int(min(x for x, _ in ps) - pad) // f * f)
        y0 = max(0, int(min(y for _, y in ps) - pad) // f * f)
        x1 = min(self.hsize[0], -(-int(max(x for x, _ in ps) + pad + 1) // f) * f)
        y1 = min(self.hsize[1], -(-int(max(y for _, y in ps) + pad + 1) // f) * f)
        return (x0, y0, x1, y1)

    def line(self, img: Image.Image, a: Px, b: Px) -> tuple[int, int, int, int]:
        """A connector laid over a finished frame: drawn supersampled into a coverage mask of
        its own box, reduced, and the connector colour pasted through it. The plan clips the
        lines off the window and the output plane, so nothing has to be drawn over them.
        Returns the box it touched (final pixels)."""
        f = self.factor
        box = self._bbox([a, b], self.connector_w + f)
        mask = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
        self.origin = (box[0], box[1])
        ImageDraw.Draw(mask).line([self.px(a), self.px(b)], fill=255, width=self.connector_w)
        self.origin = (0.0, 0.0)
        lo = mask.reduce(f) if f > 1 else mask
        lo = lo.point(_LINE_LEVELS)
        img.paste(rgb(self.theme.connector), (box[0] // f, box[1] // f), lo)
        return (box[0] // f, box[1] // f, box[2] // f, box[3] // f)

    def _refresh(self, changed: Iterable, shown: frozenset) -> None:
        """Output values that appear (or go): redraw those cells in both output layers and
        the reduced base."""
        f, g = self.factor, self.g_out
        cells = list(changed)
        ring = {(r + dr, c + dc) for r, c in cells for dr in (-1, 0, 1) for dc in (-1, 0, 1)}
        ring = [(r, c) for r, c in ring if 0 <= r < g.rows and 0 <= c < g.cols]
        for key, lit in (("out", set()), ("out_lit", set(cells))):
            d = ImageDraw.Draw(self.layers[key])
            self.cells(d, g, cells, lit)
            self.outlines(d, g, ring)
            self.texts(d, g, cells, lit, lambda r, c: (r, c) in shown)
        box = self._bbox([p for r, c in cells for p in g.cell_polygon(r, c)], 2 * self.line_w)
        region = self.layers["in"].crop(box)
        layer = self.layers["out"].crop(box)
        region.paste(layer, (0, 0), layer)
        self.base.paste(region.reduce(f) if f > 1 else region, (box[0] // f, box[1] // f))
        self.base_serial += 1
