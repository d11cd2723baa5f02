"""The step plan: built from engine traces, it must carry the engine's numbers and the shape
core's sizes unchanged, and its geometry must be the slant conv_arithmetic draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.core import shapes, stack
from convanim.draw.catalogue import _trace, plan_named
from convanim.draw.entries import ENTRIES
from convanim.draw.geometry import PERSPECTIVE, rect_meets_polygon
from convanim.draw.plan import (
    THEMES,
    build_plan,
    build_stack_plan,
    contrast,
    format_values,
)
from convanim.engine import examples, ops, tracing


def plan_of(name: str, **overrides):
    return plan_named(name, **overrides)


def texts(grid) -> list[list[str]]:
    return [[grid.text(r, c) for c in range(grid.cols)] for r in range(grid.rows)]


# --- numbers are the engine's ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "numerical_no_padding_no_strides",
            [["12", "12", "17"], ["10", "17", "19"], ["9", "6", "14"]],
        ),
        ("numerical_padding_strides", [["6", "17", "3"], ["8", "17", "13"], ["6", "4", "4"]]),
        (  # the paper prints one decimal (1.7); three significant digits say more (issue 10)
            "numerical_average_pooling",
            [["1.67", "1.67", "1.67"], ["1", "1.22", "1.78"], ["1.11", "0.778", "1.33"]],
        ),
        ("numerical_max_pooling", [["3", "3", "3"], ["3", "3", "3"], ["3", "2", "3"]]),
    ],
)
def test_numerical_figures_show_the_papers_numbers(name, expected):
    plan = plan_of(name)
    assert texts(plan.grid("output")) == expected
    # the paper shows every output from the first frame
    assert all(len(f.shown_outputs) == 9 for f in plan.frames)


def test_output_texts_equal_the_engine_forward_op():
    x = examples.example_values((6, 5), seed=3)
    w = examples.example_values((3, 2), seed=4)
    y = ops.conv2d(x[None, None], w[None, None], stride=(2, 1), padding=1)[0, 0]
    plan = build_plan(tracing.trace_conv(x, w, stride=(2, 1), padding=1), numbers=True)
    assert texts(plan.grid("output")) == [list(format_values(row)) for row in y]
    assert texts(plan.grid("input"))[1][1:6] == list(format_values(x[0]))


def test_subscripts_are_the_weights_applied_and_flip_in_convolution_mode():
    x = examples.example_values((4, 4), seed=1)
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    corr = build_plan(tracing.trace_conv(x, w), look="flat", numbers=True)
    conv = build_plan(tracing.trace_conv(x, w, mode="convolution"), look="flat", numbers=True)
    assert [t for _, t in corr.frames[0].subscripts] == ["1", "2", "3", "4"]
    assert [t for _, t in conv.frames[0].subscripts] == ["4", "3", "2", "1"]
    captions = [lb.text for lb in conv.labels if lb.role == "caption"]
    assert captions and "flipped" in captions[0]
    assert any("rotated" in lb.text for lb in conv.labels)
    assert any("cross-correlation" in lb.text for lb in corr.labels)


def test_step_notes_spell_out_the_engines_sum():
    plan = plan_of("numerical_no_padding_no_strides")
    assert plan.frames[0].note == "3·0 + 3·1 + 2·2 + 0·2 + 0·2 + 1·0 + 3·0 + 1·1 + 2·2 = 12"
    pooled = plan_of("numerical_max_pooling")
    assert pooled.frames[-1].note.startswith("max(") and pooled.frames[-1].note.endswith("= 3")
    assert all(f.note == "" for f in plan_of("dilation").frames)


def test_progressive_fill_reveals_one_output_per_frame():
    plan = plan_of("2d_convolution")
    assert [len(f.shown_outputs) for f in plan.frames] == list(range(1, 10))
    assert texts(plan.grid("output")) == [["4", "3", "4"], ["2", "4", "3"], ["2", "3", "4"]]
    assert plan.frames[-1].duration_ms == 3000 and plan.frames[0].duration_ms == 1000


def test_max_pool_marks_the_winner():
    plan = plan_of("2d_maxpool")
    trace = _trace(ENTRIES["2d_maxpool"], 29.5)
    for frame, step in zip(plan.frames, trace.steps, strict=True):
        assert frame.winner == step.winner
        # one clear maximum per window, or "the maximum marked" is a coin toss on a slide
        values = [tap.value for tap in step.taps]
        assert values.count(max(values)) == 1
        r, c = frame.winner
        assert plan.grid("input").text(r, c) == plan.grid("output").text(*frame.output_cell)


def test_padded_max_pool_keeps_integers_and_leaves_its_minus_infinity_padding_blank():
    """Max pooling pads with −∞: it must not turn every input into "3.0" nor print "-inf"
    in the padding (the bundled font has no ∞, and the padding can never win)."""
    x = np.array(
        [[3.0, 2, 2, 1, 1], [0, 0, 0, 0, 3], [2, 3, 2, 2, 3], [2, 2, 2, 2, 3], [1, 3, 2, 0, 1]]
    )
    t = tracing.trace_pool(x, "max", 2, stride=2, padding=1, ndim=2)
    plan = build_plan(t, look="flat", numbers=True)
    g = plan.grid("input")
    assert texts(g)[1][1:6] == ["3", "2", "2", "1", "1"]
    assert all(
        g.text(r, c) == ""
        for r in range(g.rows)
        for c in range(g.cols)
        if g.role(r, c) == "padding"
    )
    assert texts(plan.grid("output"))[0] == ["3", "2", "1"]
    assert format_values([3.0, -math.inf]) == ("3", "\u2212∞")  # notes still spell it out


def test_transposed_animations_say_so():
    """Labels alone leave same_padding_no_strides_transposed pixel-identical to
    same_padding_no_strides (conv_arithmetic #9, #30, #35: which is which?)."""
    from convanim.draw.catalogue import TRANSPOSED_CAPTION

    for name in ("same_padding_no_strides_transposed", "padding_strides_odd_transposed"):
        # in the perspective look the caption takes the top-right corner, a clause a line
        captions = [lb.text for lb in plan_of(name).labels if lb.role == "caption"]
        assert " ".join(captions) == TRANSPOSED_CAPTION
    assert not [lb for lb in plan_of("same_padding_no_strides").labels if lb.role == "caption"]
    assert not plan_of("same_padding_no_strides_transposed", labels=False).labels
    numbered = plan_of("padding_strides_odd_transposed", numbers=True)
    assert [lb.text for lb in numbered.labels if lb.role == "caption"] == [
        "direct view: kernel rotated 180°, stride 1"
    ]


# --- sizes and frames come from the shape core -------------------------------------------------


@pytest.mark.parametrize(
    "name, frames, grid",
    [
        ("no_padding_no_strides", 4, 4),
        ("arbitrary_padding_no_strides", 36, 9),
        ("full_padding_no_strides", 49, 9),
        ("padding_strides_odd", 9, 8),
        ("dilation", 9, 7),
        ("no_padding_no_strides_transposed", 16, 6),
        ("arbitrary_padding_no_strides_transposed", 25, 8),
        ("no_padding_strides_transposed", 25, 7),
        ("padding_strides_odd_transposed", 36, 8),
    ],
)
def test_frames_and_grid_side_match_conv_arithmetic(name, frames, grid):
    plan = plan_of(name)
    assert len(plan.frames) == frames == ENTRIES[name].frames()
    g = plan.grid("input")
    assert (g.rows, g.cols) == (grid, grid)
    # raster order from the top-left: first window at the corner, last output bottom-right
    assert plan.frames[0].window_box[:2] == (0, 0)
    assert plan.frames[0].output_cell == (0, 0)
    o = plan.grid("output")
    assert plan.frames[-1].output_cell == (o.rows - 1, o.cols - 1)


def test_padding_strides_odd_never_covers_the_last_row_and_column():
    plan = plan_of("padding_strides_odd")
    covered = {cell for f in plan.frames for cell in f.window}
    g = plan.grid("input")
    assert all((7, c) not in covered and (c, 7) not in covered for c in range(8))
    assert plan.frames[-1].window_box == (4, 4, 7, 7)
    # the uncovered strip is padding here (drawn dashed, as conv_arithmetic does) ...
    assert g.role(7, 3) == "padding" and g.role(3, 7) == "padding"
    assert not plan.legend
    # ... but real input that no window reaches is marked, with a legend
    t = tracing.trace_conv(np.ones((6, 6)), np.ones((3, 3)), stride=2)
    unreached = build_plan(t)
    assert unreached.grid("input").role(5, 2) == "dropped"
    assert ("dropped", "never covered") in unreached.legend


def test_transposed_direct_view_roles_and_legend():
    plan = plan_of("padding_strides_odd_transposed")
    g = plan.grid("input")
    (dim,) = shapes.transposed_geometry((3,), 3, 2, 1, 1, 1)
    inputs = {(r, c) for r in range(g.rows) for c in range(g.cols) if g.role(r, c) == "input"}
    pos = [dim.input_position(j) for j in range(3)]
    assert inputs == {(r, c) for r in pos for c in pos}
    assert g.role(2, 2) == "inserted" and g.role(0, 0) == "padding"
    # output_padding: the bottom row and right column, told apart from the padding
    assert all(g.role(7, c) == "output_padding" for c in range(8))
    assert all(g.role(r, 7) == "output_padding" for r in range(8))
    assert g.role(6, 0) == "padding" and g.role(0, 6) == "padding"
    assert [role for role, _ in plan.legend] == ["input", "padding", "inserted", "output_padding"]
    assert len(plan.frames[0].window) == 9  # stride 1, a 3x3 window


def test_dilation_shades_taps_but_outlines_the_dilated_window():
    plan = plan_of("dilation")
    f = plan.frames[0]
    assert f.window_box == (0, 0, 5, 5)
    assert set(f.window) == {(r, c) for r in (0, 2, 4) for c in (0, 2, 4)}


def test_one_dimensional_traces_draw_one_row():
    t = tracing.trace_conv(np.arange(7.0), np.ones(3), dilation=2)
    plan = build_plan(t, look="flat", numbers=True)
    g = plan.grid("input")
    assert (g.rows, g.cols) == (1, 7)
    assert plan.frames[0].window == ((0, 0), (0, 2), (0, 4))
    assert texts(plan.grid("output")) == [["6", "9", "12"]]


# --- geometry ---------------------------------------------------------------------------------


def test_perspective_edges_follow_the_tikz_slant():
    """TikZ applies xslant=-0.7, then yslant=0.5: a column step is (1, 0.5), a row step
    (−0.7, 0.65) (y up): edges at 26.6° and 42.9°, as measured on the originals."""
    a, b, c, d = PERSPECTIVE
    assert (a, b, c) == (1.0, -0.7, 0.5) and d == pytest.approx(0.65)
    assert math.degrees(math.atan2(c, a)) == pytest.approx(26.57, abs=0.01)
    assert math.degrees(math.atan2(d, -b)) == pytest.approx(42.88, abs=0.01)
    plan = plan_of("padding_strides")
    for key in ("input", "output"):
        g = plan.grid(key)
        (x0, y0), (x1, y1) = g.point(0, 0), g.point(1, 0)
        # +1 column: x' += 1, y' += 0.5 (y up), i.e. −0.5 with y down
        assert (x1 - x0, y1 - y0) == pytest.approx((1.0, -0.5))
        (x2, y2) = g.point(0, 1)
        # +1 row (down the map): y up decreases by 1, so x' += 0.7 and y (down) += 0.65
        assert (x2 - x0, y2 - y0) == pytest.approx((0.7, 0.65))
    # everything fits in the content box
    for g in plan.grids:
        for r, c in ((0, 0), (g.rows, 0), (0, g.cols), (g.rows, g.cols)):
            x, y = g.point(c, r)
            assert -1e-9 <= x <= plan.width + 1e-9 and -1e-9 <= y <= plan.height + 1e-9


def _on_segment(p, a, b, tol=1e-6) -> bool:
    cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
    dot = (p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1])
    return abs(cross) < tol and -tol <= dot <= (b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2 + tol


def test_connectors_join_window_corners_to_output_cell_corners():
    """Each line is a piece of a window-corner → cell-corner segment; the parts over the
    window and under the output plane are left out (the originals hide the latter too)."""
    plan = plan_of("no_padding_no_strides")
    for f in plan.frames:
        wpoly = plan.grid("input").box_polygon(*f.window_box)
        opoly = plan.grid("output").cell_polygon(*f.output_cell)
        assert f.lines
        for a, b in f.lines:
            assert any(
                _on_segment(a, w, o) and _on_segment(b, w, o)
                for w, o in zip(wpoly, opoly, strict=True)
            )
    # the window's top corner goes straight up to the cell's: nothing hides that line
    f = plan.frames[0]
    top = plan.grid("input").point(0, 0), plan.grid("output").point(0, 0)
    assert any(a == pytest.approx(top[0]) and b == pytest.approx(top[1]) for a, b in f.lines)
    assert (
        build_plan(_trace(ENTRIES["no_padding_no_strides"], 29.5), look="flat").frames[1].lines
        == ()
    )


def test_default_width_matches_conv_arithmetic():
    for name, g in [
        ("no_padding_no_strides", 4),
        ("padding_strides", 7),
        ("full_padding_no_strides", 9),
    ]:
        w, _ = plan_of(name).pixel_size(29.5, 21.5)
        assert abs(w - (43 + 50.2 * g)) <= 3


@settings(max_examples=25, deadline=None)
@given(
    i=st.integers(3, 8),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    d=st.integers(1, 2),
)
def test_any_conv_plan_has_one_frame_per_output_and_windows_inside(i, k, s, p, d):
    try:
        out = shapes.conv_output_shape((i, i), k, s, p, d)
    except ValueError:
        return
    t = tracing.trace_conv(
        examples.example_values((i, i)), np.ones((k, k)), stride=s, padding=p, dilation=d
    )
    plan = build_plan(t, numbers=True)
    assert len(plan.frames) == math.prod(out)
    g = plan.grid("input")
    for f in plan.frames:
        r0, c0, r1, c1 = f.window_box
        assert 0 <= r0 < r1 <= g.rows and 0 <= c0 < c1 <= g.cols
        assert len(f.window) == k * k


def test_themes_keep_text_readable():
    for theme in THEMES.values():
        for role in ("input", "output", "padding", "inserted", "kernel"):
            for fill in (theme.fill(role), theme.shaded(role)):
                assert contrast(theme.ink_on(fill), fill) >= 3.0, (theme.name, role)


def test_inserted_zeros_stand_apart_from_padding_in_every_theme():
    """The issue: inserted zeros drawn differently from padding zeros. Outlines differ
    (dotted, dashed); the fills must too: dark's base02 was 18 RGB units from its padding,
    solarized's beige is 51 from white."""

    def rgb(c):
        return [int(c[i : i + 2], 16) for i in (1, 3, 5)]

    for theme in THEMES.values():
        assert math.dist(rgb(theme.inserted), rgb(theme.padding)) >= 40, theme.name
        assert contrast(theme.muted, theme.inserted) >= 3.0, theme.name  # its muted "0"


@pytest.mark.parametrize(
    "size, k", [((1, 1), 1), ((1, 6), (1, 3)), ((2, 2), 1), ((3, 3), 1), ((6, 6), 3)]
)
def test_perspective_labels_never_sit_on_a_plane(size, k):
    """'The bounding box's corners are always empty' failed for planes a row or two high:
    'input' and 'output' were drawn over the cells."""
    t = tracing.trace_conv(np.ones(size), np.ones(k if isinstance(k, tuple) else (k, k)))
    plan = build_plan(t, look="perspective")
    planes = [g.box_polygon(0, 0, g.rows, g.cols) for g in plan.grids]
    for lb in plan.labels:
        assert not any(rect_meets_polygon(lb.box(), list(poly)) for poly in planes), lb.text
    assert rect_meets_polygon((0, 0, 1, 1), [(0.5, 0.5), (2, 0.5), (2, 2)])
    assert not rect_meets_polygon((0, 0, 1, 1), [(1.5, 0), (3, 0), (1.5, 1.4)])


def test_bad_requests():
    t = tracing.trace_conv(np.ones((3, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError):
        build_plan(t, duration_ms=0)
    with pytest.raises(ValueError, match="3-D"):
        build_plan(tracing.trace_conv(np.ones((1, 1, 3, 3, 3)), np.ones((1, 1, 2, 2, 2))))


# --- stacks (WaveNet) -----------------------------------------------------------------------------


@pytest.mark.parametrize("dilated, rf", [(False, 5), (True, 16)])
def test_wavenet_receptive_field_matches_the_shape_core(dilated, rf):
    dilations = [2**i if dilated else 1 for i in range(4)]
    traces = [
        tracing.trace_conv(np.zeros(16), np.ones(2), padding=[(d, 0)], dilation=d)
        for d in dilations
    ]
    plan = build_stack_plan(traces, hold_last_ms=2500)
    assert stack.receptive_field([(2, 1, d, d) for d in dilations])[0] == rf
    inputs = sorted(t for layer, t in plan.frames[-1].nodes if layer == 0)
    assert inputs == list(range(16 - rf, 16))
    assert len(plan.frames) == 5 and plan.durations[-1] == 2500
    # the field grows one layer per frame, from the output down
    assert [len({lay for lay, _ in f.nodes}) for f in plan.frames] == [1, 2, 3, 4, 5]


# --- issue 10: text that reads ----------------------------------------------------------------


def test_labels_and_legend_are_14_px_or_more_at_the_default_size():
    for name in ("padding_strides_odd_transposed", "numerical_padding_strides", "2d_convolution"):
        plan = plan_of(name)
        assert plan.labels
        assert all(lb.size * 29.5 >= 14 for lb in plan.labels), name
        assert plan.legend_size * 29.5 >= 14


def test_any_numbers_fit_their_cells_at_three_significant_digits():
    """The issue's case: 100 and −104 once shrank to 3 px and 0.25 read 0.2."""
    from convanim.draw.labels import text_width
    from convanim.draw.layout import MIN_NUMBER_SIZE

    x = np.array(
        [[1.5, -2, 3, 0.25, 10], [100, -100, 7, 8, 9], [1, 2, 3, 4, 5], [0] * 5, [1] * 5],
        dtype=float,
    )
    t = tracing.trace_conv(x, examples.classic_kernel("sobel_x"), stride=2, padding=1)
    plan = build_plan(t, look="flat", numbers=True)
    inp, out = plan.grid("input"), plan.grid("output")
    every = [s for g in (inp, out) for s in g.texts]
    assert "0.25" in every and "100" in every and "\u2212104" in every and "\u22122" in every
    assert not any("-" in s for s in every)  # a real minus, never a hyphen
    assert all(len(s.replace("\u2212", "").replace(".", "")) <= 3 for s in every if s)
    # subscripted cells leave the number 62 % of the (widened) cell, at the minimum size
    for g in (inp, out):
        assert g.cell_width > 1.0
        room = (0.62 if g.key == "input" else 0.86) * g.cell_width
        assert all(text_width(s, MIN_NUMBER_SIZE) <= room + 1e-9 for s in g.texts), g.key


@pytest.mark.parametrize(
    ("kind", "says"),
    [("max", "max pooling"), ("avg", "average pooling"), ("lp", "power-average pooling")],
)
def test_a_pooling_with_numbers_says_which_pooling(kind, says):
    """Max, average and power-average pictures look alike: the caption tells them apart."""
    x = examples.example_values((5, 5), seed=1)
    extra = {"norm_type": 2.0} if kind == "lp" else {}
    trace = tracing.trace_pool(x, kind, 3, stride=1, **extra)
    captions = [label.text for label in build_plan(trace, numbers=True).labels]
    assert any(text.startswith(says) for text in captions), captions
    assert not any("pooling" in label.text for label in build_plan(trace).labels)
