"""MultiChannelConv and DilatedCausalStack: dry runs (Manim's ``dry_run``, no frames) checked
against torch and the shape core, their layout at the corners of their parameter ranges, and
their pacing. The helpers (``dry``, ``shown``, the layout and legibility checks) are
tests/test_scenes.py's.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")
torch = pytest.importorskip("torch")

from convanim.scenes._common import fmt  # noqa: E402
from manim import MathTex, Polygon, Text  # noqa: E402
from scene_checks import PALETTE_CASES, assert_on_screen, dry, shown  # noqa: E402
from test_scenes import FLOORS  # noqa: E402

from convanim import video  # noqa: E402

F = torch.nn.functional


def torch_multichannel(params: dict):  # noqa: ANN201
    """The scene's example values, and what torch makes of them: the output, each channel's
    partial sums (a one-channel conv1d per channel and head, no bias) and the kernels as the
    window meets them (flipped for the deck's convolution)."""
    from convanim.scenes._data import multichannel_example

    p = video.resolve_params("MultiChannelConv", params)
    x, w, b, _ = multichannel_example(p)
    tx, tw, tb = (torch.tensor(a, dtype=torch.float64) for a in (x, w, b))
    if p["mode"] == "convolution":  # torch computes cross-correlation: flip for convolution
        tw = tw.flip(-1)
    y = F.conv1d(tx[None], tw, tb, groups=p["groups"])[0]
    cout, cpg, _ = w.shape
    partial = np.zeros((cout, cpg, y.shape[1]))
    for j in range(cout):
        first = (j // (cout // p["groups"])) * cpg
        for r in range(cpg):
            one = F.conv1d(tx[None, first + r : first + r + 1], tw[j : j + 1, r : r + 1])
            partial[j, r] = one[0, 0].numpy()
    return p, x, tw.numpy(), b, y.numpy(), partial


MULTICHANNEL_CASES = [
    {},
    {"in_channels": 4, "out_channels": 2, "groups": 2, "length": 5},
    {"in_channels": 2, "out_channels": 4, "groups": 2, "kernel": 2, "mode": "correlation"},
]


@pytest.mark.parametrize("params", MULTICHANNEL_CASES)
def test_multichannel_numbers_are_torchs(media, params):
    """Every product, channel sum, total and output the scene shows, checked against torch's
    conv1d (with groups and bias); the kernels are drawn as the window meets them."""
    p, x, drawn, b, y, partial = torch_multichannel(params)
    scene = dry(media, "MultiChannelConv", step_time=0.1, **params)
    cout, cpg, m = drawn.shape
    np.testing.assert_allclose(shown(scene, "y"), y.ravel())
    np.testing.assert_allclose(shown(scene, "kernel"), drawn.ravel())
    np.testing.assert_allclose(shown(scene, "bias"), b)
    np.testing.assert_allclose(shown(scene, "channel_sum"), partial.transpose(0, 2, 1).ravel())
    np.testing.assert_allclose(shown(scene, "total"), (y - b[:, None]).ravel())
    # products: per head, output and channel, the window's samples times the drawn kernel row
    products = []
    for j in range(cout):
        first = (j // (cout // p["groups"])) * cpg
        for n in range(y.shape[1]):
            for r in range(cpg):
                products += list(x[first + r, n : n + m] * drawn[j, r])
    np.testing.assert_allclose(shown(scene, "product"), products)
    weights = torch.nn.Conv1d(x.shape[0], cout, m, groups=p["groups"], bias=False).weight
    assert shown(scene, "params") == [weights.numel()]
    # opening, two beats per output (products, then the sum with the bias), a beat per new
    # head, the end
    assert [k for k, _ in scene.timeline] == (
        ["idea"]
        + ["product", "output"] * y.shape[1]
        + (["idea"] + ["product", "output"] * y.shape[1]) * (cout - 1)
        + ["end"]
    )
    # the last step stays on screen: its products, the bias added, the result twice (in the
    # sum line and in y); the operation is named, the kernels' label says how they are drawn
    assert_on_screen(
        scene, [fmt(v) for v in products[-cpg * m :]] + [fmt(y[-1, -1])] * 2 + ["+", "="]
    )
    assert_on_screen(scene, [fmt(b[-1])])
    labels = [m.tex_string for top in scene.mobjects for m in top.get_family()
              if isinstance(m, MathTex)]  # fmt: skip
    flipped = p["mode"] == "convolution"
    assert (r"\mathrm{flip}(w_{i,j})" in labels) == flipped
    note = "kernels drawn flipped" if flipped else "no flip, as in PyTorch"
    assert_on_screen(scene, [note.replace(" ", "")])  # (Manim's Text.text has no spaces)


def test_multichannel_kernels_not_flipped_for_correlation():
    _, _, drawn, _, _, _ = torch_multichannel({"mode": "correlation"})
    _, _, flipped, _, _, _ = torch_multichannel({})
    np.testing.assert_allclose(flipped, drawn[..., ::-1])


def test_multichannel_limits():
    for bad in ({"in_channels": 4, "out_channels": 4}, {"length": 9}, {"kernel": 5, "length": 8}):
        with pytest.raises(ValueError, match="6 channel rows"):
            video.resolve_params("MultiChannelConv", bad)
    with pytest.raises(ValueError, match="divisible by groups"):
        video.resolve_params("MultiChannelConv", {"in_channels": 3, "groups": 2})


CORNERS = [
    ("MultiChannelConv", {}),
    ("MultiChannelConv", {"in_channels": 4, "out_channels": 2, "length": 8, "kernel": 4}),
    ("MultiChannelConv", {"in_channels": 2, "out_channels": 4, "length": 8, "kernel": 1}),
    ("MultiChannelConv", {"in_channels": 1, "out_channels": 1, "length": 1, "kernel": 1}),
    (
        "MultiChannelConv",
        {
            "in_channels": 3,
            "out_channels": 3,
            "groups": 3,
            "length": 8,
            "mode": "correlation",
            "max_steps": 8,
        },
    ),
    ("MultiChannelConv", {"in_channels": 4, "out_channels": 2, "groups": 2, "seed": 5}),
]


@pytest.mark.parametrize(("name", "params"), CORNERS)
def test_numbers_legible_at_the_corners(media, name, params):
    """At the corners of the parameter range nothing leaves the frame, no two texts overlap,
    no outline cuts a text, and every number is 40 px tall at 1080p; every beat keeps the
    speaking pace."""
    assert_paced(dry(media, name, legible=True, **{"max_steps": 3, **params}))


def assert_paced(scene) -> None:
    """Every beat on the scene's clock meets its floor (tests/test_scenes.py's FLOORS), the
    beats make up the whole video, and the end is held 3 s after the last step mark."""
    assert sum(d for _, d in scene.timeline) == pytest.approx(scene.renderer.time, abs=0.05)
    for kind, seconds in scene.timeline:
        assert seconds >= FLOORS.get(kind, 0.0) - 1e-6, (kind, seconds)
    assert scene.timeline[0][0] == "idea" and scene.timeline[-1] == ("end", pytest.approx(3.0))
    assert scene.marks[-1] == pytest.approx(scene.renderer.time - 3.0, abs=1 / 15)


# -- DilatedCausalStack ----------------------------------------------------------------------


def torch_fields(length: int, kernel: int, dilations: list[int]) -> list[list[int]]:
    """Per layer (0 = input), the nodes the last output depends on: where the gradient of
    the last output of a stack of causal conv1d layers (all-ones weights, left padding
    d·(k−1)) is non-zero."""
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    h, hidden = x, [x]
    for d in dilations:
        h = F.conv1d(
            F.pad(h, (d * (kernel - 1), 0)), torch.ones(1, 1, kernel, dtype=x.dtype), dilation=d
        )
        h.retain_grad()
        hidden.append(h)
    h[0, 0, -1].backward()
    return [torch.nonzero(t.grad[0, 0]).ravel().tolist() for t in hidden]


@pytest.mark.parametrize(
    ("length", "kernel", "dilations"),
    [
        (16, 2, [1, 2, 4, 8]),
        (16, 2, [1, 1, 1, 1]),
        (12, 3, [2, 2]),
        (32, 4, [1, 2, 4, 8, 16, 32]),
        (1, 1, [1]),
    ],
)
def test_causal_stack_fields_are_torchs(length, kernel, dilations):
    """Who the last output depends on, layer by layer, as torch's gradient says; the
    receptive field is the shape core's 1 + (k−1)·Σ d, the span of the inputs lit when the
    drawing is long enough."""
    from convanim.scenes._data import causal_stack

    stack = causal_stack(length, kernel, dilations)
    assert stack.field == torch_fields(length, kernel, dilations)
    r = 1 + (kernel - 1) * sum(dilations)
    assert stack.receptive_field == r
    if length >= r:
        assert stack.field[0][-1] - stack.field[0][0] + 1 == r


def test_wavenet_beats_and_receptive_fields(media):
    scene = dry(media, "DilatedCausalStack", dilations="1,2,4,8", length=16, step_time=0.1)
    assert shown(scene, "receptive_field") == [5, 16]  # 1 + (k−1)·L, then 1 + (k−1)·Σ d
    # title, a beat per layer lit, the field's formula, the switch to dilated, again, the end
    assert [k for k, _ in scene.timeline] == (
        ["idea"] + ["output"] * 4 + ["idea"] * 2 + ["output"] * 4 + ["idea", "end"]
    )
    formulas = [m.tex_string for m in scene.mobjects if isinstance(m, MathTex)]
    assert any("1\\cdot(1+2+4+8)" in f and "= 16" in f for f in formulas), formulas


def test_wavenet_limits():
    for bad in (
        {"kernel": 5},
        {"dilations": "1,64"},
        {"length": 33},
        {"dilations": "1,1,1,1,1,1,1"},
    ):
        with pytest.raises(ValueError, match="up to 6 layers"):
            video.resolve_params("DilatedCausalStack", bad)


WAVENET_CORNERS = [
    ("DilatedCausalStack", {}),
    ("DilatedCausalStack", {"dilations": "1,2,4,8,16,32", "length": 32, "kernel": 4}),
    ("DilatedCausalStack", {"dilations": "32,32,32,32,32,32", "length": 32, "kernel": 4}),
    ("DilatedCausalStack", {"dilations": "1", "length": 1, "kernel": 1}),
    ("DilatedCausalStack", {"dilations": "3,1", "length": 5, "kernel": 3}),
]


@pytest.mark.parametrize(("name", "params"), WAVENET_CORNERS)
def test_wavenet_legible_at_the_corners(media, name, params):
    assert_paced(dry(media, name, legible=True, **params))


def test_data_doctests():
    import doctest

    from convanim.scenes import _data

    result = doctest.testmod(_data)
    assert result.attempted >= 1 and result.failed == 0


# -- both themes -----------------------------------------------------------------------------


@pytest.mark.parametrize(("theme", "ink", "transparent"), PALETTE_CASES)
@pytest.mark.parametrize("name", ["MultiChannelConv", "DilatedCausalStack"])
def test_drawn_through_the_palette(media, name, theme, ink, transparent):
    """On the light and the dark slide and in a transparent export every colour on screen is
    the palette's (``dry`` checks each play), with every number 40 px tall and the pace kept."""
    scene = dry(
        media, name, legible=True, max_steps=3, theme=theme, ink=ink, transparent=transparent
    )
    assert_paced(scene)
    dark = theme == "dark" or transparent
    assert scene.palette.ink == ("#fdf6e3" if dark else "#000000")
    if name == "MultiChannelConv":
        # the samples are drawn over the window's shade, not dimmed by it
        t = scene.palette.cells
        family = [m for top in scene.mobjects for m in top.get_family()]
        shades = [m for m in family if isinstance(m, Polygon) and m.get_fill_opacity() > 0
                  and m.get_fill_color().to_hex().lower() == t.shade.lower()]  # fmt: skip
        samples = [m for m in family if isinstance(m, Text) and m.z_index == 1]
        assert shades and len(samples) == scene.x.size
        assert all(m.z_index < 1 for m in shades)


@pytest.mark.parametrize(("theme", "ink", "transparent"), PALETTE_CASES)
def test_numbers_under_the_window_stay_legible(theme, ink, transparent):
    """MultiChannelConv's input numbers keep the ink chosen for their cell while the window's
    shade passes over them (4.5:1 either way), and the veil over a channel another group reads
    is the slide's own colour."""
    from convanim.scenes._common import palette_for

    from convanim.draw.themes import contrast

    pal = palette_for(theme, ink, transparent)
    t = pal.cells
    for role in ("input", "output", "kernel"):
        ink_colour = t.ink_on(t.fill(role))
        assert contrast(ink_colour, t.shaded(role)) >= 4.5, (role, ink_colour)
    assert pal.background in pal.colours()
