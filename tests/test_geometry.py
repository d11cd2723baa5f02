"""The paper's picture, checked from the plan for any parameters: the output plane floats
clear of the input plane, no connector line crosses the window or the output plane, and no
label or legend entry sits on a plane or a line (issue 10: in 13 of the 15 GIFs the output
plane once hid the window)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from convanim.core import shapes
from convanim.draw import catalogue, entries
from convanim.draw.geometry import (
    clip_outside,
    output_lift,
    plane_polygon,
    polygon_area,
    polygons_overlap,
    rect_meets_polygon,
)
from convanim.draw.plan import build_plan
from convanim.engine import examples, tracing


def strictly_inside(poly, p, margin=1e-6) -> bool:
    """Point strictly inside a convex polygon (written here, not taken from the module)."""
    signs = []
    for (x0, y0), (x1, y1) in zip(poly, [*poly[1:], poly[0]], strict=True):
        signs.append((x1 - x0) * (p[1] - y0) - (y1 - y0) * (p[0] - x0))
    scale = max(abs(v) for v in signs) or 1.0
    return all(v > margin * scale for v in signs) or all(v < -margin * scale for v in signs)


def check_plan(plan) -> None:
    g_in, g_out = plan.grid("input"), plan.grid("output")
    inp, out = list(g_in.outline()), list(g_out.outline())
    assert not polygons_overlap(inp, out), "the output plane covers the input plane"
    boxes = [lb.box() for lb in plan.labels]
    s = plan.legend_size
    boxes += [(x, y, x + s, y + s) for _, _, (x, y), _ in plan.legend_items()]
    for box in boxes:
        assert not rect_meets_polygon(box, inp) and not rect_meets_polygon(box, out), box
        x0, y0, x1, y1 = box
        assert -1e-6 <= x0 and x1 <= plan.width + 1e-6 and -1e-6 <= y0 and y1 <= plan.height + 1e-6
    for f in plan.frames:
        r0, c0, r1, c1 = f.window_box
        assert 0 <= r0 < r1 <= g_in.rows and 0 <= c0 < c1 <= g_in.cols
        window = list(g_in.box_polygon(*f.window_box))
        assert not polygons_overlap(window, out)
        for a, b in f.lines:
            for t in np.linspace(0.0, 1.0, 41)[1:-1]:
                p = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                assert not strictly_inside(window, p), "a line crosses the window"
                assert not strictly_inside(out, p), "a line crosses the output plane"
                for x0, y0, x1, y1 in boxes:
                    assert not (x0 < p[0] < x1 and y0 < p[1] < y1), "a line crosses a label"


def trace_for(kind, rows, cols, k, s, p, d, op):
    x = examples.example_values((rows, cols), seed=rows * 31 + cols)
    if kind == "conv":
        return tracing.trace_conv(x, np.ones((k, k)), stride=s, padding=p, dilation=d)
    if kind == "transposed":
        return tracing.trace_conv_transpose(
            x, np.ones((k, k)), stride=s, padding=p, output_padding=op, dilation=d
        )
    dilation = {"dilation": d} if kind == "max" else {}  # torch's avg_pool takes none
    return tracing.trace_pool(x, kind, k, stride=s, padding=min(p, k // 2), **dilation)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["conv", "transposed", "max", "avg"]),
    rows=st.integers(1, 9),
    cols=st.integers(1, 9),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    d=st.integers(1, 2),
    op=st.integers(0, 2),
)
@example(kind="conv", rows=7, cols=7, k=2, s=3, p=0, d=1, op=0)  # the small output
@example(kind="conv", rows=5, cols=5, k=3, s=1, p=2, d=1, op=0)  # full_padding_no_strides
@example(kind="conv", rows=1, cols=9, k=1, s=1, p=0, d=1, op=0)  # a one-row plane
def test_planes_lines_and_labels_never_meet(kind, rows, cols, k, s, p, d, op):
    try:
        if kind == "transposed":
            if op >= max(s, d):
                return
            shapes.transposed_output_shape((rows, cols), k, s, p, d, op)
        elif kind == "conv":
            shapes.conv_output_shape((rows, cols), k, s, p, d)
        else:
            shapes.pool_output_shape((rows, cols), k, s, min(p, k // 2), d, kind=kind)
        trace = trace_for(kind, rows, cols, k, s, p, d, op)
    except ValueError:
        return
    check_plan(build_plan(trace, look="perspective"))


@pytest.mark.parametrize("name", [e.name for e in entries.ARITHMETIC])
def test_catalogue_planes_lines_and_labels_never_meet(name):
    check_plan(catalogue.plan_named(name))


def test_lift_is_the_papers_for_square_maps():
    """conv_arithmetic lifts the output G + 1 cells (its heights: 43 + 29.5·(G + 1 + 1.15·o))."""
    for g in range(1, 12):
        assert output_lift(g) == g + 1
    # and that lift clears the input plane along the planes' common normal for any output
    for g in range(1, 10):
        for o in range(1, g + 1):
            assert not polygons_overlap(plane_polygon(g, g), plane_polygon(o, o, -0.25, g + 1))


def test_clipping_keeps_what_no_polygon_hides():
    square = [(0, 0), (1, 0), (1, 1), (0, 1)]
    assert clip_outside((-1, 0.5), (2, 0.5), [square]) == [
        ((-1.0, 0.5), (0.0, 0.5)),
        ((1.0, 0.5), (2.0, 0.5)),
    ]
    assert clip_outside((0.2, 0.2), (0.8, 0.8), [square]) == []
    assert clip_outside((2, 2), (3, 3), [square]) == [((2.0, 2.0), (3.0, 3.0))]
    assert math.isclose(polygon_area(plane_polygon(2, 3)), 2 * 3 * 0.65 + 2 * 3 * 0.35)
