"""FIRConvolution1D: the deck's video, ``y[n] = Σ_{k=0}^{M−1} h[k] x[n−k]`` step by step.

The signal ``x[n]`` is drawn as stems, the impulse response ``h[k]`` appears, is flipped
(true convolution, the FIR filter) and slides along the signal. For each ``n``, in the
formula's order ``k = 0, 1, …``, a tap ``h[k]`` and its sample ``x[n−k]`` light up together
(gold, the products' colour) and their product ``h[k]·x[n−k]`` comes down out of the tap into
the ``h·x`` row; then it moves into a small accumulator on the ``y`` row under the window,
whose value runs ``0 → p₀ → p₀+p₁ → …``, and the pair goes back to ink. The finished sum lands
as the ``y[n]`` stem (and only then completes the formula line, which shows the current
``n``), so the output grows stem by stem. It ends on ``L_out = L_in − M + 1``.

Pacing (the speaking pace of :class:`~convanim.scenes._common.Pacing`): each pairing and each
addition takes a product's beat (0.8 s), each landed output is held 1 s, each new idea (the
kernel, its flip, the output length) 1.5 s. Only the first steps take their products one at
a time, as long as that makes at most :attr:`FIRConvolution1D.ACCUMULATE_PRODUCTS` (18)
one-at-a-time products in all (the first step always does): every step of the default signal
(6 steps of 3 taps). Later steps of a long signal pair all their taps at once and move all
their products into the accumulator at once, which shows the sum directly.

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

from dataclasses import dataclass

import numpy as np
from convanim.scenes._common import (
    NUMBER_SIZE,
    ConvanimScene,
    FadeIn,
    FadeOut,
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
    ReplacementTransform,
    RoundedRectangle,
    Text,
    VGroup,
    Write,
)

from convanim.draw.trace import Step


@dataclass(frozen=True)
class Rows:
    """Where the drawing sits: sample positions ``xs`` (``dx`` apart) and each row's height.

    The rows leave at least 0.1 units between the texts of neighbouring rows at every value
    (a negative tap's number hangs below its axis towards the products; a positive output's
    rises towards them), the ``y`` row's negative numbers stay in the frame.
    """

    xs: tuple[float, ...]
    dx: float
    name_x: float  # the column of row names, left of the samples
    x: float = 0.85  # the signal's axis
    index: float = -0.33  # the indices k under it
    h: float = -1.4  # the kernel's axis
    product: float = -2.42  # the products h·x
    y: float = -3.31  # the output's axis

    @classmethod
    def centred(cls, count: int) -> Rows:
        """``count`` samples centred under the title, at most 1.4 apart."""
        dx = min(1.4, 12.4 / max(count, 1))
        x0 = 0.55 - count * dx / 2 + dx / 2
        return cls(tuple(x0 + i * dx for i in range(count)), dx, x0 - dx / 2 - 0.75)

    @property
    def left(self) -> float:
        return self.xs[0] - self.dx / 2

    @property
    def right(self) -> float:
        return self.xs[-1] + self.dx / 2

    def at(self, x: float, y: float) -> np.ndarray:
        return np.array([x, y, 0.0])


class FIRConvolution1D(ConvanimScene):
    """The FIR filter as a 1-D convolution, drawn from the engine's trace."""

    #: At most this many products are taken one at a time (a pairing and an addition each);
    #: steps beyond that budget pair and add all their products in one beat each.
    ACCUMULATE_PRODUCTS = 18
    #: How far the stems of each row reach from their axis at the largest value.
    X_AMPLITUDE, H_AMPLITUDE, Y_AMPLITUDE = 0.45, 0.3, 0.15

    def construct(self) -> None:
        trace = conv1d_trace(self.p["signal"], self.p["kernel"], mode=self.p["mode"])
        self.trace = trace
        self.convolution = trace.mode == "convolution"
        self.rows = Rows.centred(trace.input_shape[0])
        steps = trace.steps[: self.step_count(len(trace.steps))]
        self.show_signal()
        self.show_kernel()
        self.flip_kernel(steps[0] if steps else trace.steps[0])
        self.window = self.eq = None
        self.lifted: list[tuple[VGroup, Text]] = []  # (stem, its number) drawn apart: lift()
        for index, step in enumerate(steps):
            one_by_one = index == 0 or (index + 1) * len(step.taps) <= self.ACCUMULATE_PRODUCTS
            self.compute_output(step, one_by_one)
        self.show_length()
        self.closing()

    # -- the beats ------------------------------------------------------------------------
    def show_signal(self) -> None:
        """The title state: the formula, the signal's stems on the k axis, the row names."""
        pal, rows, trace = self.palette, self.rows, self.trace
        sign = "-" if self.convolution else "+"
        self.title = colored_math(
            ["y[", "n", "] = \\sum_{k=0}^{M-1} h[k]\\, x[", "n", f"{sign}k]"],
            {1: pal.red, 3: pal.red},
            size=42,
            palette=pal,
        ).to_edge(np.array([0, 1, 0]), buff=0.15)
        kind = label(
            "convolution: h is flipped"
            if self.convolution
            else "cross-correlation: h is not flipped",
            size=20,
            color=pal.grey,
        ).to_corner(np.array([1, 1, 0]), buff=0.35)
        x_vals = [trace.grid_values[(i,)] for i in range(len(rows.xs))]
        scale = max(abs(v) for v in x_vals) or 1.0
        self.x_stems = stem_row(
            self, x_vals, rows.xs, rows.x, self.X_AMPLITUDE, scale, pal.blue, "x", NUMBER_SIZE
        )
        self.names = VGroup(
            tex("x[k]", size=34, palette=pal).move_to(rows.at(rows.name_x, rows.x)),
            tex("h[n-k]" if self.convolution else "h[k-n]", size=30, palette=pal).move_to(
                rows.at(rows.name_x, rows.h + 0.3)
            ),
            tex(r"h\cdot x", size=30, palette=pal).move_to(rows.at(rows.name_x, rows.product)),
            tex("y[n]", size=34, palette=pal).move_to(rows.at(rows.name_x, rows.y)),
        )
        # The samples are indexed by k (the sum's variable); y[n] lands under sample n = k.
        self.opening(
            self.title,
            kind,
            axis(rows.left, rows.right, rows.x, palette=pal),
            axis(rows.left, rows.right, rows.y, palette=pal),
            self.names[0],
            self.names[3],
            index_labels(rows.xs, range(len(rows.xs)), rows.index, palette=pal),
            tex("k", size=30, color=pal.grey).move_to(rows.at(rows.name_x, rows.index)),
            self.x_stems,
        )

    def show_kernel(self) -> None:
        """The impulse response h[k] appears at k = 0 … M−1, each tap named."""
        pal, rows = self.palette, self.rows
        h = {t.kernel[0]: t.weight for t in self.trace.steps[0].taps}
        h_vals = [h[k] for k in range(len(h))]
        scale = max(abs(v) for v in h_vals) or 1.0
        xs = rows.xs[: len(h_vals)]
        stems = stem_row(
            self, h_vals, xs, rows.h, self.H_AMPLITUDE, scale, pal.teal, "h", NUMBER_SIZE
        )
        taps = []
        for k, (stem, x) in enumerate(zip(stems, xs, strict=True)):
            name = label(f"h[{k}]", size=NUMBER_SIZE, color=pal.grey)
            name.move_to(rows.at(x, rows.h + (-0.26 if h_vals[k] >= 0 else 0.26)))
            tick = axis(x - rows.dx * 0.4, x + rows.dx * 0.4, rows.h, pal.teal)
            taps.append(VGroup(stem, name, tick))
        self.kernel = VGroup(*taps)
        self.h_label = tex("h[k]", size=30, palette=pal).move_to(self.names[1])
        self.beat("idea", FadeIn(self.kernel, self.h_label))

    def flip_kernel(self, first: Step) -> None:
        """The flip: a true mirror about the kernel's centre, each tap on an arc to the place
        of its mirror image (tap k to x[M−1−k], where the first output needs it), so that no
        two taps pass through each other. Correlation keeps h as it is."""
        xs = self.rows.xs
        placed = {t.kernel[0]: xs[t.grid[0]] for t in first.taps}
        arc = -np.pi * 0.6 if self.convolution else 0.0
        self.beat(
            "idea",
            *(
                tap.animate(path_arc=arc).shift(np.array([placed[k] - xs[k], 0, 0]))
                for k, tap in enumerate(self.kernel)
            ),
            ReplacementTransform(self.h_label, self.names[1]),
            move=1.2,
        )

    def compute_output(self, step: Step, one_by_one: bool) -> None:
        """One output: the window slides there, each product is paired with its tap and joins
        the running sum, the sum lands as the y[n] stem."""
        acc, acc_box = self.slide_to(step, one_by_one)
        # In the formula's order (h[0]·x[n] first), so the sum reads like the line above.
        taps = sorted(step.taps, key=lambda t: t.kernel[0])
        groups = [[t] for t in taps] if one_by_one else [taps]
        for j, group in enumerate(groups):
            products = self.pair(group)
            self.beat(
                "product",
                *(FadeOut(q, target_position=acc_box.get_center(), scale=0.6) for q in products),
                *self.highlight(group, None),
                FadeOut(acc[j]),
                FadeIn(acc[j + 1]),
            )
            self.lower()
        self.land(step, acc[-1], acc_box)

    def slide_to(self, step: Step, one_by_one: bool) -> tuple[list, RoundedRectangle]:
        """The kernel and the window move over the samples of ``step``; its formula line (its
        result held back) and an empty accumulator (0) appear. Returns the accumulator's
        values and box."""
        xs, n = self.rows.xs, self.output_sample(step)
        box = self.window_box(step)
        moves = [
            tap.animate.shift(np.array([xs[t.grid[0]] - tap[0][1].get_center()[0], 0, 0]))
            for tap, t in ((self.kernel[t.kernel[0]], t) for t in step.taps)
        ]
        # The formula line holds back its "= y[n]" until the sum has landed.
        self.full_eq = self.instance(step, n)
        eq = self.full_eq.copy()
        eq[5:].set_opacity(0)
        products = [t.product for t in sorted(step.taps, key=lambda t: t.kernel[0])]
        running = _running_sums(products, step.total)
        acc, acc_box = self.accumulator([0.0, *(running if one_by_one else running[-1:])], xs[n])
        anims = [
            *moves,
            FadeIn(box) if self.window is None else ReplacementTransform(self.window, box),
        ]
        # Numbers cross-fade (a morph between two formula lines passes through blobs).
        anims += [FadeIn(eq), FadeIn(acc_box, acc[0])]
        if self.eq is not None:
            anims.append(FadeOut(self.eq))
        self.beat("move", *anims)
        self.window, self.eq = box, eq
        return acc, acc_box

    def pair(self, taps: list) -> list:
        """Tap and sample light up together and their product comes down out of the tap into
        the h·x row (the first time, the row's name appears with it). Returns the products."""
        rows = self.rows
        products = []
        for t in taps:
            q = self.number(t.product, "product", size=NUMBER_SIZE, color=self.palette.gold)
            products.append(q.move_to(rows.at(rows.xs[t.grid[0]], rows.product)).set_z_index(2))
        extra = [] if self.names[2] in self.mobjects else [FadeIn(self.names[2])]
        anims = [
            *(
                FadeIn(q, target_position=self.kernel[t.kernel[0]][0][2].get_center())
                for q, t in zip(products, taps, strict=True)
            ),
            *self.highlight(taps, self.palette.gold),
            *extra,
        ]
        self.lift(taps)
        self.beat("product", *anims)
        return products

    def stems(self, taps: list) -> list:
        """The stems (line, dot, number) of the taps ``h[k]`` and of their samples ``x[n−k]``."""
        return [self.kernel[t.kernel[0]][0] for t in taps] + [self.x_stems[t.grid[0]] for t in taps]

    def highlight(self, taps: list, colour: str | None) -> list:
        """The numbers of the taps ``h[k]`` and their samples ``x[n−k]`` turned ``colour``
        (back to ink with ``None``)."""
        colour = colour or self.palette.ink
        numbers = [num for _, num in self.lifted] or [stem[2] for stem in self.stems(taps)]
        return [m.animate.set_color(colour) for m in numbers]

    def lift(self, taps: list) -> None:
        """Draw the numbers of ``taps`` and their samples last, out of their stems, while they
        are lit: Manim redraws, every frame, every mobject from the first moving one on (a
        group moves when a part of it does), so recoloured inside the stems they made the
        stems, the kernel and the formula line redraw on every frame of each product (86-115
        parts; now the numbers and the products). Nothing drawn after them overlaps them, so
        no pixel changes."""
        self.lifted = [(stem, stem[2]) for stem in self.stems(taps)]
        for stem, num in self.lifted:
            stem.remove(num)
            self.add(num)

    def lower(self) -> None:
        """The lifted numbers back into their stems (the kernel's slide carries them along)."""
        for stem, num in self.lifted:
            self.remove(num)
            stem.add(num)
        self.lifted = []

    def land(self, step: Step, total, acc_box: RoundedRectangle) -> None:  # noqa: ANN001
        """The sum becomes the y[n] stem and completes the formula line."""
        rows, pal = self.rows, self.palette
        values = self.trace.output_values.values()
        scale = max(abs(v) for v in values) or 1.0
        x = rows.xs[self.output_sample(step)]
        y_stem = stem_row(
            self, [step.value], [x], rows.y, self.Y_AMPLITUDE, scale, pal.red, "y", NUMBER_SIZE
        )[0]
        self.beat(
            "output",
            FadeOut(total),
            FadeIn(y_stem),
            FadeOut(acc_box),
            ReplacementTransform(self.eq, self.full_eq),
        )
        self.eq = self.full_eq

    def show_length(self) -> None:
        """The output length: L_out = L_in − M + 1, with the numbers."""
        L_in, M, L_out = (
            s[0] for s in (self.trace.input_shape, self.trace.kernel_shape, self.trace.output_shape)
        )
        final = tex(
            r"L_{out} = L_{in} - M + 1",
            f"= {L_in} - {M} + 1 = {L_out}",
            size=42,
            palette=self.palette,
        )
        self.place(final)
        final[1].set_color(self.palette.red)
        self.shown.extend([("L_in", L_in), ("M", M), ("L_out", L_out)])
        fades = [FadeOut(m) for m in (self.window, self.eq) if m is not None]
        self.beat("idea", *fades, Write(final), move=1.2)

    # -- parts ----------------------------------------------------------------------------
    def output_sample(self, step: Step) -> int:
        """The sample n under which output ``step`` is drawn: the newest it uses (convolution)
        or the first (correlation)."""
        shift = self.trace.kernel_shape[0] - 1 if self.convolution else 0
        return step.output[0] + shift

    def window_box(self, step: Step) -> RoundedRectangle:
        """The box around the samples, taps and products of ``step``: from above the tallest
        sample's number down to the products (the formula line sits between it and the title)."""
        rows = self.rows
        top = max(s.get_top()[1] for s in self.x_stems) + 0.12
        bottom = rows.product - 0.22
        self._slot = (self.title.get_bottom()[1] - 0.12, top + 0.06)
        cols = [t.grid[0] for t in step.taps]
        lo, hi = rows.xs[min(cols)] - rows.dx * 0.45, rows.xs[max(cols)] + rows.dx * 0.45
        box = RoundedRectangle(
            corner_radius=0.12,
            width=hi - lo,
            height=top - bottom,
            fill_color=self.palette.light,
            fill_opacity=0.55,
            stroke_color=self.palette.teal,
            stroke_width=3,
        ).move_to(rows.at((lo + hi) / 2, (top + bottom) / 2))
        return box.set_z_index(-1)

    def instance(self, step: Step, n: int) -> VGroup:
        """``y[n] = h[0]·x[n] + … = value`` with this step's numbers, ``n`` highlighted (the
        title above says what the sum is; here the numbers get the room)."""
        terms = " + ".join(
            f"{_paren(t.weight)}\\cdot {_paren(t.value)}"
            for t in sorted(step.taps, key=lambda t: t.kernel[0])
        )
        for t in step.taps:
            self.shown.extend([("h", t.weight), ("x", t.value)])
        self.shown.append(("y", step.value))
        red = self.palette.red
        eq = colored_math(
            ["y[", str(n), "]", "=", terms, "=", tex_num(step.value)],
            {1: red, 6: red},
            size=42,
            palette=self.palette,
        )
        return self.place(eq)

    def accumulator(self, sums: list[float], x: float) -> tuple[list, RoundedRectangle]:
        """The running sum's values (recorded as ``"sum"``) and the box that holds them on the
        y row at ``x``, sized for the widest so that it never changes size while the sum runs."""
        at = self.rows.at(x, self.rows.y)
        values = [self.number(v, "sum", size=NUMBER_SIZE).move_to(at).set_z_index(2) for v in sums]
        box = RoundedRectangle(
            corner_radius=0.08,
            width=max(v.width for v in values) + 0.24,
            height=max(v.height for v in values) + 0.18,
            fill_color=self.palette.background,
            fill_opacity=1.0,
            stroke_color=self.palette.red,
            stroke_width=2,
        ).move_to(at)
        box.set_z_index(1)  # over the y axis, under the numbers flying in
        return values, box

    def place(self, m):  # noqa: ANN001, ANN201
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


__all__ = ["FIRConvolution1D", "Rows", "fmt"]
