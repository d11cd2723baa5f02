"""TransposedConv2D: both views of a transposed convolution, with the engine's numbers.

1. **Direct view** (the plan of the equivalent convolution): ``s − 1`` zeros inserted between
   input cells (dotted), ``K − 1 − p`` zeros of implicit padding around them (dashed), and the
   ``output_padding`` extra row and column at the bottom and right; the flipped kernel slides
   with stride 1.
2. **Scatter view**: each input cell scales the kernel and adds it into the output, ``s``
   cells apart; cells that ``padding`` crops away are greyed.

Both end in the same output, whose size is typeset: ``o = (i − 1)s − 2p + k + output_padding``.

    manim -ql scenes/transposed.py TransposedConv2D
"""

from __future__ import annotations

import numpy as np
from convanim.scenes._common import FONT, RED, ConvanimScene, caption, fmt, products_text, tex
from convanim.scenes._data import transposed_example
from convanim.scenes._grid import NUM_SIZE, PlanView, layout_plan, play_plan, top_formulas
from manim import FadeIn, FadeOut, ReplacementTransform, Text, VGroup, Write


class TransposedConv2D(ConvanimScene):
    """Zero insertion plus implicit padding, then scatter-add: one output, two pictures."""

    def construct(self) -> None:
        p = self.p
        direct, plan, scatter = transposed_example(p)
        (O1, O2) = direct.output_shape
        op = p["output_padding"]
        keys = ("input", "kernel", "stride", "padding", "output_padding")
        dims = list(zip(*(_pair(p[key]) for key in keys), strict=True))
        # The rule with this scene's numbers, once per distinct axis (rows, then columns).
        worked = " ,\\; ".join(
            f"({i}-1)\\cdot {st} - {2 * pd} + {k} + {o}" for i, k, st, pd, o in dict.fromkeys(dims)
        )
        size = tex(
            r"o = (i-1)\,s - 2p + k + ",
            r"\text{output\_padding}",
            f"= {worked} = {O1}" if O1 == O2 else f"= {worked} = {O1} \\times {O2}",
            size=30,
        )
        size[1].set_color(RED)
        size[2].set_color(RED)
        self.shown.extend([("O", O1), ("O", O2)])
        note = (
            f"input {_size(p['input'])}, kernel {_size(p['kernel'])}, stride {_t(p['stride'])}, "
            f"padding {_t(p['padding'])}, output_padding {_t(op)}"
        )
        info = caption(note)

        if p["view"] in ("both", "direct"):
            title = tex(
                r"\text{direct view: insert } s-1 \text{ zeros, pad } k-1-p"
                r"\text{ (+ output\_padding at the end), slide the flipped kernel}",
                size=28,
            )
            top_formulas(title)
            view = PlanView(self, plan, centre=(0.0, 0.05), max_width=13.0, max_height=5.0)
            self.opening(title, view.static(), info, *_output_padding(view, op))
            play_plan(
                self,
                view,
                direct.steps,
                direct.output_values,
                lambda s: products_text(s.taps) + f" = {fmt(s.value)}",
                info,
            )
            if p["view"] == "both":
                self.beat("move", FadeOut(*self.mobjects))

        if p["view"] in ("both", "scatter"):
            title = self._scatter(scatter, info)

        top_formulas(size)
        self.beat("idea", ReplacementTransform(title, size), move=1.0)
        self.closing()

    def _scatter(self, trace, info: Text) -> VGroup:  # noqa: ANN001
        ivals = trace.params["input_values"]
        kvals = {t.kernel: t.weight for t in trace.steps[0].taps}
        ir, ic = trace.input_shape
        kr, kc = trace.kernel_shape
        gr, gc = trace.grid_shape
        roles = [
            "output" if trace.grid_roles.get((r, c), "input") == "input" else "dropped"
            for r in range(gr)
            for c in range(gc)
        ]
        layout = layout_plan(
            "scatter",
            [
                (
                    "input",
                    ir,
                    ic,
                    ["input"] * (ir * ic),
                    [fmt(ivals[(r, c)]) for r in range(ir) for c in range(ic)],
                    0.0,
                    0.0,
                ),
                (
                    "kernel",
                    kr,
                    kc,
                    ["kernel"] * (kr * kc),
                    [fmt(kvals[(r, c)]) for r in range(kr) for c in range(kc)],
                    ic + 1.2,
                    0.0,
                ),
                ("output", gr, gc, roles, [""] * (gr * gc), ic + kc + 2.4, 0.0),
            ],
        )
        view = PlanView(self, layout, centre=(0.0, -0.2), max_width=13.0, max_height=5.8)
        title = tex(
            r"\text{scatter view: each input cell adds } x[i,j]\cdot w"
            r"\text{ into the output, } s \text{ cells apart}",
            size=28,
        )
        top_formulas(title)
        for v in ivals.values():
            self.shown.append(("input", v))
        if self.renderer.num_plays == 0:
            self.opening(title, view.static(), info)
        else:
            self.beat("idea", Write(title), FadeIn(view.static(), info))

        t = view.theme
        sums: dict[tuple[int, int], float] = {}
        texts: dict[tuple[int, int], Text] = {}
        g_out = layout.grid("output")
        g_in = layout.grid("input")
        marker = None
        steps = trace.steps[: self.step_count(len(trace.steps))]
        for step in steps:
            anims = []
            new_marker = VGroup(
                view.poly(
                    g_in.cell_polygon(*step.output), stroke_color=t.winner, stroke_width=7
                ).set_fill(opacity=0)
            )
            rows = [tp.grid[0] for tp in step.taps]
            cols = [tp.grid[1] for tp in step.taps]
            box = (min(rows), min(cols), max(rows) + 1, max(cols) + 1)
            new_marker.add(
                view.poly(g_out.box_polygon(*box), stroke_color=t.line, stroke_width=6).set_fill(
                    opacity=0
                )
            )
            anims.append(
                FadeIn(new_marker) if marker is None else ReplacementTransform(marker, new_marker)
            )
            marker = new_marker
            for tp in step.taps:
                rc = (tp.grid[0], tp.grid[1])
                sums[rc] = sums.get(rc, 0.0) + tp.product
                ink = t.ink_on(t.fill(g_out.role(*rc)))
                num = view.text(fmt(sums[rc]), g_out.centre(*rc), NUM_SIZE, ink)
                if rc in texts:
                    anims.append(ReplacementTransform(texts[rc], num))
                else:
                    anims.append(FadeIn(num))
                texts[rc] = num
            self.beat("output", *anims)
        if marker is not None:
            self.beat("move", FadeOut(marker))
        off = trace.params.get("canvas_offset", (0, 0))
        bias = float(trace.params.get("bias", 0.0))
        if len(steps) == len(trace.steps):
            # Every output cell, including those nothing scatters into (output_padding's
            # extra row and column hold just the bias): the engine's values, which must agree
            # with the sums drawn.
            finals = []
            extra = [
                (key[0] + off[0], key[1] + off[1])
                for key in trace.output_values
                if (key[0] + off[0], key[1] + off[1]) not in sums
            ]
            if extra:
                # output_padding's cells: nothing scatters into them; outline them in red.
                outline = VGroup(
                    *(
                        view.poly(g_out.cell_polygon(*rc), stroke_color=RED, stroke_width=4)
                        .set_fill(opacity=0)
                        .set_z_index(1)
                        for rc in extra
                    )
                )
                op = self.p["output_padding"]
                tag = Text(
                    f"output_padding = {_t(op)}", font=FONT, font_size=18, color=RED
                ).next_to(view.pt(g_out.point(g_out.cols, 0)), np.array([0, 1, 0]), buff=0.12)
                tag.shift(np.array([-tag.width / 2, 0, 0]))
                finals.extend([FadeIn(outline), FadeIn(tag)])
            for key, value in trace.output_values.items():
                canvas = (key[0] + off[0], key[1] + off[1])
                if abs(sums.get(canvas, 0.0) + bias - value) > 1e-9:
                    raise AssertionError(f"scatter sum at {key} disagrees with the engine")
                self.shown.append(("output", value))
                if canvas not in texts or bias:
                    ink = t.ink_on(t.fill(g_out.role(*canvas)))
                    num = view.text(fmt(value), g_out.centre(*canvas), NUM_SIZE, ink)
                    if canvas in texts:
                        self.remove(texts[canvas])
                    finals.append(FadeIn(num))
            if finals:
                self.beat("idea", *finals)
        return title


