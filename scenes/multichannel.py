"""MultiChannelConv: ``y_j[n] = Σ_i Σ_k w_{i,j}[k] x_i[n−k] + b_j``, head by head.

The ``C_in`` input channels are rows of cells. Each output channel (head) ``j`` has its own
stack of ``C_in/groups`` kernels, drawn row by row beside the channels it reads (flipped in
convolution mode, as the window meets them; as stored in correlation mode). For every output
position the window spans the head's channels and, row by row, each channel's window times
its kernel slice gives the products and the channel's partial sum; the channel sums, then
``+ b_j``, land in ``y_j[n]``. With ``groups > 1`` a head only sees its group's channels
(grouped convolution): its kernel stack sits beside them and the other channels are veiled.

    manim -ql scenes/multichannel.py MultiChannelConv
    CONVANIM_SCENE_PARAMS='{"in_channels": 4, "out_channels": 2, "groups": 2}' manim -ql scenes/multichannel.py MultiChannelConv
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from convanim.scenes._common import FONT, NUMBER_SIZE, ConvanimScene, FadeIn, FadeOut, fmt, tex
from convanim.scenes._data import multichannel_example
from convanim.scenes._grid import CELL_FILL, NUM_SIZE, PlanView, layout_plan, top_formulas
from manim import DOWN, LEFT, UP, ReplacementTransform, Text, VGroup, smooth

#: Name and formula sizes: MathTex with digits in it (``x_0``, ``b_1``) at 42 pt has 40 px
#: digits at 1080p; names without digits may be smaller.
NAME_SIZE = 42
LABEL_SIZE = 34


def first_half(t: float) -> float:
    """``smooth`` squeezed into the first half of an animation (then complete)."""
    return smooth(min(1.0, 2 * t))


def second_half(t: float) -> float:
    """``smooth`` squeezed into the second half of an animation (nothing before)."""
    return smooth(max(0.0, 2 * t - 1))


@dataclass(frozen=True)
class Columns:
    """Where things sit, in plan units (one unit = one cell): the input's left edge, the
    kernel stack, the products, the channel sums; and the output band's top."""

    left: float
    kernel: float
    products: float
    sums: float
    out_top: float

    @classmethod
    def for_sizes(cls, cin: int, length: int, m: int) -> Columns:
        left = 1.0  # room for the row names x_i, y_j
        kernel = left + length + 1.0
        products = kernel + max(m, 2.4) + 0.7  # the flip(w) label is 2.4 cells wide
        sums = products + max(m, 1.0) + 0.4
        return cls(left, kernel, products, sums, cin + 1.3)


