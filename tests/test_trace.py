"""Step traces: every step agrees with the engine, the two transposed views agree with each other
and with conv_transpose, roles and grids match the conv_arithmetic pictures, traces are cheap."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_engine import (  # a fixed example set, the shared layer strategies
    STABLE,
    draw_conv_layer,
    draw_transposed_layer,
)

from convanim import engine as E
from convanim.engine import examples

PAPER_X, PAPER_W = examples.conv_arithmetic_values()


def _grid_of(trace):
    out = np.zeros(trace.output_shape)
    for step in trace.steps:
        out[step.output] = step.value
    return out


def _raster(shape):
    return [tuple(int(v) for v in idx) for idx in np.ndindex(*shape)]


@st.composite
def trace_cases(draw, draw_layer, *limits):
    """(x, w, b, keywords) of a 1-d or 2-d layer from ``draw_layer(draw, ndim, *limits)``
    (:func:`draw_conv_layer` or :func:`draw_transposed_layer`): one batch element, 2 channels
    a group, and small integers, so every product and sum is exact."""
    ndim = draw(st.integers(1, 2))
    groups = draw(st.integers(1, 2))
    k, size, layer = draw_layer(draw, ndim, *limits)
    mode = draw(st.sampled_from(["correlation", "convolution"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.integers(-3, 4, (1, 2 * groups, *size)).astype(float)
    w = rng.integers(-2, 3, (2 * groups, 2, *k)).astype(float)
    b = rng.integers(-2, 3, 2 * groups).astype(float)
    return x, w, b, dict(**layer, groups=groups, mode=mode)


@settings(STABLE, max_examples=120)
@given(trace_cases(draw_conv_layer, 6), st.integers(0, 3))
def test_conv_trace_steps_equal_engine_output(case, co):
    x, w, b, kw = case
    co %= w.shape[0]
    y = E.conv(x, w, b, **kw)
    t = E.trace_conv(x, w, b, **kw, out_channel=co)
    assert t.op == "conv" and t.mode == kw["mode"]
    assert [s.output for s in t.steps] == _raster(y.shape[2:])  # raster order
    assert t.output_shape == y.shape[2:]
    for step in t.steps:
        assert_allclose(step.total, sum(tap.product for tap in step.taps), rtol=1e-12)
        assert step.bias == b[co]
        assert_allclose(step.value, y[(0, co, *step.output)], rtol=1e-12, atol=1e-12)
        assert len(step.taps) == w.shape[1] * int(np.prod(w.shape[2:]))
        for tap in step.taps:
            assert tap.product == tap.value * tap.weight
            ci_local = tap.channel - (co // (w.shape[0] // kw["groups"])) * w.shape[1]
            assert tap.weight == w[(co, ci_local, *tap.kernel)]
            assert tap.value == t.grid_values[tap.grid] or tap.channel != t.params["in_channels"][0]
            assert t.grid_roles[tap.grid] == tap.role  # taps never touch a dropped cell
            if tap.role == "input":
                assert tap.value == x[(0, tap.channel, *tap.source)]
            elif kw["padding_mode"] == "zeros":
                assert tap.value == 0 and tap.source is None
            else:  # reflect/replicate/circular padding copies a real cell
                assert tap.value == x[(0, tap.channel, *tap.source)]
    assert_allclose(_grid_of(t), y[0, co], rtol=1e-12, atol=1e-12)


def test_paper_figures_through_the_trace():
    t = E.trace_conv(PAPER_X, PAPER_W, stride=2, padding=1)
    assert [s.value for s in t.steps] == [6, 17, 3, 8, 17, 13, 6, 4, 4]
    assert t.grid_shape == (7, 7)
    assert sum(r == "padding" for r in t.grid_roles.values()) == 49 - 25
    first = t.steps[0]
    assert [tap.role for tap in first.taps[:4]] == ["padding"] * 4
    assert first.taps[4].source == (0, 0) and first.taps[4].weight == 2
    avg = E.trace_pool(PAPER_X, "avg", 3, stride=1)
    assert [f"{s.value:.1f}" for s in avg.steps] == [
        "1.7",
        "1.7",
        "1.7",
        "1.0",
        "1.2",
        "1.8",
        "1.1",
        "0.8",
        "1.3",
    ]
    assert {s.divisor for s in avg.steps} == {9.0}
    mx = E.trace_pool(PAPER_X, "max", 3, stride=1)
    assert [s.value for s in mx.steps] == [3, 3, 3, 3, 3, 3, 3, 2, 3]
    assert mx.steps[0].winner == (0, 0)  # first 3 in scan order, not (0, 1)


def test_convolution_mode_shows_the_flipped_kernel():
    t = E.trace_conv(PAPER_X, PAPER_W, mode="convolution")
    assert t.kernel_values[(0, 0)] == PAPER_W[2, 2]
    tap = t.steps[0].taps[0]
    assert tap.kernel == (2, 2) and tap.weight == PAPER_W[2, 2] and tap.grid == (0, 0)
    assert_allclose(
        _grid_of(t), E.conv2d(PAPER_X[None], PAPER_W[None, None], mode="convolution")[0]
    )


def test_dropped_cells_of_padding_strides_odd():
    # conv_arithmetic Fig 2.7: 6×6, k3 s2 p1 → 3×3; the last padded row and column are never covered
    t = E.trace_conv(np.ones((6, 6)), np.ones((3, 3)), stride=2, padding=1)
    dropped = {c for c, r in t.grid_roles.items() if r == "dropped"}
    assert dropped == {(7, j) for j in range(8)} | {(i, 7) for i in range(8)}
    assert t.params["dropped"] == (1, 1)
    assert len(t.steps) == 9


TRANSPOSED_CATALOGUE = [
    # name, direct (i, k, p, s), i', zeros between, p', a, grid, o'
    ("no_padding_no_strides_transposed", (4, 3, 0, 1), 2, 0, 2, 0, 6, 4),
    ("arbitrary_padding_no_strides_transposed", (5, 4, 2, 1), 6, 0, 1, 0, 8, 5),
    ("same_padding_no_strides_transposed", (5, 3, 1, 1), 5, 0, 1, 0, 7, 5),
    ("full_padding_no_strides_transposed", (5, 3, 2, 1), 7, 0, 0, 0, 7, 5),
    ("no_padding_strides_transposed", (5, 3, 0, 2), 2, 1, 2, 0, 7, 5),
    ("padding_strides_transposed", (5, 3, 1, 2), 3, 1, 1, 0, 7, 5),
    ("padding_strides_odd_transposed", (6, 3, 1, 2), 3, 1, 1, 1, 8, 6),
]


@pytest.mark.parametrize(
    ("name", "direct", "i2", "zeros", "p2", "a", "grid", "o2"), TRANSPOSED_CATALOGUE
)
def test_transposed_catalogue_grids(name, direct, i2, zeros, p2, a, grid, o2):
    i, k, p, s = direct
    x = examples.example_values((i2, i2), seed=1)
    w = examples.example_values((k, k), seed=2)
    t = E.trace_conv_transpose(x, w, stride=s, padding=p, output_padding=a)
    assert t.grid_shape == (grid, grid)
    assert t.output_shape == (o2, o2) == (i, i)
    assert len(t.steps) == o2 * o2  # frames
    roles = t.grid_roles
    inputs = sorted(c for c, r in roles.items() if r == "input")
    positions = [p2 + s * j for j in range(i2)]
    assert inputs == [(r, c) for r in positions for c in positions]
    stretched = i2 + zeros * (i2 - 1)
    assert sum(r == "inserted" for r in roles.values()) == stretched**2 - i2**2
    assert sum(r == "padding" for r in roles.values()) == grid**2 - stretched**2
    if a:  # the extra output_padding row/column is at the bottom/right
        assert all(roles[(grid - 1, c)] == "padding" for c in range(grid))
    assert t.kernel_values[(0, 0)] == w[-1, -1]  # the kernel rotated by 180°
    y = E.conv_transpose2d(x[None, None], w[None, None], stride=s, padding=p, output_padding=a)
    assert_allclose(_grid_of(t), y[0, 0])


@settings(STABLE, max_examples=120)
@given(trace_cases(draw_transposed_layer, 3, 4), st.integers(0, 3))
def test_transposed_views_agree_with_each_other_and_conv_transpose(case, co):
    x, w, b, kw = case
    co %= w.shape[1] * kw["groups"]
    y = E.conv_transpose(x, w, b, **kw)[0, co]
    direct = E.trace_conv_transpose(x, w, b, **kw, out_channel=co)
    scatter = E.trace_scatter(x, w, b, **kw, out_channel=co)
    assert direct.op == "transposed" and scatter.op == "scatter"
    for step in direct.steps:
        assert_allclose(step.total, sum(t.product for t in step.taps), rtol=1e-12, atol=1e-12)
        for tap in step.taps:
            if tap.role != "input":
                assert tap.value == 0 and tap.source is None
            else:
                assert tap.value == x[(0, tap.channel, *tap.source)]
    acc = np.full(y.shape, b[co])
    for step in scatter.steps:
        assert_allclose(step.value, sum(v for _, v in step.targets), rtol=1e-12, atol=1e-12)
        for out, amount in step.targets:
            acc[out] += amount
        for tap in step.taps:
            assert tap.value == x[(0, tap.channel, *step.output)]
    assert [s.output for s in scatter.steps] == _raster(x.shape[2:])
    assert_allclose(_grid_of(direct), y, rtol=1e-12, atol=1e-12)
    assert_allclose(acc, y, rtol=1e-12, atol=1e-12)
    # the same products appear in both views: the multiset of nonzero products matches
    d_products = sorted(t.product for s in direct.steps for t in s.taps if t.role == "input")
    s_products = sorted(t.product for s in scatter.steps for t in s.taps if t.role == "input")
    assert_allclose(d_products, s_products)


@settings(STABLE, max_examples=50)
@given(trace_cases(draw_conv_layer, 6))
def test_backward_traces_equal_the_gradients(case):
    x, w, _, kw = case
    y = E.conv(x, w, **kw)
    gy = np.random.default_rng(0).integers(-2, 3, y.shape).astype(float)
    g = E.conv_backward(x, w, gy, **kw)
    groups = kw["groups"]
    for co in range(w.shape[0]):
        for ci in range(w.shape[1]):
            t = E.trace_grad_weight(x, w, gy, **kw, out_channel=co, in_channel=ci)
            assert t.op == "grad_weight" and t.output_shape == w.shape[2:]
            assert [s.output for s in t.steps] == _raster(w.shape[2:])
            for step in t.steps:
                assert_allclose(step.value, g.grad_weight[(co, ci, *step.output)], atol=1e-12)
                for tap in step.taps:
                    assert tap.weight == gy[(0, co, *tap.kernel)]
    if kw["padding_mode"] != "zeros":
        with pytest.raises(ValueError, match="zeros"):
            E.trace_grad_input(x, w, gy, **kw)
        return
    for ci in range(x.shape[1]):
        t = E.trace_grad_input(x, w, gy, **kw, in_channel=ci)
        assert t.op == "grad_input" and t.output_shape == x.shape[2:]
        assert len(t.params["out_channels"]) == w.shape[0] // groups
        assert_allclose(_grid_of(t), g.grad_input[0, ci], atol=1e-12)


def test_grad_input_trace_is_a_full_convolution_at_stride_one():
    x, w = PAPER_X, PAPER_W
    gy = examples.example_values((3, 3), seed=3)
    t = E.trace_grad_input(x, w, gy)
    assert t.grid_shape == (7, 7)  # 3×3 ∂L/∂y padded by k−1 = 2 on every side ("full")
    assert sum(r == "padding" for r in t.grid_roles.values()) == 49 - 9
    full = E.conv2d(gy[None, None], w[None, None], padding="full", mode="convolution")[0, 0]
    assert_allclose(_grid_of(t), full)


@pytest.mark.parametrize("kind", ["max", "avg", "lp"])
def test_pool_traces(kind):
    x = examples.example_values((6, 7), seed=4)
    kw = dict(kernel_size=3, stride=2, ceil_mode=True)
    if kind != "lp":
        kw["padding"] = 1
    t = E.trace_pool(x, kind, **kw, **({"norm_type": 2.0} if kind == "lp" else {}))
    if kind == "max":
        y = E.max_pool2d(x[None], **kw)[0]
    elif kind == "avg":
        y = E.avg_pool2d(x[None], **kw)[0]
    else:
        y = E.lp_pool2d(x[None], 2.0, **kw)[0]
    assert_allclose(_grid_of(t), y)
    for step in t.steps:
        real = [tap.value for tap in step.taps if tap.role == "input"]
        if kind == "max":
            assert step.value == max(real)
            winner = next(
                tap.grid for tap in step.taps if tap.role == "input" and tap.value == step.value
            )
            assert step.winner == winner  # torch's tie rule: the first maximum in scan order
        elif kind == "avg":
            assert_allclose(step.value, step.total / step.divisor)
            assert step.total == sum(real)
    # the last column of windows hangs past the right padding in ceil mode: fewer taps there
    assert len(t.steps[-1].taps) < 9


def test_adaptive_traces():
    x = examples.example_values((5, 10), seed=5)
    t = E.trace_adaptive_pool(x, "avg", (3, 4))
    assert_allclose(_grid_of(t), E.adaptive_avg_pool2d(x[None], (3, 4))[0])
    assert t.params["windows"][0] == ((0, 2), (1, 4), (3, 5))
    t = E.trace_adaptive_pool(x, "max", (3, 4))
    assert_allclose(_grid_of(t), E.adaptive_max_pool2d(x[None], (3, 4))[0])


def test_traces_are_cheap():
    x = examples.example_values((7, 7), seed=6)
    w = examples.classic_kernel("sobel_x")
    best = min(_timed(lambda: E.trace_conv(x, w, padding=1)) for _ in range(5))
    assert best < 0.02  # a 7×7 trace takes ~2 ms here; generous for slow CI machines
    best = min(_timed(lambda: E.trace_conv_transpose(x[:3, :3], w, stride=2)) for _ in range(5))
    assert best < 0.02


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_max_pool_trace_of_a_window_made_only_of_padding():
    # (1, 4) input, k2, s3, p1, d2: the first row of windows sits at rows −1 and 1, both padding
    x = np.arange(4.0).reshape(1, 4)
    y = E.max_pool2d(x[None], 2, 3, 1, 2)[0]
    t = E.trace_pool(x, "max", 2, stride=3, padding=1, dilation=2)
    assert np.isneginf(y).all()
    for step in t.steps:
        assert step.winner is None and step.value == -np.inf
        assert all(tap.role == "padding" for tap in step.taps)
