"""Forward values of the numeric engine: PyTorch 2.13.0 as the oracle, the paper's numbers,
committed reference arrays (so the checks mean something without torch), dtypes and errors."""

from __future__ import annotations

import inspect
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from convanim import engine as E
from convanim.core import shapes
from convanim.engine import arrays, examples

REFERENCE = Path(__file__).parent / "data" / "engine_reference.npz"
PAPER_X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
PAPER_W = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-5)}


def check(actual: np.ndarray, expected: np.ndarray, dtype: type = np.float64) -> None:
    """Shape, then dtype, then values (the numpy testing order)."""
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype == np.dtype(dtype)
    assert_allclose(actual, expected, **TOL[dtype])


# --------------------------------------------------------------------------------------------
# The conv_arithmetic paper's numerical figures (reference §1.3)
# --------------------------------------------------------------------------------------------


def test_paper_values_are_rebuilt_from_the_seed():
    x, w = examples.conv_arithmetic_values()
    assert x.tolist() == PAPER_X
    assert w.tolist() == PAPER_W


@pytest.mark.parametrize(
    ("padding", "stride", "expected"),
    [
        (0, 1, [[12, 12, 17], [10, 17, 19], [9, 6, 14]]),  # Figure 1.1
        (1, 2, [[6, 17, 3], [8, 17, 13], [6, 4, 4]]),  # Figure 1.2 (after the 2016 stride fix)
    ],
)
def test_paper_convolution_figures(padding, stride, expected):
    x, w = np.array(PAPER_X, float), np.array(PAPER_W, float)
    y = E.conv2d(x[None], w[None, None], stride=stride, padding=padding)
    assert y[0].tolist() == expected


def test_paper_pooling_figures():
    x = np.array(PAPER_X, float)[None]
    assert E.max_pool2d(x, 3, 1)[0].tolist() == [[3, 3, 3], [3, 3, 3], [3, 2, 3]]  # Figure 1.6
    exact = np.array([[5 / 3, 5 / 3, 5 / 3], [1, 11 / 9, 16 / 9], [10 / 9, 7 / 9, 4 / 3]])
    assert_allclose(E.avg_pool2d(x, 3, 1)[0], exact, rtol=1e-15)  # Figure 1.5
    assert [[f"{v:.1f}" for v in row] for row in E.avg_pool2d(x, 3, 1)[0]] == [
        ["1.7", "1.7", "1.7"],
        ["1.0", "1.2", "1.8"],
        ["1.1", "0.8", "1.3"],
    ]


def test_transposed_figure_is_the_direct_conv_with_flipped_kernel_over_zero_inserted_grid():
    # Fig 4.7 (padding_strides_odd_transposed): i'=3, k=3, s=2, p=1, a=1 -> 6x6.
    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, (3, 3)).astype(float)
    w = rng.integers(0, 3, (3, 3)).astype(float)
    y = E.conv_transpose2d(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)
    g = shapes.transposed_geometry((3, 3), 3, 2, 1, 1, 1)
    grid = np.zeros((g[0].grid, g[1].grid))
    for i in range(3):
        for j in range(3):
            grid[g[0].input_position(i), g[1].input_position(j)] = x[i, j]
    direct = E.conv2d(grid[None, None], w[::-1, ::-1][None, None].copy())
    assert y.shape == (1, 1, 6, 6)
    assert_allclose(y, direct, rtol=0, atol=0)


# --------------------------------------------------------------------------------------------
# PyTorch as the oracle (float64 and float32)
# --------------------------------------------------------------------------------------------


#: Hypothesis settings of every property test here: a fixed example set (a failure, or a torch
#: crash, reproduces on the next run and in CI) and no example database to replay.
STABLE = settings(deadline=None, derandomize=True, database=None)


def _torch():
    """torch, single-threaded: its OpenMP pool would fight the other pytest-xdist worker for the
    two cores (5× slower here), and a worker that forks later (render pools) is safer without it."""
    t = pytest.importorskip("torch")
    t.set_num_threads(1)
    return t


