"""Structural tests of the Manim scenes: Manim's ``dry_run`` (no frames, no video).

For every scene: how many animations it plays (per engine step, plus a fixed intro and
outro, so a lost or doubled step fails), and that the numbers on screen are the engine's:
the ``Text`` mobjects left on screen are compared with values computed independently
(``numpy.convolve``, the engine's ``ops``/``conv_backward``, the shape core).
"""

from __future__ import annotations

import importlib
import types

import numpy as np
import pytest

pytest.importorskip("manim")

from convanim.scenes._common import fmt  # noqa: E402
from manim import MathTex, Text  # noqa: E402
from scene_checks import PALETTE_CASES, assert_on_screen, dry, shown  # noqa: E402

from convanim import video  # noqa: E402
from convanim.core import shapes  # noqa: E402
from convanim.draw.plan import format_values  # noqa: E402
from convanim.engine import conv_backward, conv_transpose2d, max_pool2d  # noqa: E402

# --------------------------------------------------------------------------------------------


def test_every_scene_has_a_module_and_specs():
    assert set(video.SCENE_NAMES) == set(video.PARAM_SPECS)
    for name in video.SCENE_NAMES:
        module = importlib.import_module(f"convanim.scenes.{video.SCENE_MODULES[name]}")
        assert hasattr(module, name)


def fir_plays(scene, signal, kernel, mode="convolution", max_steps=0) -> int:
    """The beats FIRConvolution1D should make, from the engine's trace: 3 intro beats; per
    output sample the slide, then per product its pairing with its tap and its addition (or,
    past the scene's one-at-a-time budget, one pairing and one addition for all), the landing;
    the L_out formula and the final hold."""
    from convanim.scenes._data import conv1d_trace

    trace = conv1d_trace(signal, kernel, mode=mode)
    steps = trace.steps[:max_steps] if max_steps else trace.steps
    budget = type(scene).ACCUMULATE_PRODUCTS
    beats = 0
    for index, step in enumerate(steps):
        one_by_one = index == 0 or (index + 1) * len(step.taps) <= budget
        beats += 2 + 2 * (len(step.taps) if one_by_one else 1)
    return 3 + beats + 2


def running_sums(signal, kernel, mode, steps, budget=18) -> list[float]:
    """What the accumulator shows, computed independently of the engine: per output sample
    0, then the sum after each product h[k]·x[n∓k] in k order (only the total past the
    budget of one-at-a-time additions)."""
    x, h = np.asarray(signal, float), np.asarray(kernel, float)
    m = len(h)
    out: list[float] = []
    for index in range(steps):
        n = index + m - 1 if mode == "convolution" else index
        products = [h[k] * (x[n - k] if mode == "convolution" else x[n + k]) for k in range(m)]
        sums = np.cumsum(products)
        one_by_one = index == 0 or (index + 1) * m <= budget
        out += [0.0, *(sums if one_by_one else sums[-1:])]
    return out


def test_fir_steps_and_numbers(media):
    x, h = [1, 2, 3, 1, 0, -1], [1, 0.5, -1]
    scene = dry(media, "FIRConvolution1D", signal=x, kernel=h, step_time=0.1)
    expected = np.convolve(x, h, mode="valid")  # the deck's y[n] = Σ h[k] x[n−k]
    assert len(expected) == shapes.conv_output_size(len(x), len(h))
    assert len(scene.timeline) == fir_plays(scene, x, h)
    # 4 steps of 3 taps stay within the budget: every product is paired and added on its own
    assert len(scene.timeline) == 3 + (2 + 2 * len(h)) * len(expected) + 2
    np.testing.assert_allclose(shown(scene, "y")[::2], expected)  # formula, then the stem
    # the products under the window, then the running sum 0 → p0 → p0+p1 → y[n]
    products = [h[k] * x[n - k] for n in range(len(h) - 1, len(x)) for k in range(len(h))]
    np.testing.assert_allclose(shown(scene, "product"), products)
    sums = shown(scene, "sum")
    np.testing.assert_allclose(sums, running_sums(x, h, "convolution", len(expected)))
    np.testing.assert_allclose(sums[len(h) :: len(h) + 1], expected)  # each sum lands in y[n]
    assert_on_screen(scene, [fmt(v) for v in x] + [fmt(v) for v in h] + [fmt(v) for v in expected])
    assert shown(scene, "L_out") == [len(expected)]


