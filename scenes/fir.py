"""FIRConvolution1D: the deck's video, ``y[n] = Σ_{k=0}^{M−1} h[k] x[n−k]`` step by step.

The signal ``x[n]`` is drawn as stems, the impulse response ``h[k]`` appears, is flipped
(true convolution, the FIR filter) and slides along the signal. For each ``n`` the products
``h[k]·x[n−k]`` appear under the window (the ``h·x`` row), then move one by one, in the
formula's order ``k = 0, 1, …``, into a small accumulator on the ``y`` row under the window,
whose value runs ``0 → p₀ → p₀+p₁ → …``; the finished sum lands there as the ``y[n]`` stem (and
only then completes the formula line, which shows the current ``n``), so the output grows stem
by stem. It ends on ``L_out = L_in − M + 1``.

Pacing (the speaking pace of :class:`~convanim.scenes._common.Pacing`): the products appear
and each addition takes a product's beat (0.8 s), each landed output is held 1 s, each new idea
(the kernel, its flip, the output length) 1.5 s. Only the first steps add their products one at
a time, as long as that makes at most :attr:`FIRConvolution1D.ACCUMULATE_PRODUCTS` (18)
one-at-a-time additions in all (the first step always does): every step of the default signal
(6 steps of 3 taps, 37 s of video). Later steps of a long signal move all their products into
the accumulator at once, which shows the sum directly.

Every number comes from the engine's trace of a 1-D convolution (``mode="convolution"``): the
products are ``Step.taps[…].product``, the accumulator's last value is ``Step.total`` and the
stem ``Step.value``; the intermediate running sums are the trace's products added up in order
(the trace records no partial sums). The output ``y[n]`` is drawn under the newest sample it
uses, ``n = M−1 … L_in−1`` (with ``--mode correlation`` the window starts at ``n``:
``y[n] = Σ h[k] x[n+k]``).

    manim -ql scenes/fir.py FIRConvolution1D
    CONVANIM_SCENE_PARAMS='{"signal": [1, 2, 3, 4], "kernel": [1, -1]}' manim -ql scenes/fir.py FIRConvolution1D
"""

from __future__ import annotations

import numpy as np
from convanim.scenes._common import (
    NUMBER_SIZE,
    ConvanimScene,
    axis,
    colored_math,
    fmt,
    index_labels,
    label,
    stem_row,
    tex,
    tex_num,
)
from convanim.scenes._data import conv1d_trace
from manim import (
    FadeIn,
    FadeOut,
    ReplacementTransform,
    RoundedRectangle,
    VGroup,
    Write,
)