def torch_conv(x, w, b, stride, padding, dilation, groups, padding_mode, mode, unbatched):
    """The reference: F.pad (the nn.Conv route for padding modes and pairs), then F.conv*d."""
    t = _torch()
    F = t.nn.functional
    ndim = w.ndim - 2
    fn = getattr(F, f"conv{ndim}d")
    xt, wt = t.from_numpy(x), t.from_numpy(w)
    if mode == "convolution":
        wt = t.flip(wt, dims=list(range(2, w.ndim)))
    bt = None if b is None else t.from_numpy(b)
    if padding_mode == "zeros" and (padding in ("same", "valid") or isinstance(padding, int)):
        return fn(xt, wt, bt, stride, padding, dilation, groups).numpy()
    pairs = shapes.resolve_conv_padding(
        padding, w.shape[2:], shapes.per_dim(stride, ndim, "s"), shapes.per_dim(dilation, ndim, "d")
    )
    flat = [v for pair in reversed(pairs) for v in pair]
    tmode = "constant" if padding_mode == "zeros" else padding_mode
    xp = xt[None] if unbatched else xt
    xp = F.pad(xp, flat, mode=tmode)
    y = fn(xp[0] if unbatched else xp, wt, bt, stride, 0, dilation, groups)
    return y.numpy()


def conv_args(case):
    """A conv case's arguments after the operands, in torch's positional order."""
    names = ("stride", "padding", "dilation", "groups", "padding_mode", "mode")
    return [case[name] for name in names]


def transposed_args(case):
    """A transposed-conv case's arguments after the operands, in torch's positional order."""
    return [case[name] for name in ("stride", "padding", "output_padding", "groups", "dilation")]


def draw_layer(draw, max_ndim, max_groups, max_padding):
    """Spatial rank, groups, :func:`draw_window`'s window and a symmetric padding per
    dimension, drawn in that order."""
    ndim = draw(st.integers(1, max_ndim))
    groups = draw(st.integers(1, max_groups))
    k, s, d = draw_window(draw, ndim)
    p = tuple(draw(st.integers(0, max_padding)) for _ in range(ndim))
    return ndim, groups, k, s, d, p


def draw_window(draw, ndim, max_kernel=3):
    """Per-dimension kernel (1-3), stride (1-3) and dilation (1-2), drawn in that order: the
    window every conv-like strategy starts from."""
    k = tuple(draw(st.integers(1, max_kernel)) for _ in range(ndim))
    s = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    d = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    return k, s, d


