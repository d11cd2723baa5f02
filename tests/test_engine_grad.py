"""Backward passes: torch autograd as the oracle, then checks that need no torch at all
(committed reference gradients, finite differences, the adjoint identity)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_engine import (  # the strategies and the torch reference live beside the forward tests
    STABLE,
    _torch,
    check,
    conv_args,
    conv_cases,
    draw_layer,
    load_reference,
    pool_cases,
    run_reference_case,
    torch_conv,
    transposed_args,
    transposed_cases,
)

from convanim import engine as E
from convanim.core import shapes

# --------------------------------------------------------------------------------------------
# torch autograd
# --------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(STABLE, max_examples=150)
@given(conv_cases(), st.integers(0, 2**31))
def test_conv_gradients_match_torch(case, seed):
    t = _torch()
    c = dict(case)
    dtype, unbatched = c.pop("dtype"), c.pop("unbatched")
    xt = t.from_numpy(c["x"]).requires_grad_()
    wt = t.from_numpy(c["w"]).requires_grad_()
    bt = t.from_numpy(c["b"]).requires_grad_() if c["b"] is not None else None
    # torch_conv builds its graph from numpy; redo it on the leaf tensors
    F = t.nn.functional
    ndim = c["w"].ndim - 2
    w_used = t.flip(wt, dims=list(range(2, ndim + 2))) if c["mode"] == "convolution" else wt
    pairs = shapes.resolve_conv_padding(
        c["padding"],
        c["w"].shape[2:],
        shapes.per_dim(c["stride"], ndim, "s"),
        shapes.per_dim(c["dilation"], ndim, "d"),
    )
    flat = [v for pair in reversed(pairs) for v in pair]
    tmode = "constant" if c["padding_mode"] == "zeros" else c["padding_mode"]
    xp = F.pad(xt[None] if unbatched else xt, flat, mode=tmode)
    y = getattr(F, f"conv{ndim}d")(xp, w_used, bt, c["stride"], 0, c["dilation"], c["groups"])
    y = y[0] if unbatched else y
    gy = np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(dtype)
    y.backward(t.from_numpy(gy))
    g = E.conv_backward(c["x"], c["w"], gy, *conv_args(c))
    check(g.grad_input, xt.grad.numpy(), dtype)
    check(g.grad_weight, wt.grad.numpy(), dtype)
    if bt is not None:
        check(g.grad_bias, bt.grad.numpy(), dtype)
    # and the forward of this very graph agrees with the torch_conv helper used elsewhere
    assert_allclose(y.detach().numpy(), torch_conv(**c, unbatched=unbatched), rtol=1e-5)


@settings(STABLE, max_examples=200)
@given(transposed_cases(), st.integers(0, 2**31))
def test_conv_transpose_gradients_match_torch(c, seed):
    t = _torch()
    dtype = c["dtype"]
    xt = t.from_numpy(c["x"]).requires_grad_()
    wt = t.from_numpy(c["w"]).requires_grad_()
    bt = t.from_numpy(c["b"]).requires_grad_() if c["b"] is not None else None
    ndim = c["w"].ndim - 2
    w_used = t.flip(wt, dims=list(range(2, ndim + 2))) if c["mode"] == "convolution" else wt
    y = getattr(t.nn.functional, f"conv_transpose{ndim}d")(xt, w_used, bt, *transposed_args(c))
    gy = np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(dtype)
    y.backward(t.from_numpy(gy))
    g = E.conv_transpose_backward(c["x"], c["w"], gy, *transposed_args(c), c["mode"])
    check(g.grad_input, xt.grad.numpy(), dtype)
    check(g.grad_weight, wt.grad.numpy(), dtype)
    if bt is not None:
        check(g.grad_bias, bt.grad.numpy(), dtype)


@settings(STABLE, max_examples=250)
@given(pool_cases(), st.integers(0, 2**31))
def test_pooling_gradients_match_torch(c, seed):
    t = _torch()
    F = t.nn.functional
    nd, x = c["ndim"], c["x"]
    rng = np.random.default_rng(seed)
    try:
        shapes.pool_geometry(x.shape[2:], c["k"], c["s"], c["p"], c["d"], c["ceil"], "max")
    except ValueError:
        pass
    else:
        # A window made only of padding (dilation) has no cell to send its gradient to: torch's
        # forward gives -inf and an index that may lie outside the plane, and its backward
        # writes there (heap corruption, a worker abort later) or into an unrelated cell.
        # Decided from torch's own forward, so a bug in the engine cannot hand torch such a case.
        xt = t.from_numpy(x).requires_grad_()
        y, idx = getattr(F, f"max_pool{nd}d")(xt, c["k"], c["s"], c["p"], c["d"], c["ceil"], True)
        inside = bool(((idx >= 0) & (idx < int(np.prod(x.shape[2:])))).all())
        if inside and bool(t.isfinite(y).all()):
            gy = rng.standard_normal(tuple(y.shape)).astype(c["dtype"])
            y.backward(t.from_numpy(gy))
            g = E.max_pool_backward(x, gy, c["k"], c["s"], c["p"], c["d"], c["ceil"], ndim=nd)
            check(g.grad_input, xt.grad.numpy(), c["dtype"])
    try:
        shapes.pool_geometry(x.shape[2:], c["k"], c["s"], c["p"], 1, c["ceil"], "avg")
    except ValueError:
        return
    div = c["div"] if nd > 1 else None
    xt = t.from_numpy(x).requires_grad_()
    args = (c["k"], c["s"], c["p"], c["ceil"], c["cip"]) + ((div,) if nd > 1 else ())
    y = getattr(F, f"avg_pool{nd}d")(xt, *args)
    gy = rng.standard_normal(tuple(y.shape)).astype(c["dtype"])
    y.backward(t.from_numpy(gy))
    g = E.avg_pool_backward(x, gy, c["k"], c["s"], c["p"], c["ceil"], c["cip"], div, ndim=nd)
    check(g.grad_input, xt.grad.numpy(), c["dtype"])


def test_max_pool_window_of_padding_only():
    # k2, d2, p1 on a 1-cell input: the taps sit at −1 and 1, both outside. torch returns -inf
    # and the index of the first tap moved forward by a dilation (1); no gradient can flow.
    y, i = E.max_pool1d(np.array([[[2.0]]]), 2, None, 1, 2, return_indices=True)
    assert y.tolist() == [[[-np.inf]]] and i.tolist() == [[[1]]]
    g = E.max_pool_backward(np.array([[[2.0]]]), np.array([[[5.0]]]), 2, None, 1, 2, ndim=1)
    assert g.grad_input.tolist() == [[[0.0]]]


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = np.array([[[1.0, 3.0, 3.0, 3.0, 0.0]]])
    g = E.max_pool_backward(x, np.array([[[1.0, 10.0, 100.0]]]), 3, 1, ndim=1)
    # windows [1,3,3] [3,3,3] [3,3,0]: the first 3 in each window wins
    assert g.grad_input.tolist() == [[[0.0, 11.0, 100.0, 0.0, 0.0]]]


# --------------------------------------------------------------------------------------------
# Without torch
# --------------------------------------------------------------------------------------------


def test_reference_gradients():
    data, cases = load_reference()
    for case in cases:
        key = case["key"]
        if f"{key}/gx" not in data:
            continue
        _, g = run_reference_case(case, data)
        dtype = np.dtype(data[f"{key}/gx"].dtype).type
        check(g.grad_input, data[f"{key}/gx"], dtype)
        if f"{key}/gw" in data:
            check(g.grad_weight, data[f"{key}/gw"], dtype)
        if f"{key}/gb" in data:
            check(g.grad_bias, data[f"{key}/gb"], dtype)


def _directional(f, x, v, eps=1e-6):
    return (f(x + eps * v) - f(x - eps * v)) / (2 * eps)


def _check_by_finite_differences(forward, operands, gy, grads, rng):
    """For each operand with a gradient: the central difference of ⟨forward(…), gy⟩ along a
    random direction v equals ⟨gradient, v⟩ (the adjoint identity autograd rests on)."""
    for i, grad in enumerate(grads):
        v = rng.standard_normal(np.shape(operands[i]))

        def f(a, i=i):
            return np.vdot(forward(*operands[:i], a, *operands[i + 1 :]), gy)

        assert_allclose(_directional(f, operands[i], v), np.vdot(grad, v), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("mode", ["correlation", "convolution"])
def test_conv_gradients_by_finite_differences(padding_mode, mode):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 4, 6, 5))
    w = rng.standard_normal((4, 2, 3, 2))
    b = rng.standard_normal(4)
    kw = dict(
        stride=(2, 1),
        padding=[(1, 2), 1],
        dilation=(1, 2),
        groups=2,
        padding_mode=padding_mode,
        mode=mode,
    )
    gy = rng.standard_normal(E.conv(x, w, b, **kw).shape)
    g = E.conv_backward(x, w, gy, **kw)
    for _ in range(3):
        _check_by_finite_differences(
            lambda *a: E.conv(*a, **kw),
            (x, w, b),
            gy,
            (g.grad_input, g.grad_weight, g.grad_bias),
            rng,
        )


@pytest.mark.parametrize("mode", ["correlation", "convolution"])
def test_conv_transpose_gradients_by_finite_differences(mode):
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 4, 3, 4))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(6)
    kw = dict(
        stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(2, 1), mode=mode
    )
    gy = rng.standard_normal(E.conv_transpose(x, w, b, **kw).shape)
    g = E.conv_transpose_backward(x, w, gy, **kw)
    _check_by_finite_differences(
        lambda *a: E.conv_transpose(*a, **kw), (x, w, b), gy, (g.grad_input, g.grad_weight), rng
    )
    assert_allclose(g.grad_bias, gy.sum(axis=(0, 2, 3)))


def test_pool_gradients_by_finite_differences():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 3, 7, 6))  # continuous values: no ties, max is differentiable
    for kw in (
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
        dict(kernel_size=(2, 3), stride=1, padding=(1, 0)),
    ):
        gy = rng.standard_normal(E.avg_pool2d(x, **kw).shape)
        v = rng.standard_normal(x.shape)
        for cip in (True, False):
            g = E.avg_pool_backward(x, gy, **kw, count_include_pad=cip, ndim=2)

            def f(a, cip=cip, kw=kw, gy=gy):
                return np.vdot(E.avg_pool2d(a, **kw, count_include_pad=cip), gy)

            assert_allclose(_directional(f, x, v), np.vdot(g.grad_input, v), rtol=1e-7)
        g = E.max_pool_backward(x, gy, **kw, ndim=2)

        def f(a, kw=kw, gy=gy):
            return np.vdot(E.max_pool2d(a, **kw), gy)

        assert_allclose(_directional(f, x, v, 1e-7), np.vdot(g.grad_input, v), rtol=1e-6)


@st.composite
def adjoint_cases(draw):
    ndim, groups, k, s, d, p = draw_layer(draw, 3, 2, 2)
    size = tuple(
        draw(st.integers((kk - 1) * dd + 1, (kk - 1) * dd + 5)) for kk, dd in zip(k, d, strict=True)
    )
    return (
        ndim,
        groups,
        k,
        s,
        d,
        p,
        size,
        draw(st.integers(0, 2**31)),
        draw(st.sampled_from(["correlation", "convolution"])),
    )


@settings(STABLE, max_examples=150)
@given(adjoint_cases())
def test_adjoint_identity(case):
    """⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩ with the same weight and parameters."""
    ndim, groups, k, s, d, p, size, seed, mode = case
    geom = shapes.conv_geometry(size, k, s, p, d)
    # output_padding restores the rows the floor dropped; torch allows it only below max(s, d)
    op = tuple(g.dropped for g in geom)
    if any(o >= max(ss, dd) for o, ss, dd in zip(op, s, d, strict=True)):
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2 * groups, *size))
    w = rng.standard_normal((3 * groups, 2, *k))
    y = rng.standard_normal((2, 3 * groups, *(g.output for g in geom)))
    lhs = np.vdot(E.conv(x, w, None, s, p, d, groups, mode=mode), y)
    back = E.conv_transpose(y, w, None, s, p, op, groups, d, mode=mode)
    assert back.shape == x.shape
    assert_allclose(lhs, np.vdot(x, back), rtol=1e-10, atol=1e-10)
    # and conv_transpose is exactly conv's input gradient
    g = E.conv_backward(x, w, y, s, p, d, groups, mode=mode)
    assert_allclose(g.grad_input, back, rtol=1e-12, atol=1e-12)