class FIRConvolution1D(ConvanimScene):
    """The FIR filter as a 1-D convolution, drawn from the engine's trace."""

    #: At most this many products are added into the running sum one at a time (one play
    #: each); steps beyond that budget add all their products in one play.
    ACCUMULATE_PRODUCTS = 18

    def construct(self) -> None:
        p = self.p
        pal = self.palette
        trace = conv1d_trace(p["signal"], p["kernel"], mode=p["mode"])
        convolution = trace.mode == "convolution"
        L_in = trace.input_shape[0]
        M = trace.kernel_shape[0]
        L_out = trace.output_shape[0]
        x_vals = [trace.grid_values[(i,)] for i in range(L_in)]
        h = {t.kernel[0]: t.weight for t in trace.steps[0].taps}
        h_vals = [h[k] for k in range(M)]
        steps = trace.steps[: self.step_count(len(trace.steps))]
        # Output i is drawn under sample n: the newest sample it uses (convolution) or the first.
        shift = M - 1 if convolution else 0

        # Centred under the title; the row names sit in a column left of the samples.
        dx = min(1.4, 12.4 / max(L_in, 1))
        x0 = 0.55 - L_in * dx / 2 + dx / 2
        name_x = x0 - dx / 2 - 0.75
        xs = [x0 + i * dx for i in range(L_in)]
        left, right = xs[0] - dx / 2, xs[-1] + dx / 2
        base_x, base_h, base_y, prod_y = 0.85, -1.4, -3.3, -2.3
        # Numbers shrink with the sample spacing so that neighbours never touch (24 samples).
        # Every number 40 px tall at 1080p (the scene limits the samples so that they fit).
        num_size = NUMBER_SIZE

        sign = "-" if convolution else "+"
        title = colored_math(
            ["y[", "n", "] = \\sum_{k=0}^{M-1} h[k]\\, x[", "n", f"{sign}k]"],
            {1: pal.red, 3: pal.red},
            size=42,
            palette=pal,
        ).to_edge(np.array([0, 1, 0]), buff=0.15)
        kind = label(
            "convolution: h is flipped" if convolution else "cross-correlation: h is not flipped",
            size=20,
            color=pal.grey,
        ).to_corner(np.array([1, 1, 0]), buff=0.35)

        # -- the signal --------------------------------------------------------------------
        x_scale = max(abs(v) for v in x_vals) or 1.0
        x_stems = stem_row(self, x_vals, xs, base_x, 0.45, x_scale, pal.blue, "x", num_size)
        x_axis = axis(left, right, base_x, palette=pal)
        names = VGroup(
            tex("x[k]", size=34, palette=pal).move_to(np.array([name_x, base_x, 0])),
            tex("h[n-k]" if convolution else "h[k-n]", size=30, palette=pal).move_to(
                np.array([name_x, base_h + 0.3, 0])
            ),
            tex(r"h\cdot x", size=30, palette=pal).move_to(np.array([name_x, prod_y, 0])),
            tex("y[n]", size=34, palette=pal).move_to(np.array([name_x, base_y, 0])),
        )
        n_axis = index_labels(xs, range(L_in), -0.3, size=num_size, palette=pal)
        # The samples are indexed by k (the sum's variable); y[n] lands under sample n = k.
        k_name = tex("k", size=30, color=pal.grey).move_to(np.array([name_x, -0.3, 0]))
        y_axis = axis(left, right, base_y, palette=pal)
        self.opening(title, kind, x_axis, y_axis, names[0], names[3], n_axis, k_name, x_stems)

        # -- the impulse response, then flipped into place ---------------------------------
        h_scale = max(abs(v) for v in h_vals) or 1.0
        k_stems = stem_row(self, h_vals, xs[:M], base_h, 0.3, h_scale, pal.teal, "h", num_size)
        k_names = VGroup(
            *(
                label(f"h[{k}]", size=num_size, color=pal.grey).move_to(
                    np.array([xs[k], base_h + (-0.26 if h_vals[k] >= 0 else 0.26), 0])
                )
                for k in range(M)
            )
        )
        k_axes = VGroup(*(axis(x - dx * 0.4, x + dx * 0.4, base_h, pal.teal) for x in xs[:M]))
        kernel = VGroup(*(VGroup(k_stems[k], k_names[k], k_axes[k]) for k in range(M)))
        h_label = tex("h[k]", size=30, palette=pal).move_to(names[1])
        self.beat("idea", FadeIn(kernel, h_label))

        # The flip: a true mirror about the kernel's centre, each tap on an arc to the place of
        # its mirror image (tap k to x[M−1−k], where the first output needs it), so that no two
        # taps pass through each other. Correlation keeps h as it is.
        first = steps[0] if steps else trace.steps[0]
        placed = {t.kernel[0]: xs[t.grid[0]] for t in first.taps}
        arc = -np.pi * 0.6 if convolution else 0.0
        self.beat(
            "idea",
            *(
                kernel[k].animate(path_arc=arc).shift(np.array([placed[k] - xs[k], 0, 0]))
                for k in range(M)
            ),
            ReplacementTransform(h_label, names[1]),
            move=1.2,
        )

        # -- the steps ---------------------------------------------------------------------
        y_scale = max(abs(trace.output_values[(i,)]) for i in range(L_out)) or 1.0
        # The window spans from above the tallest sample's number down to the products; the
        # formula with this step's numbers sits between it and the title.
        box_top = max(s.get_top()[1] for s in x_stems) + 0.12
        box_bottom = prod_y - 0.22
        self._slot = (title.get_bottom()[1] - 0.12, box_top + 0.06)
        window = None
        eq = None
        for index, step in enumerate(steps):
            i = step.output[0]
            n = i + shift
            cols = [t.grid[0] for t in step.taps]
            lo, hi = xs[min(cols)] - dx * 0.45, xs[max(cols)] + dx * 0.45
            box = RoundedRectangle(
                corner_radius=0.12,
                width=hi - lo,
                height=box_top - box_bottom,
                fill_color=pal.light,
                fill_opacity=0.55,
                stroke_color=pal.teal,
                stroke_width=3,
            ).move_to(np.array([(lo + hi) / 2, (box_top + box_bottom) / 2, 0]))
            box.set_z_index(-1)
            targets = {t.kernel[0]: xs[t.grid[0]] for t in step.taps}
            moves = [
                kernel[k].animate.shift(
                    np.array([targets[k] - kernel[k][0][1].get_center()[0], 0, 0])
                )
                for k in range(M)
            ]
            # The formula line holds back its "= y[n]" until the sum has landed.
            full_eq = self._instance(step, n, convolution)
            new_eq = full_eq.copy()
            new_eq[5:].set_opacity(0)
            step_anims = [*moves]
            step_anims.append(FadeIn(box) if window is None else ReplacementTransform(window, box))
            # Numbers cross-fade (a morph between two formula lines passes through blobs).
            step_anims.append(FadeIn(new_eq))
            if eq is not None:
                step_anims.append(FadeOut(eq))
            self.beat("move", *step_anims)
            window, eq = box, new_eq

            # In the formula's order (h[0]·x[n] first), so the sum reads like the line above.
            taps = sorted(step.taps, key=lambda t: t.kernel[0])
            products = [
                self.number(t.product, "product", size=num_size, color=pal.gold)
                .move_to(np.array([xs[t.grid[0]], prod_y, 0]))
                .set_z_index(2)
                for t in taps
            ]
            one_by_one = index == 0 or (index + 1) * M <= self.ACCUMULATE_PRODUCTS
            running = _running_sums([t.product for t in taps], step.total)
            sums = [0.0, *(running if one_by_one else running[-1:])]
            acc, acc_box = self._accumulator(sums, xs[n], base_y, num_size)
            sources = VGroup(*(x_stems[t.grid[0]][1] for t in taps))
            extra = [FadeIn(names[2])] if index == 0 else []
            self.beat(
                "product",
                # Each product rises from its sample, beside its tap (a fade, not a morph of
                # the dot into digits).
                *(
                    FadeIn(q, target_position=src.get_center())
                    for q, src in zip(products, sources, strict=True)
                ),
                FadeIn(acc_box, acc[0]),
                *extra,
            )

            into = acc_box.get_center()
            if one_by_one:
                for j, product in enumerate(products):
                    self.beat(
                        "product",
                        FadeOut(product, target_position=into, scale=0.6),
                        FadeOut(acc[j]),
                        FadeIn(acc[j + 1]),
                    )
            else:
                self.beat(
                    "product",
                    *(FadeOut(q, target_position=into, scale=0.6) for q in products),
                    FadeOut(acc[0]),
                    FadeIn(acc[1]),
                )

            y_stem = stem_row(
                self, [step.value], [xs[n]], base_y, 0.2, y_scale, pal.red, "y", num_size
            )[0]
            self.beat(
                "output",
                FadeOut(acc[-1]),
                FadeIn(y_stem),
                FadeOut(acc_box),
                ReplacementTransform(new_eq, full_eq),
            )
            eq = full_eq

        # -- the output length -------------------------------------------------------------
        final = tex(
            r"L_{out} = L_{in} - M + 1",
            f"= {L_in} - {M} + 1 = {L_out}",
            size=42,
            palette=pal,
        )
        self._place(final)
        final[1].set_color(pal.red)
        self.shown.extend([("L_in", L_in), ("M", M), ("L_out", L_out)])
        fades = [FadeOut(m) for m in (window, eq) if m is not None]
        self.beat("idea", *fades, Write(final), move=1.2)
        self.closing()

    def _instance(self, step, n: int, convolution: bool) -> VGroup:  # noqa: ANN001
        """``y[n] = h[0]·x[n] + … = value`` with this step's numbers, ``n`` highlighted (the
        title above says what the sum is; here the numbers get the room)."""
        terms = " + ".join(
            f"{_paren(t.weight)}\\cdot {_paren(t.value)}"
            for t in sorted(step.taps, key=lambda t: t.kernel[0])
        )
        for t in step.taps:
            self.shown.extend([("h", t.weight), ("x", t.value)])
        self.shown.append(("y", step.value))
        eq = colored_math(
            [
                "y[",
                str(n),
                "]",
                "=",
                terms,
                "=",
                tex_num(step.value),
            ],
            {1: self.palette.red, 6: self.palette.red},
            size=42,
            palette=self.palette,
        )
        return self._place(eq)

    def _accumulator(
        self, sums: list[float], x: float, y: float, size: float
    ) -> tuple[list, RoundedRectangle]:
        """The running sum's values (recorded as ``"sum"``) and the box that holds them at
        ``(x, y)``, sized for the widest so that it never changes size while the sum runs."""
        values = [
            self.number(v, "sum", size=size).move_to(np.array([x, y, 0])).set_z_index(2)
            for v in sums
        ]
        box = RoundedRectangle(
            corner_radius=0.08,
            width=max(v.width for v in values) + 0.24,
            height=max(v.height for v in values) + 0.18,
            fill_color=self.palette.background,
            fill_opacity=1.0,
            stroke_color=self.palette.red,
            stroke_width=2,
        ).move_to(np.array([x, y, 0]))
        box.set_z_index(1)  # over the y axis, under the numbers flying in
        return values, box

    def _place(self, m):  # noqa: ANN001, ANN202
        """Centre ``m`` in the band between the title and the window, shrunk to fit it."""
        top, bottom = getattr(self, "_slot", (2.75, 1.95))
        if m.height > top - bottom:
            m.scale_to_fit_height(top - bottom)
        if m.width > 13.4:
            m.scale_to_fit_width(13.4)
        return m.move_to(np.array([0, (top + bottom) / 2, 0]))


def _running_sums(products: list[float], total: float) -> list[float]:
    """The sum after each product is added; the last is the trace's own total.

    >>> _running_sums([3.0, 1.0, -1.0], 3.0)
    [3.0, 4.0, 3.0]
    """
    sums, acc = [], 0.0
    for p in products[:-1]:
        acc += p
        sums.append(acc)
    return [*sums, total]


def _paren(v: float) -> str:
    return f"({tex_num(v)})" if v < 0 else tex_num(v)


__all__ = ["FIRConvolution1D", "fmt"]
