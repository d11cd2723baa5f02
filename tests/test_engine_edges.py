"""Torch's edge rules (issue 14), each checked against live torch 2.13 and pinned.

The pinned numbers are what torch 2.13 answered when these tests were written, so the checks
also run where torch is absent; with torch present each case is asked again live.
"""

from __future__ import annotations

import json
import math
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


# --------------------------------------------------------------------------------------------
# lp_pool: p = ±inf and negative p, as torch computes them
# --------------------------------------------------------------------------------------------


def test_lp_pool_inf_pinned() -> None:
    x = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    np.testing.assert_array_equal(engine.lp_pool1d(x, math.inf, 2), [[[2.0, 4.0]]])
    np.testing.assert_array_equal(engine.lp_pool1d(x, -math.inf, 2), [[[1.0, 3.0]]])
    np.testing.assert_allclose(engine.lp_pool1d(x, -1.0, 2), [[[2 / 3, 12 / 7]]])
    neg = np.array([[[-5.0, 2.0, 3.0, -4.0]]])
    np.testing.assert_array_equal(engine.lp_pool1d(neg, math.inf, 2), [[[5.0, 4.0]]])
    for bad in (0, 0.0, math.nan):
        with pytest.raises(ValueError, match="non-zero number"):
            engine.lp_pool1d(x, bad, 2)


LP_CASES = [
    # (norm_type, spatial shape, kernel, stride, ceil_mode)
    (math.inf, (7,), 2, None, False),
    (-math.inf, (7,), 3, 2, True),
    (-1.0, (6,), 2, None, False),
    (-2.5, (5, 6), (2, 3), (2, 2), True),
    (3.0, (5, 5), 2, 2, True),
    (1.5, (4, 5, 6), 2, None, False),
    (math.inf, (5, 6), (2, 2), (1, 2), False),
]


@live
@pytest.mark.parametrize(("p", "shape", "k", "s", "ceil"), LP_CASES)
def test_lp_pool_values_and_gradients_match_torch(p, shape, k, s, ceil) -> None:
    rng = np.random.default_rng(7)
    ndim = len(shape)
    x = rng.uniform(0.2, 2.0, size=(2, 3, *shape)) * rng.choice([-1, 1], size=(2, 3, *shape))
    if p not in (math.inf, -math.inf) and p != int(p):
        x = np.abs(x)  # a fractional power of a negative number is nan in both
    fn = getattr(F, f"lp_pool{ndim}d")
    xt = torch.tensor(x, requires_grad=True)
    yt = fn(xt, p, k, s, ceil)
    y = engine.lp_pool(x, p, k, s, ceil, ndim=ndim)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    gy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(gy))
    g = engine.lp_pool_backward(x, gy, p, k, s, ceil, ndim=ndim)
    np.testing.assert_allclose(g.grad_input, xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@live
def test_lp_pool_zero_sum_passes_no_gradient_like_torch() -> None:
    x = np.array([[[0.0, 0.0, 1.0, 2.0]]])
    xt = torch.tensor(x, requires_grad=True)
    F.lp_pool1d(xt, 2.0, 2).sum().backward()
    g = engine.lp_pool_backward(x, np.ones((1, 1, 2)), 2.0, 2, ndim=1)
    np.testing.assert_allclose(g.grad_input, xt.grad.numpy())
    assert g.grad_input[0, 0, :2].tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------------------------
# Gradients of adaptive pools and max_unpool against torch autograd
# --------------------------------------------------------------------------------------------

ADAPTIVE_CASES = [((7,), 3), ((10,), 4), ((5, 7), (3, None)), ((6, 5), (4, 2)), ((4, 5, 6), 3)]


@live
@pytest.mark.parametrize(("shape", "out"), ADAPTIVE_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_adaptive_gradients_match_torch(kind, shape, out) -> None:
    rng = np.random.default_rng(11)
    ndim = len(shape)
    x = rng.normal(size=(2, 3, *shape))
    xt = torch.tensor(x, requires_grad=True)
    if kind == "max":
        yt = getattr(F, f"adaptive_max_pool{ndim}d")(xt, out)
        y = engine.adaptive_max_pool(x, out, ndim=ndim)
    else:
        yt = getattr(F, f"adaptive_avg_pool{ndim}d")(xt, out)
        y = engine.adaptive_avg_pool(x, out, ndim=ndim)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12)
    gy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(gy))
    backward = (
        engine.adaptive_max_pool_backward if kind == "max" else engine.adaptive_avg_pool_backward
    )
    g = backward(x, gy, out, ndim=ndim)
    np.testing.assert_allclose(g.grad_input, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@live
@pytest.mark.parametrize(
    ("shape", "k", "s", "p", "size"),
    [
        ((8,), 2, None, 0, None),
        ((9,), 3, 2, 1, [9]),
        ((6, 7), 2, 2, 0, [6, 7]),
        ((4, 4, 4), 2, 2, 0, None),
    ],
)
def test_max_unpool_gradient_matches_torch(shape, k, s, p, size) -> None:
    rng = np.random.default_rng(5)
    ndim = len(shape)
    x = rng.normal(size=(2, 2, *shape))
    pooled, idx = getattr(F, f"max_pool{ndim}d")(torch.tensor(x), k, s, p, return_indices=True)
    vt = pooled.clone().requires_grad_()
    yt = getattr(F, f"max_unpool{ndim}d")(vt, idx, k, s, p, size)
    v, i = pooled.numpy(), idx.numpy()
    y = engine.max_unpool(v, i, k, s, p, size, ndim=ndim)
    np.testing.assert_allclose(y, yt.detach().numpy())
    gy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(gy))
    g = engine.max_unpool_backward(v, i, gy, k, s, p, size, ndim=ndim)
    np.testing.assert_allclose(g.grad_input, vt.grad.numpy())