def test_fir_correlation_and_max_steps(media):
    x, h = [1, 2, 3, 4], [1, -1]
    scene = dry(media, "FIRConvolution1D", signal=x, kernel=h, mode="correlation", max_steps=2)
    assert len(scene.timeline) == fir_plays(scene, x, h, "correlation", max_steps=2)
    expected = np.correlate(x, h, mode="valid")[:2]
    np.testing.assert_allclose(shown(scene, "y")[::2], expected)
    np.testing.assert_allclose(shown(scene, "sum"), running_sums(x, h, "correlation", 2))
    assert_on_screen(scene, [fmt(v) for v in expected])


def test_fir_largest_signal_stays_legible(media):
    # 10 samples and 5 taps (the most the scene draws), every number 40 px tall at 1080p.
    # Past three steps the 5 products no longer go into the sum one by one but all at once.
    x = [1, -2, 3, 1, 0, -1, 2.5, -2.5, -3, 0.25]
    h = [1, -0.5, 0.25, -2.5, 3]
    scene = dry(
        media, "FIRConvolution1D", legible=True, signal=x, kernel=h, max_steps=4, step_time=0.1
    )
    assert len(scene.timeline) == fir_plays(scene, x, h, max_steps=4)
    assert len(scene.timeline) == 3 + 2 * 4 + 2 * (5 + 5 + 5 + 1) + 2
    np.testing.assert_allclose(shown(scene, "y")[::2], np.convolve(x, h, mode="valid")[:4])
    np.testing.assert_allclose(shown(scene, "sum"), running_sums(x, h, "convolution", 4))


def test_conv2d_steps_and_numbers(media):
    torch = pytest.importorskip("torch")
    params = dict(input="4x4", kernel=3, stride=2, padding=1, bias=2, step_time=0.1)
    scene = dry(media, "Conv2D", **params)
    resolved = video.resolve_params("Conv2D", params)
    from convanim.scenes._data import conv2d_values

    x, w = conv2d_values(resolved)
    # torch is the oracle: the outputs the scene writes, bias included
    y = torch.nn.functional.conv2d(
        torch.tensor(x)[None, None],
        torch.tensor(w)[None, None],
        torch.tensor([2.0], dtype=torch.float64),
        2,
        1,
    )[0, 0].numpy()
    assert y.shape == (2, 2)
    assert len(scene.timeline) == 2 + y.size + 1
    assert_on_screen(scene, format_values(y.ravel()) + format_values(x.ravel()))
    np.testing.assert_allclose(shown(scene, "output"), y.ravel())
    # the bias is drawn (a cell of its own) and added in every step's line
    assert shown(scene, "b") == [2]
    assert_on_screen(scene, ["bias b", "2"])
    sums = [
        float((x_win * w).sum())
        for x_win in np.lib.stride_tricks.sliding_window_view(np.pad(x, 1), (3, 3))[
            ::2, ::2
        ].reshape(-1, 3, 3)
    ]
    np.testing.assert_allclose(np.array(sums) + 2, y.ravel())
    np.testing.assert_allclose(shown(scene, "sum"), y.ravel())
    assert len(scene.notes) == y.size
    for note, v in zip(scene.notes, y.ravel(), strict=True):
        assert note.endswith(f"+ 2 = {fmt(v)}"), note


