"""The Pillow renderer: draws a :class:`~convanim.draw.plan.Plan` into GIF frames or a PNG.

Nothing here decides *what* is shown (that is the plan's job) or computes a size or a value
(shape core and engine). This module maps plan units to pixels, picks colours from the theme,
and writes files the way conv_arithmetic's GIFs behave, only smaller:

* one small fixed palette (:func:`palette`) shared by every frame, no dithering, so frames are
  deterministic and compress well; Pillow stores only the changed rectangle of each frame;
* ``loop=0`` and one duration per frame (the last frame is held by lengthening it);
* atomic writes (a temporary file in the target folder, then :func:`os.replace`);
* absurd requests (too many frames, too many pixels) are refused before any drawing
  (:func:`check_budget`).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from convanim.draw.plan import THEMES, GridView, Plan, Theme, blend

__all__ = [
    "RenderOptions",
    "MAX_FRAMES",
    "MAX_PIXELS",
    "MAX_TOTAL_PIXELS",
    "check_budget",
    "palette",
    "render_frames",
    "render_still",
    "write_gif",
    "write_png",
    "atomic_write",
    "render_gif",
]

#: Refuse animations with more frames than this (a 40×40 output is already 1600 frames).
MAX_FRAMES = 2500
#: Refuse frames larger than this many pixels (about 4000×4000).
MAX_PIXELS = 16_000_000
#: Refuse animations whose frames add up to more pixels than this.
MAX_TOTAL_PIXELS = 600_000_000

DEFAULT_CELL_PX = 29.5  # 0.5 cm at 150 dpi, as conv_arithmetic's PNGs
DEFAULT_MARGIN_PX = 21.5  # TikZ standalone border (10 pt) plus half a line


@dataclass(frozen=True)
class RenderOptions:
    """Pixel-level choices; everything else comes from the plan."""

    cell_px: float = DEFAULT_CELL_PX
    margin_px: float = DEFAULT_MARGIN_PX
    theme: str = "solarized"
    transparent: bool = False

    def __post_init__(self) -> None:
        if not (4 <= self.cell_px <= 400):
            raise ValueError(f"cell size must be between 4 and 400 pixels, got {self.cell_px}")
        if self.margin_px < 0:
            raise ValueError("margin must be non-negative")
        if self.theme not in THEMES:
            raise ValueError(f"unknown theme {self.theme!r}; choose one of {', '.join(THEMES)}")


def check_budget(frames: int, width: int, height: int) -> None:
    """Refuse, with a clear message, work that would produce an absurd file.

    >>> check_budget(49, 495, 576)
    >>> check_budget(10_000, 300, 300)
    Traceback (most recent call last):
    ...
    ValueError: refusing to render 10000 frames (the limit is 2500); use a smaller output or render a still (-o NAME.png)
    """
    if frames > MAX_FRAMES:
        raise ValueError(
            f"refusing to render {frames} frames (the limit is {MAX_FRAMES}); "
            "use a smaller output or render a still (-o NAME.png)"
        )
    if width * height > MAX_PIXELS:
        raise ValueError(
            f"refusing to render {width}x{height} pixel frames (limit {MAX_PIXELS} pixels); "
            "use a smaller --cell-size"
        )
    if frames * width * height > MAX_TOTAL_PIXELS:
        raise ValueError(
            f"refusing to render {frames} frames of {width}x{height} pixels "
            f"(more than {MAX_TOTAL_PIXELS} pixels in all); use a smaller --cell-size"
        )


# ---------------------------------------------------------------------------------------------
# Colours
# ---------------------------------------------------------------------------------------------


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


_ROLES = ("input", "output", "padding", "inserted", "dropped", "kernel")
PALETTE_SIZE = 64
#: The last palette entry marks "unchanged since the previous frame" (transparent) in frames
#: after the first; no drawing uses this colour, so quantisation never picks it.
UNCHANGED_INDEX = PALETTE_SIZE - 1
_UNCHANGED_RGB = (255, 0, 254)


@lru_cache(maxsize=8)
def palette(theme_name: str) -> tuple[tuple[int, int, int], ...]:
    """The fixed palette of a theme: background first (index 0, the transparent one).

    It holds every fill, its shaded version, the line colours and a few blends of text over the
    common fills so antialiased text snaps to sensible colours. Always ``PALETTE_SIZE`` entries.
    """
    t = THEMES[theme_name]
    colours: list[str] = [t.background, t.line, t.text, t.connector, t.winner, t.subscript, t.muted]
    grounds: list[str] = [t.background]
    for role in _ROLES:
        grounds += [t.fill(role), t.shaded(role)]
    colours += grounds
    # Antialiased text snaps to these: the ink of each common ground at two strengths.
    for ground in dict.fromkeys(grounds):
        for a in (0.35, 0.7):
            colours.append(blend(ground, t.ink_on(ground), a))
    for a in (0.35, 0.7):
        colours.append(blend(t.background, t.muted, a))
    seen: dict[tuple[int, int, int], None] = {}
    for c in colours:
        seen.setdefault(_rgb(c), None)
    out = list(seen)[: PALETTE_SIZE - 1]
    while len(out) < PALETTE_SIZE - 1:
        out.append(out[0])  # duplicates of the background; never chosen before index 0
    out.append(_UNCHANGED_RGB)
    return tuple(out)


@lru_cache(maxsize=8)
def _palette_image(theme_name: str) -> Image.Image:
    img = Image.new("P", (1, 1))
    flat = [v for c in palette(theme_name) for v in c]
    img.putpalette(flat)  # exactly PALETTE_SIZE entries: indices never exceed them
    return img


def _quantize(img: Image.Image, theme_name: str) -> Image.Image:
    q = img.quantize(palette=_palette_image(theme_name), dither=Image.Dither.NONE)
    return q


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled default font (no system fonts, so output is the same everywhere)."""
    return ImageFont.load_default(size=max(6, px))