# --------------------------------------------------------------------------------------------
# conv_transpose(output_size=…), as the module's forward
# --------------------------------------------------------------------------------------------


@live
@pytest.mark.parametrize(
    ("shape", "k", "s", "p", "d", "size"),
    [((3,), 3, 2, 1, 1, [6]), ((3,), 3, 2, 1, 1, [5]), ((3, 4), 3, (2, 3), 1, 1, [6, 10]),
     ((2, 2, 2), 2, 3, 0, 2, [6, 7, 8]), ((3,), 3, 2, 1, 1, [1, 2, 6])],
)  # fmt: skip
def test_conv_transpose_output_size_matches_torch_module(shape, k, s, p, d, size) -> None:
    rng = np.random.default_rng(2)
    ndim = len(shape)
    x = rng.normal(size=(1, 2, *shape))
    w = rng.normal(size=(2, 2, *([k] * ndim)))
    m = getattr(torch.nn, f"ConvTranspose{ndim}d")(2, 2, k, stride=s, padding=p, dilation=d)
    m = m.double()
    m.weight.data = torch.tensor(w)
    m.bias.data.zero_()
    expected = m(torch.tensor(x), output_size=size).detach().numpy()
    y = engine.conv_transpose(x, w, None, s, p, 0, 1, d, output_size=size)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_conv_transpose_output_size_refusals() -> None:
    x, w = np.ones((1, 1, 3)), np.ones((1, 1, 3))
    with pytest.raises(ValueError, match="valid sizes range from \\[5\\] to \\[6\\]"):
        engine.conv_transpose(x, w, stride=2, padding=1, output_size=[7])
    with pytest.raises(ValueError, match="not both"):
        engine.conv_transpose(x, w, stride=2, padding=1, output_padding=1, output_size=[6])
    with pytest.raises(ValueError, match="output_size must have 1 or 3 elements"):
        engine.conv_transpose(x, w, stride=2, padding=1, output_size=[1, 6])


# --------------------------------------------------------------------------------------------
# The same rules on the command line (``convanim compute``)
# --------------------------------------------------------------------------------------------