def test_conv2d_paper_values_and_dilation(media):
    torch = pytest.importorskip("torch")
    scene = dry(
        media, "Conv2D", input="5x5", kernel=3, dilation=2, bias=0, max_steps=3, step_time=0.1
    )
    from convanim.engine.examples import conv_arithmetic_values

    x, w = conv_arithmetic_values()
    y = torch.nn.functional.conv2d(
        torch.tensor(x)[None, None], torch.tensor(w)[None, None], padding=1, dilation=2
    )[0, 0].numpy()
    assert len(scene.timeline) == 2 + 3 + 1
    np.testing.assert_allclose(shown(scene, "output"), y.ravel()[:3])
    assert_on_screen(scene, format_values(y.ravel()[:3]))
    for note, v in zip(scene.notes, y.ravel()[:3], strict=True):
        assert note.endswith(f"+ 0 = {fmt(v)}"), note


def test_maxpool_winner_and_numbers(media):
    scene = dry(media, "MaxPool2D", input="4x4", seed=3, step_time=0.1)
    from convanim.scenes._data import example_grid

    x = example_grid((4, 4), 3, 0, 10)
    y = max_pool2d(x[None, None], 2, 2)[0, 0]
    assert len(scene.timeline) == 2 + y.size + 1
    np.testing.assert_allclose(shown(scene, "output"), y.ravel())
    assert_on_screen(scene, format_values(y.ravel()))


def test_transposed_both_views(media):
    params = dict(input="2x2", kernel=3, stride=2, output_padding=1, step_time=0.1)
    full = dry(media, "TransposedConv2D", view="scatter", **params)
    from convanim.scenes._data import example_grid

    x = example_grid((2, 2), 0, 0, 4)
    w = example_grid((3, 3), 1, 0, 3)
    y = conv_transpose2d(x[None, None], w[None, None], stride=2, output_padding=1)[0, 0]
    assert y.shape == (6, 6)
    # intro, per input cell scale/land/add, marker out, the untouched output_padding cells,
    # size, wait
    assert len(full.timeline) == 1 + 3 * 4 + 1 + 1 + 2
    np.testing.assert_allclose(sorted(shown(full, "output")), sorted(y.ravel()))
    assert_on_screen(full, [fmt(v) for v in y.ravel()])
    both = dry(media, "TransposedConv2D", view="both", max_steps=2, **params)
    # direct: intro, 2 frames, fade; scatter: intro, 2 cells (3 beats each), marker out; size,
    # wait
    assert len(both.timeline) == (1 + 2 + 1) + (1 + 3 * 2 + 1) + 2
    assert shown(both, "O") == [6, 6]


def test_backward_gradients(media):
    scene = dry(media, "ConvBackward", length=5, kernel=2, step_time=0.1)
    from convanim.scenes._data import backward_example

    x, w, gy, _, _, _ = backward_example(
        video.resolve_params("ConvBackward", {"length": 5, "kernel": 2})
    )
    g = conv_backward(x[None, None], w[None, None], gy[None, None], mode="convolution")
    # fixed beats (the M−1 zeros' call-out among them), then one per gradient value
    assert len(scene.timeline) == 10 + 2 + 5
    assert shown(scene, "dL/db") == [pytest.approx(float(gy.sum()))]
    np.testing.assert_allclose(shown(scene, "grad")[:2], g.grad_weight.ravel())
    np.testing.assert_allclose(shown(scene, "grad")[2:], g.grad_input.ravel())
    # the deck's formulas, checked on the numbers: ∂L/∂w[k] = Σ_n ∂L/∂y[n]·x[n−k]
    n_out = len(gy)
    for k in range(2):
        assert g.grad_weight.ravel()[k] == pytest.approx(
            sum(gy[i] * x[i + 1 - k] for i in range(n_out))
        )


def test_ambiguity_sizes(media):
    scene = dry(media, "TransposedAmbiguity", step_time=0.1)
    assert shown(scene, "size")[:2] == [6, 5]
    assert shown(scene, "O") == [3]
    assert shown(scene, "output_padding") == [0, 1]
    # title, 9 windows, the never-read call-out, fade; transposed: grids, the first output
    # row (6 windows), the last cell, the end
    assert len(scene.timeline) == 1 + 9 + 1 + 1 + 1 + 6 + 1 + 1
    assert [s for s, _ in shapes.transposed_output_range(3, 3, 2, 1)] == [5, 6]


