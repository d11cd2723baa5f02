"""Dry-run tests of TransposedConv2D, TransposedAmbiguity and ConvBackward (issue 11): their
mechanisms, numbers against PyTorch, pacing, contrast, and legibility at the parameter corners.

Manim's ``dry_run`` plays every animation without drawing a frame; ``dry`` (tests/
scene_checks.py) checks the layout, the colours (the palette's only) and, with ``legible``,
the size of every number after each animation.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")
torch = pytest.importorskip("torch")

from convanim.scenes._data import backward_example, example_grid  # noqa: E402
from scene_checks import PALETTE_CASES, dry, shown  # noqa: E402

from convanim import video  # noqa: E402

F = torch.nn.functional


def _torch_transposed(x, w, stride, padding=0, output_padding=0):
    t = torch.nn.functional.conv_transpose2d(
        torch.tensor(x)[None, None],
        torch.tensor(w)[None, None],
        stride=stride,
        padding=padding,
        output_padding=output_padding,
    )
    return t[0, 0].numpy()


def test_scatter_lands_scaled_kernels_and_sums_overlaps(media):
    params = dict(input="2x2", kernel=3, stride=2, output_padding=1, view="scatter")
    scene = dry(media, "TransposedConv2D", legible=True, **params)
    x = example_grid((2, 2), 0, 0, 4)
    w = example_grid((3, 3), 1, 0, 3)
    y = _torch_transposed(x, w, 2, output_padding=1)
    assert y.shape == (6, 6)
    # each input cell: its scaled kernel x[i,j]·w, product by product, in raster order
    expected = [
        x[i, j] * w[r, c] for i in range(2) for j in range(2) for r in range(3) for c in range(3)
    ]
    np.testing.assert_allclose(shown(scene, "product"), expected)
    np.testing.assert_allclose(sorted(shown(scene, "output")), sorted(y.ravel()))


#: The corners of each scene's parameter range: the largest drawing the limits allow, the
#: smallest, the widest formulas and notes.
CORNERS = [
    ("TransposedConv2D", {}),
    ("TransposedConv2D", {"input": "3x3", "kernel": 2, "stride": 2, "output_padding": 1}),
    ("TransposedConv2D", {"input": "1x1", "kernel": 1, "stride": 1, "output_padding": 0}),
    (
        "TransposedConv2D",
        {"input": "4x4", "kernel": 3, "stride": 1, "padding": 1, "output_padding": 0},
    ),
    (
        "TransposedConv2D",
        {
            "input": "2x2",
            "kernel": "3x2",
            "stride": "2,3",
            "padding": "1,0",
            "output_padding": "1,2",
            "seed": 4,
        },
    ),
    (
        "TransposedConv2D",
        {
            "input": "1x1",
            "kernel": 4,
            "stride": 1,
            "padding": 0,
            "output_padding": 0,
            "view": "scatter",
        },
    ),
]


CORNERS += [
    ("TransposedAmbiguity", {}),
    # three input sizes (stride 3): three drawings per phase, the widest formula
    ("TransposedAmbiguity", {"sizes": "9,8,7", "kernel": 3, "stride": 3, "padding": 1}),
    ("TransposedAmbiguity", {"sizes": "2,1", "kernel": 1, "stride": 2, "padding": 0}),
    ("ConvBackward", {}),
    ("ConvBackward", {"length": 10, "kernel": 10}),  # ∂L/∂y padded to 19 cells
    ("ConvBackward", {"length": 10, "kernel": 1}),  # no padding at all
    ("ConvBackward", {"length": 1, "kernel": 1}),
    ("ConvBackward", {"length": 9, "kernel": 4, "seed": 7}),
]


@pytest.mark.parametrize(("name", "params"), CORNERS)
def test_numbers_legible_at_the_corners(media, name, params):
    """Nothing leaves the frame, no two texts overlap, no outline cuts a text, and every
    number is 40 px tall at 1080p (weights in cell corners aside), none under a translucent
    shade (its ink would be blended), after every animation."""
    dry(media, name, legible=True, max_steps=3, **params)


def test_transposed_direct_view_matches_torch(media):
    params = dict(input="3x2", kernel=2, stride=2, padding=1, output_padding=1, seed=3)
    scene = dry(media, "TransposedConv2D", view="direct", **params)
    x = example_grid((3, 2), 3, 0, 4)
    w = example_grid((2, 2), 4, 0, 3)
    y = _torch_transposed(x, w, 2, padding=1, output_padding=1)
    assert y.shape == (5, 3)  # (i−1)s − 2p + k + output_padding, per axis
    np.testing.assert_allclose(shown(scene, "output"), y.ravel())
    assert shown(scene, "O") == [5, 3]


def test_transposed_grid_limit_keeps_numbers_legible():
    with pytest.raises(ValueError, match="up to 8x8"):
        video.resolve_params("TransposedConv2D", {"input": "4x4", "kernel": 3, "stride": 2})


def _torch_grads(x, w, gy):
    """PyTorch autograd of the deck's y[n] = Σ_k w[k] x[n−k] + b (conv1d correlates, so its
    weight is w flipped): ∂L/∂b, ∂L/∂w, ∂L/∂x for L = Σ_n ∂L/∂y[n]·y[n]."""
    xt = torch.tensor(x)[None, None].requires_grad_(True)
    wt = torch.tensor(w[::-1].copy())[None, None].requires_grad_(True)
    bt = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    y = F.conv1d(xt, wt, bt)
    (y * torch.tensor(gy)[None, None]).sum().backward()
    return bt.grad.item(), wt.grad[0, 0].numpy()[::-1], xt.grad[0, 0].numpy()


@pytest.mark.parametrize("params", [{}, {"length": 7, "kernel": 4, "seed": 2}])
def test_backward_numbers_are_torch_autograd(media, params):
    scene = dry(media, "ConvBackward", step_time=0.1, **params)
    p = video.resolve_params("ConvBackward", params)
    x, w, gy, *_ = backward_example(p)
    gb, gw, gx = _torch_grads(x, w, gy)
    m = len(w)
    assert shown(scene, "dL/db") == [pytest.approx(gb)]
    np.testing.assert_allclose(shown(scene, "grad"), np.concatenate([gw, gx]))
    np.testing.assert_allclose(shown(scene, "dL/dy"), gy)
    # ∂L/∂w's picture: x fixed, ∂L/∂y sliding; ∂L/∂x's: ∂L/∂y with M−1 zeros each side, w
    fixed, sliding = shown(scene, "fixed"), shown(scene, "sliding")
    padded = np.concatenate([np.zeros(m - 1), gy, np.zeros(m - 1)])
    np.testing.assert_allclose(fixed, np.concatenate([x, padded]))
    np.testing.assert_allclose(sliding, np.concatenate([gy, w]))
    assert shown(scene, "zeros") == ([m - 1] if m > 1 else [])


def test_ambiguity_never_read_row_and_column_match_torch(media):
    scene = dry(media, "TransposedAmbiguity", step_time=0.1)
    assert shown(scene, "never_read") == [1, 0]  # 6×6: one row and column; 5×5: none
    assert shown(scene, "size") == [6, 5, 5, 6] and shown(scene, "output_padding") == [0, 1]
    # Torch: the gradient of the convolution's outputs w.r.t. the padded 6×6 input is zero
    # exactly on its last row and column (no window reads them), and nowhere else.
    for n, unread in ((6, 1), (5, 0)):
        padded = torch.ones(1, 1, n + 2, n + 2, dtype=torch.float64, requires_grad=True)
        out = F.conv2d(padded, torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2)
        assert out.shape[-1] == 3
        out.sum().backward()
        read = padded.grad[0, 0] != 0
        assert int((~read).all(dim=1).sum()) == unread and int((~read).all(dim=0).sum()) == unread
        if unread:
            assert not read[-1].any() and not read[:, -1].any() and read[:-1, :-1].all()
    # and the transposed convolution back from 3×3 gives 5×5 or 6×6 by output_padding
    t = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    k = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    sizes = [
        F.conv_transpose2d(t, k, stride=2, padding=1, output_padding=op).shape[-1] for op in (0, 1)
    ]
    assert sizes == [5, 6]


MY_SCENES = ["TransposedConv2D", "TransposedAmbiguity", "ConvBackward"]


@pytest.mark.parametrize(("theme", "ink", "transparent"), PALETTE_CASES[1:])
@pytest.mark.parametrize("name", MY_SCENES)
def test_scenes_draw_through_the_palette(media, name, theme, ink, transparent):
    """On the dark slide and in a transparent export every colour on screen is the palette's
    (``dry`` checks each play), so nothing stays dark-on-dark."""
    scene = dry(media, name, max_steps=2, theme=theme, ink=ink, transparent=transparent)
    assert scene.palette.ink == "#fdf6e3"


@pytest.mark.parametrize(("theme", "ink", "transparent"), PALETTE_CASES)
def test_what_these_scenes_add_is_legible(theme, ink, transparent):
    """The pairs these scenes add to the common ones (tests/test_scenes.py): red call-outs
    (output_padding, never read, the M−1 zeros) and grey indices on the slide; the products
    of the scaled kernel on the kernel's fill; the gold patch and overlap outlines on the
    kernel and output fills; the red outlines over their halo of the slide's colour."""
    from convanim.scenes._common import palette_for

    from convanim.draw.plan import contrast

    pal = palette_for(theme, ink, transparent)
    t, slide = pal.cells, pal.background
    for colour in (pal.red, pal.grey, pal.ink):
        assert contrast(colour, slide) >= 4.5, colour
    assert contrast(t.ink_on(t.fill("kernel")), t.fill("kernel")) >= 4.5
    for role in ("kernel", "output"):
        assert contrast(pal.gold, t.fill(role)) >= 3.0, role
    # the halo is the slide's colour, so the red line is always seen against the slide
    assert contrast(pal.red, slide) >= 3.0