def draw_conv_layer(draw, ndim, max_size):
    """Kernel, input size and :func:`conv`'s keywords (stride, padding in each of its forms,
    dilation, padding_mode) for a layer torch accepts: a size too small for the window or the
    padding mode grows until it fits."""
    k, s, d = draw_window(draw, ndim, 2 if ndim == 3 else 3)
    kind = draw(st.sampled_from(["int", "per_dim", "pairs", "same", "valid", "full"]))
    if kind == "same":
        s = (1,) * ndim
    if kind == "int":
        padding = draw(st.integers(0, 2))
    elif kind == "per_dim":
        padding = [draw(st.integers(0, 2)) for _ in range(ndim)]
    elif kind == "pairs":
        padding = [(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(ndim)]
    else:
        padding = kind
    padding_mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    size = tuple(draw(st.integers(1, max_size)) for _ in range(ndim))
    try:
        shapes.conv_geometry(size, k, s, padding, d, padding_mode)
    except ValueError:
        size = tuple(max(a, (kk - 1) * dd + 1) + 2 for a, kk, dd in zip(size, k, d, strict=True))
        shapes.conv_geometry(size, k, s, padding, d, padding_mode)
    return k, size, dict(stride=s, padding=padding, dilation=d, padding_mode=padding_mode)


def draw_transposed_layer(draw, ndim, max_padding, max_size):
    """Kernel, input size and :func:`conv_transpose`'s keywords (stride, padding,
    output_padding below max(stride, dilation), dilation) for a layer torch accepts: padding
    that would leave no output falls to 0."""
    k, s, d = draw_window(draw, ndim)
    p = tuple(draw(st.integers(0, max_padding)) for _ in range(ndim))
    op = tuple(draw(st.integers(0, max(ss, dd) - 1)) for ss, dd in zip(s, d, strict=True))
    size = tuple(draw(st.integers(1, max_size)) for _ in range(ndim))
    try:
        shapes.transposed_geometry(size, k, s, p, d, op)
    except ValueError:
        p = (0,) * ndim
    return k, size, dict(stride=s, padding=p, output_padding=op, dilation=d)


@st.composite
def conv_cases(draw):
    ndim = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    k, size, layer = draw_conv_layer(draw, ndim, 5 if ndim == 3 else 8)
    n = draw(st.integers(1, 2))
    unbatched = draw(st.booleans())
    mode = draw(st.sampled_from(["correlation", "convolution"]))
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((n, cin, *size)).astype(dtype)
    if unbatched:
        x = x[0]
    w = rng.standard_normal((cout, cin // groups, *k)).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype) if draw(st.booleans()) else None
    return dict(x=x, w=w, b=b, **layer, groups=groups, mode=mode, unbatched=unbatched, dtype=dtype)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(STABLE, max_examples=400)
@given(conv_cases())
def test_conv_matches_torch(case):
    _torch()
    c = dict(case)
    dtype, unbatched = c.pop("dtype"), c.pop("unbatched")
    y = E.conv(c["x"], c["w"], c["b"], *conv_args(c))  # positional: torch's order
    expected = torch_conv(**c, unbatched=unbatched)
    check(y, expected, dtype)


@st.composite
def transposed_cases(draw):
    ndim = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 2))
    cout_g = draw(st.integers(1, 2))
    k, size, layer = draw_transposed_layer(draw, ndim, 2, 3 if ndim == 3 else 5)
    n = draw(st.integers(1, 2))
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((n, cin, *size)).astype(dtype)
    w = rng.standard_normal((cin, cout_g, *k)).astype(dtype)
    b = rng.standard_normal(cout_g * groups).astype(dtype) if draw(st.booleans()) else None
    mode = draw(st.sampled_from(["correlation", "convolution"]))
    return dict(x=x, w=w, b=b, **layer, groups=groups, mode=mode, dtype=dtype)


@settings(STABLE, max_examples=300)
@given(transposed_cases())
@example(
    dict(
        x=np.ones((1, 1, 5)),
        w=np.ones((1, 1, 3)),
        b=None,
        stride=1,
        padding=0,
        output_padding=1,
        groups=1,
        dilation=2,
        mode="correlation",
        dtype=np.float64,
    )
)
def test_conv_transpose_matches_torch(case):
    t = _torch()
    c = dict(case)
    dtype = c.pop("dtype")
    y = E.conv_transpose(c["x"], c["w"], c["b"], *transposed_args(c), c["mode"])  # torch's order
    wt = t.from_numpy(c["w"])
    if c["mode"] == "convolution":
        wt = t.flip(wt, dims=list(range(2, c["w"].ndim)))
    fn = getattr(t.nn.functional, f"conv_transpose{c['w'].ndim - 2}d")
    expected = fn(
        t.from_numpy(c["x"]),
        wt,
        None if c["b"] is None else t.from_numpy(c["b"]),
        c["stride"],
        c["padding"],
        c["output_padding"],
        c["groups"],
        c["dilation"],
    )
    check(y, expected.numpy(), dtype)


@st.composite
def pool_cases(draw):
    ndim = draw(st.integers(1, 3))
    k = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    s = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 3)] * ndim)))
    p = tuple(draw(st.integers(0, kk // 2)) for kk in k)
    d = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    ceil = draw(st.booleans())
    size = tuple(draw(st.integers(1, 5 if ndim == 3 else 8)) for _ in range(ndim))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *size)
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    # small integers: plenty of ties, so torch's tie rule is really exercised
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    x = rng.integers(-3, 4, shape).astype(dtype)
    return dict(
        dtype=dtype,
        ndim=ndim,
        k=k,
        s=s,
        p=p,
        d=d,
        ceil=ceil,
        x=x,
        cip=draw(st.booleans()),
        div=draw(st.sampled_from([None, None, 2, -3])),
        norm=draw(st.sampled_from([1.0, 2.0, 3.0])),
    )


@settings(STABLE, max_examples=300)
@given(pool_cases())
def test_pooling_matches_torch(c):
    t = _torch()
    F = t.nn.functional
    nd, x, xt = c["ndim"], c["x"], t.from_numpy(c["x"])
    try:
        shapes.pool_geometry(x.shape[2:], c["k"], c["s"], c["p"], c["d"], c["ceil"], "max")
        ok_max = True
    except ValueError:
        ok_max = False
    if ok_max:
        y, i = E.max_pool(x, c["k"], c["s"], c["p"], c["d"], c["ceil"], True, ndim=nd)
        yt, it = getattr(F, f"max_pool{nd}d")(xt, c["k"], c["s"], c["p"], c["d"], c["ceil"], True)
        check(y, yt.numpy(), c["dtype"])
        assert np.array_equal(i, it.numpy())
    try:
        shapes.pool_geometry(x.shape[2:], c["k"], c["s"], c["p"], 1, c["ceil"], "avg")
        ok_avg = True
    except ValueError:
        ok_avg = False
    if ok_avg:
        div = c["div"] if nd > 1 else None
        y = E.avg_pool(x, c["k"], c["s"], c["p"], c["ceil"], c["cip"], div, ndim=nd)
        args = (xt, c["k"], c["s"], c["p"], c["ceil"], c["cip"]) + ((div,) if nd > 1 else ())
        check(y, getattr(F, f"avg_pool{nd}d")(*args).numpy(), c["dtype"])
    try:
        shapes.pool_geometry(x.shape[2:], c["k"], c["s"], 0, 1, c["ceil"], "lp")
        ok_lp = True
    except ValueError:
        ok_lp = False
    if ok_lp:
        xa = np.abs(x) + 0.5
        y = E.lp_pool(xa, c["norm"], c["k"], c["s"], c["ceil"], ndim=nd)
        # torch's lp_pool1d wants plain ints
        k, s = (c["k"][0], c["s"] and c["s"][0]) if nd == 1 else (c["k"], c["s"])
        yt = getattr(F, f"lp_pool{nd}d")(t.from_numpy(xa), c["norm"], k, s, c["ceil"])
        check(y, yt.numpy(), c["dtype"])


@settings(STABLE, max_examples=200)
@given(
    st.integers(1, 3).flatmap(
        lambda nd: st.tuples(
            st.just(nd),
            st.tuples(*[st.integers(1, 7)] * nd),
            st.tuples(*[st.one_of(st.integers(0, 8), st.none())] * nd),
            st.integers(0, 2**31),
        )
    )
)
def test_adaptive_pooling_matches_torch(case):
    t = _torch()
    F = t.nn.functional
    nd, size, out, seed = case
    if nd == 1:  # torch's 1-d adaptive pools take no None
        out = (size[0] if out[0] is None else out[0],)
    dtype = np.float32 if seed % 3 == 0 else np.float64  # float32 stays float32
    x = np.random.default_rng(seed).integers(-3, 4, (2, 2, *size)).astype(dtype)
    y, i = E.adaptive_max_pool(x, out, True, ndim=nd)
    if all((o if o is not None else 1) > 0 for o in out):
        yt, it = getattr(F, f"adaptive_max_pool{nd}d")(t.from_numpy(x), out, True)
        check(y, yt.numpy(), dtype)
        assert np.array_equal(i, it.numpy())
    check(
        E.adaptive_avg_pool(x, out, ndim=nd),
        getattr(F, f"adaptive_avg_pool{nd}d")(t.from_numpy(x), out).numpy(),
        dtype,
    )


@settings(STABLE, max_examples=150)
@given(pool_cases(), st.booleans())
def test_max_unpool_matches_torch(c, ask_size):
    t = _torch()
    F = t.nn.functional
    nd, x = c["ndim"], c["x"]
    try:
        shapes.pool_geometry(x.shape[2:], c["k"], c["s"], c["p"], 1, False, "max")
    except ValueError:
        return
    y, i = E.max_pool(x, c["k"], c["s"], c["p"], 1, False, True, ndim=nd)
    size = x.shape[2:] if ask_size else None
    try:
        out = E.max_unpool(y, i, c["k"], c["s"], c["p"], size, ndim=nd)
    except ValueError:
        with pytest.raises((ValueError, RuntimeError)):
            getattr(F, f"max_unpool{nd}d")(
                t.from_numpy(y), t.from_numpy(i), c["k"], c["s"], c["p"], size
            )
        return
    expected = getattr(F, f"max_unpool{nd}d")(
        t.from_numpy(y), t.from_numpy(i), c["k"], c["s"], c["p"], size
    )
    check(out, expected.numpy(), c["dtype"])


# --------------------------------------------------------------------------------------------
# Committed reference arrays (generated by scripts/gen_engine_reference.py with torch 2.13.0)
# --------------------------------------------------------------------------------------------


def load_reference():
    data = np.load(REFERENCE, allow_pickle=False)
    cases = json.loads(str(data["cases"]))
    return data, cases


def run_reference_case(case, data):
    """Recompute one committed case with the engine: (output, grads or None).

    A case names the engine function (``conv_transpose``); its backward pass, when the case
    stored a ``gy``, is ``<op>_backward`` with the same arguments (no ``return_indices``).
    """
    key = case["key"]
    x = data[f"{key}/x"]
    op, kw = case["op"], dict(case["kwargs"])
    if isinstance(kw.get("padding"), list):
        kw["padding"] = [tuple(v) if isinstance(v, list) else v for v in kw["padding"]]
    if op in ("conv", "conv_transpose"):
        b = data[f"{key}/b"] if f"{key}/b" in data else None
        operands, grad_operands = (data[f"{key}/w"], b), (data[f"{key}/w"],)
    else:
        # max_unpool's indices come before its arguments, in the forward and the backward
        operands = grad_operands = (data[f"{key}/indices"],) if op == "max_unpool" else ()
    y = getattr(E, op)(x, *operands, **kw)
    if f"{key}/gy" not in data:
        return y, None
    kw.pop("return_indices", None)
    return y, getattr(E, f"{op}_backward")(x, *grad_operands, data[f"{key}/gy"], **kw)


def test_reference_arrays_forward():
    data, cases = load_reference()
    assert len(cases) >= 30
    for case in cases:
        y, _ = run_reference_case(case, data)
        if isinstance(y, tuple):
            y, idx = y
            assert np.array_equal(idx, data[f"{case['key']}/indices"]), case
        check(y, data[f"{case['key']}/y"], np.dtype(data[f"{case['key']}/y"].dtype).type)


# --------------------------------------------------------------------------------------------
# dtypes, ranks, conventions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    x = np.ones((1, 2, 5, 5), dtype)
    w = np.ones((3, 2, 3, 3), dtype)
    assert E.conv2d(x, w).dtype == dtype
    assert E.conv_transpose2d(x, np.ones((2, 1, 3, 3), dtype)).dtype == dtype
    assert E.max_pool2d(x, 2).dtype == dtype
    assert E.avg_pool2d(x, 2).dtype == dtype
    assert E.conv_backward(x, w, np.ones((1, 3, 3, 3), dtype)).grad_weight.dtype == dtype


def test_integer_input_computes_in_float64():
    assert E.conv1d(np.arange(5)[None], np.ones((1, 1, 2), int)).dtype == np.float64


def test_convolution_mode_is_correlation_with_the_flipped_kernel():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 6, 7))
    w = rng.standard_normal((6, 2, 3, 2))
    assert_allclose(
        E.conv2d(x, w, groups=2, mode="convolution"), E.conv2d(x, w[:, :, ::-1, ::-1], groups=2)
    )
    # the deck's 1-d formula y[n] = Σ_k w[k] x[n−k] (full convolution = numpy.convolve)
    x1, w1 = rng.standard_normal(9), rng.standard_normal(4)
    assert_allclose(
        E.conv1d(x1[None], w1[None, None], padding="full", mode="convolution")[0],
        np.convolve(x1, w1),
    )
    assert_allclose(
        E.conv1d(x1[None], w1[None, None], mode="correlation")[0],
        np.correlate(x1, w1, mode="valid"),
    )