def test_params_from_environment(monkeypatch, tmp_path, media):
    path = tmp_path / "p.json"
    path.write_text('{"signal": [1, 2, 3], "kernel": [1, 1], "step_time": 0.1}')
    monkeypatch.setenv(video.PARAMS_ENV, str(path))
    from convanim.scenes._common import params_from_env

    assert params_from_env()["kernel"] == [1, 1]
    scene = dry(media, "FIRConvolution1D", **params_from_env())
    np.testing.assert_allclose(shown(scene, "y")[::2], [3, 5])


def test_bad_parameters_are_value_errors():
    with pytest.raises(ValueError, match="no parameter"):
        video.resolve_params("Conv2D", {"kernal": 3})
    with pytest.raises(ValueError, match="Kernel size can't be greater"):
        video.resolve_params("FIRConvolution1D", {"signal": "1,2", "kernel": "1,2,3"})
    with pytest.raises(ValueError, match="same output"):
        video.resolve_params("TransposedAmbiguity", {"sizes": "6,4"})


def test_cell_numbers_fit_their_cells():
    # A wide number ("−1", "−2.5") used to fill a kernel cell border to border.
    from convanim.scenes._grid import PlanView, layout_plan

    texts = ["−1", "−2.5", "−10", "7"]
    plan = layout_plan("fit", [("g", 1, 4, ["kernel"] * 4, texts, 0.0, 0.0)])
    view = PlanView(types.SimpleNamespace(shown=[]), plan, max_unit=0.5)
    grid = view.grid("g")
    numbers = [m for m in grid.get_family() if isinstance(m, Text)]
    assert sorted(m.text for m in numbers) == sorted(texts)
    for m in numbers:
        assert m.width <= 0.9 * view.u, m.text  # a margin on both sides


def test_fades_draw_what_manims_draw_without_copies(monkeypatch):
    # The scenes' FadeIn/FadeOut/opacity_to only scale opacities (no deep copies of the texts: see
    # _common._OpacityFade); at every point of the fade each part's colours, points and widths
    # must be those Manim's own fade gives, and a faded-out mobject ends off the scene at full
    # opacity, as Manim's does.
    import manim
    from convanim.scenes import _common
    from manim import Square, VGroup

    def make():
        square = Square(fill_color="#8cc4ec", fill_opacity=0.3, stroke_opacity=0.8)
        return VGroup(Text("−2.5", font=_common.FONT), square)

    def state(m):
        parts = m.family_members_with_points()
        keys = ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas", "points")
        return [np.concatenate([getattr(p, k).ravel() for k in keys]) for p in parts]

    class Stage:  # what clean_up_from_scene needs of a scene
        def __init__(self):
            self.removed = []

        def remove(self, *mobjects):
            self.removed.extend(mobjects)

    copies = []
    real_copy = manim.Mobject.copy

    def both_at(alpha, mine, a, manims, b):
        """Ours (counting the copies it makes) and Manim's at ``alpha``: the same drawing."""
        monkeypatch.setattr(manim.Mobject, "copy", lambda m: copies.append(m) or real_copy(m))
        mine.begin()
        mine.interpolate(alpha)
        monkeypatch.setattr(manim.Mobject, "copy", real_copy)
        manims.begin()
        manims.interpolate(alpha)
        for x, y in zip(state(a), state(b), strict=True):
            np.testing.assert_allclose(x, y, atol=1e-12)

    for ours, theirs in ((_common.FadeIn, manim.FadeIn), (_common.FadeOut, manim.FadeOut)):
        for alpha in (0.0, 0.3, 0.75, 1.0):
            a, b = make(), make()
            full = state(a)
            mine, manims = ours(a, run_time=0.5), theirs(b, run_time=0.5)
            assert isinstance(mine, _common._OpacityFade)
            both_at(alpha, mine, a, manims, b)
            if ours is _common.FadeOut:
                mine.finish()
                stage = Stage()
                mine.clean_up_from_scene(stage)
                assert stage.removed == [a]
                for x, y in zip(state(a), full, strict=True):
                    np.testing.assert_array_equal(x, y)
    # opacity_to: Manim's .animate.set_opacity, there and back
    for opacity in (0.0, 1.0):
        for alpha in (0.3, 1.0):
            a, b = make(), make()
            a.set_opacity(1 - opacity)
            b.set_opacity(1 - opacity)
            mine, manims = _common.opacity_to(a, opacity), b.animate.set_opacity(opacity)
            both_at(alpha, mine, a, manims.build(), b)
    assert copies == []
    # a fade that moves or scales is Manim's own
    assert isinstance(_common.FadeIn(make(), shift=np.array([1, 0, 0])), manim.FadeIn)


