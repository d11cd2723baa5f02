"""Network figures (:mod:`convanim.draw.network`): the layout against the shape core, labels that
never overlap (hypothesis over random stacks), the SVG in Chromium against the PNG, the
receptive-field walk against the shape core and torch's autograd, and the CLI."""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import cli_args, run_main
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from convanim import cli
from convanim.core.stack import PRESETS, Layer, StackResult, analyse_stack, parse_layers
from convanim.draw import network as nw
from convanim.draw import (
    network_figure,
    network_layout,
    network_png,
    network_receptive,
    network_svg,
)

try:
    import torch
except ImportError:
    torch = None

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def preset(name: str) -> StackResult:
    p = PRESETS[name]
    return analyse_stack(p.input_size, p.layers(), p.in_channels)


NETWORK_MODULES = (nw, network_figure, network_layout, network_png, network_receptive, network_svg)


def test_doctests() -> None:
    # network.py is the public face; the doctests sit beside the code in its modules.
    attempted = 0
    for module in NETWORK_MODULES:
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        result = doctest.testmod(module, optionflags=flags)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 5


def test_layout_is_standard_library_only() -> None:
    code = (
        "import sys, convanim.draw.network as n, convanim.core.stack as s\n"
        "p = s.PRESETS['alexnet2012']\n"
        "n.svg_text(n.layout_network(s.analyse_stack(p.input_size, p.layers(), 3)))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'PIL', 'manim'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------
# The figure holds the shape core's sizes
# --------------------------------------------------------------------------------------------


def drawn_maps(result: StackResult) -> list[tuple[tuple[int, ...], int]]:
    """The maps a figure must show: the input, then every layer's output but LRN's (same shape)."""
    maps = [(result.input, result.in_channels)]
    maps += [(r.output, r.out_channels) for r in result.layers if r.layer.kind != "lrn"]
    return maps


def check_figure(fig: nw.NetworkFigure, result: StackResult, max_width: int) -> None:
    assert fig.width <= max_width
    # Every box, window and label inside the canvas.
    for b in fig.boxes:
        x0, y0, x1, y1 = b.bounds()
        assert 0 <= x0 and 0 <= y0 and x1 <= fig.width and y1 <= fig.height, b
    rects = [lb.rect() for lb in fig.labels]
    for (x0, y0, x1, y1), lb in zip(rects, fig.labels, strict=True):
        assert 0 <= x0 and 0 <= y0 and x1 <= fig.width and y1 <= fig.height, lb
    # No two labels overlap, and no label lies on a box.
    for i, a in enumerate(rects):
        for j in range(i + 1, len(rects)):
            assert not network_layout._overlaps(a, rects[j], pad=0), (fig.labels[i], fig.labels[j])
        if fig.labels[i].role in ("size", "layer"):
            for b in fig.boxes:
                assert not network_layout._overlaps(a, b.bounds(), pad=0), (fig.labels[i], b)
    # The drawn sizes are the shape core's, map by map, and the labels say them.
    maps = drawn_maps(result)
    elements = sorted({b.element for b in fig.boxes})
    assert len(elements) == len(maps)
    size_labels = [lb for lb in fig.labels if lb.role == "size"]
    layer_labels = [lb for lb in fig.labels if lb.role == "layer"]
    for e, (size, channels) in zip(elements, maps, strict=True):
        boxes = [b for b in fig.boxes if b.element == e]
        assert {b.size for b in boxes} == {size}
        assert sum(b.channels for b in boxes) == channels == boxes[0].total_channels
        expected = "×".join(map(str, (*size, channels)))
        # one size label names each map (a run of equal maps shares one), and says its size
        (label,) = [lb for lb in size_labels if e in lb.covers]
        assert boxes[0].label_size == expected == label.text
        assert len([lb for lb in layer_labels if e in lb.covers]) == 1
    for lb in size_labels + layer_labels:  # runs are consecutive maps
        assert list(lb.covers) == list(range(lb.covers[0], lb.covers[-1] + 1))
    # Heights grow with rows and widths with channels (the compressed scales are monotone).
    spatial = [b for b in fig.boxes if b.size]
    for a in spatial:
        for b in spatial:
            if a.rows < b.rows:
                assert a.h < b.h
            if a.channels < b.channels:
                assert a.w < b.w
    # Every kernel sits inside the map it reads, and its lines end in the next map's cell.
    boxes = fig.box_map
    for w in fig.windows:
        b = boxes[w.box]
        assert 0 <= w.rows[0] < w.rows[1] <= b.rows and 0 <= w.cols[0] < w.cols[1] <= b.cols
        assert 0 <= w.depth[0] < w.depth[1] <= 1


def test_alexnet2012_figure() -> None:
    result = preset("alexnet2012")
    fig = nw.layout_network(result)
    check_figure(fig, result, nw.DEFAULT_WIDTH)
    streams = {e: sorted(b.stream for b in fig.boxes if b.element == e) for e in range(12)}
    assert streams[0] == [0] and streams[11] == [0]  # one input, one 1000-way output
    assert all(streams[e] == [0, 1] for e in range(1, 11))  # the two GPUs
    assert [b.channels for b in fig.boxes if b.stream == 1][:5] == [48, 48, 128, 128, 192]
    layer_text = [lb.text for lb in fig.labels if lb.role == "layer"]
    assert layer_text[:5] == [
        "input",
        "conv 11×11 s4 + LRN",
        "max 3×3 s2",
        "conv 5×5 g2 + LRN",
        "max 3×3 s2",
    ]

    # conv2 (g2) reads its own GPU's half; conv3 reads both: kernels in both 13×13 boxes for
    # each of its two outputs (4), conv2 only 2.
    def kernels(reader: int) -> list[str]:
        return [w.box for w in fig.windows if w.role == "kernel" and w.box.startswith(f"{reader}.")]

    assert sorted(kernels(2)) == ["2.0", "2.1"]  # conv2 reads the pooled 27×27 maps
    assert sorted(kernels(4)) == ["4.0", "4.0", "4.1", "4.1"]  # conv3 reads both streams
    caption = " ".join(lb.text for lb in fig.labels if lb.role == "caption")
    assert "60,965,224 parameters" in caption and "receptive field 195×195" in caption
    note = nw.figure_caption(result, "alexnet2012")[1]  # the 224 is computed, not written
    assert "gives 55×55 only from 227; from 224 it gives 54×54" in note
    assert len(nw.figure_caption(preset("vgg16"), "vgg16")) == 1
    # The kernel's window covers the rows its output cell reads: conv1's cell (r, c) of the
    # 55×55 map reads rows 4r … 4r + 10 of the 227×227 input.
    cells = [w for w in fig.windows if w.role == "cell" and w.box.startswith("1.")]
    firsts = [w for w in fig.windows if w.role == "kernel" and w.box == "0.0"]
    for cell, kernel in zip(cells, firsts, strict=True):
        r, c = cell.rows[0], cell.cols[0]
        assert kernel.rows == (4 * r, 4 * r + 11) and kernel.cols == (4 * c, 4 * c + 11)


def test_vgg16_and_a_toy_fit_their_width() -> None:
    for name, width in (("vgg16", 1600), ("vgg16", 1000), ("alexnet", 900)):
        result = preset(name)
        fig = nw.layout_network(result, max_width=width)
        check_figure(fig, result, width)
    toy = analyse_stack((32, 32), parse_layers(["conv:k=3,c=8", "maxpool:k=2", "fc:c=10"]), 1)
    fig = nw.layout_network(toy)
    check_figure(fig, toy, 1600)
    assert fig.width < 1000  # as wide as the content, not the limit
    with pytest.raises(ValueError, match="use --width"):
        nw.layout_network(preset("vgg16"), max_width=300)


LAYER = st.one_of(
    st.builds(
        lambda k, s, p, c, g: f"conv:k={k},s={s},p={min(p, k // 2)},c={c * g},g={g}",
        st.integers(1, 7),
        st.integers(1, 3),
        st.integers(0, 3),
        st.sampled_from([1, 3, 8, 48, 96, 256, 512, 2048]),
        st.sampled_from([1, 1, 2]),
    ),
    st.builds(lambda k, s: f"maxpool:k={k},s={s}", st.integers(2, 3), st.integers(1, 2)),
    st.builds(lambda k: f"avgpool:k={k}", st.integers(2, 3)),
    st.just("lrn"),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.tuples(st.integers(8, 300), st.integers(8, 300)),
    channels=st.sampled_from([1, 2, 3, 4, 64]),
    body=st.lists(LAYER, min_size=1, max_size=24),
    dense=st.lists(st.integers(1, 5000), max_size=3),
    width=st.integers(400, 3000),
    font=st.sampled_from([12.0, 17.0, 24.0]),
)
@example(size=(227, 227), channels=3, body=["conv:k=11,s=4,c=96"], dense=[4096], width=400, font=17)
def test_random_stacks_draw_cleanly(size, channels, body, dense, width, font) -> None:
    tokens = body + [f"fc:c={n}" for n in dense]
    try:
        result = analyse_stack(size, parse_layers(tokens), channels)
    except ValueError:
        assume(False)  # the shape core refuses it (kernel > input, groups, …): nothing to draw
    try:
        fig = nw.layout_network(result, max_width=width, font_px=font)
    except ValueError as exc:
        assert "--width" in str(exc)  # too many maps for the width: refused, with the width
        assume(False)
    check_figure(fig, result, width)


def test_one_d_and_three_d_stacks() -> None:
    for result in (
        analyse_stack((16000,), PRESETS["wavenet"].layers(), 1),
        analyse_stack((16, 32, 32), parse_layers(["conv:k=3,c=8", "maxpool:k=2"]), 1),
    ):
        fig = nw.layout_network(result)
        check_figure(fig, result, nw.DEFAULT_WIDTH)


def test_bad_options() -> None:
    r = preset("alexnet2012")
    for kwargs, message in (
        ({"theme": "pink"}, "unknown theme"),
        ({"max_width": 50}, "between 200 and 8000"),
        ({"streams": 3}, "streams must be 1 or 2"),
    ):
        with pytest.raises(ValueError, match=message):
            nw.layout_network(r, **kwargs)


# --------------------------------------------------------------------------------------------
# PNG, SVG, and the SVG in a browser
# --------------------------------------------------------------------------------------------


def test_png_and_svg_files(tmp_path: Path) -> None:
    r = preset("alexnet2012")
    fig = nw.layout_network(r)
    png = nw.render_network(r, tmp_path / "a.png")
    svg = nw.render_network(r, tmp_path / "a.svg")
    with Image.open(png) as im:
        assert im.size == (fig.width, fig.height) and im.mode == "RGBA"
        assert im.getpixel((1, 1)) == (255, 255, 255, 255)
    text = svg.read_text()
    assert f'width="{fig.width}" height="{fig.height}"' in text
    assert text.count("<polygon") == 3 * (len(fig.boxes) + len(fig.windows))
    assert ">55×55×96</text>" in text and "DejaVu Sans" in text
    # deterministic: the same bytes twice
    assert nw.render_network(r, tmp_path / "b.png").read_bytes() == png.read_bytes()
    # transparent: the background has alpha 0, the boxes are opaque
    t = nw.render_network(r, tmp_path / "t.png", transparent=True, theme="dark")
    with Image.open(t) as im:
        assert im.getpixel((1, 1))[3] == 0
        b = fig.boxes[1]
        assert im.getpixel((round(b.x + b.w / 2), round(b.y + b.h / 2)))[3] == 255
    assert "<rect" not in nw.svg_text(fig, transparent=True)
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        nw.render_network(r, tmp_path / "a.jpg")
    assert not (tmp_path / "a.jpg").exists()


def front_centres(fig: nw.NetworkFigure) -> list[tuple[int, int, str]]:
    """A point well inside each box's front face, and the colour it is painted."""
    colours = network_figure._palette(nw.THEMES[fig.theme])
    covered = [w.faces(fig.box_map) for w in fig.windows]
    out = []
    for b in fig.boxes:
        x, y = b.x + b.w / 2, b.y + b.h / 2
        if b.w < 8 or b.h < 8:
            continue
        near = any(
            min(p[0] for f in faces for p in f) - 3 <= x <= max(p[0] for f in faces for p in f) + 3
            and min(p[1] for f in faces for p in f) - 3
            <= y
            <= max(p[1] for f in faces for p in f) + 3
            for faces in covered
        )
        if not near:
            out.append((round(x), round(y), colours[b.kind]))
    return out


@pytest.mark.slow
def test_svg_in_chromium_matches_the_png(tmp_path: Path) -> None:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: apt-get install chromium"
    r = preset("alexnet2012")
    fig = nw.layout_network(r)
    svg = nw.render_network(r, tmp_path / "a.svg")
    png = nw.render_network(r, tmp_path / "a.png")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--hide-scrollbars",
            "--force-device-scale-factor=1", f"--window-size={fig.width},{fig.height}",
            f"--screenshot={shot}", svg.as_uri(),
        ],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    browser = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    pillow = np.asarray(Image.open(png).convert("RGB"), dtype=int)
    assert browser.shape == pillow.shape
    # Box by box: the front face's centre has the face's colour in both pictures.
    points = front_centres(fig)
    assert len(points) >= 15
    for x, y, colour in points:
        want = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert np.abs(browser[y, x] - want).max() <= 6, (x, y, browser[y, x], want)
        assert np.abs(pillow[y, x] - want).max() <= 6, (x, y, pillow[y, x], want)
    # Overall: where one picture has ink the other has ink too (anti-aliased edges and the
    # browser's own text hinting aside): fewer than 2 % of pixels differ strongly.
    differ = np.abs(browser - pillow).max(axis=2) > 100
    assert differ.mean() < 0.02
    # The boxes line up: in each box's bounds, the pixels painted its front face's colour span
    # the same rectangle in both pictures, within 2 px (lines and kernels cover parts of it).
    colours = network_figure._palette(nw.THEMES[fig.theme])
    compared = 0
    for b in fig.boxes:
        x0, y0, x1, y1 = (round(v) for v in b.bounds())
        want = np.array([int(colours[b.kind][i : i + 2], 16) for i in (1, 3, 5)])
        spans = []
        for picture in (browser, pillow):
            ys, xs = np.nonzero(np.abs(picture[y0 : y1 + 1, x0 : x1 + 1] - want).max(axis=2) <= 6)
            spans.append((xs.min(), xs.max(), ys.min(), ys.max()) if xs.size > 20 else None)
        if spans[0] is None or spans[1] is None:
            assert spans[0] == spans[1] or b.w < 8, b  # only slivers may go unseen
            continue
        assert max(abs(a - c) for a, c in zip(*spans, strict=True)) <= 2, (b.key, spans)
        compared += 1
    assert compared >= 20