def test_unbatched_input_gives_unbatched_output():
    x = np.ones((2, 6, 6))
    assert E.conv2d(x, np.ones((3, 2, 3, 3))).shape == (3, 4, 4)
    assert E.max_pool2d(x, 2).shape == (2, 3, 3)
    assert E.adaptive_avg_pool2d(x, 2).shape == (2, 2, 2)


def test_empty_batch():
    assert E.conv2d(np.ones((0, 2, 5, 5)), np.ones((3, 2, 3, 3))).shape == (0, 3, 3, 3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: E.conv2d(np.ones((1, 2, 5, 5)), np.ones((3, 3, 3, 3))), "to have 3 channels"),
        (
            lambda: E.conv2d(np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2),
            "divisible by 2",
        ),
        (
            lambda: E.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 7, 7))),
            "Kernel size can't be greater",
        ),
        (
            lambda: E.conv2d(
                np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=2, padding="same"
            ),
            "strided",
        ),
        (
            lambda: E.conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))),
            r"Expected 3D \(unbatched\) or 4D",
        ),
        (lambda: E.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), np.ones(3)), "bias"),
        (lambda: E.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), mode="flip"), "mode"),
        (
            lambda: E.conv2d(
                np.ones((1, 1, 2, 5)), np.ones((1, 1, 1, 3)), padding=2, padding_mode="reflect"
            ),
            "Padding size",
        ),
        (lambda: E.conv_transpose1d(np.ones((1, 2, 5)), np.ones((3, 1, 3))), "to have 3 channels"),
        (
            lambda: E.conv_transpose1d(
                np.ones((1, 1, 5)), np.ones((1, 1, 3)), stride=2, output_padding=2
            ),
            "output padding",
        ),
        (lambda: E.max_pool1d(np.ones((1, 1, 5)), 3, padding=2), "half"),
        (
            lambda: E.avg_pool2d(np.ones((1, 1, 5, 5)), 2, divisor_override=0),
            "divisor must be not zero",
        ),
        (lambda: E.max_unpool1d(np.ones((1, 1, 2)), np.array([[[0, 9]]]), 2), "invalid max index"),
        (
            lambda: E.max_unpool1d(np.ones((1, 1, 5)), np.zeros((1, 1, 5), int), 3, 2, 1, [11]),
            "invalid output_size",
        ),
    ],
)
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------------------------
# Examples and arrays
# --------------------------------------------------------------------------------------------


