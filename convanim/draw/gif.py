"""The Pillow renderer: draws a :class:`~convanim.draw.plan.Plan` into GIF frames or a PNG.

Nothing here decides *what* is shown (that is the plan's job) or computes a size or a value
(shape core and engine). This module maps plan units to pixels, picks colours from the theme,
and writes files the way conv_arithmetic's GIFs behave:

* **anti-aliased**: everything is drawn ``supersample`` times larger and reduced (a box filter),
  so edges, dashes and text are smooth; text is DejaVu Sans (:mod:`convanim.draw.fonts`);
* **one palette per animation** (:func:`animation_palette`): the theme's exact colours plus the
  edge blends that animation uses, no dithering, so flat areas stay flat and compress well;
* **only what changes is drawn again**: each frame redraws the rectangle its window, output
  cell and connector lines touch, over a static base, and the encoder stores only the changed
  rectangle (with unchanged pixels transparent, and edge blends that moved by less than
  :data:`BLEND_TOLERANCE` left as they are on screen); frames are streamed to the encoder,
  never all held;
* ``loop=0`` and one duration per frame; identical frames merge by adding durations;
* atomic writes (:func:`convanim._files.write_atomic`); absurd requests (frames × pixels, bytes
  held) are refused before any drawing (:func:`check_budget`).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops

from convanim._files import write_atomic
from convanim.draw import fonts
from convanim.draw.painter import Painter
from convanim.draw.plan import Plan
from convanim.draw.themes import (
    DEFAULT_CELL_PX,
    DEFAULT_MARGIN_PX,
    THEMES,
    PictureOptions,
    Theme,
    rgb,
)

__all__ = [
    "RenderOptions",
    "MAX_FRAMES",
    "MAX_PIXELS",
    "MAX_TOTAL_PIXELS",
    "MAX_BYTES_HELD",
    "DEFAULT_CELL_PX",
    "DEFAULT_MARGIN_PX",
    "check_budget",
    "animation_palette",
    "iter_frames",
    "render_frames",
    "render_still",
    "encode_gif",
    "write_gif",
    "write_png",
    "render_gif",
    "plan_gif_bytes",
    "Quantizer",
    "font",
    "rgb",
]

#: Refuse animations with more frames than this (a 40×40 output is already 1600 frames).
MAX_FRAMES = 2500
#: Refuse frames larger than this many pixels (about 4000×4000).
MAX_PIXELS = 16_000_000
#: Refuse animations whose frames add up to more pixels than this.
MAX_TOTAL_PIXELS = 600_000_000
#: Refuse renders whose working images (the supersampled layers) would hold more bytes.
MAX_BYTES_HELD = 320_000_000

#: Supersampling factor (5 coverage levels an edge): 3 looked no better side by side and
#: cost 60 % more time and 20 % more bytes; large pictures use 1 (their cells are small and
#: the work grows with the factor's square).
SUPERSAMPLE = 2

font = fonts.font


@dataclass(frozen=True)
class RenderOptions(PictureOptions):
    """A picture's :class:`~convanim.draw.themes.PictureOptions`, and how finely Pillow draws it."""

    supersample: int | None = None  # None: chosen from the picture's size

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.supersample is not None and not 1 <= self.supersample <= 4:
            raise ValueError("supersample must be 1 … 4")

    def resolved_theme(self) -> Theme:
        """The theme with ``ink`` applied; transparent pictures blend edges into a matte that
        suits the ink (dark for light ink), which becomes the see-through colour."""
        theme = self.colours
        if self.transparent and self.ink != "auto":
            matte = THEMES["dark" if self.ink == "light" else "solarized"].background
            theme = replace(theme, background=matte, padding=matte)
        return theme

    def factor(self, size: tuple[int, int]) -> int:
        """The supersampling factor for a picture of ``size`` pixels."""
        if self.supersample is not None:
            return self.supersample
        pixels = size[0] * size[1]
        return SUPERSAMPLE if pixels <= 2_500_000 else 1