def test_direct_view_shows_one_window_at_every_pause(media):
    """After every beat of the direct view (what a paused video shows) there is one window:
    one thick outline over the input, its shading exactly under it, every subscript inside it,
    and one output box, all of the same step (they move together)."""
    from convanim.scenes.transposed import TransposedConv2D
    from manim import Polygon, Text, tempconfig

    def bbox(ms):
        pts = np.vstack([m.get_all_points() for m in ms])
        return np.array([*pts.min(axis=0)[:2], *pts.max(axis=0)[:2]])

    states = []  # (window box, output box, shading's box, subscripts' boxes), as numbers
    cfg = {"dry_run": True, "media_dir": str(media), "disable_caching": True}
    cfg.update(progress_bar="none", verbosity="ERROR", frame_rate=15)
    with tempconfig(cfg):
        scene = TransposedConv2D(params={"view": "direct", "max_steps": 5})
        play = scene.play

        def record(*args, **kwargs):
            play(*args, **kwargs)
            family = [m for top in scene.mobjects for m in top.get_family()]
            boxes = [m for m in family if isinstance(m, Polygon) and m.get_stroke_width() == 6]
            if not boxes:
                return
            shade = [
                m
                for m in family
                if isinstance(m, Polygon)
                and m.get_stroke_width() == 0
                and 0 < m.get_fill_opacity() < 1
            ]
            subs = [m for m in family if isinstance(m, Text) and getattr(m, "is_subscript", 0)]
            boxes.sort(key=lambda m: -m.width * m.height)
            states.append(
                (len(boxes), len(shade), bbox(boxes[:1]), bbox(shade), [bbox([m]) for m in subs])
            )

        scene.play = record
        scene.render()

    assert len(states) >= 10  # five steps, each a move and a hold
    for n_boxes, n_shade, window, shade, subs in states:
        assert n_boxes == 2  # the window and the output cell, nothing left behind
        assert n_shade == 9  # the 3×3 window's cells (the output box is not shaded)
        np.testing.assert_allclose(shade, window, atol=1e-6)
        x0, y0, x1, y1 = window
        for sx0, sy0, sx1, sy1 in subs:
            assert x0 <= sx0 and sx1 <= x1 and y0 <= sy0 and sy1 <= y1
