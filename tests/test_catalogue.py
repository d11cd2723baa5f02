"""The catalogue: conv_arithmetic's names and parameters verbatim, the deck's figures, a light
import, and golden hashes of every decoded frame.

Regenerate the goldens (after a deliberate change of the look) with
``CONVANIM_REGEN_GOLDEN=1 pytest tests/test_catalogue.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convanim.core import shapes
from convanim.draw import catalogue, entries, figures

GOLDEN = Path(__file__).parent / "golden" / "catalogue.json"

ARITHMETIC_NAMES = [
    "no_padding_no_strides",
    "arbitrary_padding_no_strides",
    "same_padding_no_strides",
    "full_padding_no_strides",
    "no_padding_strides",
    "padding_strides",
    "padding_strides_odd",
    "no_padding_no_strides_transposed",
    "arbitrary_padding_no_strides_transposed",
    "same_padding_no_strides_transposed",
    "full_padding_no_strides_transposed",
    "no_padding_strides_transposed",
    "padding_strides_transposed",
    "padding_strides_odd_transposed",
    "dilation",
]
NUMERICAL_NAMES = [
    "numerical_no_padding_no_strides",
    "numerical_padding_strides",
    "numerical_average_pooling",
    "numerical_max_pooling",
]
DECK_NAMES = [
    "2d_convolution",
    "2d_maxpool",
    "ambiguity",
    "vision_kernels",
    "wavenet_before",
    "wavenet_after",
]

# conv_arithmetic's bin/generate_makefile (direct parameters) and the frame counts of its GIFs
PAPER = {
    "no_padding_no_strides": (4, 3, 0, 1, 1, 4),
    "arbitrary_padding_no_strides": (5, 4, 2, 1, 1, 36),
    "same_padding_no_strides": (5, 3, 1, 1, 1, 25),
    "full_padding_no_strides": (5, 3, 2, 1, 1, 49),
    "no_padding_strides": (5, 3, 0, 2, 1, 4),
    "padding_strides": (5, 3, 1, 2, 1, 9),
    "padding_strides_odd": (6, 3, 1, 2, 1, 9),
    "dilation": (7, 3, 0, 1, 2, 9),
    "no_padding_no_strides_transposed": (4, 3, 0, 1, 1, 16),
    "arbitrary_padding_no_strides_transposed": (5, 4, 2, 1, 1, 25),
    "same_padding_no_strides_transposed": (5, 3, 1, 1, 1, 25),
    "full_padding_no_strides_transposed": (5, 3, 2, 1, 1, 25),
    "no_padding_strides_transposed": (5, 3, 0, 2, 1, 25),
    "padding_strides_transposed": (5, 3, 1, 2, 1, 25),
    "padding_strides_odd_transposed": (6, 3, 1, 2, 1, 36),
}


def test_names_verbatim_and_in_order():
    assert catalogue.names() == ARITHMETIC_NAMES + NUMERICAL_NAMES + DECK_NAMES
    assert [e.name for e in entries.ARITHMETIC] == ARITHMETIC_NAMES
    assert [e.name for e in entries.NUMERICAL] == NUMERICAL_NAMES


@pytest.mark.parametrize("name", list(PAPER))
def test_parameters_and_frames_are_the_papers(name):
    i, k, p, s, d, frames = PAPER[name]
    e = catalogue.get(name)
    assert (e.input_size, e.kernel_size, e.padding, e.stride, e.dilation) == ((i, i), k, p, s, d)
    assert e.frames() == frames
    if name.endswith("_transposed"):
        op = e.operation()
        # the transposed conv maps the direct output back to i, with a = (i + 2p − k) mod s
        assert op["output_padding"] == (i + 2 * p - k) % s
        assert shapes.transposed_output_shape(**op) == (i, i)
        assert frames == i * i


@pytest.mark.parametrize("name", [n for n in PAPER if n.endswith("_transposed")])
@pytest.mark.parametrize("dilation", [2, 3])
def test_a_dilated_transposed_entry_still_returns_to_its_input(name, dilation):
    """``render padding_strides_transposed -d 2`` draws the transpose of the *dilated* direct
    convolution: torch's conv_transpose2d, given the entry's operation, lands on the entry's
    input size (the direct convolution used to be taken without its dilation: 7×7 for 5×5)."""
    torch = pytest.importorskip("torch")
    e = catalogue.with_changes(catalogue.get(name), {"dilation": dilation})
    try:
        op = e.operation()
    except ValueError:  # the dilated window no longer fits the input (torch refuses it too)
        return
    x = torch.zeros(1, 1, *op["input_size"])
    w = torch.zeros(1, 1, op["kernel_size"], op["kernel_size"])
    y = torch.nn.functional.conv_transpose2d(
        x, w, None, op["stride"], op["padding"], op["output_padding"], 1, op["dilation"]
    )
    assert tuple(y.shape[2:]) == e.input_size == e.output_shape()


def test_import_is_light():
    code = (
        "import sys, convanim.draw.catalogue as c; c.names(); c.get('dilation').describe();"
        "print(sorted(m for m in ('numpy', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_names_and_overrides():
    with pytest.raises(ValueError, match="convanim list"):
        catalogue.get("no_such_animation")
    with pytest.raises(ValueError, match="unknown override"):
        catalogue.render_named("dilation", Path("x.gif"), colour="red")
    # the Python API takes torch's names; an alias (the deck's and the CLI's) is pointed there
    with pytest.raises(ValueError, match=r"size \(the parameter is input_size\) for dilation"):
        catalogue.render_named("dilation", Path("x.gif"), size=(7, 7))
    with pytest.raises(ValueError, match=r"kernel \(the parameter is kernel_size\)"):
        catalogue.plan_named("padding_strides", kernel=2)  # it used to draw kernel 3, silently
    with pytest.raises(ValueError, match="fixed figure"):
        catalogue.render_named("vision_kernels", Path("x.png"), kernel_size=5)
    with pytest.raises(ValueError, match="image"):
        catalogue.render_named("dilation", Path("x.gif"), image="a.png")


def test_overrides_change_the_operation(tmp_path):
    path = catalogue.render_named(
        "padding_strides_odd_transposed", tmp_path / "n.gif", numbers=True, look="flat"
    )
    with Image.open(path) as im:
        assert im.n_frames == 36
    # one number on a square preset keeps it square (it silently became a 1-D animation)
    assert catalogue.plan_named("padding_strides", input_size=(7,)).grid("input").rows == 9
    path = catalogue.render_named("padding_strides", tmp_path, stride=1)
    assert path == tmp_path / "padding_strides.gif"
    with Image.open(path) as im:
        assert im.n_frames == 25


PREFLIGHT_CASES = [
    ("conv", (5, 5), 3, 1, 0, 1, 0),
    ("conv", (7,), 3, 2, 1, 1, 0),
    ("conv", (5, 7), (3, 2), (1, 2), ((0, 1), (1, 0)), 1, 0),
    ("conv", (9, 9), 3, 1, "same", 2, 0),
    ("conv", (4, 12), 3, 1, 0, 1, 0),
    ("transposed", (3, 3), 3, 2, 1, 1, 1),
    ("transposed", (4,), 3, 2, 0, 1, 0),
    ("transposed", (2, 2), 3, 2, 0, 2, 0),
    ("max_pool", (5, 5), 2, 2, 1, 1, 0),
    ("transposed", (1, 1), 1, 1, 0, 1, 0),
    ("conv", (1, 6), (1, 3), 1, 0, 1, 0),
    ("avg_pool", (5, 5), 3, 1, 0, 1, 0),
]


@pytest.mark.parametrize("kind, size, k, s, p, d, op", PREFLIGHT_CASES)
def test_preflight_bounds_the_drawn_picture_closely(monkeypatch, kind, size, k, s, p, d, op):
    """The size check before any work bounds the real picture from above, but not wildly: it
    once took every input for a square, refusing a 100-sample 1-D signal as '5534x5534'."""
    from convanim.draw import gif

    seen = []
    monkeypatch.setattr(gif, "check_budget", lambda frames, w, h: seen.append((w, h)))
    for look, numbers in (("perspective", False), ("flat", True), ("flat", False)):
        e = catalogue.Entry(
            "x",
            kind,
            "",
            input_size=size,
            kernel_size=k,
            stride=s,
            padding=p,
            dilation=d,
            output_padding=op,
            look=look,
            numbers=numbers,
            size_is_direct=False,
        )
        plan = catalogue.entry_plan(e)  # calls the preflight once
        grid, out, _ = catalogue.drawn_shapes(e)
        g, o = plan.grid("input"), plan.grid("output")
        assert (grid, out) == ((g.rows, g.cols), (o.rows, o.cols))
        real = plan.pixel_size(29.5, 21.5)
        w, h = seen.pop()
        assert w >= real[0] and h >= real[1], (look, numbers, (w, h), real)
        assert w * h <= 3.5 * real[0] * real[1], (look, numbers, (w, h), real)


def test_long_signals_pass_the_preflight_and_3d_is_refused_plainly():
    catalogue.preflight(
        catalogue.Entry("x", "conv", "", input_size=(100,), size_is_direct=False), 29.5
    )
    with pytest.raises(ValueError, match="only 1-D and 2-D operations can be drawn"):
        catalogue.render_custom("conv", Path("x.gif"), input_size=(5, 5, 5), kernel_size=3)


def test_a_still_is_not_held_to_the_frame_limit(tmp_path):
    """The frame-limit message suggests a still; a still must then be allowed."""
    with pytest.raises(ValueError, match="render a still"):
        catalogue.render_custom(
            "conv", tmp_path / "x.gif", input_size=(53, 53), kernel_size=3, cell_size=4
        )
    png = catalogue.render_custom(
        "conv", tmp_path / "x.png", input_size=(53, 53), kernel_size=3, cell_size=4
    )
    assert Image.open(png).size[0] > 53 * 4
    with pytest.raises(ValueError, match="windows for a still"):
        catalogue.render_custom(
            "conv", tmp_path / "y.png", input_size=(300, 300), kernel_size=3, cell_size=4
        )


def test_vision_kernels_use_the_engine_and_accept_an_image(tmp_path):
    picture = figures.synthetic_image()
    results = dict((n, y) for n, _, y in figures.vision_kernel_images(picture))
    np.testing.assert_allclose(results["identity"], picture)
    assert results["box_blur"].std() < picture.std()  # blurring smooths
    src = tmp_path / "in.png"
    Image.fromarray(np.tile(np.arange(0, 250, 5, dtype=np.uint8), (40, 1)), "L").save(src)
    out = catalogue.render_named("vision_kernels", tmp_path / "v.png", image=str(src))
    assert Image.open(out).size[0] > 3 * 40
    with pytest.raises(ValueError, match="cannot read"):
        catalogue.render_named("vision_kernels", tmp_path / "v.png", image=str(tmp_path / "no.png"))


def test_wavenet_png_and_growing_gif(tmp_path):
    png = catalogue.render_named("wavenet_after", tmp_path)
    assert png.suffix == ".png"
    path = catalogue.render_named("wavenet_after", tmp_path / "w.gif", hold_last_ms=4000)
    with Image.open(path) as im:
        assert im.n_frames == 5  # the output, then one more layer of the field per frame
        im.seek(4)
        assert im.info["duration"] == 4000
    before = Image.open(catalogue.render_named("wavenet_before", tmp_path))
    assert before.size == Image.open(png).size  # they swap on one slide


def test_ambiguity_panels_come_from_the_shape_core():
    titles = [t for t, _ in figures.ambiguity_panels()]
    assert titles[:2] == ["conv: 5×5 → 3×3", "conv: 6×6 → 3×3"]
    assert titles[3].endswith("6×6, output_padding=1")


# --- golden decoded frames ------------------------------------------------------------------------


def decoded_hash(path: Path) -> str:
    h = hashlib.sha256()
    with Image.open(path) as im:
        h.update(f"{im.size} {getattr(im, 'n_frames', 1)}".encode())
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            h.update(str(im.info.get("duration")).encode())
            h.update(im.convert("RGBA").tobytes())
    return h.hexdigest()


def test_golden_frames(tmp_path):
    actual = {}
    for name in catalogue.names():
        path = catalogue.render_named(name, tmp_path)
        actual[name] = decoded_hash(path)
    actual["wavenet_after.gif"] = decoded_hash(
        catalogue.render_named("wavenet_after", tmp_path / "wavenet_after.gif")
    )
    if os.environ.get("CONVANIM_REGEN_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    changed = sorted(n for n in expected if expected[n] != actual.get(n))
    assert not changed, f"decoded frames changed: {changed} (CONVANIM_REGEN_GOLDEN=1 to accept)"
    assert set(expected) == set(actual)