def _output_padding(view: PlanView, op: list[int]) -> list:
    """In the direct view, the extra rows and columns output_padding adds at the bottom and
    right of the padded input (drawn as padding by the plan), outlined in red and labelled."""
    g = view.plan.grid("input")
    rows, cols = _pair(op)
    strips = [(g.rows - rows, 0, g.rows, g.cols)] if rows else []
    strips += [(0, g.cols - cols, g.rows, g.cols)] if cols else []
    strips = [
        box
        for box in strips
        if all(
            g.role(r, c) == "padding" for r in range(box[0], box[2]) for c in range(box[1], box[3])
        )
    ]
    if not strips:
        return []
    outline = VGroup(
        *(
            view.poly(g.box_polygon(*box), stroke_color=RED, stroke_width=4)
            .set_fill(opacity=0)
            .set_z_index(1)
            for box in strips
        )
    )
    tag = Text(f"output_padding = {_t(op)}", font=FONT, font_size=18, color=RED)
    tag.next_to(view.pt(g.point(g.cols, 0)), np.array([0, 1, 0]), buff=0.12)
    tag.shift(np.array([-tag.width / 2, 0, 0]))
    return [outline, tag]


def _pair(v: list[int]) -> tuple[int, int]:
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def _size(v: list[int]) -> str:
    return "×".join(str(x) for x in (v * 2 if len(v) == 1 else v))


def _t(v: list[int]) -> str:
    return str(v[0]) if len(set(v)) == 1 else "×".join(str(x) for x in v)


__all__ = ["TransposedConv2D"]
