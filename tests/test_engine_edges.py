"""Torch's edge rules (issue 14), each checked against live torch 2.13 and pinned.

The pinned numbers are what torch 2.13 answered when these tests were written, so the checks
also run where torch is absent; with torch present each case is asked again live.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from convanim import engine
from convanim.core import shapes

try:  # the oracle is optional: pinned answers stand in for it
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - torch is in the dev venv
    torch = None
    F = None

live = pytest.mark.skipif(torch is None, reason="torch (the oracle) is not installed")


def _torch_conv1d_length(length: int, kernel: int, stride: int, padding: int, mode: str):
    """Output length of nn.Conv1d on ``length`` cells, or None when torch refuses."""
    conv = torch.nn.Conv1d(1, 1, kernel, stride=stride, padding=padding, padding_mode=mode)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return conv(torch.zeros(1, 1, length)).shape[-1]
    except RuntimeError:
        return None


# --------------------------------------------------------------------------------------------
# The conv preimage honours padding_mode
# --------------------------------------------------------------------------------------------

PREIMAGE_CASES = [
    # (output, kernel, stride, padding, mode, torch's preimage)
    (2, 1, 4, 2, "reflect", [3, 4]),
    (2, 1, 4, 2, "circular", [2, 3, 4]),
    (2, 1, 4, 2, "zeros", [1, 2, 3, 4]),
    (2, 1, 4, 2, "replicate", [1, 2, 3, 4]),
    (2, 3, 3, 2, "reflect", [3, 4]),
    (2, 3, 3, 2, "circular", [2, 3, 4]),
    (3, 2, 4, -1, "reflect", [12, 13, 14, 15]),
]


@pytest.mark.parametrize(("out", "k", "s", "p", "mode", "expected"), PREIMAGE_CASES)
def test_preimage_honours_padding_mode(out, k, s, p, mode, expected) -> None:
    assert list(shapes.preimage(out, k, s, p, 1, mode)) == expected
    # every member is accepted by conv_geometry and maps to ``out``; neighbours do not
    for length in expected:
        assert shapes.conv_geometry((length,), k, s, p, 1, mode)[0].output == out


@live
@pytest.mark.parametrize(("out", "k", "s", "p", "mode", "expected"), PREIMAGE_CASES)
def test_preimage_is_torchs(out, k, s, p, mode, expected) -> None:
    found = [L for L in range(1, 40) if _torch_conv1d_length(L, k, s, p, mode) == out]
    assert found == expected


# --------------------------------------------------------------------------------------------
# Negative padding with a non-zeros padding_mode crops, as nn.Conv does
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(("length", "k", "s", "p"), [(12, 2, 4, -1), (7, 3, 1, -2), (3, 1, 1, -1)])
def test_negative_padding_crops_like_torch_sizes(mode, length, k, s, p) -> None:
    mine = shapes.conv_geometry((length,), k, s, p, 1, mode)[0].output
    if torch is not None:
        assert mine == _torch_conv1d_length(length, k, s, p, mode)
    assert mine == (length + 2 * p - k) // s + 1


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_negative_padding_refused_where_torch_refuses(mode) -> None:
    for length in (1, 2):
        with pytest.raises(ValueError):
            shapes.conv_geometry((length,), 1, 1, -1, 1, mode)
        if torch is not None:
            assert _torch_conv1d_length(length, 1, 1, -1, mode) is None
    with pytest.raises(ValueError, match="negative padding is not supported"):
        shapes.conv_geometry((12,), 2, 4, -1, 1, "zeros")
    with pytest.raises(ValueError, match="same sign"):
        shapes.conv_geometry((12,), 2, 4, [(-1, 1)], 1, mode)


@live
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_negative_padding_values_and_gradients_match_torch(mode) -> None:
    rng = np.random.default_rng(3)
    for length, k, s, p, d in [(12, 2, 4, -1, 1), (7, 3, 1, -2, 1), (9, 2, 2, -1, 2)]:
        x = rng.normal(size=(2, 2, length))
        w = rng.normal(size=(3, 2, k))
        m = torch.nn.Conv1d(2, 3, k, stride=s, padding=p, dilation=d, padding_mode=mode)
        m = m.double()
        m.weight.data = torch.tensor(w)
        m.bias.data.zero_()
        xt = torch.tensor(x, requires_grad=True)
        yt = m(xt)
        y = engine.conv(x, w, None, s, p, d, 1, mode)
        np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
        gy = rng.normal(size=y.shape)
        yt.backward(torch.tensor(gy))
        g = engine.conv_backward(x, w, gy, s, p, d, 1, mode)
        np.testing.assert_allclose(g.grad_input, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(g.grad_weight, m.weight.grad.numpy(), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# max_unpool: a negative default size is refused with torch's message
# --------------------------------------------------------------------------------------------

UNPOOL_MESSAGE = "output_size must contain non-negative spatial dimensions"


def test_negative_unpool_default_refused() -> None:
    with pytest.raises(ValueError, match=UNPOOL_MESSAGE):
        shapes.unpool_output_size(1, 1, 1, 1)
    with pytest.raises(ValueError, match=UNPOOL_MESSAGE):
        engine.max_unpool1d(np.ones((1, 1, 1)), np.zeros((1, 1, 1), int), 1, 1, 1)
    assert shapes.unpool_output_size(1, 2, 2, 1) == 0  # an empty output is torch's answer


@live
def test_negative_unpool_default_is_torchs_refusal() -> None:
    with pytest.raises(ValueError, match=UNPOOL_MESSAGE):
        F.max_unpool1d(torch.ones(1, 1, 1), torch.zeros(1, 1, 1, dtype=torch.long), 1, 1, 1)


# --------------------------------------------------------------------------------------------
# 1-d adaptive pools refuse None (None keeps a dimension only in 2-d and 3-d)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [None, [None], (None,)])
def test_adaptive_1d_refuses_none(size) -> None:
    x = np.arange(4.0)[None, None]
    with pytest.raises(ValueError, match="1-d adaptive pool"):
        engine.adaptive_avg_pool1d(x, size)
    with pytest.raises(ValueError, match="1-d adaptive pool"):
        engine.adaptive_max_pool1d(x, size)
    if torch is not None:
        for fn in (F.adaptive_avg_pool1d, F.adaptive_max_pool1d):
            with pytest.raises(TypeError):
                fn(torch.tensor(x), size)
    # 2-d keeps a dimension with None, as torch does
    assert engine.adaptive_avg_pool2d(np.ones((1, 1, 4, 4)), (None, 2)).shape == (1, 1, 4, 2)