class _Canvas:
    """Unit-to-pixel mapping and the drawing primitives the plan needs."""

    def __init__(self, plan: Plan, opts: RenderOptions) -> None:
        self.plan = plan
        self.opts = opts
        self.theme: Theme = THEMES[opts.theme]
        self.cell = opts.cell_px
        self.size = plan.pixel_size(opts.cell_px, opts.margin_px)
        self.line_w = max(1, round(self.cell / 30))
        self.thick_w = max(2, round(self.cell / 10))

    def px(self, p: tuple[float, float]) -> tuple[float, float]:
        m = self.opts.margin_px
        return (m + p[0] * self.cell, m + p[1] * self.cell)

    def poly(self, pts: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [self.px(p) for p in pts]

    def colour(self, name_or_hex: str) -> tuple[int, int, int]:
        return _rgb(name_or_hex)

    # -- primitives ------------------------------------------------------------------------
    def dashed(self, draw: ImageDraw.ImageDraw, a, b, colour, dash: float, gap: float) -> None:
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
            draw.line(
                [(x0 + ux * s, y0 + uy * s), (x0 + ux * e, y0 + uy * e)],
                fill=colour,
                width=self.line_w,
            )

    def outline(self, draw, pts, colour, style: str, width: int | None = None) -> None:
        w = width or self.line_w
        n = len(pts)
        for i in range(n):
            a, b = pts[i], pts[(i + 1) % n]
            if style == "solid":
                draw.line([a, b], fill=colour, width=w)
            elif style == "dashed":
                self.dashed(draw, a, b, colour, 0.16, 0.10)
            else:  # dotted
                self.dashed(draw, a, b, colour, 0.05, 0.09)

    def thick_box(self, draw, grid: GridView, box: tuple[int, int, int, int], colour) -> None:
        """The window's thick outline, drawn one cell edge at a time with the same segments as
        the grid lines, plus inward copies. Segments a moving window shares with the previous
        frame then land on the very same pixels, so GIF frames stay small."""
        r0, c0, r1, c1 = box
        sides = []  # (start, end, inward direction in cell coordinates)
        for c in range(c0, c1):
            sides.append(((c, r0), (c + 1, r0), (0, 1)))
            sides.append(((c, r1), (c + 1, r1), (0, -1)))
        for r in range(r0, r1):
            sides.append(((c0, r), (c0, r + 1), (1, 0)))
            sides.append(((c1, r), (c1, r + 1), (-1, 0)))
        for a, b, (di, dj) in sides:
            pa, pb = self.px(grid.point(*a)), self.px(grid.point(*b))
            q = self.px(grid.point(a[0] + di, a[1] + dj))
            ux, uy = q[0] - pa[0], q[1] - pa[1]
            n = math.hypot(ux, uy) or 1.0
            ux, uy = ux / n, uy / n
            k = self.thick_w - 1
            strip = [pa, pb, (pb[0] + ux * k, pb[1] + uy * k), (pa[0] + ux * k, pa[1] + uy * k)]
            draw.polygon(strip, fill=colour)
            draw.line([pa, pb], fill=colour, width=self.line_w)

    def text(
        self,
        draw,
        text: str,
        at,
        size_units: float,
        colour,
        anchor=("centre", "middle"),
        max_width: float | None = None,
    ):
        """Draw ``text``; with ``max_width`` (pixels) a long text is set smaller to fit."""
        if not text:
            return
        px = int(round(size_units * self.cell))
        font = _font(px)
        if max_width is not None and px > 6:
            length = font.getlength(text)
            if length > max_width:
                font = _font(max(6, int(px * max_width / length)))
        h = {"left": "l", "centre": "m", "center": "m", "right": "r"}[anchor[0]]
        v = {"top": "t", "middle": "m", "bottom": "b", "baseline": "s"}[anchor[1]]
        # Pillow has no "top"/"bottom" for multi-purpose anchors: use ascender/descender.
        v = {"t": "a", "b": "d"}.get(v, v)
        # Over a transparent background, antialiased text would keep a fringe of background
        # colour (a white halo on a dark slide): draw it with hard edges instead.
        draw.fontmode = "1" if self.opts.transparent else "L"
        draw.text(at, text, fill=colour, font=font, anchor=h + v)


def _cell_style(role: str) -> str:
    return {"padding": "dashed", "inserted": "dotted"}.get(role, "solid")


def _draw_grid(
    cv: _Canvas,
    draw: ImageDraw.ImageDraw,
    grid: GridView,
    shaded: set[tuple[int, int]],
    visible: Callable[[int, int], bool],
    text_size: float,
    text_at: tuple[float, float] = (0.5, 0.5),
) -> None:
    """Cells (fill by role, shaded under the window), outlines by role, and the numbers
    centred at ``text_at`` within each cell."""
    t = cv.theme
    line = cv.colour(t.line)
    polys = {}
    for r in range(grid.rows):
        for c in range(grid.cols):
            role = grid.role(r, c)
            pts = cv.poly(grid.cell_polygon(r, c))
            polys[r, c] = pts
            fill = t.shaded(role) if (r, c) in shaded else t.fill(role)
            draw.polygon(pts, fill=cv.colour(fill))
    # Solid outlines first, then dashed/dotted ones, so a padding cell next to an input cell
    # keeps the input cell's solid edge.
    for style in ("dotted", "dashed", "solid"):
        for (r, c), pts in polys.items():
            if _cell_style(grid.role(r, c)) == style:
                cv.outline(draw, pts, line, style)
    if grid.texts:
        for r in range(grid.rows):
            for c in range(grid.cols):
                if visible(r, c):
                    cv.text(
                        draw,
                        grid.text(r, c),
                        cv.px(grid.point(c + text_at[0], r + text_at[1])),
                        text_size,
                        cv.colour(_ink(t, grid.role(r, c), (r, c) in shaded)),
                        max_width=cv.cell * (1.6 * min(text_at[0], 1 - text_at[0]) - 0.04),
                    )


def _ink(t: Theme, role: str, shaded: bool) -> str:
    """Text colour in a cell: zeros that are not data are muted, the rest contrasts."""
    fill = t.shaded(role) if shaded else t.fill(role)
    if role in ("padding", "inserted") and not shaded:
        return t.muted
    return t.ink_on(fill)


def _draw_static(cv: _Canvas, base: Image.Image) -> None:
    """Labels, legend, caption and the kernel grid: everything no frame changes."""
    plan, t = cv.plan, cv.theme
    draw = ImageDraw.Draw(base)
    for label in plan.labels:
        ink = t.muted if label.role == "caption" else t.text
        cv.text(draw, label.text, cv.px(label.at), label.size, cv.colour(ink), label.anchor)
    size = plan.legend_size
    for role, text, (x, y), at in plan.legend_items():
        pts = cv.poly([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])
        draw.polygon(pts, fill=cv.colour(t.fill(role)))
        cv.outline(draw, pts, cv.colour(t.line), _cell_style(role))
        cv.text(draw, text, cv.px(at), size, cv.colour(t.muted), ("left", "middle"))
    if plan.has_grid("kernel"):
        _draw_grid(cv, draw, plan.grid("kernel"), set(), lambda r, c: True, 0.42)


def render_frames(plan: Plan, opts: RenderOptions | None = None) -> list[Image.Image]:
    """Draw every frame of a plan as an RGB image (before quantisation)."""
    opts = opts or RenderOptions()
    cv = _Canvas(plan, opts)
    check_budget(len(plan.frames), *cv.size)
    t = cv.theme
    base = Image.new("RGB", cv.size, cv.colour(t.background))
    _draw_static(cv, base)
    g_in = plan.grid("input")
    g_out = plan.grid("output")
    num_size = 0.42 if plan.look == "flat" else 0.36
    sub_size = 0.3
    # With kernel weights as subscripts in the bottom-right corner, the values move up-left
    # (in every cell and frame, so nothing jumps): centred, "10" ran into its weight "0".
    subscripted = any(f.subscripts for f in plan.frames)
    num_at = (0.4, 0.42) if subscripted else (0.5, 0.5)
    frames = []
    for frame in plan.frames:
        img = base.copy()
        draw = ImageDraw.Draw(img)
        _draw_grid(cv, draw, g_in, set(frame.window), lambda r, c: True, num_size, num_at)
        if frame.window_box is not None:
            cv.thick_box(draw, g_in, frame.window_box, cv.colour(t.line))
        if frame.winner is not None:  # after the window outline, which hid its outer edges
            cv.outline(
                draw,
                cv.poly(g_in.cell_polygon(*frame.winner)),
                cv.colour(t.winner),
                "solid",
                cv.thick_w,
            )
        # Kernel weights as subscripts at the bottom right of each covered cell, drawn after
        # the window's thick outline and inset past it (at 0.95 the outline hid them).
        inset = (cv.thick_w + 1.5) / cv.cell
        for (r, c), text in frame.subscripts:
            at = cv.px(g_in.point(c + 1 - inset, r + 1 - inset))
            ink = t.ink_on(t.shaded(g_in.role(r, c)))
            cv.text(draw, text, at, sub_size, cv.colour(ink), ("right", "bottom"))
        for a, b in frame.lines:
            draw.line([cv.px(a), cv.px(b)], fill=cv.colour(t.connector), width=cv.line_w)
        shaded_out = {frame.output_cell} if frame.output_cell is not None else set()
        _draw_grid(
            cv, draw, g_out, shaded_out, lambda r, c, f=frame: (r, c) in f.shown_outputs, num_size
        )
        if frame.winner is not None and frame.output_cell is not None:
            cv.outline(
                draw,
                cv.poly(g_out.cell_polygon(*frame.output_cell)),
                cv.colour(t.winner),
                "solid",
                cv.thick_w,
            )
        frames.append(img)
    return frames


def render_still(plan: Plan, index: int = -1, opts: RenderOptions | None = None) -> Image.Image:
    """One frame of a plan (default: the last), RGB."""
    sub = Plan(**{**plan.__dict__, "frames": (plan.frames[index],)})
    return render_frames(sub, opts)[0]


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def atomic_write(path: Path, write: Callable[[object], None], suffix: str) -> Path:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then move it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _lzw(img: Image.Image, bits: int) -> bytes:
    """LZW-compressed GIF image data (in sub-blocks, without the terminator) by Pillow's encoder.

    Pillow's own GIF writer always uses a minimum code size of 8; with a 32- or 64-colour
    table a code size of 5 or 6 starts codes at 6 or 7 bits instead of 9, which makes small
    delta frames smaller.
    """
    encoder = Image._getencoder("P", "gif", ("P", bits, 0), ())
    encoder.setimage(img.im, (0, 0, *img.size))
    chunks = []
    while True:
        _, status, data = encoder.encode(65536)
        chunks.append(data)
        if status:
            break
    if status < 0:
        raise OSError(f"GIF encoder error {status}")
    return b"".join(chunks)


def _u16(v: int) -> bytes:
    return int(v).to_bytes(2, "little")


def encode_gif(
    frames: Sequence[Image.Image],
    durations: Sequence[int],
    theme: str = "solarized",
    transparent: bool = False,
) -> bytes:
    """The bytes of a looping GIF from palette frames (``P`` mode, the theme's palette).

    The colour table holds only the palette entries the frames use (background first, plus
    the "unchanged" marker last), so LZW codes start as narrow as they can (an arithmetic
    animation uses about 21 of the 64 colours: a 32-entry table, codes from 6 bits instead
    of 7; about 1 % smaller). Every frame after the first stores only the rectangle that changed,
    with pixels that did not change set to the marker (transparent) and disposal 1 (keep the
    previous frame), so long transparent runs compress well. Identical consecutive frames are
    merged by adding their durations. With ``transparent``, index 0 (the background) is
    transparent and every frame is stored whole over a cleared canvas (disposal 2).
    """
    full = palette(theme)
    used = {0}
    for img in frames:
        used.update(i for i, n in enumerate(img.histogram()[:PALETTE_SIZE]) if n)
    used.discard(UNCHANGED_INDEX)
    kept = sorted(used)
    bits = max(2, len(kept).bit_length())  # room for every kept colour and the marker
    size = 1 << bits
    marker = size - 1
    lut = bytes(kept.index(i) if i in used else 0 for i in range(256))
    table = [full[i] for i in kept] + [full[0]] * (size - 1 - len(kept)) + [_UNCHANGED_RGB]
    width, height = frames[0].size
    pal = bytes(v for c in table for v in c)
    out = [
        b"GIF89a",
        _u16(width),
        _u16(height),
        bytes([0x80 | 0x70 | (bits - 1), 0, 0]),  # global table, 8-bit colour resolution
        pal,
        b"!\xff\x0bNETSCAPE2.0\x03\x01" + _u16(0) + b"\x00",  # loop forever
    ]
    blocks: list[list] = []  # [image, (x, y), duration]
    previous = None
    for frame, duration in zip(frames, durations, strict=True):
        data = frame.tobytes().translate(lut)
        img = Image.frombytes("P", frame.size, data)
        raw = Image.frombytes("L", frame.size, data)
        if transparent or previous is None:
            blocks.append([_lzw(img, bits), (0, 0), img.size, duration])
        else:
            delta = ImageChops.difference(previous, raw)
            bbox = delta.getbbox()
            if bbox is None:  # identical: hold the previous frame longer
                blocks[-1][3] += duration
                continue
            patch = img.crop(bbox)
            patch.paste(marker, (0, 0), delta.crop(bbox).point([255] + [0] * 255, "1"))
            blocks.append([_lzw(patch, bits), bbox[:2], patch.size, duration])
        previous = raw
    for i, (data, (x, y), (w, h), duration) in enumerate(blocks):
        if transparent:
            packed, index = (2 << 2) | 1, 0
        else:
            packed, index = (1 << 2) | (1 if i else 0), (marker if i else 0)
        centis = max(1, int(round(duration / 10)))
        out.append(b"!\xf9\x04" + bytes([packed]) + _u16(centis) + bytes([index, 0]))
        out.append(b"," + _u16(x) + _u16(y) + _u16(w) + _u16(h) + b"\x00")
        out.append(bytes([bits]) + data + b"\x00")
    out.append(b";")
    return b"".join(out)


def write_gif(
    frames: Sequence[Image.Image],
    durations: Sequence[int],
    path: Path,
    theme: str = "solarized",
    transparent: bool = False,
) -> Path:
    """Quantise RGB frames to the theme's palette and write an infinitely looping GIF."""
    if not frames:
        raise ValueError("an animation needs at least one frame")
    if len(durations) != len(frames):
        raise ValueError("one duration per frame")
    data = encode_gif([_quantize(f, theme) for f in frames], durations, theme, transparent)
    return atomic_write(path, lambda fh: fh.write(data), ".gif")


def write_png(
    image: Image.Image, path: Path, theme: str = "solarized", transparent: bool = False
) -> Path:
    """Write a still; with ``transparent`` the background becomes fully transparent."""
    img = image
    if transparent:
        rgb = image.convert("RGB")
        diff = ImageChops.difference(
            rgb, Image.new("RGB", rgb.size, _rgb(THEMES[theme].background))
        )
        r, g, b = diff.split()
        alpha = ImageChops.lighter(ImageChops.lighter(r, g), b).point([0] + [255] * 255)
        img = rgb.copy()
        img.putalpha(alpha)

    def write(fh) -> None:
        img.save(fh, format="PNG", optimize=False)

    return atomic_write(path, write, ".png")


def render_gif(plan: Plan, path: Path, opts: RenderOptions | None = None) -> Path:
    """Draw a plan and write it as a GIF (or as a PNG of the last frame if ``path`` ends .png)."""
    opts = opts or RenderOptions()
    path = Path(path)
    if path.suffix.lower() == ".png":
        return write_png(render_still(plan, -1, opts), path, opts.theme, opts.transparent)
    frames = render_frames(plan, opts)
    return write_gif(frames, plan.durations, path, opts.theme, opts.transparent)