def test_example_values_are_seeded_and_independent_of_global_state():
    np.random.seed(1)  # noqa: NPY002 - prove the global state plays no part
    a = examples.example_values((4, 4), seed=5)
    np.random.seed(2)  # noqa: NPY002
    b = examples.example_values((4, 4), seed=5)
    assert np.array_equal(a, b)
    assert a.min() >= 0 and a.max() < 4 and np.all(a == np.round(a))
    assert not np.array_equal(a, examples.example_values((4, 4), seed=6))


def test_classic_kernels():
    for name in examples.CLASSIC_KERNELS:
        k = examples.classic_kernel(name)
        assert k.shape == (3, 3)
    img = np.random.default_rng(0).standard_normal((1, 1, 6, 6))
    same = lambda n: E.conv2d(img, examples.classic_kernel(n)[None, None], padding=1)  # noqa: E731
    assert_allclose(same("identity"), img)
    assert_allclose(examples.classic_kernel("box_blur").sum(), 1)
    assert_allclose(examples.classic_kernel("gaussian").sum(), 1)
    for n in ("edge", "sobel_x", "sobel_y", "laplacian"):
        assert_allclose(
            E.conv2d(np.ones((1, 1, 5, 5)), examples.classic_kernel(n)[None, None]), 0, atol=1e-12
        )  # derivative kernels ignore a constant image
    assert_allclose(examples.classic_kernel("sobel_y"), examples.classic_kernel("sobel_x").T)
    with pytest.raises(ValueError, match="unknown kernel"):
        examples.classic_kernel("emboss-ish")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[1, 2], [3]]", "ragged"),
        ("[[1, 2], 3]", "ragged"),
        ('[[1, "a"]]', "non-numeric"),
        ("[[1, true]]", "non-numeric"),
        ("[NaN, 1]", "non-finite"),
        ("[Infinity]", "non-finite"),
        ("[1e400]", "non-finite"),
        ("[1, 2", "not a JSON array"),
        ("[" * 50 + "]" * 50, "nested too deeply"),
        ("@missing.json", "no such file"),
        ("@file.txt", "should be a .json, .npy or .csv"),
    ],
)
def test_parse_array_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        arrays.parse_array(text, "--input")


