"""The lecture deck's own figures that are not a single sliding window.

* ``ambiguity``: 5×5 and 6×6 inputs both give 3×3 under k3 s2 p1; the transposed convolution
  needs ``output_padding=1`` to get back to 6×6 (four panels, drawn from plans).
* ``vision_kernels``: one picture filtered by the classic kernels (engine values).
* ``wavenet_before`` / ``wavenet_after``: causal convolutions (k=2) without and with dilations
  1, 2, 4, 8; the receptive field of the last output highlighted (PNG), or grown layer by layer
  (GIF).

Sizes come from the shape core, numbers and window positions from the engine's traces; the
layouts are plans (:mod:`convanim.draw.plan`) or, for the picture grid, plain arithmetic on tiles.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from convanim.core import shapes
from convanim.draw import fonts, gif
from convanim.draw.figure_plans import ambiguity_plans, causal_stack_plan
from convanim.draw.plan import THEMES, Plan, StackPlan, Theme, blend
from convanim.draw.themes import rgb
from convanim.engine import examples, ops

__all__ = [
    "FIGURES",
    "render_figure",
    "ambiguity_panels",
    "synthetic_image",
    "load_image",
    "vision_kernel_images",
    "wavenet_plan",
    "VISION_KERNELS",
]

#: The kernels of ``vision_kernels``, in the order drawn (engine names).
VISION_KERNELS = ("identity", "edge", "sharpen", "box_blur", "gaussian", "sobel")
_TITLES = {
    "identity": "identity",
    "edge": "edge detection",
    "sharpen": "sharpen",
    "box_blur": "box blur",
    "gaussian": "Gaussian blur",
    "sobel": "Sobel magnitude",
}


def _opts(
    cell_size: float | None = None,
    theme: str = "solarized",
    transparent: bool = False,
    **_: Any,
) -> gif.RenderOptions:
    return gif.RenderOptions(
        cell_px=gif.DEFAULT_CELL_PX if cell_size is None else float(cell_size),
        theme=theme,
        transparent=transparent,
    )


def _text(draw: ImageDraw.ImageDraw, at, text: str, px: float, ink, anchor: str = "mm") -> None:
    draw.text(at, text, fill=ink, font=fonts.font(int(round(px))), anchor=anchor)


def _fontmode(opts: gif.RenderOptions) -> str:
    """Hard-edged text over a transparent background (no halo of background colour)."""
    return "1" if opts.transparent else "L"


def _rgb(colour: str) -> tuple[int, int, int]:
    return rgb(colour)


def _write_still(canvas: Image.Image, out: Path, opts: gif.RenderOptions) -> Path:
    if out.suffix.lower() == ".gif":
        return gif.write_gif([canvas], [1000], out, opts.theme, opts.transparent)
    return gif.write_png(canvas, out, opts.theme, opts.transparent)


# ---------------------------------------------------------------------------------------------
# ambiguity
# ---------------------------------------------------------------------------------------------


def ambiguity_panels(
    output: int = 3, kernel: int = 3, stride: int = 2, padding: int = 1
) -> list[tuple[str, Plan]]:
    """Titled plans (:func:`convanim.draw.figure_plans.ambiguity_plans`): every input size that
    collapses to ``output`` (the shape core's preimage), then the transposed convolution back
    to each of them (one ``output_padding`` each).

    >>> [title for title, _ in ambiguity_panels()]  # doctest: +NORMALIZE_WHITESPACE
    ['conv: 5×5 → 3×3', 'conv: 6×6 → 3×3',
     'transposed: 3×3 → 5×5, output_padding=0', 'transposed: 3×3 → 6×6, output_padding=1']
    """
    sizes = list(shapes.preimage(output, kernel, stride, padding))
    if len(sizes) < 2:
        raise ValueError("no ambiguity: only one input size gives this output (stride 1?)")
    return ambiguity_plans(sizes, kernel, stride, padding).panels()


def _render_ambiguity(out: Path, opts: gif.RenderOptions) -> Path:
    t = THEMES[opts.theme]
    tiles = [(title, gif.render_still(plan, -1, opts)) for title, plan in ambiguity_panels()]
    title_px = opts.cell_px * 0.55
    cols = 2
    rows = (len(tiles) + cols - 1) // cols
    tw = max(img.size[0] for _, img in tiles)
    th = max(img.size[1] for _, img in tiles) + int(title_px * 2)
    head = int(opts.cell_px * 1.6)
    size = (tw * cols, th * rows + head)
    gif.check_budget(1, *size)
    canvas = Image.new("RGB", size, _rgb(t.background))
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = _fontmode(opts)
    _text(
        draw,
        (size[0] / 2, head / 2),
        "kernel 3, stride 2, padding 1: two input sizes, one output size",
        opts.cell_px * 0.6,
        _rgb(t.text),
    )
    for i, (title, img) in enumerate(tiles):
        x = (i % cols) * tw
        y = head + (i // cols) * th
        _text(draw, (x + tw / 2, y + title_px), title, title_px, _rgb(t.text))
        canvas.paste(img, (x + (tw - img.size[0]) // 2, y + int(title_px * 2)))
    return _write_still(canvas, out, opts)


# ---------------------------------------------------------------------------------------------
# vision_kernels
# ---------------------------------------------------------------------------------------------


def synthetic_image(size: int = 160) -> np.ndarray:
    """A grey test picture drawn in code: gradient, disc, square, triangle, stripes, checks.

    Deterministic (no fonts, no randomness), values in ``[0, 255]``.

    >>> img = synthetic_image()
    >>> img.shape, float(img.min()) >= 0, float(img.max()) <= 255
    ((160, 160), True, True)
    """
    s = size
    _, xx = np.mgrid[0:s, 0:s]
    base = 60 + 80 * xx / (s - 1)  # a soft horizontal gradient
    img = Image.fromarray(base.astype(np.uint8), "L")
    d = ImageDraw.Draw(img)
    u = s / 160
    d.ellipse([18 * u, 18 * u, 78 * u, 78 * u], fill=230)
    d.rectangle([92 * u, 22 * u, 142 * u, 72 * u], fill=25)
    d.polygon([(20 * u, 142 * u), (50 * u, 92 * u), (80 * u, 142 * u)], fill=200)
    for i in range(6):  # vertical stripes
        x0 = (92 + i * 9) * u
        d.rectangle([x0, 92 * u, x0 + 4 * u, 142 * u], fill=240 if i % 2 else 10)
    for i in range(4):  # a small checkerboard
        for j in range(4):
            if (i + j) % 2:
                box = [(60 + 6 * i) * u, (60 + 6 * j) * u, (66 + 6 * i) * u, (66 + 6 * j) * u]
                d.rectangle(box, fill=0)
    return np.asarray(img, dtype=np.float64)


#: Refuse pictures larger than this, read from the file's header before any pixel is decoded.
MAX_IMAGE_PIXELS = 50_000_000


def load_image(path: Path, max_side: int = 256) -> np.ndarray:
    """A picture from disk as grey values, shrunk so its longer side is at most ``max_side``.

    Its size is read from the header first: a picture over :data:`MAX_IMAGE_PIXELS` is
    refused before any pixel is decoded (a 400-megapixel file would take gigabytes).
    """
    try:
        with warnings.catch_warnings():
            # Pillow warns on pictures over 89 megapixels; ours is the refusal below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)
        with opened as im:
            w, h = im.size
            if w * h > MAX_IMAGE_PIXELS:
                raise ValueError(
                    f"cannot use image {path}: it is {w}x{h} pixels "
                    f"(the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels)"
                )
            im.draft("L", (max_side, max_side))  # JPEG: decode at a reduced scale
            im = im.convert("L")
            if max(im.size) > max_side:
                scale = max_side / max(im.size)
                new = (max(1, round(im.size[0] * scale)), max(1, round(im.size[1] * scale)))
                im = im.resize(new, Image.Resampling.LANCZOS)
            return np.asarray(im, dtype=np.float64)
    except Image.DecompressionBombError:
        raise ValueError(
            f"cannot use image {path}: it is larger than {MAX_IMAGE_PIXELS // 1_000_000} megapixels"
        ) from None
    except OSError as exc:
        raise ValueError(f"cannot read image {path}: {exc}") from None


def vision_kernel_images(image: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(name, kernel, filtered)`` for each of :data:`VISION_KERNELS`: engine convolutions,
    same-size output with replicated borders; edge detection shows ``|y|`` and Sobel the
    gradient magnitude ``√(Gx² + Gy²)``."""
    x = image[None, None]

    def conv(k: np.ndarray) -> np.ndarray:
        return ops.conv2d(x, k[None, None], padding=1, padding_mode="replicate")[0, 0]

    result = []
    for name in VISION_KERNELS:
        if name == "sobel":
            kx = examples.classic_kernel("sobel_x")
            gy = conv(examples.classic_kernel("sobel_y"))
            result.append((name, kx, np.hypot(conv(kx), gy)))
            continue
        k = examples.classic_kernel(name)
        y = conv(k)
        result.append((name, k, np.abs(y) if name == "edge" else y))
    return result


def _kernel_text(k: np.ndarray) -> tuple[str, list[list[str]]]:
    """A scale and integer entries for a kernel: box blur is ``1/9`` times ones.

    >>> _kernel_text(np.full((3, 3), 1 / 9))[0]
    '1/9 ×'
    """
    for d in (1, 9, 16):
        scaled = k * d
        if np.allclose(scaled, np.round(scaled)):
            return ("" if d == 1 else f"1/{d} ×"), [
                [str(int(v)).replace("-", "−") for v in r] for r in np.round(scaled)
            ]
    return "", [[f"{v:.2f}".replace("-", "−") for v in r] for r in k]


def _draw_kernel(
    draw, centre_x: float, top: float, k: np.ndarray, px: float, t: Theme, name: str = ""
) -> None:
    """A small grid of the kernel's numbers, its scale written to the left."""
    prefix, rows = _kernel_text(k)
    if name == "sobel":  # the magnitude uses Gx and its transpose Gy: say which is drawn
        prefix = "Gx ="
    box = px * 1.7
    x0 = centre_x - box * len(rows[0]) / 2
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = [x0 + c * box, top + r * box, x0 + (c + 1) * box, top + (r + 1) * box]
            draw.rectangle(cell, fill=_rgb(t.kernel), outline=_rgb(t.line))
            _text(draw, (cell[0] + box / 2, cell[1] + box / 2), text, px, _rgb(t.text))
    if prefix:
        _text(draw, (x0 - px * 0.4, top + box * len(rows) / 2), prefix, px, _rgb(t.muted), "rm")


def _render_vision(out: Path, opts: gif.RenderOptions, image: str | Path | None) -> Path:
    picture = synthetic_image() if image is None else load_image(Path(image))
    results = vision_kernel_images(picture)
    t = THEMES[opts.theme]
    h, w = picture.shape
    scale = max(1, round(opts.cell_px / 29.5 * 160 / max(h, w)))
    tw, th = w * scale, h * scale
    pad = int(opts.cell_px * 0.6)
    title_px = opts.cell_px * 0.55
    k_px = opts.cell_px * 0.42
    cap_h = int(title_px * 2.0 + k_px * 1.7 * 3 + k_px)
    cols, rows = 3, 2
    size = (cols * tw + (cols + 1) * pad, rows * (th + cap_h) + (rows + 1) * pad)
    gif.check_budget(1, *size)
    canvas = Image.new("RGB", size, _rgb(t.background))
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = _fontmode(opts)
    for i, (name, k, y) in enumerate(results):
        x0 = pad + (i % cols) * (tw + pad)
        y0 = pad + (i // cols) * (th + cap_h + pad)
        tile = Image.fromarray(np.clip(np.round(y), 0, 255).astype(np.uint8), "L")
        if scale != 1:
            tile = tile.resize((tw, th), Image.Resampling.NEAREST)
        canvas.paste(tile.convert("RGB"), (x0, y0))
        draw.rectangle([x0 - 1, y0 - 1, x0 + tw, y0 + th], outline=_rgb(t.line))
        _text(draw, (x0 + tw / 2, y0 + th + title_px), _TITLES[name], title_px, _rgb(t.text))
        _draw_kernel(draw, x0 + tw / 2, y0 + th + title_px * 1.9, k, k_px, t, name)
    return _write_still(canvas, out, opts)


# ---------------------------------------------------------------------------------------------
# wavenet_before / wavenet_after
# ---------------------------------------------------------------------------------------------


def wavenet_plan(
    dilated: bool,
    length: int = 16,
    layers: int = 4,
    duration_ms: int = 1000,
    hold_last_ms: int | None = 2500,
) -> StackPlan:
    """The WaveNet figure: ``layers`` causal convolutions (kernel 2) with dilations all 1
    (``dilated=False``) or 1, 2, 4, 8 … (:func:`convanim.draw.figure_plans.causal_stack_plan`).

    >>> p = wavenet_plan(True)
    >>> sorted(t for layer, t in p.frames[-1].nodes if layer == 0) == list(range(16))
    True
    """
    dilations = [2**i if dilated else 1 for i in range(layers)]
    return causal_stack_plan(
        length,
        2,
        dilations,
        right_labels=[f"Dilation = {d}" for d in dilations] if dilated else [],
        duration_ms=duration_ms,
        hold_last_ms=hold_last_ms,
        name="wavenet_after" if dilated else "wavenet_before",
    )


def _draw_stack(plan: StackPlan, frame_index: int, opts: gif.RenderOptions) -> Image.Image:
    t = THEMES[opts.theme]
    cell, m = opts.cell_px, opts.margin_px

    def px(p):
        return (m + p[0] * cell, m + p[1] * cell)

    img = Image.new("RGB", plan.pixel_size(cell, m), _rgb(t.background))
    draw = ImageDraw.Draw(img)
    draw.fontmode = _fontmode(opts)
    frame = plan.frames[frame_index]
    faint = _rgb(blend(t.background, t.muted, 0.3))
    for a, b in plan.edges:
        if (a, b) not in frame.edges:
            draw.line([px(plan.positions[a]), px(plan.positions[b])], fill=faint, width=1)
    width = max(2, round(cell / 12))
    for a, b in plan.edges:
        if (a, b) in frame.edges:
            draw.line(
                [px(plan.positions[a]), px(plan.positions[b])], fill=_rgb(t.line), width=width
            )
    r = plan.radius * cell
    top = plan.target[0]
    for key, p in plan.positions.items():
        x, y = px(p)
        fill = (t.output if key[0] == top else t.input) if key in frame.nodes else t.background
        draw.ellipse([x - r, y - r, x + r, y + r], fill=_rgb(fill), outline=_rgb(t.line), width=1)
    for label in plan.labels:
        ink = _rgb(t.muted if label.role == "caption" else t.text)
        h = {"left": "l", "centre": "m", "right": "r"}[label.anchor[0]]
        _text(draw, px(label.at), label.text, label.size * cell, ink, h + "m")
    return img


def _render_wavenet(
    name: str, out: Path, opts: gif.RenderOptions, duration: int | None, hold: int | None
) -> Path:
    plan = wavenet_plan(
        name == "wavenet_after", duration_ms=duration or 1000, hold_last_ms=hold or 2500
    )
    w, h = plan.pixel_size(opts.cell_px, opts.margin_px)
    if out.suffix.lower() == ".gif":
        gif.check_budget(len(plan.frames), w, h)
        frames = [_draw_stack(plan, i, opts) for i in range(len(plan.frames))]
        return gif.write_gif(frames, plan.durations, out, opts.theme, opts.transparent)
    gif.check_budget(1, w, h)
    return gif.write_png(_draw_stack(plan, -1, opts), out, opts.theme, opts.transparent)


def _render_figure_html(
    name: str,
    out: Path,
    opts: gif.RenderOptions,
    duration: int | None,
    hold: int | None,
    ink: str = "auto",
) -> Path:
    """WaveNet's stacks as an interactive graph (:mod:`convanim.draw.html_stack`): step through the
    receptive field, hover a node for what it reads and feeds. The two stills have no steps."""
    from convanim.draw import html_page, html_stack

    if name not in ("wavenet_before", "wavenet_after"):
        raise ValueError(
            f"{name} is a still figure with nothing to step through: render it as .png"
        )
    plan = wavenet_plan(
        name == "wavenet_after", duration_ms=duration or 1000, hold_last_ms=hold or 2500
    )
    options = html_page.HtmlOptions(opts.cell_px, opts.margin_px, opts.theme, opts.transparent, ink)
    return html_stack.render_stack_html(plan, out, options)


# ---------------------------------------------------------------------------------------------

FIGURES = ("ambiguity", "vision_kernels", "wavenet_before", "wavenet_after")


def render_figure(
    name: str,
    out: Path,
    *,
    image: str | Path | None = None,
    duration: int | None = None,
    hold_last_ms: int | None = None,
    labels: bool = True,
    legend: bool = True,
    **options: Any,
) -> Path:
    """Render one of :data:`FIGURES` to ``out`` (``.png`` or ``.gif``; WaveNet's stacks also
    ``.html``, an interactive graph)."""
    out = Path(out)
    if out.suffix.lower() not in (".gif", ".png", ".html"):
        raise ValueError(f"output must end in .gif, .png or .html, got {out.name!r}")
    opts = _opts(**options)
    if image is not None and name != "vision_kernels":
        raise ValueError("--image only applies to vision_kernels")
    if out.suffix.lower() == ".html":
        return _render_figure_html(
            name, out, opts, duration, hold_last_ms, options.get("ink") or "auto"
        )
    if name == "ambiguity":
        return _render_ambiguity(out, opts)
    if name == "vision_kernels":
        return _render_vision(out, opts, image)
    if name in ("wavenet_before", "wavenet_after"):
        return _render_wavenet(name, out, opts, duration, hold_last_ms)
    raise ValueError(f"unknown figure {name!r}")