def _compute(capsys, *args: str) -> tuple[int, str, str]:
    from convanim.cli import main

    code = 0
    try:
        main(["compute", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _compute_json(capsys, *args: str) -> dict:
    code, out, err = _compute(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_cli_lp_pool_inf_and_negative(capsys) -> None:
    data = _compute_json(capsys, "lp_pool1d", "-i", "[1,2,3,4]", "-k", "2", "--norm-type", "inf")
    assert data["output"] == [2.0, 4.0]
    data = _compute_json(capsys, "lp_pool1d", "-i", "[1,2,3,4]", "-k", "2", "--norm-type", "-1")
    np.testing.assert_allclose(data["output"], [2 / 3, 12 / 7])
    code, _, err = _compute(capsys, "lp_pool1d", "-i", "[1,2]", "-k", "2", "--norm-type", "0")
    assert code == 2 and err.count("\n") == 1 and "non-zero" in err


def test_cli_conv_transpose_output_size(capsys) -> None:
    args = ("conv_transpose1d", "-i", "[1,2,3]", "-w", "[1,1,1]", "-s", "2", "-p", "1")
    assert len(_compute_json(capsys, *args, "--output-size", "6")["output"]) == 6
    assert len(_compute_json(capsys, *args, "--output-size", "5")["output"]) == 5
    for extra, message in (
        (("--output-size", "7"), "valid sizes range"),
        (("--output-size", "6", "--output-padding", "1"), "not both"),
    ):
        code, _, err = _compute(capsys, *args, *extra)
        assert code == 2 and err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # adaptive avg: [1,2,3,4,5] → windows [0,3) and [2,5); ∂L/∂y = (2, 4)
        (["adaptive_avg_pool1d", "-i", "[1,2,3,4,5]", "--output-size", "2"], [2 / 3, 2 / 3, 2, 4 / 3, 4 / 3]),
        (["adaptive_max_pool1d", "-i", "[1,5,2,4,3]", "--output-size", "2"], [0, 2, 0, 4, 0]),
        (["lp_pool1d", "-i", "[3,4,0,0]", "-k", "2"], [1.2, 1.6, 0, 0]),
        (["max_unpool1d", "-i", "[3,5]", "--indices", "[1,3]", "-k", "2"], "unpool"),
    ],
)  # fmt: skip
def test_cli_grad_output_for_every_pool(capsys, args, expected) -> None:
    grad = "[1,2,3,4]" if expected == "unpool" else "[2,4]"
    data = _compute_json(capsys, *args, "--grad-output", grad)
    if expected == "unpool":
        expected = [2.0, 4.0]  # each value reads ∂L/∂y at its index
    np.testing.assert_allclose(data["grad_input"], expected)


def test_cli_json_keeps_the_shape_of_an_empty_result(capsys) -> None:
    data = _compute_json(
        capsys, "adaptive_avg_pool2d", "-i", "[[1,2],[3,4]]", "--output-size", "0,3"
    )
    assert data["output"] == [] and data["shape"] == {"output": [0, 3]}
    data = _compute_json(capsys, "max_pool1d", "-i", "[1,2,3]", "-k", "2")
    assert data["shape"] == {"output": [1], "indices": [1]}


def test_cli_negative_unpool_default_refused(capsys) -> None:
    code, _, err = _compute(
        capsys, "max_unpool1d", "-i", "[1]", "--indices", "[0]", "-k", "1", "-p", "1"
    )
    assert code == 2 and err.count("\n") == 1 and UNPOOL_MESSAGE in err, err


def test_cli_negative_padding_crops_in_reflect_mode(capsys) -> None:
    x = json.dumps(list(range(1, 13)))
    data = _compute_json(
        capsys, "conv1d", "-i", x, "-w", "[1,1]", "-s", "4", "-p", "-1", "--padding-mode", "reflect"
    )
    assert data["output"] == [5.0, 13.0, 21.0]  # x[1]+x[2], x[5]+x[6], x[9]+x[10]


def test_cli_shape_negative_padding_has_no_transposed_way_back(capsys) -> None:
    from convanim.cli import main

    try:
        main(["shape", "conv", "-i", "12", "-k", "2", "-s", "4", "-p", "-1",
              "--padding-mode", "reflect", "--json"])  # fmt: skip
    except SystemExit as exc:
        assert not exc.code
    data = json.loads(capsys.readouterr().out)
    assert data["output"] == [3] and data["preimage"] == [[12, 13, 14, 15]]
    assert data["preimage_output_padding"] == [[]]  # ConvTranspose refuses negative padding


def test_cli_lp_gradient_nan_is_explained(capsys) -> None:
    # torch: d/dx of lp_pool with p = -1 at x = 0 is nan (0 · inf in its chain), as ours
    x = np.array([[[0.0, 2.0, 3.0, 4.0]]])
    g = engine.lp_pool_backward(x, np.ones((1, 1, 2)), -1.0, 2, ndim=1).grad_input
    assert np.isnan(g[0, 0, 0]) and np.isfinite(g[0, 0, 1:]).all()
    if torch is not None:
        xt = torch.tensor(x, requires_grad=True)
        F.lp_pool1d(xt, -1.0, 2).sum().backward()
        np.testing.assert_allclose(g, xt.grad.numpy())
    code, _, err = _compute(
        capsys,
        "lp_pool1d",
        "-i",
        "[0,2,3,4]",
        "-k",
        "2",
        "--norm-type",
        "-1",
        "--grad-output",
        "[1,1]",
    )
    assert code == 2 and err.count("\n") == 1 and "gradient is nan" in err
