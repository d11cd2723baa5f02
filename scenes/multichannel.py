"""MultiChannelConv: ``y_j[n] = Σ_i Σ_k w_{i,j}[k] x_i[n−k] + b_j``, head by head.

The ``C_in`` input channels are rows of cells; each output channel (head) ``j`` has its own
stack of ``C_in/groups`` kernels. For every output position the window spans the head's
input channels, each channel's products are summed (shown beside its row), and the channel
sums plus ``b_j`` land in ``y_j[n]``. With ``groups > 1`` a head only sees its group's
channels (grouped convolution); the others are dimmed.

    manim -ql scenes/multichannel.py MultiChannelConv
    CONVANIM_SCENE_PARAMS='{"in_channels": 4, "out_channels": 2, "groups": 2}' manim -ql scenes/multichannel.py MultiChannelConv
"""

from __future__ import annotations

import numpy as np
from convanim.scenes._common import GREY, RED, ConvanimScene, caption, fmt, tex
from convanim.scenes._data import multichannel_example
from convanim.scenes._grid import NUM_SIZE, PlanView, layout_plan, top_formulas
from manim import WHITE, FadeIn, ReplacementTransform, VGroup


class MultiChannelConv(ConvanimScene):
    """C_in channels in, one kernel stack per head, per-channel products summed."""

    def construct(self) -> None:
        p = self.p
        x, w, b, traces = multichannel_example(p)
        cin, L = x.shape
        cout, cpg, M = w.shape
        g = p["groups"]
        convolution = p["mode"] == "convolution"
        L_out = traces[0].output_shape[0]
        # Output n is drawn under the newest sample it uses (convolution) or the first.
        offset = M - 1 if convolution else 0

        kx0 = L + 2.4
        grids = [
            (
                "input",
                cin,
                L,
                ["input"] * (cin * L),
                [fmt(v) for v in x.ravel()],
                0.0,
                0.0,
                "",
            ),
            (
                "output",
                cout,
                L_out,
                ["output"] * (cout * L_out),
                [""] * (cout * L_out),
                float(offset),
                cin + 1.4,
                "",
            ),
        ]
        for j in range(cout):
            grids.append(
                (
                    f"kernel {j}",
                    cpg,
                    M,
                    ["kernel"] * (cpg * M),
                    [fmt(v) for v in w[j].ravel()],
                    kx0 + j * (M + 1.0),
                    0.0,
                    "",
                )
            )
        plan = layout_plan("MultiChannelConv", grids)
        view = PlanView(self, plan, centre=(0.3, -0.55), max_width=12.4, max_height=5.4)
        for v in x.ravel():
            self.shown.append(("x", float(v)))
        for v in w.ravel():
            self.shown.append(("w", float(v)))

        sign = "-" if convolution else "+"
        formula = tex(
            f"y_j[n] = \\sum_{{i}} \\sum_{{k=0}}^{{M-1}} w_{{i,j}}[k]\\, x_i[n {sign} k] + b_j",
            size=34,
        )
        top_formulas(formula)
        kind = "convolution (kernel flipped)" if convolution else "cross-correlation"
        info = caption(
            f"C_in = {cin}, C_out = {cout}, groups = {g}, M = {M}: {kind}; "
            f"weights M × C_in/groups × C_out = {M * cpg * cout}"
        )
        self.shown.append(("params", M * cpg * cout))
        row_names = VGroup(
            *(
                tex(f"x_{i}", size=28).next_to(
                    view.pt(plan.grid("input").point(0, i + 0.5)), np.array([-1, 0, 0]), 0.15
                )
                for i in range(cin)
            ),
            *(
                tex(f"y_{j}", size=28).next_to(
                    view.pt(plan.grid("output").point(0, j + 0.5)), np.array([-1, 0, 0]), 0.15
                )
                for j in range(cout)
            ),
        )
        names = VGroup(
            tex("x_i[n]", size=30).next_to(
                view.pt(plan.grid("input").point(0, 0)), np.array([1, 1, 0]), 0.1
            ),
            tex("y_j[n]", size=30).next_to(
                view.pt(plan.grid("output").point(0, 0)), np.array([1, 1, 0]), 0.1
            ),
            *(
                tex(f"w_{{i,{j}}}[k]", size=30).next_to(
                    view.pt(plan.grid(f"kernel {j}").point(0, 0)), np.array([1, 1, 0]), 0.1
                )
                for j in range(cout)
            ),
        )
        bias = VGroup(
            *(
                tex(f"b_{j} = {fmt(b[j]).replace('−', '-')}", size=24, color=GREY).next_to(
                    view.pt(plan.grid(f"kernel {j}").point(M / 2, cpg)), np.array([0, -1, 0]), 0.15
                )
                for j in range(cout)
            )
        )
        self.opening(formula, view.static(), row_names, names, bias, info)

        t = view.theme
        g_in = plan.grid("input")
        g_out = plan.grid("output")
        budget = self.step_count(sum(len(tr.steps) for tr in traces))
        marker = None
        sums_shown = None
        played = 0
        for j, trace in enumerate(traces):
            chans = list(trace.params["in_channels"])
            g_k = plan.grid(f"kernel {j}")
            for step in trace.steps:
                if played == budget:
                    break
                cols = sorted({tp.grid[0] for tp in step.taps})
                window = view.poly(
                    g_in.box_polygon(min(chans), cols[0], max(chans) + 1, cols[-1] + 1),
                    stroke_color=t.line,
                    stroke_width=6,
                    fill_color=t.shade,
                    fill_opacity=t.shade_alpha,
                )
                kbox = view.poly(
                    g_k.box_polygon(0, 0, cpg, M), stroke_color=RED, stroke_width=6
                ).set_fill(opacity=0)
                n = step.output[0]
                obox = view.poly(
                    g_out.cell_polygon(j, n), stroke_color=t.line, stroke_width=6
                ).set_fill(opacity=0)
                new_marker = VGroup(window, kbox, obox)
                for i in range(cin):
                    if i not in chans:  # grouped convolution: this head never sees channel i
                        new_marker.add(
                            view.poly(
                                g_in.box_polygon(i, 0, i + 1, L),
                                fill_color=WHITE,
                                fill_opacity=0.65,
                                stroke_width=0,
                            )
                        )
                per_channel = {}
                for tp in step.taps:
                    per_channel[tp.channel] = per_channel.get(tp.channel, 0.0) + tp.product
                sums = VGroup(
                    *(
                        view.text(
                            f"Σ = {fmt(per_channel[i])}",
                            g_in.point(L + 1.1, i + 0.5),
                            NUM_SIZE * 0.8,
                            t.text,
                            fit=None,
                        )
                        for i in chans
                    )
                )
                # The channel sums plus the head's bias make the output (the engine's value).
                total = sum(per_channel.values()) + float(b[j])
                if abs(total - step.value) > 1e-9:
                    raise AssertionError("channel sums + bias disagree with the engine")
                line = view.text(
                    f"Σ + b{j} = {fmt(total - float(b[j]))} + {fmt(b[j])} = {fmt(step.value)}",
                    g_out.point(L_out + 0.4, j + 0.5),
                    NUM_SIZE * 0.8,
                    t.text,
                    fit=None,
                )
                sums.add(line.shift(np.array([line.width / 2, 0, 0])))  # left-aligned
                self.shown.append(("bias", float(b[j])))
                value = view.text(
                    fmt(step.value), g_out.centre(j, n), NUM_SIZE, t.ink_on(t.fill("output"))
                )
                self.shown.append(("y", step.value))
                anims = [FadeIn(value)]
                anims.append(
                    FadeIn(new_marker)
                    if marker is None
                    else ReplacementTransform(marker, new_marker)
                )
                if sums_shown is not None:
                    self.remove(sums_shown)
                anims.append(FadeIn(sums))
                marker, sums_shown = new_marker, sums
                self.beat("output", *anims)
                played += 1
        if sums_shown is not None:
            self.remove(sums_shown)
        self.closing()


__all__ = ["MultiChannelConv"]
