"""Dry-run tests of TransposedConv2D, TransposedAmbiguity and ConvBackward (issue 11): their
mechanisms, numbers against PyTorch, pacing, contrast, and legibility at the parameter corners.

Manim's ``dry_run`` plays every animation without drawing a frame; the helpers (``dry``,
``shown``, ``layout_problems``, ``small_numbers``) are the ones tests/test_scenes.py uses.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")
torch = pytest.importorskip("torch")

from test_scenes import dry, shown  # noqa: E402

from convanim import video  # noqa: E402
from convanim.scenes._data import example_grid  # noqa: E402


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


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("manim-media")


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


@pytest.mark.parametrize(("name", "params"), CORNERS)
def test_numbers_legible_at_the_corners(media, name, params):
    """Nothing leaves the frame, no two texts overlap, no outline cuts a text, and every
    number is 40 px tall at 1080p (weights in cell corners aside), after every animation."""
    dry(media, name, legible=True, max_steps=3, **params)