def test_parse_array_files(tmp_path):
    a = np.arange(6.0).reshape(2, 3)
    (tmp_path / "a.json").write_text(json.dumps(a.tolist()))
    np.save(tmp_path / "a.npy", a)
    (tmp_path / "a.csv").write_text("0,1,2\n3,4,5\n")
    (tmp_path / "r.csv").write_text("1,2,3\n")
    (tmp_path / "bad.csv").write_text("1,x\n")
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan]))
    for name in ("a.json", "a.npy", "a.csv"):
        assert np.array_equal(arrays.parse_array(f"@{tmp_path / name}"), a)
    assert arrays.parse_array(f"@{tmp_path / 'r.csv'}").shape == (3,)
    with pytest.raises(ValueError, match="non-numeric"):
        arrays.parse_array(f"@{tmp_path / 'bad.csv'}")
    with pytest.raises(ValueError, match="non-finite"):
        arrays.parse_array(f"@{tmp_path / 'nan.npy'}")


def test_size_limit(monkeypatch):
    monkeypatch.setattr(arrays, "MAX_ELEMENTS", 10)
    with pytest.raises(ValueError, match="limit"):
        arrays.parse_array(json.dumps([0] * 11))
    with pytest.raises(ValueError, match="limit"):
        arrays.check_finite(np.zeros(11), "x")