class MultiChannelConv(ConvanimScene):
    """C_in channels in, one kernel stack per head, per-channel products and sums, + bias."""

    def construct(self) -> None:
        self.prepare()
        self.opening(*self.title_state())
        budget = self.step_count(sum(len(tr.steps) for tr in self.traces))
        played = 0
        for j, trace in enumerate(self.traces):
            if played == budget:
                break
            if j:
                self.switch_head(j)
            for step in trace.steps[: budget - played]:
                self.show_products(j, step)
                self.land_output(j, step)
                played += 1
        self.closing()

    # -- the drawing ----------------------------------------------------------------------
    def prepare(self) -> None:
        """The example (the engine's traces), the plan of every grid and where it sits."""
        p = self.p
        self.x, self.w, self.b, self.traces = multichannel_example(p)
        self.convolution = p["mode"] == "convolution"
        cin, length = self.x.shape
        cout, self.cpg, m = self.w.shape
        # Output n is drawn under the newest sample it uses (convolution) or the first, and
        # numbered so: y[n] = Σ w[k] x[n−k] starts at n = M−1, as on the deck's slides.
        self.offset = m - 1 if self.convolution else 0
        self.cols = c = Columns.for_sizes(cin, length, m)
        l_out = self.traces[0].output_shape[0]
        grids = [
            ("input", cin, length, "input", [fmt(v) for v in self.x.ravel()], c.left, 0.0),
            ("output", cout, l_out, "output", None, c.left + self.offset, c.out_top),
            ("total", 1, 1, "output", None, c.products, c.out_top),
            ("result", 1, 1, "output", None, c.products + 3.6, c.out_top),
        ]
        for j in range(cout):
            top = float(self.channels(j)[0])
            kernel = [fmt(v) for v in self.drawn_kernel(j).ravel()]
            grids += [
                (f"kernel {j}", self.cpg, m, "kernel", kernel, c.kernel, top),
                (f"products {j}", self.cpg, m, "output", None, c.products, top),
                (f"sums {j}", self.cpg, 1, "output", None, c.sums, top),
                (f"bias {j}", 1, 1, "kernel", [fmt(self.b[j])], c.products + 1.8, c.out_top),
            ]
        self.plan = layout_plan(
            "MultiChannelConv",
            [
                (key, r, n, [role] * (r * n), texts or [""] * (r * n), x, y, "")
                for key, r, n, role, texts, x, y in grids
            ],
        )
        # The grids fill the room between the formula at the top and the captions at the foot.
        self.formula, self.caption_lines = self.formula_line(), self.captions()
        top = self.formula.get_bottom()[1] - 0.15
        bottom = self.caption_lines[0].get_top()[1] + 0.15
        self.view = PlanView(
            self, self.plan, centre=(0.0, (top + bottom) / 2), max_width=13.4,
            max_height=top - bottom,
        )  # fmt: skip
        self.marker: VGroup | None = None
        self.step_texts: VGroup | None = None

    def math(self, text: str, size: float):  # noqa: ANN201 - a MathTex
        """A formula or name in the palette's ink."""
        return tex(text, size=size, palette=self.palette)

    def channels(self, j: int) -> list[int]:
        """The input channels head ``j`` reads (its group's)."""
        return list(self.traces[j].params["in_channels"])

    def drawn_kernel(self, j: int) -> np.ndarray:
        """Head ``j``'s kernels as the window meets them (flipped in convolution mode): the
        weights of the engine's first step, by channel and by column of the window."""
        first = self.traces[j].steps[0]
        top, start = self.channels(j)[0], min(tp.grid[0] for tp in first.taps)
        drawn = np.zeros(self.w.shape[1:])
        for tp in first.taps:
            drawn[tp.channel - top, tp.grid[0] - start] = tp.weight
        return drawn

    def formula_line(self) -> VGroup:
        """The deck's multi-head formula (``x_i[n+k]`` in correlation mode) along the top,
        and beside it which operation this is."""
        sign = "-" if self.convolution else "+"
        formula = self.math(
            r"y_j[n] = \sum_{i=0}^{C_{in}-1} \sum_{k=0}^{M-1} w_{i,j}[k]\, x_i[n "
            + sign
            + r" k] + b_j",
            size=NAME_SIZE,
        )
        kind = (
            ("convolution:", "kernels drawn flipped")
            if self.convolution
            else ("cross-correlation:", "no flip, as in PyTorch")
        )
        note = VGroup(
            *(Text(s, font=FONT, font_size=NUMBER_SIZE, color=self.palette.ink) for s in kind)
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        return top_formulas(formula, note)

    def title_state(self) -> list:
        """The formula, the grids, the first head's kernels and bias, names, captions."""
        v = self.view
        self.head_parts = {j: self.head(j) for j in range(len(self.traces))}
        inputs = v.grid("input", values=list(self.x.ravel()))
        # The samples are drawn over the window's shade (their ink is chosen for the cell
        # fill: a shade laid over light digits on the dark slide would dim them to 4.3:1).
        for m in inputs.get_family():
            if isinstance(m, Text):
                m.set_z_index(1)
        static = VGroup(
            inputs, v.grid("output"), v.grid("total"), v.grid("result"), self.sum_line_signs()
        )
        return [self.formula, static, self.names(), self.head_parts[0], *self.caption_lines]

    def head(self, j: int) -> VGroup:
        """Head ``j``'s kernel stack, its empty products and sums, its bias, and the veil over
        the channels it does not read (grouped convolution)."""
        v, g_in = self.view, self.plan.grid("input")
        self.shown.extend(("kernel", float(w)) for w in self.drawn_kernel(j).ravel())
        self.shown.append(("bias", float(self.b[j])))
        parts = VGroup(
            *(v.grid(f"{key} {j}", texts=True) for key in ("kernel", "products", "sums", "bias")),
            self.sum_label(f"bias {j}", f"b_{j}"),
        )
        rows = self.channels(j)
        for i in range(g_in.rows):
            if i not in rows:
                veil = v.poly(
                    g_in.box_polygon(i, 0, i + 1, g_in.cols),
                    fill_color=self.palette.background,
                    fill_opacity=0.7,
                    stroke_width=0,
                ).set_z_index(2)  # over the samples: this head does not read them
                veil.unread = True  # quietened on purpose (tests/scene_checks.veiled_texts)
                parts.add(veil)
        return parts

    def names(self) -> VGroup:
        """Row names x_i and y_j, and what each column of grids is."""
        v, plan, c = self.view, self.plan, self.cols
        g_in, g_out = plan.grid("input"), plan.grid("output")
        names = VGroup()
        for grid, letter in ((g_in, "x"), (g_out, "y")):
            for r in range(grid.rows):
                at = v.pt(plan.grid("input").point(0, r + 0.5 + (grid is g_out) * c.out_top))
                names.add(self.math(f"{letter}_{r}", size=NAME_SIZE).next_to(at, LEFT, 0.15))
        kernel = r"\mathrm{flip}(w_{i,j})" if self.convolution else r"w_{i,j}[k]"
        heads = (
            (g_in, r"x_i[n]"),
            (plan.grid("kernel 0"), kernel),
            (plan.grid("products 0"), r"w\cdot x"),
            (plan.grid("sums 0"), r"\sum_k"),
        )
        for grid, text in heads:
            corner = v.pt((grid.point(0, 0)[0], 0.92))  # bottom left of the label band
            m = self.math(text, size=LABEL_SIZE)
            names.add(m.move_to(corner + np.array([m.width / 2, m.height / 2, 0])))
        # Σ_i before the channel total, as in the formula: "Σ_i [6] + [1] = [7]"
        total = v.pt(plan.grid("total").point(0, 0.5))
        names.add(self.math(r"\sum_i", size=LABEL_SIZE).next_to(total, LEFT, 0.15))
        top = v.pt(plan.grid("result").point(0.5, 0))
        names.add(self.math(r"y_j[n]", size=LABEL_SIZE).next_to(top, UP, 0.1))
        return names

    def sum_label(self, key: str, text: str):  # noqa: ANN201 - a MathTex
        """The name over a cell of the sum line (``b_1``)."""
        top = self.view.pt(self.plan.grid(key).point(0.5, 0))
        return self.math(text, size=NAME_SIZE).next_to(top, UP, 0.1)

    def sum_line_signs(self) -> VGroup:
        """The ``+`` and ``=`` between the channel total, the bias and the result."""
        v, g = self.view, self.plan.grid("total")
        return VGroup(
            # (Pango, not LaTeX: every distinct MathTex costs a LaTeX run, 0.25 s of CPU)
            Text("+", font=FONT, font_size=NUMBER_SIZE, color=self.palette.ink).move_to(
                v.pt(g.point(1.4, 0.5))
            ),
            Text("=", font=FONT, font_size=NUMBER_SIZE, color=self.palette.ink).move_to(
                v.pt(g.point(3.2, 0.5))
            ),
        )

    def captions(self) -> list[Text]:
        """The bottom line: the parameters and the weight count (the deck's
        M × C_in × C_out, with C_in/groups channels per head)."""
        cin, cout, g, m = self.x.shape[0], self.w.shape[0], self.p["groups"], self.w.shape[2]
        count = m * self.cpg * cout
        self.shown.append(("params", count))
        params = (
            f"C_in = {cin}, C_out = {cout}, groups = {g}, M = {m}; "
            f"weights {m}·{self.cpg}·{cout} = {count}"
        )
        line = Text(params, font=FONT, font_size=NUMBER_SIZE, color=self.palette.ink)
        return [line.to_edge(DOWN, buff=0.12)]

    # -- the steps ------------------------------------------------------------------------
    def switch_head(self, j: int) -> None:
        """The next head: its own kernels and bias (beside its group's channels)."""
        old = self.head_parts[j - 1]
        anims = [FadeOut(old), FadeIn(self.head_parts[j])]
        if self.step_texts is not None:
            anims.append(FadeOut(self.step_texts))
            self.step_texts = None
        self.beat("idea", *anims)

    def show_products(self, j: int, step) -> None:  # noqa: ANN001 - a trace Step
        """The window over head ``j``'s channels: row by row, window times kernel slice, and
        each channel's partial sum."""
        v, plan, t = self.view, self.plan, self.view.theme
        g_in, g_out = plan.grid("input"), plan.grid("output")
        rows = self.channels(j)
        cols = sorted({tp.grid[0] for tp in step.taps})
        n = step.output[0]
        window = v.poly(
            g_in.box_polygon(rows[0], cols[0], rows[-1] + 1, cols[-1] + 1),
            stroke_color=t.line,
            stroke_width=6,
            fill_color=t.shade,
            fill_opacity=t.shade_alpha,
        )
        target = v.poly(g_out.cell_polygon(j, n), stroke_color=self.palette.red, stroke_width=6)
        marker = VGroup(window, target.set_fill(opacity=0))
        g_p, g_s = plan.grid(f"products {j}"), plan.grid(f"sums {j}")
        top = rows[0]
        texts = VGroup()
        partial: dict[int, float] = {}
        for tp in step.taps:
            r, m = tp.channel - top, tp.grid[0] - cols[0]
            texts.add(self.cell_number(tp.product, g_p.centre(r, m)))
            self.shown.append(("product", float(tp.product)))
            partial[tp.channel] = partial.get(tp.channel, 0.0) + float(tp.product)
        for i in rows:
            texts.add(self.cell_number(partial[i], g_s.centre(i - top, 0)))
            self.shown.append(("channel_sum", partial[i]))
        # The old step's numbers fade out in the first half, the new ones in the second: a
        # cross-fade of digits in the same cells would show both, overlapping, mid-way.
        anims = [FadeIn(texts, rate_func=second_half)]
        if self.marker is None:
            anims.append(FadeIn(marker))
        else:
            anims.append(ReplacementTransform(self.marker, marker))
        if self.step_texts is not None:
            anims.append(FadeOut(self.step_texts, rate_func=first_half))
        self.marker, self.step_texts, self.partial = marker, texts, partial
        # moves for 0.5 s, then holds: a still frame costs the renderer next to nothing
        self.beat("product", *anims, move=self.pace["move"])

    def cell_number(self, value: float, at: tuple[float, float]) -> Text:
        """``value`` in the output-coloured cell centred at plan point ``at``: a copy of one
        Text per number (Pango and SVG parsing would otherwise run for every product of every
        step), no wider than the cell allows."""
        v, t = self.view, self.view.theme
        m = v.cached_text(fmt(value), NUM_SIZE, t.ink_on(t.output))
        if m.width > CELL_FILL * v.u:
            m.scale_to_fit_width(CELL_FILL * v.u)
        return m.move_to(v.pt(at))

    def land_output(self, j: int, step) -> None:  # noqa: ANN001 - a trace Step
        """The channel sums add up, the bias is added, and ``y_j[n]`` lands in its cell."""
        plan = self.plan
        total = sum(self.partial.values())
        # The scene draws the engine's numbers; they must add up as the formula says.
        if abs(total + float(self.b[j]) - step.value) > 1e-9 or abs(step.bias - self.b[j]) > 0:
            raise AssertionError("channel sums + bias disagree with the engine")
        n = step.output[0]
        texts = VGroup(
            self.cell_number(total, plan.grid("total").centre(0, 0)),
            self.cell_number(step.value, plan.grid("result").centre(0, 0)),
        )
        value = self.cell_number(step.value, plan.grid("output").centre(j, n))
        self.shown.extend([("total", total), ("y", float(step.value))])
        self.step_texts.add(*texts)
        # numbers appearing need no long motion; the 1 s beat holds them still (cheaper frames)
        self.beat("output", FadeIn(texts), FadeIn(value), move=0.6 * self.pace["move"])


__all__ = ["MultiChannelConv"]