# --------------------------------------------------------------------------------------------
# Receptive fields
# --------------------------------------------------------------------------------------------


def check_walk(result: StackResult, target=None) -> list[nw.RegionStep]:
    walk = nw.receptive_field_walk(result, target)
    R = result.receptive_field
    assert walk[0].span == (1,) * len(R)
    assert walk[-1].layer == 0 and walk[-1].span == R  # the shape core's receptive field
    for step in walk:  # every map: (n − 1)·j + r = R, with r and j from the shape core
        for n, j, r, total in zip(step.span, step.jump, step.receptive_field, R, strict=True):
            assert (n - 1) * j + r == total
    # Araujo's start: the unit t of the last map is centred at start + t·jump in the input.
    t = walk[0].start
    for lo, hi, s, j, tt in zip(
        walk[-1].start, walk[-1].stop, result.start, result.jump, t, strict=True
    ):
        assert (lo + hi - 1) / 2 == s + tt * j
    return walk


@pytest.mark.parametrize("name", ["alexnet2012", "alexnet", "vgg16", "wavenet"])
def test_walk_presets(name: str) -> None:
    walk = check_walk(preset(name))
    if name == "vgg16":
        assert len(walk) == 19 and walk[-1].span == (212, 212)


def conv_stacks(
    ndim: int, sizes: tuple[int, int], kernel: int, stride: int, dilation: int, depth: int
) -> st.SearchStrategy[tuple[list[Layer], StackResult]]:
    """Stacks of 1 … ``depth`` convolutions (kernel, stride, dilation up to the given values,
    padding at most half the kernel) on a square input the shape core accepts, analysed."""

    @st.composite
    def stacks(draw: st.DrawFn) -> tuple[list[Layer], StackResult]:
        size = draw(st.integers(*sizes))
        each = st.tuples(
            st.integers(1, kernel),
            st.integers(1, stride),
            st.integers(0, 2),
            st.integers(1, dilation),
        )
        body = draw(st.lists(each, min_size=1, max_size=depth))
        layers = [Layer("conv", k, s, min(p, k // 2), d) for k, s, p, d in body]
        try:
            result = analyse_stack((size,) * ndim, layers, 1)
        except ValueError:  # e.g. a kernel wider than the padded map
            result = None
        assume(result is not None)
        return layers, result

    return stacks()


def skips_nothing(layers: list[Layer]) -> bool:
    """No dilation and no stride past the kernel: every pixel of a receptive field is read."""
    return all(x.dilation == 1 and (x.stride or 1) <= x.kernel_size for x in layers)


@settings(max_examples=40, deadline=None)
@given(stack=conv_stacks(2, (6, 80), kernel=5, stride=3, dilation=2, depth=5), data=st.data())
def test_walk_random_and_against_torch(stack, data) -> None:
    layers, result = stack
    size = result.input[0]
    out = result.output
    target = (data.draw(st.integers(0, out[0] - 1)), data.draw(st.integers(0, out[1] - 1)))
    walk = check_walk(result, target)
    if torch is None:
        return
    # The oracle: the input pixels whose gradient reaches that output unit (all-ones weights,
    # so nothing cancels). Their bounding box is the walk's interval clipped to the input.
    x = torch.ones(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = x
    for layer in layers:
        w = torch.ones(1, 1, layer.kernel_size, layer.kernel_size, dtype=torch.float64)
        y = torch.nn.functional.conv2d(
            y, w, stride=layer.stride or 1, padding=layer.padding, dilation=layer.dilation
        )
    y[0, 0, target[0], target[1]].backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    if rows.size == 0:  # taps that all land in the padding or holes: the unit sees no pixel
        assert any(x.dilation > 1 or (x.stride or 1) > x.kernel_size for x in layers)
        return
    (r0, r1), (c0, c1) = walk[-1].clipped()
    seen = (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)
    if skips_nothing(layers):
        assert seen == (r0, r1, c0, c1)
    else:  # dilation, or a stride past the kernel, skips pixels: the span still bounds them
        assert r0 <= seen[0] and seen[1] <= r1 and c0 <= seen[2] and seen[3] <= c1


def test_walk_skips_padding_and_dropped_columns() -> None:
    # k2 s2 on 55 columns drops column 54 (27 outputs read 0…53); then k4 s3 p2: output column 9
    # reads columns 25…28 of a 27-wide map, 27 and 28 being padding. The unit depends on input
    # columns 50…53 only, although its (unclipped) receptive field spans 50…57.
    result = analyse_stack((55, 55), [Layer("conv", 2, 2), Layer("conv", 4, 3, 2)], 1)
    walk = check_walk(result, (0, 9))
    assert walk[1].start[1] == 25 and walk[1].stop[1] == 29 and walk[1].clipped()[1] == (25, 27)
    assert (walk[-1].start[1], walk[-1].stop[1]) == (50, 58)
    assert walk[-1].clipped()[1] == (50, 54)


def test_walk_errors() -> None:
    with pytest.raises(ValueError, match="no convolution or pooling"):
        nw.receptive_field_walk(analyse_stack((4, 4), [Layer("fc", out_channels=3)], 1))
    with pytest.raises(ValueError, match="must lie in the last map"):
        nw.receptive_field_walk(preset("vgg16"), (7, 0))


def test_receptive_field_frames_and_gif(tmp_path: Path) -> None:
    r = preset("vgg16")
    fig, frames = nw.layout_receptive_field(r)
    assert len(frames) == 19
    assert "the input, 224×224×3: the unit reads 212×212 of its cells" in frames[-1][1][0]
    assert "(212 − 1)·1 + 1 = 212 = receptive field 212×212" in frames[-1][1][1]
    assert "(1 − 1)·32 + 212 = 212" in frames[0][1][1]
    # frame k highlights k + 1 maps, and the last one every spatial map (input included)
    assert [len(regions) for regions, _ in frames] == list(range(1, 20))
    out = nw.render_receptive_field(r, tmp_path / "rf.gif", duration_ms=500, hold_last_ms=2000)
    with Image.open(out) as im:
        assert im.n_frames == 19 and im.info["loop"] == 0 and im.size == (fig.width, fig.height)
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
        assert durations == [500] * 18 + [2000]


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def test_cli_render_stack(tmp_path: Path, capsys) -> None:
    code, out, err = run_main(
        cli_args("render stack --preset alexnet2012 -o", str(tmp_path / "alexnet.png")), capsys
    )
    assert code == 0, err
    assert out.strip() == str(tmp_path / "alexnet.png")
    with Image.open(tmp_path / "alexnet.png") as im:
        assert im.size[0] <= 1600
    toy = "render stack -i 32x32 2*conv:k=3,p=1,c=16 maxpool:k=2 fc:c=10"
    look = "--theme dark --transparent --width 900"
    code, out, err = run_main(cli_args(f"{toy} {look} -o", str(tmp_path)), capsys)
    assert code == 0, err and (tmp_path / "stack.png").is_file()
    code, out, err = run_main(
        cli_args("render stack --preset vgg16 -o", str(tmp_path / "v.svg")), capsys
    )
    assert code == 0 and "<svg" in (tmp_path / "v.svg").read_text()


@pytest.mark.parametrize(
    "command, message",
    [
        ("render stack -i 5x5 conv:k=7", "Kernel size can't be greater"),
        ("render stack --preset vgg16 -o x.jpg", "must end in .png, .svg"),
        ("render stack", "give LAYER arguments"),
        ("render stack --preset vgg16 conv:k=3", "not both"),
        ("render stack --preset vgg16 --width 300", "use --width"),
        ("render stack -i 8x8 blah", "unknown layer"),
        ("render receptive_field --preset vgg16 --unit 9x9", "last map"),
    ],
)
def test_cli_errors(command, message, capsys, tmp_path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, out, err = run_main(cli_args(command), capsys)
    finally:
        os.chdir(cwd)
    assert code == 2 and out == ""
    assert err.startswith("Error: ") and message in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_cli_receptive_field(tmp_path: Path, capsys) -> None:
    stack = "-i 32x32 3*conv:k=3 maxpool:k=2 conv:k=3"
    code, out, err = run_main(
        cli_args(f"render receptive_field {stack} --unit 0x0 -o", str(tmp_path / "rf.gif")), capsys
    )
    assert code == 0, err
    with Image.open(tmp_path / "rf.gif") as im:
        assert im.n_frames == 6  # the last map, 4 maps back, the input
    code, out, err = run_main(cli_args("render receptive_field --help"), capsys)
    assert code == 0 and "Usage: convanim render receptive_field" in out
    assert re.search(r"--unit\s", out)


def test_render_help_mentions_networks(capsys) -> None:
    code, out, _ = run_main(cli_args("render --help"), capsys)
    assert code == 0 and "render stack" in out


def test_font_fallback(monkeypatch, tmp_path: Path) -> None:
    # Without DejaVu Sans (draw/fonts.py finds none) the PNG still draws, same layout, with
    # Pillow's bundled font and ASCII for the symbols it may lack.
    from convanim.draw import fonts

    monkeypatch.setattr(fonts, "font_path", lambda: None)
    fonts.font.cache_clear()
    try:
        r = analyse_stack((16, 16), parse_layers(["conv:k=3,c=4"]), 1)
        out = nw.render_network(r, tmp_path / "f.png")
        with Image.open(out) as im:
            fig = nw.layout_network(r)
            assert im.size == (fig.width, fig.height)
    finally:
        fonts.font.cache_clear()


# --------------------------------------------------------------------------------------------
# 1-D stacks: the WaveNet figure's graph, shared
# --------------------------------------------------------------------------------------------


def test_graph_is_the_wavenet_figure() -> None:
    from convanim.draw.figures import wavenet_plan

    causal = [f"conv:k=2,d={d},p=causal" for d in (1, 2, 4, 8)]
    result = analyse_stack((16,), parse_layers(causal), 1)
    ours = nw.receptive_field_graph(result, target=15, duration_ms=1000, hold_last_ms=2500)
    theirs = wavenet_plan(True)
    assert ours.positions == theirs.positions and ours.edges == theirs.edges
    assert [f.nodes for f in ours.frames] == [f.nodes for f in theirs.frames]
    assert ours.durations == theirs.durations
    right = [lb.text for lb in ours.labels if lb.role == "caption"]
    assert right == ["r 2, j 1", "r 4, j 1", "r 8, j 1", "r 16, j 1"]  # the shape core's


@settings(max_examples=40, deadline=None)
@given(stack=conv_stacks(1, (4, 40), kernel=4, stride=2, dilation=3, depth=4), data=st.data())
def test_graph_agrees_with_the_walk(stack, data) -> None:
    layers, result = stack
    assert nw.graph_fits(result)
    t = data.draw(st.integers(0, result.output[0] - 1))
    plan = nw.receptive_field_graph(result, target=t)
    reached = sorted(pos for layer, pos in plan.frames[-1].nodes if layer == 0)
    ((lo, hi),) = nw.receptive_field_walk(result, (t,))[-1].clipped()
    if not reached:  # only padding under the taps
        return
    assert lo <= reached[0] and reached[-1] < hi
    if skips_nothing(layers):
        assert reached == list(range(lo, hi))  # no holes: the engine's edges fill the span


def test_cli_graph_view(tmp_path: Path, capsys) -> None:
    graph = "render receptive_field -i 16 conv:k=2,p=causal conv:k=2,d=2,p=causal"
    code, _, err = run_main(cli_args(f"{graph} -o", str(tmp_path / "g.gif")), capsys)
    assert code == 0, err
    with Image.open(tmp_path / "g.gif") as im:
        assert im.n_frames == 3  # the output, then two layers back (WaveNet's growth)
    code, _, err = run_main(cli_args(f"{graph} --view boxes -o", str(tmp_path / "b.gif")), capsys)
    assert code == 0, err
    code, _, err = run_main(
        cli_args("render receptive_field -i 32x32 conv:k=3 --view graph"), capsys
    )
    assert code == 2 and "graph view takes 1-D stacks" in err


# --------------------------------------------------------------------------------------------
# The deck build recognises alexnet.png and {{CONVANIM:stack …}}
# --------------------------------------------------------------------------------------------


def test_deck_build_renders_alexnet(tmp_path: Path) -> None:
    from convanim.slides.build import build
    from convanim.slides.deck import DeckError

    deck = tmp_path / "lecture.md"
    deck.write_text(
        "## AlexNet Example\n\n"
        '<img src="assets/images/01-history/alexnet.png" alt="AlexNet">\n\n---\n\n'
        "{{CONVANIM:stack preset=alexnet2012}}\n\n"
        '{{CONVANIM:stack layers="conv:k=3,c=8 maxpool:k=2 fc:c=10" input=32x32 theme=dark}}\n\n'
        "{{CONVANIM:receptive_field preset=vgg16 max_width=1200 width=80%}}\n"
    )
    out = tmp_path / "site"
    result = build(deck, out, executor="thread")
    assert result.missing == []
    rels = sorted(a.rel for a in result.assets)
    assert "assets/images/01-history/alexnet.png" in rels
    expected = nw.layout_network(
        preset("alexnet2012"), caption=nw.figure_caption(preset("alexnet2012"), "alexnet2012")
    )
    with Image.open(out / "assets/images/01-history/alexnet.png") as im:
        assert im.size == (expected.width, expected.height)
    stacks = [r for r in rels if "/stack" in r]
    assert len(stacks) == 2 and all(r.endswith(".png") for r in stacks)
    (first,) = [r for r in stacks if r.endswith("/stack.png")]  # the first placeholder's name
    assert (out / first).read_bytes() == (out / "assets/images/01-history/alexnet.png").read_bytes()
    (gif,) = [r for r in rels if r.endswith(".gif")]
    with Image.open(out / gif) as im:
        assert im.n_frames == 19 and im.size[0] <= 1200
    assert build(deck, out, executor="thread").rendered == []  # up to date the second time
    for bad, message in (
        ("bogus=1", r"unknown parameter\(s\) bogus for stack"),
        ("streams=3", "streams=3: one of auto, 1, 2"),
        ("view=side", "view='side'"),
        ("max_width=50", "max_width=50: between 200 and 8000"),
        ("theme=pink", "theme='pink'"),
        ('layers="conv:k=3"', "not both"),
    ):
        deck.write_text(f"# x\n{{{{CONVANIM:stack preset=alexnet2012 {bad}}}}}\n")
        with pytest.raises(DeckError, match=rf"lecture.md:2: .*{message}"):
            build(deck, out, executor="thread")


# --------------------------------------------------------------------------------------------
# Hostile command lines: exit 0 with a file, or exit 2 with one Error: line and no file
# --------------------------------------------------------------------------------------------

VALID = st.sampled_from(
    [
        "conv:k=3,c=8", "conv:k=3,p=1,c=16,g=2", "conv:k=3x5,s=1x2", "conv:k=2,d=2,p=causal",
        "conv:k=3,p=same", "maxpool:k=2", "avgpool:k=3,s=1,p=1", "maxpool:k=3,s=2,ceil=1",
        "lrn", "norm:n=3", "2*conv:k=3,p=1,c=4",
    ]
)  # fmt: skip
HOSTILE = st.sampled_from(
    [
        "conv:k=0", "conv:k=11,s=4", "lrn:n=0", "fc:c=0", "fc", "0*conv:k=3",
        "99999999*conv:k=1", "conv:k=-1", "conv:c=3", "blah", "", ":", "conv:k=3,,c=2",
        "conv:k=99999999999999999999", "maxpool:k=2,c=5", "fc:c=10",
    ]
)  # fmt: skip
TOKENS = st.one_of(VALID, VALID, VALID, HOSTILE)
GOOD_OPTIONS = st.sampled_from(
    [
        ("-i", "32x32"), ("-i", "24x24"), ("-i", "40x40"), ("--preset", "alexnet2012"),
        ("--preset", "wavenet"), ("--font-size", "30"), ("--theme", "dark"), ("--in-channels", "3"),
        ("--blocks", "2"), ("--transparent",), ("--streams", "2"), ("--width", "700"),
    ]
)  # fmt: skip
BAD_OPTIONS = st.sampled_from(
    [
        ("-i", "8"), ("-i", "0x4"), ("-i", "16x16x16"), ("-i", "1x1"), ("--preset", "nope"),
        ("--width", "200"), ("--width", "100"), ("--in-channels", "0"), ("--blocks", "0"),
        ("--unit", "0x0"), ("--view", "graph"),
    ]
)  # fmt: skip
OPTIONS = st.lists(st.one_of(GOOD_OPTIONS, GOOD_OPTIONS, GOOD_OPTIONS, BAD_OPTIONS), max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(["stack", "receptive_field"]),
    tokens=st.lists(TOKENS, min_size=1, max_size=4),
    options=OPTIONS,
    suffix=st.sampled_from([".png", ".png", ".svg", ".gif", ".jpg", ""]),
    mix=st.booleans(),
)
def test_hostile_command_lines(command, tokens, options, suffix, mix, tmp_path_factory) -> None:
    flags = [o[0] for o in options]
    if "--preset" in flags and not mix:
        tokens = []  # mostly a preset alone (mix: both, refused)
    if "--preset" not in flags and "-i" not in flags and not mix:
        options = [*options, ("-i", "32x32")]
    folder = tmp_path_factory.mktemp("fuzz")
    out = folder / f"out{suffix}"
    argv = ["render", command, *tokens, *(x for o in options for x in o), "-o", str(out)]
    if command == "stack":
        argv = [a for a in argv if a not in ("--unit", "0x0", "--view", "graph")]
    code = 0
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            cli.main(argv)
        except SystemExit as exc:
            code = exc.code or 0
    message = err.getvalue()
    event(f"exit {code}")
    assert code in (0, 2), (argv, message)
    written = [p for p in folder.rglob("*") if p.is_file()]
    if code == 2:
        assert message.startswith("Error: ") and message.count("\n") == 1, (argv, message)
        assert written == [], argv
    else:
        assert len(written) == 1 and written[0].stat().st_size > 0, argv
