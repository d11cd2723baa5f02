"""The Pillow renderer, tested by reopening what it wrote (Pillow's own GIF tests' way):
frame counts, durations, loop, pixel size, palette, and decoded pixels in the cells the plan
says are highlighted."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convanim.draw import catalogue, entries, gif
from convanim.draw.catalogue import plan_named
from convanim.draw.plan import THEMES, build_plan
from convanim.engine import tracing

ANIMATED = [e.name for e in (*entries.ARITHMETIC, *entries.NUMERICAL)] + [
    "2d_convolution",
    "2d_maxpool",
]
OPTS = gif.RenderOptions()


def px(v: float) -> int:
    """The pixel row or column of a plan coordinate ``v`` in a picture drawn with ``OPTS``."""
    return round(OPTS.margin_px + v * OPTS.cell_px)


THEME = THEMES["solarized"]


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gifs")
    for name in ANIMATED:
        catalogue.render_named(name, folder)
    return folder


def frames_of(path: Path) -> list[tuple[Image.Image, int]]:
    out = []
    with Image.open(path) as im:
        assert im.info["loop"] == 0
        for i in range(im.n_frames):
            im.seek(i)
            out.append((im.convert("RGB"), im.info["duration"]))
    return out


def inside(poly, p) -> bool:
    """Point in convex polygon (the output plane hides input cells behind it)."""
    sign = 0
    for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
        cross = (x1 - x0) * (p[1] - y0) - (y1 - y0) * (p[0] - x0)
        if cross:
            if sign and (cross > 0) != (sign > 0):
                return False
            sign = cross
    return True


def colour_at(img: Image.Image, plan, key: str, r: int, c: int) -> tuple[int, int, int] | None:
    """The dominant colour near the top-left quarter of a cell (clear of numbers and subscripts);
    None when another plane covers that spot."""
    g = plan.grid(key)
    u = g.point(c + 0.22, r + 0.22)
    if key == "input" and plan.look == "perspective":
        o = plan.grid("output")
        if inside(list(o.box_polygon(0, 0, o.rows, o.cols)), u):
            return None
    x = OPTS.margin_px + u[0] * OPTS.cell_px
    y = OPTS.margin_px + u[1] * OPTS.cell_px
    patch = [img.getpixel((int(x) + dx, int(y) + dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    return Counter(patch).most_common(1)[0][0]


@pytest.mark.parametrize("name", ANIMATED)
def test_catalogue_gif_reopens_with_the_plans_frames(rendered, name):
    plan = plan_named(name)
    path = rendered / f"{name}.gif"
    frames = frames_of(path)
    entry = catalogue.get(name)
    # one frame per output cell: o² direct, o′² transposed
    assert len(frames) == entry.frames() == len(plan.frames)
    assert [d for _, d in frames] == plan.durations
    assert frames[0][0].size == plan.pixel_size(OPTS.cell_px, OPTS.margin_px)
    g_in, g_out = plan.grid("input"), plan.grid("output")
    checked = 0
    for index in (0, -1):
        img, frame = frames[index][0], plan.frames[index]
        for r, c in frame.window:
            seen = colour_at(img, plan, "input", r, c)
            if seen is not None:
                assert seen == rgb(THEME.shaded(g_in.role(r, c))), (name, index, r, c)
                checked += 1
        # a cell outside the window keeps its own colour
        outside = [
            (r, c)
            for r in range(g_in.rows)
            for c in range(g_in.cols)
            if (r, c) not in frame.window
            and not (frame.window_box[0] - 1 <= r <= frame.window_box[2])
        ]
        for r, c in outside[:3]:
            seen = colour_at(img, plan, "input", r, c)
            if seen is not None:
                assert seen == rgb(THEME.fill(g_in.role(r, c))), (name, index, r, c)
        r, c = frame.output_cell
        assert colour_at(img, plan, "output", r, c) == rgb(THEME.shaded("output"))
        other = (g_out.rows - 1, g_out.cols - 1) if index == 0 else (0, 0)
        if other != frame.output_cell:
            assert colour_at(img, plan, "output", *other) == rgb(THEME.output)
    assert checked > 0


def test_width_follows_conv_arithmetics_rule(rendered):
    for entry in entries.ARITHMETIC:
        plan = plan_named(entry.name)
        side = plan.grid("input").cols
        with Image.open(rendered / f"{entry.name}.gif") as im:
            assert abs(im.size[0] - (43 + 50.2 * side)) <= 3, entry.name


#: Pixel sizes of conv_arithmetic's committed GIFs (reference §2.1).
CONV_ARITHMETIC_SIZES = {
    "no_padding_no_strides": (244, 259),
    "arbitrary_padding_no_strides": (495, 542),
    "same_padding_no_strides": (395, 449),
    "full_padding_no_strides": (495, 576),
    "no_padding_strides": (294, 288),
    "padding_strides": (395, 381),
    "padding_strides_odd": (445, 411),
    "dilation": (395, 381),
    "no_padding_no_strides_transposed": (344, 386),
    "arbitrary_padding_no_strides_transposed": (445, 479),
    "same_padding_no_strides_transposed": (395, 449),
    "full_padding_no_strides_transposed": (395, 449),
    "no_padding_strides_transposed": (395, 449),
    "padding_strides_transposed": (395, 449),
    "padding_strides_odd_transposed": (445, 513),
}


@pytest.mark.parametrize("name", sorted(CONV_ARITHMETIC_SIZES))
def test_pixel_size_is_conv_arithmetics_without_the_bands(name):
    """Width within 3 px of the originals, height within 10 px (the legend and caption rows,
    which they lack, aside): the output plane once sat half a cell low, every picture 14 px
    short; it now sits a quarter cell low (7 px), the bytes budget's price. The width holds
    with the bands too."""
    w, h = plan_named(name, legend=False, labels=False).pixel_size(OPTS.cell_px, OPTS.margin_px)
    assert plan_named(name).pixel_size(OPTS.cell_px, OPTS.margin_px)[0] == w
    ref_w, ref_h = CONV_ARITHMETIC_SIZES[name]
    assert abs(w - ref_w) <= 3 and -10 <= h - ref_h <= 3, (w, h)


def test_a_palette_per_animation_and_delta_frames(rendered):
    """Anti-aliased edges need more than the flat fills: at least 64 colours in a frame (the
    originals: 206-241), the theme's own colours exact, at most 128 table entries (7-bit codes)."""
    for name in ANIMATED:  # the 15, the numerical figures and the deck's animations
        with Image.open(rendered / f"{name}.gif") as im:
            assert len(im.getpalette()) // 3 <= 128
            for i in (0, im.n_frames // 2, im.n_frames - 1):
                im.seek(i)
                colours = {c for _, c in im.convert("RGB").getcolors(1 << 16)}
                assert len(colours) >= 64, (name, i, len(colours))
                assert rgb(THEME.input) in colours and rgb(THEME.output) in colours
            im.seek(1)
            assert im.tile[0].extents != (0, 0, *im.size)  # only the changed rectangle


def test_the_fifteen_arithmetic_gifs_stay_under_1_2_mb(rendered):
    """The issue's budget: 1.2 MB for the 15 (35 % of conv_arithmetic's own 3,398,746
    bytes). They measure 1,195,676 (benchmarks/bench_gif.py): changed rectangles with
    unchanged pixels transparent, edge blends held within gif.BLEND_TOLERANCE, hairline
    connectors in two grey levels. A change of look that costs bytes fails here."""
    total = sum((rendered / f"{e.name}.gif").stat().st_size for e in entries.ARITHMETIC)
    assert total <= 1_200_000, total


@pytest.mark.parametrize("name", sorted(CONV_ARITHMETIC_SIZES))
def test_sizes_loop_and_timing_are_the_originals(rendered, name):
    """Reopened: the original's width and height (±1 px), loop forever, 1 s a frame."""
    frames = frames_of(rendered / f"{name}.gif")
    w, h = frames[0][0].size
    ref_w, ref_h = CONV_ARITHMETIC_SIZES[name]
    assert abs(w - ref_w) <= 1 and abs(h - ref_h) <= 1, (w, h)
    assert all(d == 1000 for _, d in frames)


def window_pixels(img: Image.Image, theme=THEME) -> int:
    """Pixels in a window's shaded colours (the shade over any fill)."""
    shaded = {rgb(theme.shaded(r)) for r in ("input", "padding", "inserted", "output_padding")}
    shaded |= {rgb(theme.shaded("dropped"))}
    return sum(n for n, c in img.getcolors(1 << 16) if c in shaded)


@pytest.mark.parametrize("name", [e.name for e in entries.ARITHMETIC])
def test_the_window_is_whole_in_every_frame(rendered, name):
    """Window-coloured pixels per frame stay within 10 % of the median frame's (they were
    2-84 % when the output plane hid the window; the originals keep 98-100 %)."""
    counts = [window_pixels(img) for img, _ in frames_of(rendered / f"{name}.gif")]
    median = sorted(counts)[len(counts) // 2]
    assert median > 0
    assert all(abs(c - median) <= 0.1 * median for c in counts), (min(counts), median)


@pytest.mark.parametrize(
    "args",
    [
        ("conv", (7, 7), 2, 3, 0),  # the small output: it once sat on the input
        ("conv", (9, 6), 3, 1, 2),
        ("transposed", (3, 4), 3, 2, 1),
    ],
)
def test_the_window_is_whole_for_other_parameters(tmp_path, args):
    kind, size, k, s, p = args
    path = catalogue.render_custom(
        kind,
        tmp_path / "w.gif",
        input_size=size,
        kernel_size=k,
        stride=s,
        padding=p,
        output_padding=1 if kind == "transposed" else 0,
    )
    counts = [window_pixels(img) for img, _ in frames_of(path)]
    median = sorted(counts)[len(counts) // 2]
    assert median > 0 and all(abs(c - median) <= 0.1 * median for c in counts)


def test_symbols_are_real_glyphs():
    """×, −, → and ⌊⌋ come out of DejaVu Sans as glyphs, not as the missing-glyph box."""
    from convanim.draw import fonts

    assert fonts.font_path() is not None and "DejaVuSans" in fonts.font_path()
    f = fonts.font(40)

    def bitmap(ch):
        img = Image.new("L", (60, 60), 0)
        from PIL import ImageDraw

        ImageDraw.Draw(img).text((10, 5), ch, font=f, fill=255)
        return np.asarray(img) > 128

    box = bitmap("\uffff")  # a code point no font draws: the .notdef box
    for ch in ("×", "\u2212", "→", "⌊", "⌋"):
        glyph = bitmap(ch)
        assert glyph.any(), ch
        assert (glyph != box).mean() > 0.02, ch
    assert not np.array_equal(bitmap("×"), bitmap("x"))
    assert fonts.plain("3×3 → 1") == "3×3 → 1"


def test_rendering_is_deterministic(tmp_path):
    a = catalogue.render_named("padding_strides", tmp_path / "a.gif")
    b = catalogue.render_named("padding_strides", tmp_path / "b.gif")
    assert a.read_bytes() == b.read_bytes()


def test_numbers_drawn_differ_when_the_engine_values_differ(tmp_path):
    """The text pixels come from the plan's numbers (a weak but real end-to-end check)."""
    a = catalogue.render_named("numerical_padding_strides", tmp_path / "a.png")
    b = catalogue.render_named("numerical_padding_strides", tmp_path / "b.png", seed=5, values=None)
    assert Image.open(a).tobytes() == Image.open(b).tobytes()  # seed is unused by paper values
    c = catalogue.render_named(
        "numerical_padding_strides", tmp_path / "c.png", values=[[1] * 5] * 5
    )
    assert Image.open(a).tobytes() != Image.open(c).tobytes()


def test_hold_last_frame_lengthens_it_without_duplicating(tmp_path):
    path = catalogue.render_named("no_padding_no_strides", tmp_path / "h.gif", hold_last_ms=2500)
    frames = frames_of(path)
    assert [d for _, d in frames] == [1000, 1000, 1000, 2500]


def test_identical_consecutive_frames_merge_their_durations(tmp_path):
    img = Image.new("RGB", (20, 10), rgb(THEME.background))
    other = img.copy()
    other.putpixel((3, 3), rgb(THEME.input))
    path = gif.write_gif([img, img, other], [300, 400, 500], tmp_path / "m.gif")
    frames = frames_of(path)
    assert [d for _, d in frames] == [700, 500]
    assert frames[1][0].getpixel((3, 3)) == rgb(THEME.input)


def test_blends_stay_on_screen_within_the_tolerance_flat_colours_are_exact(tmp_path):
    """An edge blend that moves by at most gif.BLEND_TOLERANCE from what is on screen is not
    stored again (it would break a transparent run); a larger move, judged against the screen
    and not the previous frame, and any theme colour are stored exactly."""
    tol = gif.BLEND_TOLERANCE
    blend, far = (120, 130, 140), (200, 60, 60)
    near = tuple(v + tol - 4 for v in blend)  # within the tolerance of what is shown
    drift = tuple(v + 2 * tol - 8 for v in blend)  # within it of `near`, not of `blend`
    frames = []
    for a, b, c in (
        (blend, far, THEME.background),
        (near, (far[0] + tol + 8, *far[1:]), THEME.input),
        (drift, far, THEME.input),
    ):
        img = Image.new("RGB", (20, 10), rgb(THEME.background))
        img.putpixel((2, 2), a)
        img.putpixel((5, 5), b)
        img.putpixel((8, 8), rgb(c) if isinstance(c, str) else c)
        frames.append(img)
    path = gif.write_gif(frames, [100, 100, 100], tmp_path / "b.gif")
    shown = [f for f, _ in frames_of(path)]
    assert len(shown) == 3
    assert shown[1].getpixel((2, 2)) == blend  # held: the eye cannot tell `near` from it
    assert shown[1].getpixel((5, 5)) == (far[0] + tol + 8, *far[1:])
    assert shown[1].getpixel((8, 8)) == rgb(THEME.input)
    assert shown[2].getpixel((2, 2)) == drift  # too far from what is on screen: stored
    assert shown[2].getpixel((5, 5)) == far


def test_transparent_background(tmp_path):
    path = catalogue.render_named("no_padding_strides", tmp_path / "t.gif", transparent=True)
    with Image.open(path) as im:
        for i in (0, im.n_frames - 1):
            im.seek(i)
            rgba = im.convert("RGBA")
            assert rgba.getpixel((1, 1))[3] == 0
            assert 255 in rgba.getchannel("A").getextrema()
    png = catalogue.render_named("no_padding_strides", tmp_path / "t.png", transparent=True)
    assert Image.open(png).getpixel((1, 1))[3] == 0


def test_png_is_the_last_frame(tmp_path):
    gif_path = catalogue.render_named("padding_strides", tmp_path / "p.gif")
    png_path = catalogue.render_named("padding_strides", tmp_path / "p.png")
    png = Image.open(png_path).convert("RGB")
    assert png.tobytes() == gif.render_still(plan_named("padding_strides")).tobytes()
    # the GIF's last frame is the same picture snapped to the palette (antialiased text aside)
    last = frames_of(gif_path)[-1][0]
    diff = np.asarray(png, dtype=int) - np.asarray(last, dtype=int)
    assert np.mean(np.any(diff != 0, axis=2)) < 0.01


def test_dark_theme_uses_its_own_palette(tmp_path):
    path = catalogue.render_named("no_padding_no_strides", tmp_path / "d.gif", theme="dark")
    with Image.open(path) as im:
        assert im.convert("RGB").getpixel((1, 1)) == rgb(THEMES["dark"].background)


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    """GIFs go through _files.write_atomic: an encoder failing mid-way keeps the old file."""
    target = tmp_path / "keep.gif"
    target.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(gif, "_lzw", boom)
    with pytest.raises(RuntimeError):
        gif.render_gif(plan_named("no_padding_no_strides"), target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["keep.gif"]


def test_budget_is_checked_before_any_value_is_computed(monkeypatch, tmp_path):
    def forbidden(*a, **k):
        raise AssertionError("the engine ran before the size check")

    monkeypatch.setattr(tracing, "trace_conv", forbidden)
    with pytest.raises(ValueError, match="refusing"):
        catalogue.render_custom("conv", tmp_path / "x.gif", input_size=(80, 80), kernel_size=3)
    with pytest.raises(ValueError, match="refusing"):
        catalogue.render_custom(
            "conv", tmp_path / "x.gif", input_size=(9, 9), kernel_size=3, cell_size=390
        )
    assert not list(tmp_path.iterdir())


def test_budget_limits():
    gif.check_budget(gif.MAX_FRAMES, 10, 10)
    with pytest.raises(ValueError, match="frames"):
        gif.check_budget(gif.MAX_FRAMES + 1, 10, 10)
    with pytest.raises(ValueError, match="pixel"):
        gif.check_budget(1, 5000, 5000)
    with pytest.raises(ValueError, match="pixels in all"):
        gif.check_budget(2000, 600, 600)
    with pytest.raises(ValueError, match="cell size"):
        gif.RenderOptions(cell_px=1000)


def test_one_dimensional_and_pooling_render(tmp_path):
    t = tracing.trace_pool(np.arange(6.0), "max", 2, ndim=1)
    plan = build_plan(t, look="flat", numbers=True)
    path = gif.render_gif(plan, tmp_path / "p.gif")
    assert len(frames_of(path)) == 3


def _changed_pixels_per_cell(plan, with_subs, without, cells) -> list[int]:
    diff = np.any(np.asarray(with_subs, dtype=int) != np.asarray(without, dtype=int), axis=2)
    g = plan.grid("input")
    counts = []
    for r, c in cells:
        (x0, y0), (x1, y1) = g.point(c, r), g.point(c + 1, r + 1)
        box = [px(v) for v in (x0, y0, x1, y1)]
        counts.append(int(diff[box[1] : box[3], box[0] : box[2]].sum()))
    return counts


def test_subscripts_are_not_hidden_by_the_window_outline():
    """Equal weights on equal inputs: every subscript must show as many pixels as the others
    (at 0.95 of the cell the thick outline covered the right column's and bottom row's)."""
    from dataclasses import replace

    t = tracing.trace_conv(np.ones((5, 5)), np.full((3, 3), 7.0))
    plan = build_plan(t, look="flat", numbers=True)
    frame = plan.frames[6]  # the window touches the bottom edge: its last row is the grid's
    bare = replace(frame, subscripts=())
    with_subs = gif.render_frames(replace(plan, frames=(frame,)))[0]
    without = gif.render_frames(replace(plan, frames=(bare,)))[0]
    counts = _changed_pixels_per_cell(plan, with_subs, without, frame.window)
    assert min(counts) > 0
    # anti-aliased glyphs at different sub-pixel offsets differ by a few faint pixels; a
    # covered subscript lost half of them
    assert min(counts) >= 0.75 * max(counts), counts


@pytest.mark.parametrize("theme, ink", [("solarized", "light"), ("dark", "auto")])
def test_transparent_light_ink_has_no_light_halo(tmp_path, theme, ink):
    """On a dark slide: lines and text light, the edges blended into a dark matte, so the
    see-through picture has no light fringe where it meets the slide."""
    path = catalogue.render_named(
        "no_padding_strides_transposed", tmp_path / "t.gif", transparent=True, theme=theme, ink=ink
    )
    with Image.open(path) as im:
        im.seek(im.n_frames - 1)
        rgba = np.asarray(im.convert("RGBA")).astype(int)
    opaque = rgba[..., 3] > 0
    assert not opaque[1, 1] and opaque.any()
    edge = opaque & ~(
        np.roll(opaque, 1, 0)
        & np.roll(opaque, -1, 0)
        & np.roll(opaque, 1, 1)
        & np.roll(opaque, -1, 1)
    )
    light = rgba[..., :3].min(axis=2) > 235
    assert (edge & light).sum() <= 0.01 * edge.sum(), (edge & light).sum()
    # the text is light: the "input" label's pixels are light, not the dark default ink
    from convanim.draw.themes import themed

    text = rgb(themed(theme, ink).text)
    assert (np.abs(rgba[..., :3] - text).sum(axis=2) < 30).any()


def test_long_numbers_shrink_to_stay_inside_their_cells():
    """Values such as 99999 or -567.5 used to spill over the neighbouring cells."""
    from dataclasses import replace

    x = np.array([[12345.0, -567.5, 99999], [1, 2, 3], [4, 5, 6]])
    plan = build_plan(tracing.trace_conv(x, np.ones((2, 2))), look="flat", numbers=True)
    plan = replace(plan, frames=(replace(plan.frames[-1], subscripts=()),))
    bare = replace(plan, grids=tuple(replace(g, texts=None) for g in plan.grids))
    diff = np.any(
        np.asarray(gif.render_frames(plan)[0], dtype=int)
        != np.asarray(gif.render_frames(bare)[0], dtype=int),
        axis=2,
    )

    for key in ("input", "output"):
        g = plan.grid(key)
        inside_cells = np.zeros_like(diff)
        for r in range(g.rows):
            for c in range(g.cols):
                (x0, y0), (x1, y1) = g.point(c, r), g.point(c + 1, r + 1)
                inside_cells[px(y0) + 1 : px(y1) - 1, px(x0) + 1 : px(x1) - 1] = True
                assert diff[px(y0) : px(y1), px(x0) : px(x1)].any(), (key, r, c)
        (x0, y0), (x1, y1) = g.point(0, 0), g.point(g.cols, g.rows)
        around = np.s_[px(y0) - 4 : px(y1) + 4, px(x0) - 4 : px(x1) + 4]  # the grid, 4 px out
        assert not (diff[around] & ~inside_cells[around]).any(), key


def test_two_digit_values_keep_clear_of_their_subscripts():
    """Centred, '10' ran into its weight's subscript and read '100'."""
    from dataclasses import replace

    plan = build_plan(
        tracing.trace_conv(np.full((3, 3), 15.0), np.full((3, 3), 8.0)), look="flat", numbers=True
    )
    frame = plan.frames[0]
    blank = tuple((rc, "") for rc, _ in frame.subscripts)  # same layout, nothing written
    no_subs = replace(plan, frames=(replace(frame, subscripts=blank),))
    bare = replace(no_subs, grids=tuple(replace(g, texts=None) for g in plan.grids))
    a, b, c = (
        np.asarray(gif.render_frames(p)[0], dtype=int)
        for p in (replace(plan, frames=(frame,)), no_subs, bare)
    )
    subs, nums = np.any(a != b, axis=2), np.any(b != c, axis=2)
    g = plan.grid("input")
    for r, col in frame.window:
        (x0, y0), (x1, y1) = g.point(col, r), g.point(col + 1, r + 1)
        box = [px(v) for v in (x0, y0, x1, y1)]
        s = subs[box[1] : box[3], box[0] : box[2]]
        n = nums[box[1] : box[3], box[0] : box[2]]
        ys, xs = np.nonzero(s)
        ny, nx = np.nonzero(n)
        assert len(xs) and len(nx)
        # the subscript starts right of the number or below it
        assert xs.min() > nx.max() or ys.min() > ny.max(), (r, col)


def test_a_second_decoder_sees_the_same_frames(rendered, tmp_path):
    """The GIF bytes are written here, not by Pillow (narrow colour table, transparent
    "unchanged" marker): FFmpeg's decoder (PyAV) must agree with Pillow's on every pixel."""
    import av  # a dev dependency (pyproject), so no skip

    paths = [
        rendered / "padding_strides_odd_transposed.gif",
        catalogue.render_named("numerical_max_pooling", tmp_path / "t.gif", transparent=True),
    ]
    for path in paths:
        with av.open(str(path)) as container:
            theirs = [f.to_ndarray(format="rgba") for f in container.decode(video=0)]
        with Image.open(path) as im:
            ours = []
            for i in range(im.n_frames):
                im.seek(i)
                ours.append(np.asarray(im.convert("RGBA")))
        assert len(theirs) == len(ours)
        for a, b in zip(theirs, ours, strict=True):
            assert (a[..., 3] == b[..., 3]).all()
            seen = a[..., 3] > 0
            assert (a[seen][:, :3] == b[seen][:, :3]).all()


def test_max_pool_winner_outline_shows_on_the_window_edge():
    """The window's thick outline was drawn over the winner's, hiding its outer sides."""
    plan = plan_named("2d_maxpool")
    frame = plan.frames[0]
    r, c = frame.winner
    assert r == frame.window_box[0]  # its top side is the window's top side
    img = gif.render_frames(replace_frames(plan, frame))[0]
    x, y = plan.grid("input").point(c + 0.5, r)
    px = (round(OPTS.margin_px + x * OPTS.cell_px), round(OPTS.margin_px + y * OPTS.cell_px))
    near = [img.getpixel((px[0] + dx, px[1] + dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1, 2)]
    assert rgb(THEME.winner) in near, near


def replace_frames(plan, *frames):
    from dataclasses import replace

    return replace(plan, frames=frames)


def test_the_numbers_of_one_grid_share_one_size():
    """A grid's numbers are set at one size, the one its longest number needs: avg pooling's
    ``1`` and ``0.778`` stand side by side at the same height (each used to shrink on its own,
    ``0.778`` to half of ``1``)."""
    plan = catalogue.plan_named("numerical_average_pooling")
    last = np.asarray(gif.render_frames(plan)[-1].convert("RGB"), dtype=int)
    g = plan.grid("output")

    def glyph_height(text: str) -> int:
        [(r, c)] = [(r, c) for r in range(g.rows) for c in range(g.cols) if g.text(r, c) == text]
        (x0, y0), (x1, y1) = g.point(c, r), g.point(c + 1, r + 1)
        box = [px(v) for v in (y0, y1, x0, x1)]
        patch = last[box[0] + 3 : box[1] - 3, box[2] + 3 : box[3] - 3]
        ink = np.abs(patch - patch[1, 1]).sum(axis=2) > 120  # glyph pixels, not the fill
        rows = np.flatnonzero(ink.any(axis=1))
        return int(rows[-1] - rows[0] + 1)

    assert abs(glyph_height("1") - glyph_height("0.778")) <= 1
    assert glyph_height("1") >= 6  # (10 px type at the default cell: digits about 7 px tall)


@pytest.mark.parametrize(("theme", "ink"), [("solarized", "light"), ("dark", "auto")])
def test_transparent_padding_stays_see_through_under_the_window(tmp_path, theme, ink):
    """A GIF pixel is opaque or not: the window's shade over see-through padding would be an
    opaque patch on the slide, so padding under the window stays transparent (the window's
    outline still shows where it is); a real cell under it is drawn, shaded."""
    path = catalogue.render_named(
        "padding_strides", tmp_path / "t.gif", transparent=True, theme=theme, ink=ink
    )
    plan = catalogue.plan_named("padding_strides")
    g, first = plan.grid("input"), plan.frames[0]
    assert g.role(0, 0) == "padding" and g.role(1, 1) == "input"
    assert {(0, 0), (1, 1)} <= set(first.window)
    with Image.open(path) as im:  # frame 0: the window at the top-left corner
        alpha = np.asarray(im.convert("RGBA"))[..., 3]

    def alpha_at(col: float, row: float) -> int:
        x, y = g.point(col, row)
        return alpha[px(y), px(x)]

    assert alpha_at(0.5, 0.5) == 0  # padding under the window: see-through
    assert alpha_at(1.5, 1.5) == 255  # the input cell under it: drawn