def test_rank_rule_for_weights():
    assert arrays.as_conv_weight(np.ones((3, 3)), 2, 1, 1, "w").shape == (1, 1, 3, 3)
    # one filter over the three channels of an RGB-like input
    assert arrays.as_conv_weight(np.ones((3, 3, 3)), 2, 3, 1, "w").shape == (1, 3, 3, 3)
    # several filters on a one-channel input
    assert arrays.as_conv_weight(np.ones((4, 3, 3)), 2, 1, 1, "w").shape == (4, 1, 3, 3)
    # depthwise: one channel per group
    assert arrays.as_conv_weight(np.ones((4, 3, 3)), 2, 4, 4, "w").shape == (4, 1, 3, 3)
    with pytest.raises(ValueError, match="first dimension"):
        arrays.as_conv_weight(np.ones((2, 3, 3)), 2, 3, 1, "w")
    assert arrays.as_transposed_weight(np.ones((2, 3, 3)), 2, 2, "w").shape == (2, 1, 3, 3)


# --------------------------------------------------------------------------------------------
# Speed (a smoke bound; benchmarks/bench_engine.py measures against torch)
# --------------------------------------------------------------------------------------------


def test_forward_is_vectorised():
    x = np.random.default_rng(0).standard_normal((2, 16, 32, 32)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((16, 16, 3, 3)).astype(np.float32)
    E.conv2d(x, w, padding=1)
    start = time.perf_counter()
    E.conv2d(x, w, padding=1)
    assert time.perf_counter() - start < 0.5


def test_max_pool_nan_rule():
    # torch's scan keeps a cell that is greater than the best so far *or NaN*: the last NaN of a
    # window wins (numpy's argmax would take the first); gradients follow that index.
    x = np.array([[[np.nan, 1.0, np.nan, 2.0, 5.0, 5.0]]])
    y, i = E.max_pool1d(x, 3, return_indices=True)
    assert np.isnan(y[0, 0, 0]) and i.tolist() == [[[2, 4]]]
    y, i = E.adaptive_max_pool1d(x, 2, return_indices=True)
    assert i.tolist() == [[[2, 4]]]
    g = E.max_pool_backward(x, np.array([[[1.0, 1.0]]]), 3, ndim=1)
    assert g.grad_input.tolist() == [[[0.0, 0.0, 1.0, 0.0, 1.0, 0.0]]]
    t = pytest.importorskip("torch")
    x2 = np.random.default_rng(4).integers(0, 3, (1, 2, 4, 6)).astype(float)
    x2[x2 == 2] = np.nan
    for nd, xx in ((1, x), (2, x2), (3, x2[None])):
        kernel = (2,) * nd
        _, i = E.max_pool(xx, kernel, ndim=nd, return_indices=True)
        _, it = getattr(t.nn.functional, f"max_pool{nd}d")(
            t.from_numpy(xx), kernel, return_indices=True
        )
        assert np.array_equal(i, it.numpy())
        _, i = E.adaptive_max_pool(xx, (1,) * nd, True, ndim=nd)
        _, it = getattr(t.nn.functional, f"adaptive_max_pool{nd}d")(t.from_numpy(xx), 1, True)
        assert np.array_equal(i, it.numpy())


# --------------------------------------------------------------------------------------------
# The torch-named variants (conv2d, avg_pool1d …) made by ops._operands.at_rank
# --------------------------------------------------------------------------------------------

RANKED = sorted(n for n in E.__all__ if n[-2:] in ("1d", "2d", "3d"))


def _torch_parameters(name):
    """torch's parameter names for ``F.<name>``: from its signature, or (builtins) its docstring."""
    F = _torch().nn.functional
    fn = getattr(F, f"{name}_with_indices", None) or getattr(F, name)
    try:
        names = list(inspect.signature(fn).parameters)
        if names != ["args", "kwargs"]:
            return names
    except (TypeError, ValueError):
        pass
    head = re.search(rf"{name}\(([^)]*)\)", fn.__doc__)
    return [p.split("=")[0].strip() for p in head.group(1).split(",")]


@pytest.mark.parametrize("name", RANKED)
def test_ranked_variants_take_torchs_parameters_in_torchs_order(name):
    ours = list(inspect.signature(getattr(E, name)).parameters)
    base = inspect.signature(getattr(E, name[:-2])).parameters  # the N-d function
    assert ours == [p for p in base if p in ours] and "ndim" not in ours
    assert getattr(E, name).__name__ == name and name in getattr(E, name).__doc__
    if hasattr(_torch().nn.functional, name):  # a kind torch has not is checked above only
        theirs = _torch_parameters(name)
        assert ours[: len(theirs)] == theirs
        assert set(ours[len(theirs) :]) <= {"padding_mode", "mode"}  # convanim's own, last


def test_ranked_variants_bind_like_python_functions():
    x = np.arange(12.0).reshape(1, 1, 12)
    assert E.max_pool1d(x, 3, 3, 0, 1, False, True)[1].tolist() == [[[2, 5, 8, 11]]]
    assert_allclose(E.avg_pool1d(x, kernel_size=4), [[[1.5, 5.5, 9.5]]])
    with pytest.raises(TypeError, match="divisor_override"):
        E.avg_pool1d(x, 2, divisor_override=3)  # torch's avg_pool1d has none
    with pytest.raises(TypeError, match="output_size"):
        E.conv_transpose1d(x, np.ones((1, 1, 2)), output_size=[14])  # the module's, not F's
    with pytest.raises(ValueError, match="weight of conv2d must have 4 dimensions"):
        E.conv2d(x, np.ones((1, 1, 3)))