def test_scene_helpers_doctests():
    # pytest's --doctest-modules skips scenes/ (Manim scene files), so run these here.
    import doctest

    from convanim.scenes import _common, _grid

    result = doctest.testmod(_common, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2 and result.failed == 0
    result = doctest.testmod(_grid)
    assert result.attempted >= 1 and result.failed == 0
    from convanim.scenes import params

    result = doctest.testmod(params)
    assert result.attempted >= 2 and result.failed == 0
    from convanim.scenes import fir

    result = doctest.testmod(fir)
    assert result.attempted >= 1 and result.failed == 0


# -- pacing ----------------------------------------------------------------------------------

FLOORS = {"idea": 1.5, "product": 0.8, "output": 1.0, "end": 3.0}


@pytest.mark.parametrize("name", video.SCENE_NAMES)
def test_every_beat_meets_the_speaking_pace(media, name):
    """At the default pace every beat on the scene's own clock lasts at least its floor (one
    frame of rounding at 15 fps aside), the beats account for the whole video, the scene opens
    on its title state held as an idea and ends held at least 3 s on a step mark."""
    params = {"max_steps": 4} if name in ("Conv2D", "TransposedConv2D") else {}
    scene = dry(media, name, **params)
    clock = scene.renderer.time
    assert sum(d for _, d in scene.timeline) == pytest.approx(clock, abs=0.05)
    for kind, seconds in scene.timeline:
        assert seconds >= FLOORS.get(kind, 0.0) - 1e-6, (kind, seconds)
    assert scene.timeline[0][0] == "idea" and scene.timeline[-1] == ("end", pytest.approx(3.0))
    assert scene.marks[-1] == pytest.approx(clock - 3.0, abs=1 / 15)  # the last shown state
    assert scene.marks == sorted(set(scene.marks)) and scene.marks[0] >= 1.5


def test_pace_scales_every_beat(media):
    args = dict(signal="1,2,3", kernel="1,-1")
    normal = dry(media, "FIRConvolution1D", **args)
    slow = dry(media, "FIRConvolution1D", pace="slow", **args)
    fast = dry(media, "FIRConvolution1D", pace="fast", step_time=0.5, **args)
    assert [k for k, _ in slow.timeline] == [k for k, _ in normal.timeline]
    for (kind, a), (_, b), (_, c) in zip(
        normal.timeline, slow.timeline, fast.timeline, strict=True
    ):
        if kind == "end":
            # longer when slow, never under 3 s when fast
            assert (a, b, c) == (
                pytest.approx(3.0),
                pytest.approx(4.5, abs=0.07),
                pytest.approx(3.0),
            )
        else:
            assert b == pytest.approx(1.5 * a, abs=0.07)
            assert c == pytest.approx(0.3 * a, abs=0.07)


# -- contrast --------------------------------------------------------------------------------


@pytest.mark.parametrize(("theme", "ink", "transparent"), PALETTE_CASES)
def test_scene_colours_are_legible_on_the_slide(theme, ink, transparent):
    """Every text colour the scenes use has 4.5:1 against the slide and against every cell
    fill it can sit on (shaded or not); outlines and stems 3:1 against the slide (WCAG), the
    grid's lines 3:1 against every cell they border, for
    the light and the dark slide and for a transparent export (on the dark slide it is for)."""
    from convanim.scenes._common import palette_for

    from convanim.draw.plan import contrast

    pal = palette_for(theme, ink, transparent)
    slide = pal.background
    assert slide == ("#ffffff" if theme == "light" and not transparent else "#002b36")
    for name, colour in pal.text_colours().items():
        assert contrast(colour, slide) >= 4.5, name
    t = pal.cells
    for role in ("input", "output", "kernel", "padding", "inserted", "dropped", "output_padding"):
        for fill in (t.fill(role), t.shaded(role)):
            assert contrast(t.ink_on(fill), fill) >= 4.5, (role, fill)
            # the grid's lines and the window's outline are drawn over every cell
            assert contrast(t.line, fill) >= 3.0, (role, fill)
            if role in ("padding", "inserted"):  # their zeros are written in the muted colour
                assert contrast(t.muted, fill) >= 4.5, (role, fill)
    # the kernel's quiet box behind the taps: its numbers and stems on it
    assert contrast(pal.ink, pal.light) >= 4.5 and contrast(pal.teal, pal.light) >= 3.0
    assert contrast(t.muted, t.background) >= 4.5
    assert contrast(t.text, t.background) >= 4.5
    for graphic in (t.line, t.winner, pal.teal, pal.red, pal.blue, pal.grey):
        assert contrast(graphic, slide) >= 3.0, graphic


def test_operation_parameters_are_declared_once():
    """A scene parameter that names an operation parameter (input, kernel, stride, padding,
    dilation, output_padding, groups, channels, ceil_mode, mode) is core.params.PARAMS' own:
    its help and choices are read from there, not written again per scene."""
    from convanim.core.params import lookup

    seen = set()
    for name in video.SCENE_NAMES:
        for spec in video.PARAM_SPECS[name]:
            if name == "FIRConvolution1D" and spec.name == "kernel":
                continue  # FIR's kernel is the impulse response's values, not a size
            try:
                param = lookup(spec.name)
            except KeyError:
                continue
            assert (spec.help, spec.choices) == (param.help, param.choices), (name, spec.name)
            seen.add(param.name)
    assert {"input_size", "kernel_size", "stride", "padding", "dilation", "mode"} <= seen
    assert {"output_padding", "groups", "in_channels", "out_channels", "ceil_mode"} <= seen


def test_ink_follows_the_gif_choices():
    """``--theme`` and ``--ink`` are common scene parameters; ``--ink`` has the GIFs' choices
    (draw.themes.INKS), and light ink is the light slide's palette swapped for the dark one."""
    from convanim.scenes._common import PALETTES, palette_for

    from convanim.draw.themes import INKS

    for name in video.SCENE_NAMES:
        specs = {s.name: s for s in video.PARAM_SPECS[name]}
        assert specs["ink"].choices == INKS and specs["theme"].choices == tuple(PALETTES)
    assert palette_for("light", "light").ink == PALETTES["dark"].ink
    assert palette_for("light", "light").background == "#ffffff"
    assert palette_for("dark", "dark").ink == PALETTES["light"].ink
    assert palette_for("light", "dark", transparent=True) == PALETTES["light"]
    with pytest.raises(ValueError, match="must be one of light, dark"):
        video.resolve_params("Conv2D", {"theme": "solarized"})


# -- legible at the parameter corners --------------------------------------------------------

CORNERS = [
    ("FIRConvolution1D", {}),
    ("FIRConvolution1D", {"signal": "1", "kernel": "1"}),
    ("FIRConvolution1D", {"signal": "-2.5,1,-3,2,0.25", "kernel": "-1.5,2", "mode": "correlation"}),
    ("FIRConvolution1D", {"signal": "3,-3,2,3,-2,1,3,-3,2,1", "kernel": "-1,1,-1,0.5,-0.5"}),
    ("Conv2D", {}),
    ("Conv2D", {"input": "7x7", "padding": 0, "kernel": 1}),
    ("Conv2D", {"input": "1x1", "kernel": 1, "padding": 0}),
    ("Conv2D", {"input": "5x5", "stride": 2, "dilation": 2, "mode": "convolution"}),
    ("Conv2D", {"input": "7x3", "kernel": "3x1", "padding": 0, "seed": 4}),
    ("Conv2D", {"input": "7x7", "kernel": 3, "padding": 0, "seed": 2, "bias": 9}),
    ("Conv2D", {"input": "3x5", "kernel": "3x5", "padding": 1, "bias": 0}),
    ("Conv2D", {"input": "6x6", "kernel": "4x4", "padding": 0, "seed": 3, "bias": 9}),
    ("MaxPool2D", {}),
    ("MaxPool2D", {"input": "7x7", "kernel": 3, "stride": 1}),
    ("MaxPool2D", {"input": "5x5", "kernel": 2, "stride": 1, "padding": 1}),
    ("MaxPool2D", {"input": "5x5", "kernel": 3, "stride": 2, "ceil_mode": True}),
]


@pytest.mark.parametrize(("name", "params"), CORNERS)
def test_numbers_legible_at_the_corners(media, name, params):
    """At the corners of the parameter range (the largest drawing the scene allows, the
    smallest, the widest formulas) nothing leaves the frame, no two texts overlap, no outline
    cuts a text, and every number is 40 px tall at 1080p (weights in cell corners aside);
    FIR's rows of numbers keep 0.1 units apart (a flipped −1 sat on its product)."""
    spacing = 0.1 if name == "FIRConvolution1D" else None
    dry(media, name, legible=True, spacing=spacing, max_steps=3, **params)


@pytest.mark.parametrize(
    ("name", "params"), [(n, p) for n, p in CORNERS if n in ("Conv2D", "MaxPool2D")]
)
def test_the_headline_formula_takes_all_the_room_the_size_rule_leaves(media, name, params):
    """The deck's formula and the L_out rule share the top line. The rule keeps the 42 pt its
    digits need; the formula is as large as the line allows, 42 pt when it fits (MaxPool2D's
    was drawn at 28 pt beside room to spare)."""
    scene = dry(media, name, max_steps=1, **params)
    heads = [m for m in scene.mobjects if isinstance(m, MathTex) and m.get_top()[1] > 3.0]
    formula = next(m for m in heads if m.tex_string.startswith("y[m,n]"))
    rule = next(m for m in heads if "L_{out}" in m.tex_string)
    assert rule.font_size == pytest.approx(42)
    fits_whole = formula.font_size == pytest.approx(42)
    fills_the_line = formula.width + rule.width + 0.4 == pytest.approx(13.8, abs=1e-3)
    assert fits_whole or fills_the_line, (formula.font_size, formula.width, rule.width)
    assert abs(formula.get_center()[1] - rule.get_center()[1]) < 0.2  # one line


def test_limits_keep_the_numbers_legible():
    with pytest.raises(ValueError, match="up to 7x7"):
        video.resolve_params("Conv2D", {"input": "7x7", "padding": 1})
    with pytest.raises(ValueError, match="at most 9 products"):
        video.resolve_params("Conv2D", {"input": "5x5", "kernel": 4, "padding": 1})
    with pytest.raises(ValueError, match="from 0 to 9"):
        video.resolve_params("Conv2D", {"bias": 12})
    with pytest.raises(ValueError, match="at most 10 samples"):
        video.resolve_params("FIRConvolution1D", {"signal": ",".join(["1"] * 11)})


@pytest.mark.parametrize(("theme", "ink", "transparent"), PALETTE_CASES[1:])
@pytest.mark.parametrize("name", ["FIRConvolution1D", "Conv2D", "MaxPool2D"])
def test_scenes_draw_through_the_palette(media, name, theme, ink, transparent):
    """On the dark slide and in a transparent export every colour on screen is the palette's
    (``dry`` checks each play): no literal colour stays dark on a dark slide."""
    scene = dry(media, name, max_steps=2, theme=theme, ink=ink, transparent=transparent)
    assert scene.palette.ink == "#fdf6e3"
    if not transparent:
        assert scene.camera.background_color.to_hex().lower() == "#002b36"