def check_budget(frames: int, width: int, height: int, factor: int = 1) -> None:
    """Refuse, with a clear message, work that would produce an absurd file or hold too much
    memory: frames, pixels per frame, frames × pixels, and the bytes of the supersampled
    working images (three RGBA layers of ``factor²`` times the frame).

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
    held = 3 * 4 * width * height * factor * factor + 8 * width * height
    if held > MAX_BYTES_HELD:
        raise ValueError(
            f"refusing to render {width}x{height} pixel frames: drawing them would hold "
            f"{held // 1_000_000} MB (limit {MAX_BYTES_HELD // 1_000_000} MB); "
            "use a smaller --cell-size"
        )


# ---------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------


def _painter(plan: Plan, opts: RenderOptions) -> Painter:
    size = plan.pixel_size(opts.cell_px, opts.margin_px)
    factor = opts.factor(size)
    check_budget(len(plan.frames), *size, factor)
    theme = opts.resolved_theme()
    return Painter(plan, theme, opts.cell_px, opts.margin_px, factor, opts.transparent)


def iter_frames(plan: Plan, opts: RenderOptions | None = None) -> Iterator[Image.Image]:
    """Every frame of a plan as an RGB image, one at a time (before quantisation).

    The static base is drawn once; each frame redraws only the rectangle its window, output
    cell and lines touch (:func:`convanim.draw.painter.dirty_boxes`, and each line's own box), over that base.
    """
    painter = _painter(plan, opts or RenderOptions())
    yield from painter.frames()


def render_frames(plan: Plan, opts: RenderOptions | None = None) -> list[Image.Image]:
    """Every frame of a plan as an RGB image (for tests and stills; files stream them)."""
    return list(iter_frames(plan, opts))


def render_still(plan: Plan, index: int = -1, opts: RenderOptions | None = None) -> Image.Image:
    """One frame of a plan (default: the last), RGB."""
    sub = replace(plan, frames=(plan.frames[index],))
    return render_frames(sub, opts)[0]


# ---------------------------------------------------------------------------------------------
# Palette
# ---------------------------------------------------------------------------------------------

#: Colours an animation's palette may hold; with the encoder's "unchanged" marker they make a
#: 128-entry table (7-bit LZW codes). Files barely depend on it (63 colours: 2 % smaller), and
#: frames need more than 64 colours to look smooth (they use 100-118).
PALETTE_COLOURS = 127
_UNCHANGED_RGB = (255, 0, 254)


def _theme_colours(theme: Theme) -> list[tuple[int, int, int]]:
    names = [theme.background, theme.line, theme.text, theme.connector, theme.winner]
    names += [theme.subscript, theme.muted, theme.mark]
    for role in ("input", "output", "padding", "inserted", "output_padding", "dropped", "kernel"):
        names += [theme.fill(role), theme.shaded(role)]
    return list(dict.fromkeys(rgb(c) for c in names))


def _keys(img: Image.Image) -> np.ndarray:
    """Each pixel's colour as one integer ``r + g·2⁸ + b·2¹⁶`` (read as little-endian words
    of the RGBX bytes: one conversion, no per-channel arithmetic)."""
    rgbx = img.convert("RGBX") if img.mode != "RGBX" else img
    words = np.frombuffer(rgbx.tobytes(), dtype="<u4").reshape(img.size[1], img.size[0])
    return words & 0xFFFFFF


def _pack(colour: tuple[int, int, int]) -> int:
    r, g, b = colour
    return r | (g << 8) | (b << 16)


def _unpack(key: int) -> tuple[int, int, int]:
    return (key & 255, (key >> 8) & 255, (key >> 16) & 255)


def animation_palette(theme: Theme, samples: Sequence[Image.Image]) -> list[tuple[int, int, int]]:
    """A palette for one animation: the theme's exact colours first (background at index 0),
    then the most used of the other colours in ``samples`` (anti-aliased edges and text), up to
    :data:`PALETTE_COLOURS` entries (the encoder adds its "unchanged" marker after them).
    """
    fixed = _theme_colours(theme)
    keys = np.concatenate([_keys(img).ravel() for img in samples])
    colours, counts = np.unique(keys, return_counts=True)
    fixed_keys = {_pack(c) for c in fixed}
    order = np.argsort(-counts, kind="stable")
    extra = [int(k) for k in colours[order] if int(k) not in fixed_keys]
    room = PALETTE_COLOURS - len(fixed)
    if len(extra) > room:
        # More edge colours than room: the most used half stay exact, a median cut of the
        # rest keeps the others spread out.
        keep = extra[: room // 2]
        rest = Image.new("RGB", (len(extra) - len(keep), 1))
        rest.putdata([_unpack(k) for k in extra[len(keep) :]])
        q = rest.quantize(colors=room - len(keep), method=Image.Quantize.MEDIANCUT)
        flat = q.getpalette()[: 3 * (room - len(keep))]
        cut = [_pack(tuple(flat[i : i + 3])) for i in range(0, len(flat), 3)]
        extra = keep + [k for k in dict.fromkeys(cut) if k not in set(keep) | fixed_keys]
    palette = fixed + [_unpack(k) for k in extra[:room]]
    return palette


class Quantizer:
    """Maps RGB frames to a palette's indices, exactly for the palette's own colours and to
    the nearest entry otherwise, through a lookup table over all 2²⁴ colours filled as colours
    are met (an animation meets a few hundred)."""

    def __init__(self, palette: Sequence[tuple[int, int, int]]) -> None:
        self.palette = np.array(palette, dtype=np.int32)
        # index + 1, 0 for "not met yet"; zeros are mapped lazily, so the 16 MB cost nothing
        # until touched
        self.lut = np.zeros(1 << 24, dtype=np.uint8)

    def __call__(self, img: Image.Image) -> np.ndarray:
        keys = _keys(img)
        looked = self.lut[keys]
        miss = looked == 0
        if miss.any():
            new = np.unique(keys[miss])
            rgb_new = np.stack([new & 255, (new >> 8) & 255, (new >> 16) & 255], axis=1)
            d = ((rgb_new[:, None, :].astype(np.int32) - self.palette[None]) ** 2).sum(axis=2)
            self.lut[new] = (np.argmin(d, axis=1) + 1).astype(np.uint8)
            looked = self.lut[keys]
        return looked - 1


# ---------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------


def _lzw(img: Image.Image, bits: int) -> bytes:
    """LZW-compressed GIF image data (in sub-blocks, without the terminator) by Pillow's encoder
    (its GIF writer offers no way to store a frame as a transparent-marked patch)."""
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


def _p_image(indices: np.ndarray) -> Image.Image:
    h, w = indices.shape
    return Image.frombytes("P", (w, h), np.ascontiguousarray(indices).tobytes())


def _u16(v: int) -> bytes:
    return int(v).to_bytes(2, "little")


#: How far (each RGB channel, 0-255) an anti-aliasing blend may stay off its exact colour
#: between frames (:class:`_Encoder`): about 13 % of the range on a one-pixel rim, which side
#: by side at 6× showed no difference; 32 took 7 % off the catalogue's animations (16: 3 %).
#: 33 since the window's cell edges over padding are solid (as the originals'): their blends
#: lie 33 from the dashes' and at 32 the solid edges cost 21 kB (1.8 %) more.
BLEND_TOLERANCE = 33


def _alike_blends(
    palette: Sequence[tuple[int, int, int]], blends_from: int | None, size: int
) -> np.ndarray:
    """``size × size`` booleans: entries ``a`` and ``b`` are both blends (index at least
    ``blends_from``) within :data:`BLEND_TOLERANCE` of each other on every channel."""
    alike = np.zeros((size, size), dtype=bool)
    if blends_from is None or blends_from >= len(palette):
        return alike
    cols = np.array(palette[blends_from:], dtype=np.int32)
    near = np.abs(cols[:, None, :] - cols[None, :, :]).max(axis=2) <= BLEND_TOLERANCE
    n = len(palette)
    alike[blends_from:n, blends_from:n] = near
    return alike


def _changed_box(delta: np.ndarray) -> tuple[int, int, int, int] | None:
    """Rows ``y0:y1`` and columns ``x0:x1`` holding every true cell of ``delta``, or None."""
    rows = np.flatnonzero(delta.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(delta.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


class _Encoder:
    """A looping GIF written frame by frame: each frame after the first stores only the
    rectangle that changed, unchanged pixels set to the marker (transparent) with disposal 1,
    so long transparent runs compress well; identical frames merge their durations. With
    ``transparent`` the background (index 0) is see-through and every frame is whole
    (disposal 2).

    Palette entries from ``blends_from`` on are anti-aliasing blends: a pixel that goes from
    one blend to another within :data:`BLEND_TOLERANCE` (each channel) keeps the colour on
    screen. Those are edge pixels whose neighbour's shade changed under them (a grid line's
    rim as the window passes): the eye cannot tell the two apart, but every such pixel breaks
    a transparent run, which costs an LZW code. Comparing against what is on screen (not the
    previous frame) keeps the error within the tolerance; flat colours are always exact.
    """

    def __init__(
        self,
        palette: Sequence[tuple[int, int, int]],
        transparent: bool,
        blends_from: int | None = None,
    ) -> None:
        self.palette = list(palette)
        self.transparent = transparent
        self.bits = max(2, len(self.palette).bit_length())  # room for the colours and the marker
        self.marker = (1 << self.bits) - 1
        self.blocks: list[list] = []  # [lzw data, (x, y), (w, h), duration]
        self.shown: np.ndarray | None = None  # the indices on screen after the last frame
        self.size: tuple[int, int] | None = None
        self.alike = _alike_blends(self.palette, blends_from, self.marker + 1)

    def add(self, frame: np.ndarray, duration: int) -> None:
        """Append a frame of palette indices (``height × width``, uint8)."""
        h, w = frame.shape
        if self.size is None:
            self.size = (w, h)
        if self.transparent or self.shown is None:
            self.blocks.append([_lzw(_p_image(frame), self.bits), (0, 0), (w, h), duration])
            self.shown = frame.copy()
            return
        box = _changed_box(frame != self.shown)
        if box is not None:
            y0, y1, x0, x1 = box
            new, old = frame[y0:y1, x0:x1], self.shown[y0:y1, x0:x1]
            delta = new != old
            # look the likeness up for the changed pixels only (a few percent of the box)
            at = np.flatnonzero(delta)
            pairs = (new.ravel()[at].astype(np.intp) << self.bits) | old.ravel()[at]
            delta.ravel()[at[self.alike.ravel()[pairs]]] = False
            inner = _changed_box(delta)
        if box is None or inner is None:  # nothing visible changed: hold the previous frame
            self.blocks[-1][3] += duration
            return
        np.copyto(old, new, where=delta)  # the screen after this frame
        iy0, iy1, ix0, ix1 = inner
        patch = new[iy0:iy1, ix0:ix1].copy()
        patch[~delta[iy0:iy1, ix0:ix1]] = self.marker
        at = (int(x0 + ix0), int(y0 + iy0))
        self.blocks.append([_lzw(_p_image(patch), self.bits), at, patch.shape[::-1], duration])

    def bytes(self) -> bytes:
        if self.size is None:
            raise ValueError("an animation needs at least one frame")
        table = self.palette + [self.palette[0]] * (self.marker - len(self.palette))
        table.append(_UNCHANGED_RGB)
        out = [
            b"GIF89a",
            _u16(self.size[0]),
            _u16(self.size[1]),
            bytes([0x80 | 0x70 | (self.bits - 1), 0, 0]),  # global table, 8-bit colour
            bytes(v for c in table for v in c),
            b"!\xff\x0bNETSCAPE2.0\x03\x01" + _u16(0) + b"\x00",  # loop forever
        ]
        for i, (data, (x, y), (w, h), duration) in enumerate(self.blocks):
            if self.transparent:
                packed, index = (2 << 2) | 1, 0
            else:
                packed, index = (1 << 2) | (1 if i else 0), (self.marker if i else 0)
            centis = max(1, int(round(duration / 10)))
            out.append(b"!\xf9\x04" + bytes([packed]) + _u16(centis) + bytes([index, 0]))
            out.append(b"," + _u16(x) + _u16(y) + _u16(w) + _u16(h) + b"\x00")
            out.append(bytes([self.bits]) + data + b"\x00")
        out.append(b";")
        return b"".join(out)


def encode_gif(
    frames: Sequence[Image.Image] | Iterator[Image.Image],
    durations: Sequence[int],
    theme: Theme | str = "solarized",
    transparent: bool = False,
    samples: Sequence[Image.Image] | None = None,
) -> bytes:
    """The bytes of a looping GIF from RGB frames: quantised to :func:`animation_palette`
    (from ``samples``, or the first frame), stored as changed rectangles."""
    theme = THEMES[theme] if isinstance(theme, str) else theme
    it = iter(frames)
    first = next(it, None)
    if first is None:
        raise ValueError("an animation needs at least one frame")
    palette = animation_palette(theme, list(samples or [first]))
    quantize = Quantizer(palette)
    enc = _Encoder(palette, transparent, len(_theme_colours(theme)))
    durations = list(durations)
    enc.add(quantize(first), durations[0])
    count = 1
    for frame in it:
        if count >= len(durations):
            raise ValueError("one duration per frame")
        enc.add(quantize(frame), durations[count])
        count += 1
    if count != len(durations):
        raise ValueError("one duration per frame")
    return enc.bytes()


def write_gif(
    frames: Sequence[Image.Image],
    durations: Sequence[int],
    path: Path,
    theme: Theme | str = "solarized",
    transparent: bool = False,
) -> Path:
    """Quantise RGB frames to a palette made for them and write an infinitely looping GIF."""
    frames = list(frames)
    if not frames:
        raise ValueError("an animation needs at least one frame")
    if len(durations) != len(frames):
        raise ValueError("one duration per frame")
    samples = [frames[0], frames[len(frames) // 2], frames[-1]]
    data = encode_gif(frames, durations, theme, transparent, samples)
    write_atomic(Path(path), data)
    return Path(path)


def write_png(
    image: Image.Image, path: Path, theme: Theme | str = "solarized", transparent: bool = False
) -> Path:
    """Write a still; with ``transparent`` the background becomes fully transparent."""
    theme = THEMES[theme] if isinstance(theme, str) else theme
    img = image
    if transparent:
        rgb_img = image.convert("RGB")
        diff = ImageChops.difference(rgb_img, Image.new("RGB", rgb_img.size, rgb(theme.background)))
        r, g, b = diff.split()
        alpha = ImageChops.lighter(ImageChops.lighter(r, g), b).point([0] + [255] * 255)
        img = rgb_img.copy()
        img.putalpha(alpha)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    write_atomic(Path(path), buf.getvalue())
    return Path(path)


def render_gif(plan: Plan, path: Path, opts: RenderOptions | None = None) -> Path:
    """Draw a plan and write it as a GIF (or as a PNG of the last frame if ``path`` ends .png).

    Frames are streamed: the palette comes from the first, middle and last frames (drawn
    first), then every frame is drawn, quantised where it changed and encoded in turn.
    """
    opts = opts or RenderOptions()
    theme = opts.resolved_theme()
    path = Path(path)
    if path.suffix.lower() == ".png":
        return write_png(render_still(plan, -1, opts), path, theme, opts.transparent)
    write_atomic(path, plan_gif_bytes(plan, opts))
    return path


def plan_gif_bytes(plan: Plan, opts: RenderOptions | None = None) -> bytes:
    """The GIF of a plan, as bytes (see :func:`render_gif`).

    The palette is made from the painter's static base, its shaded copy (every blend a
    window or output cell can show) and the first frame (the connector lines' blends).
    """
    opts = opts or RenderOptions()
    painter = _painter(plan, opts)
    frames = painter.frames()
    first = next(frames)
    palette = animation_palette(opts.resolved_theme(), [painter.base, painter.lit_base(), first])
    quantize = Quantizer(palette)
    enc = _Encoder(palette, opts.transparent, len(_theme_colours(opts.resolved_theme())))
    serial, base = -1, None
    for img, duration in zip(itertools.chain([first], frames), plan.durations, strict=True):
        if painter.base_serial != serial:
            serial, base = painter.base_serial, quantize(painter.base)
        idx = base.copy()
        for x0, y0, x1, y1 in painter.changed:
            idx[y0:y1, x0:x1] = quantize(img.crop((x0, y0, x1, y1)))
        enc.add(idx, duration)
    return enc.bytes()
