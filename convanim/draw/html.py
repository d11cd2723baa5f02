"""The HTML renderer: a :class:`~convanim.draw.plan.Plan` as one interactive, self-contained page.

The GIF loops on its own; in a lecture the questions are "which inputs made this output?" and
"where does this input go?". This module draws the same plan the GIF and the video draw as an
inline SVG with a small script, so a student can step through it and ask those questions with
the mouse (or a finger, or the keyboard):

* step controls (previous / play-pause / next / a slider) and the keys ``,`` ``.`` (or ``[``
  ``]``), chosen so they never clash with reveal.js's arrows;
* hover (or focus, or tap) an **output** cell: its window lights up on the input, with the
  products and the sum written out; hover an **input** cell: every output it feeds lights up
  (for a transposed convolution: every output it scatters to, which shows the overlap);
* the plan's labels, legend and caption, its theme colours and the GIF's cell size;
* accessible: every cell is focusable and named (``x[1,2] = 3``), the figure has a title and a
  description, the arithmetic line is an ``aria-live`` region.

One file, no network: the CSS, the script and the data are inline, fonts are the system's, so
it opens from ``file://`` and inside a reveal.js ``<iframe>``. Embedded in a deck it forwards the
keys it does not use (arrows, space, …) to the deck through reveal.js's ``postMessage`` API, so
the slides still move while the figure has the focus, and it pauses when its slide is left.

Nothing here computes a size or a value: the geometry (grid transforms, connector lines),
roles, cell texts and frames come from the plan; the arithmetic of each step (values, weights,
products, sums) from the engine's :class:`~convanim.draw.trace.Trace` the plan was built from.
Standard library only (no Pillow, no NumPy).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from convanim._files import write_atomic
from convanim.draw.plan import GridView, Plan, StackPlan, Theme, blend, format_values
from convanim.draw.themes import DEFAULT_CELL_PX, DEFAULT_MARGIN_PX, check_look, themed
from convanim.draw.trace import Step, Trace

__all__ = [
    "HtmlOptions",
    "html_document",
    "render_html",
    "stack_document",
    "render_stack_html",
    "DEFAULT_CELL_PX",
    "DEFAULT_MARGIN_PX",
    "MAX_STEPS",
]

#: The GIF's defaults (conv_arithmetic's 0.5 cm at 150 dpi), so ``-o x.html`` and ``-o x.gif``
#: draw a figure of the same size.
#: Steps a page may hold (the GIF's frame limit). A step costs under 1 kB (its cells, window and
#: arithmetic): a 40x40 convolution's 1444 steps make 1.2 MB that Chromium opens in 0.6 s.
MAX_STEPS = 2500

_ROLE_CLASS = {
    "input": "ri",
    "padding": "rp",
    "output_padding": "rq",  # the transposed view's bottom/right zeros (draw/plan.py)
    "inserted": "rn",
    "dropped": "rd",
    "output": "ro",
    "kernel": "rk",
}
_DASH = {
    "padding": (0.16, 0.10),
    "output_padding": (0.16, 0.10),
    "inserted": (0.05, 0.09),
}  # the GIF's dashes, in cells

_OP_NAMES = {
    "conv": "convolution",
    "transposed": "transposed convolution (direct view: zeros inserted, kernel rotated)",
    "max_pool": "max pooling",
    "avg_pool": "average pooling",
    "lp_pool": "power-average pooling",
    "grad_weight": "weight gradient",
    "grad_input": "input gradient",
}
#: How an input cell relates to the outputs whose windows hold it.
_FEEDS = {
    "transposed": "scatters to",
    "max_pool": "is pooled into",
    "avg_pool": "is pooled into",
    "lp_pool": "is pooled into",
}


@dataclass(frozen=True)
class HtmlOptions:
    """Pixel-level choices, as for GIFs; everything else comes from the plan."""

    cell_px: float = DEFAULT_CELL_PX
    margin_px: float = DEFAULT_MARGIN_PX
    theme: str = "solarized"
    transparent: bool = False
    ink: str = "auto"  # auto | light | dark: lines and text (light for a dark slide), as GIFs

    def __post_init__(self) -> None:
        check_look(self.cell_px, self.margin_px, self.theme, self.ink)

    @property
    def colours(self) -> Theme:
        """The theme with the ink applied (the GIF's :func:`~convanim.draw.themes.themed`)."""
        return themed(self.theme, self.ink)


def _n(v: float) -> str:
    """A coordinate, short: two decimals at most, no trailing zeros."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


class _Px:
    """Plan units to page pixels (the GIF's mapping: margin plus units times the cell size)."""

    def __init__(self, opts: HtmlOptions) -> None:
        self.cell = opts.cell_px
        self.margin = opts.margin_px

    def __call__(self, p: tuple[float, float]) -> tuple[float, float]:
        return (self.margin + p[0] * self.cell, self.margin + p[1] * self.cell)

    def points(self, pts: Sequence[tuple[float, float]]) -> str:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in (self(p) for p in pts))

    def affine(self, grid: GridView) -> list[float]:
        """The grid's corner map in pixels, for the script's window outline."""
        ax, bx, tx, ay, by, ty = grid.transform
        c, m = self.cell, self.margin
        return [round(v, 3) for v in (ax * c, bx * c, tx * c + m, ay * c, by * c, ty * c + m)]


# ---------------------------------------------------------------------------------------------
# The engine's arithmetic, per step and per cell
# ---------------------------------------------------------------------------------------------


def _index_label(name: str, pos: Sequence[int]) -> str:
    return f"{name}[{','.join(str(v) for v in pos)}]"


def _as2d(pos: Sequence[int]) -> tuple[int, int]:
    return (0, pos[0]) if len(pos) == 1 else (pos[0], pos[1])


def _fmt(values: Sequence[float]) -> tuple[str, ...]:
    """The plan's number format, with a real minus sign (as the cells show them)."""
    return tuple(text.replace("-", "−") for text in format_values(values))


def _step_data(op: str, step: Step, cols: int) -> dict:
    """One step's arithmetic, formatted once here: every tap's grid cell, value, weight and
    product, the sum, the bias, the divisor and the value that lands in the output."""
    vals = _fmt([t.value for t in step.taps]) if step.taps else ()
    weighted = bool(step.taps) and all(t.weight is not None for t in step.taps)
    ws = _fmt([t.weight for t in step.taps]) if weighted else ()
    ps = _fmt([t.product for t in step.taps]) if weighted else ()
    taps = []
    for i, tap in enumerate(step.taps):
        r, c = _as2d(tap.grid)
        taps.append([r * cols + c, vals[i], *((ws[i], ps[i]) if weighted else ())])
    data: dict = {"t": taps, "v": _fmt([step.value])[0]}
    if weighted:
        data["s"] = _fmt([step.total])[0]
        if step.bias:
            data["b"] = _fmt([step.bias])[0]
    if op == "avg_pool":
        data["s"] = _fmt([step.total])[0]
        data["d"] = _fmt([step.divisor or len(step.taps)])[0]
    return data


def _sources(trace: Trace, grid: GridView) -> dict[int, tuple[int, ...]]:
    """Real-input coordinates of the drawn input cells (padding and inserted zeros have none).

    The taps say where every covered cell comes from; a cell no window reaches (``dropped``)
    is placed by the offset the taps show, which is constant for a padded grid (not for the
    zero-inserted grid of a transposed convolution, where every real cell is covered anyway).
    """
    found: dict[int, tuple[int, ...]] = {}
    offset = None
    for step in trace.steps:
        for tap in step.taps:
            if tap.source is not None:
                r, c = _as2d(tap.grid)
                found[r * grid.cols + c] = tuple(tap.source)
                if offset is None and len(tap.source) == len(tap.grid):
                    offset = tuple(g - s for g, s in zip(tap.grid, tap.source, strict=True))
    if offset is not None and trace.op != "transposed":
        one_d = len(trace.input_shape) == 1
        for i, role in enumerate(grid.roles):
            if role in ("input", "dropped") and i not in found:
                r, c = divmod(i, grid.cols)
                pos = (c,) if one_d else (r, c)
                found[i] = tuple(p - o for p, o in zip(pos, offset, strict=True))
    return found


# ---------------------------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------------------------


def _anchor(anchor: tuple[str, str]) -> str:
    h = {"left": "start", "centre": "middle", "center": "middle", "right": "end"}[anchor[0]]
    v = {"top": "text-before-edge", "middle": "central", "bottom": "text-after-edge"}.get(
        anchor[1], "auto"
    )
    return f' text-anchor="{h}" dominant-baseline="{v}"'


def _fit(text: str, size: float, max_width: float) -> float:
    """A font size at which ``text`` fits ``max_width`` pixels (DejaVu Sans digits: 0.64 em)."""
    width = len(text) * 0.64 * size
    return size if width <= max_width else max(6.0, size * max_width / width)


def _grid_svg(
    grid: GridView,
    px: _Px,
    key: str,
    names: dict[int, str],
    text_size: float,
    text_at: tuple[float, float],
    hidden: set[int],
    focusable: bool = True,
) -> tuple[str, str]:
    """The cells (fill by role, outline by role) and their texts, as two SVG fragments.

    Dotted and dashed cells come first so a solid neighbour's edge is drawn over the shared
    edge (the GIF draws outlines in the same order)."""
    order = {"inserted": 0, "padding": 1, "output_padding": 1}
    cells = []
    for i in sorted(range(grid.rows * grid.cols), key=lambda i: order.get(grid.roles[i], 2)):
        r, c = divmod(i, grid.cols)
        role = grid.roles[i]
        attrs = f' data-g="{key}" data-i="{i}"'
        if focusable:
            attrs += f' tabindex="0" role="button" aria-label="{_esc(names.get(i, role))}"'
        cells.append(
            f'<polygon class="c {_ROLE_CLASS[role]}"{attrs} '
            f'points="{px.points(grid.cell_polygon(r, c))}"/>'
        )
    texts = []
    if grid.texts:
        max_w = px.cell * (1.6 * min(text_at[0], 1 - text_at[0]) - 0.04)
        for i, text in enumerate(grid.texts):
            if not text:
                continue
            r, c = divmod(i, grid.cols)
            x, y = px(grid.point(c + text_at[0], r + text_at[1]))
            size = _fit(text, text_size * px.cell, max_w)
            cls = _ROLE_CLASS[grid.roles[i]] + (" h" if i in hidden else "")
            # Only a text too wide for its cell carries its own (smaller) size, inline: the
            # style sheet's size for cell texts would win over a font-size attribute.
            font = f' style="font-size:{_n(size)}px"' if size != text_size * px.cell else ""
            texts.append(
                f'<text class="{cls}" data-g="{key}" data-i="{i}" x="{_n(x)}" y="{_n(y)}"{font}'
                f' text-anchor="middle" dominant-baseline="central">'
                f"{_esc(text.replace('-', '−'))}</text>"
            )
    return "".join(cells), "".join(texts)


def _page_css(t: Theme, opts: HtmlOptions, size: tuple[int, int]) -> str:
    """What every figure page shares: the page, the picture's scaling, labels and controls."""
    bg = "transparent" if opts.transparent else t.background
    return "".join(
        [
            f"html{{background:{bg}}}body{{margin:0;color:{t.text};"
            'font:15px/1.4 "DejaVu Sans",Verdana,sans-serif}',
            "figure{margin:0;padding:6px;display:flex;flex-direction:column;align-items:center;"
            "gap:4px}",
            # The picture at its own size, shrunk to leave the controls and the arithmetic in
            # view; in an <iframe> (a slide) it also grows to fill the frame.
            f"svg{{display:block;height:auto;touch-action:manipulation;width:min({size[0]}px,"
            f"100vw - 16px,(100vh - 5.2em)*{size[0] / size[1]:.4f})}}",
            # (The picture takes whatever height the controls and a long, wrapped arithmetic
            # line leave: a flex column as tall as the frame, the SVG fitting its box.)
            ".fit figure{height:100vh;box-sizing:border-box;padding:4px}",
            ".fit svg{flex:1 1 0;min-height:0;width:100%}",
            # Controls and the arithmetic line grow with the frame too (the back row reads them).
            ".fit body{overflow:hidden;font-size:clamp(14px,3.3vh,28px)}",
            "svg text{pointer-events:none;font-family:'DejaVu Sans',Verdana,sans-serif}",
            f".lb{{fill:{t.text}}}.cap,.lg{{fill:{t.muted}}}",
            ".bar{display:flex;align-items:center;gap:6px;flex-wrap:wrap;justify-content:center}",
            f"button{{font:inherit;min-width:2.3em;padding:2px 8px;color:{t.text};"
            f"background:{bg};border:1px solid {t.muted};border-radius:4px;cursor:pointer}}",
            f"button:focus-visible,input:focus-visible{{outline:2px solid {t.subscript}}}",
            "input[type=range]{width:12em}",
            f"#count{{min-width:6.5em;color:{t.muted}}}",
            # Room for two lines of arithmetic whatever is hovered, so nothing jumps; in a frame
            # a longer line scrolls rather than shrinking the picture.
            "#note{margin:0;min-height:2.8em;text-align:center;max-width:60em}",
            ".fit #note{height:2.8em;overflow-y:auto}",
            f"#note b{{color:{t.text}}}",
        ]
    )


def _css(theme: Theme, opts: HtmlOptions, plan: Plan) -> str:
    """The grid figure's own rules: cells by role, shaded, window, connectors, subscripts."""
    t = theme
    cell = opts.cell_px
    line_w = _n(max(1.0, cell / 30))
    thick_w = _n(max(2.0, cell / 10))
    rules = [
        f"svg text{{font-size:{_n(0.42 * cell if plan.look == 'flat' else 0.36 * cell)}px}}",
        f".c{{stroke:{t.line};stroke-width:{line_w};cursor:pointer;outline:none}}",
    ]
    for role, (dash, gap) in _DASH.items():
        rules.append(
            f".c.{_ROLE_CLASS[role]}{{stroke-dasharray:{_n(dash * cell)} {_n(gap * cell)}}}"
        )
    for role, cls in _ROLE_CLASS.items():
        fill = t.fill(role)
        shaded = t.shaded(role)
        ink = t.muted if role in ("padding", "inserted", "output_padding") else t.ink_on(fill)
        rules.append(
            f"polygon.{cls}{{fill:{fill}}}polygon.{cls}.s{{fill:{shaded}}}"
            f"text.{cls}{{fill:{ink}}}text.{cls}.s{{fill:{t.ink_on(shaded)}}}"
        )
    rules += [
        ".h{visibility:hidden}",
        f"#win{{fill:none;stroke:{t.line};stroke-width:{thick_w};stroke-linejoin:miter}}",
        f"#ghost{{fill:none;stroke:{t.line};stroke-width:{_n(max(1.5, cell / 20))};"
        f"stroke-dasharray:{_n(cell / 6)}"
        f" {_n(cell / 8)};opacity:.8}}",
        f"#hov{{fill:none;stroke:{t.subscript};stroke-width:{thick_w}}}",
        f".win{{fill:none;stroke:{t.winner};stroke-width:{thick_w}}}",
        f".fed{{fill:none;stroke:{t.subscript};stroke-width:{line_w};stroke-dasharray:none}}",
        f"#ln line{{stroke:{t.connector};stroke-width:{line_w}}}",
        f"#sub text{{font-size:{_n(0.3 * cell)}px}}",
    ]
    return "".join(rules)


def _describe(plan: Plan, trace: Trace | None) -> str:
    """The figure's text alternative: what it shows and how to use it."""
    g_in, g_out = plan.grid("input"), plan.grid("output")
    op = _OP_NAMES.get(plan.op, plan.op)
    if plan.op == "conv" and plan.mode == "convolution":
        op += " (kernel flipped)"

    def dims(rows: int, cols: int) -> str:
        return f"{cols}" if rows == 1 else f"{rows}×{cols}"

    parts = [f"{op}: {dims(g_in.rows, g_in.cols)} drawn input grid"]
    if trace is not None:
        parts.append(f"(the input is {'×'.join(str(v) for v in trace.input_shape)})")
    for key, default in (("stride", 1), ("padding", 0), ("dilation", 1), ("output_padding", 0)):
        text = _param_text(plan.params.get(key))
        if text and text != str(default):
            parts.append(f"{key.replace('_', ' ')} {text}")
    parts.append(f"→ {dims(g_out.rows, g_out.cols)} output, {len(plan.frames)} steps.")
    verb = _FEEDS.get(plan.op, "feeds")
    parts.append(
        "Hover, focus or tap an output cell to see its window and arithmetic; "
        f"an input cell to see every output it {verb}. "
        "Keys: comma and period (or [ and ]) step back and forward."
    )
    return " ".join(parts)


def _overlap(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> bool:
    """Whether two convex polygons share some area (separating axes: no edge normal of either
    separates their projections).

    >>> _overlap([(0, 0), (2, 0), (2, 2), (0, 2)], [(1, 1), (3, 1), (3, 3), (1, 3)])
    True
    >>> _overlap([(0, 0), (1, 0), (1, 1), (0, 1)], [(1, 0), (2, 0), (2, 1), (1, 1)])  # touching
    False
    """
    for poly in (a, b):
        for (x0, y0), (x1, y1) in zip(poly, [*poly[1:], poly[0]], strict=True):
            nx, ny = y1 - y0, x0 - x1
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) <= min(pb) + 1e-9 or max(pb) <= min(pa) + 1e-9:
                return False
    return True


def _param_text(value: object) -> str:
    """A parameter as a student writes it: ``2`` for ``(2, 2)``, ``1:2`` for a pair ``(1, 2)``.

    >>> _param_text((2, 2)), _param_text(((1, 1), (0, 1))), _param_text(None)
    ('2', '1, 0:1', '')
    """
    if value is None:
        return ""
    if not isinstance(value, (tuple, list)):
        return str(value)
    parts = []
    for v in value:
        if isinstance(v, (tuple, list)):
            parts.append(str(v[0]) if len(set(v)) == 1 else ":".join(str(x) for x in v))
        else:
            parts.append(str(v))
    return parts[0] if len(set(parts)) == 1 else ", ".join(parts)


def html_document(plan: Plan, opts: HtmlOptions | None = None, trace: Trace | None = None) -> str:
    """The page: inline SVG, CSS, data and script. ``trace`` (the one ``plan`` was built from)
    supplies the arithmetic written out on hover; without it the plan's own notes are used."""
    opts = opts or HtmlOptions()
    theme = opts.colours
    px = _Px(opts)
    size = plan.pixel_size(opts.cell_px, opts.margin_px)
    g_in, g_out = plan.grid("input"), plan.grid("output")
    if trace is not None and len(trace.steps) != len(plan.frames):
        raise ValueError("the trace and the plan disagree on the number of steps")
    one_d = len(trace.output_shape) == 1 if trace is not None else g_out.rows == 1

    # --- names of cells (their text alternative, and the script's labels) -------------------
    sources = _sources(trace, g_in) if trace is not None else {}
    in_values = (
        _fmt([trace.grid_values.get(k, 0.0) for k in _keys(trace, g_in)])
        if (trace is not None)
        else g_in.texts
    )
    in_names: dict[int, str] = {}
    for i, role in enumerate(g_in.roles):
        if role in ("input", "dropped") and i in sources:
            name = _index_label("x", sources[i])
            if in_values:
                name += f" = {in_values[i]}"
            in_names[i] = name + (", never covered" if role == "dropped" else "")
        else:
            in_names[i] = {
                "padding": "padding (zero)",
                "inserted": "inserted zero",
                "output_padding": "output_padding (zero)",
            }.get(role, role)
    out_values = g_out.texts
    if trace is not None:
        okeys = _keys(trace, g_out, output=True)
        by_out = {_as2d(s.output): s.value for s in trace.steps}
        out_values = _fmt([trace.output_values.get(k, by_out.get(_as2d(k), 0.0)) for k in okeys])
    out_names = {}
    for i in range(g_out.rows * g_out.cols):
        r, c = divmod(i, g_out.cols)
        name = _index_label("y", (c,) if one_d else (r, c))
        out_names[i] = name + (f" = {out_values[i]}" if out_values else "")

    # --- frames ---------------------------------------------------------------------------
    frames = []
    previous: frozenset = frozenset()
    out_plane = g_out.box_polygon(0, 0, g_out.rows, g_out.cols)
    for k, fr in enumerate(plan.frames):
        item: dict = {
            "o": fr.output_cell[0] * g_out.cols + fr.output_cell[1] if fr.output_cell else -1,
            "w": [r * g_in.cols + c for r, c in fr.window],
        }
        if fr.window_box is not None:
            item["b"] = list(fr.window_box)
            if _overlap(g_in.box_polygon(*fr.window_box), out_plane):
                item["g"] = 1  # the output plane hides part of the window: trace it on top
        if fr.winner is not None:
            item["x"] = fr.winner[0] * g_in.cols + fr.winner[1]
        if fr.subscripts:
            item["s"] = [[r * g_in.cols + c, text] for (r, c), text in fr.subscripts]
        if fr.lines:
            item["l"] = [[_n(v) for a, b in [line] for v in (*px(a), *px(b))] for line in fr.lines]
        shown = frozenset(r * g_out.cols + c for r, c in fr.shown_outputs)
        if k == 0 or shown != previous:
            item["v"] = [sorted(shown - previous), sorted(previous - shown)]
        previous = shown
        if trace is not None:
            item["a"] = _step_data(plan.op, trace.steps[k], g_in.cols)
        elif fr.note:
            item["n"] = fr.note
        frames.append(item)
    first_hidden = set(range(g_out.rows * g_out.cols)) - {
        r * g_out.cols + c for r, c in plan.frames[0].shown_outputs
    }

    data = {
        "op": plan.op,
        # power-average pooling's p, written as the numbers are (2, not 2.0)
        "norm": _fmt([float(plan.params.get("norm_type") or 0)])[0],
        "feeds": _FEEDS.get(plan.op, "feeds"),
        "dur": plan.durations,
        "f": frames,
        "gi": px.affine(g_in),
        "in": [in_names[i] for i in range(g_in.rows * g_in.cols)],
        "out": [out_names[i] for i in range(g_out.rows * g_out.cols)],
        "roles": "".join(_ROLE_CLASS[r][1] for r in g_in.roles),
        # Subscripts sit inside the window's thick outline (the GIF's inset).
        "inset": round(max(2.0, opts.cell_px / 10) + 1.5, 2),
    }

    # --- the picture ----------------------------------------------------------------------
    subscripted = any(f.subscripts for f in plan.frames)
    num_size = 0.42 if plan.look == "flat" else 0.36
    num_at = (0.4, 0.42) if subscripted else (0.5, 0.5)
    in_cells, in_texts = _grid_svg(g_in, px, "i", in_names, num_size, num_at, set())
    out_cells, out_texts = _grid_svg(g_out, px, "o", out_names, num_size, (0.5, 0.5), first_hidden)
    static = []
    for label in plan.labels:
        cls = {"caption": "cap", "legend": "lg"}.get(label.role, "lb")
        x, y = px(label.at)
        static.append(
            f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" style="font-size:{_n(label.size * px.cell)}px"'
            f"{_anchor(label.anchor)}>{_esc(label.text)}</text>"
        )
    s = plan.legend_size
    for role, text, (x, y), at in plan.legend_items():
        pts = px.points([(x, y), (x + s, y), (x + s, y + s), (x, y + s)])
        ax, ay = px(at)
        static.append(
            f'<polygon class="c {_ROLE_CLASS[role]}" style="cursor:default" points="{pts}"/>'
            f'<text class="lg" x="{_n(ax)}" y="{_n(ay)}" style="font-size:{_n(s * px.cell)}px"'
            f"{_anchor(('left', 'middle'))}>{_esc(text)}</text>"
        )
    if plan.has_grid("kernel"):
        g_k = plan.grid("kernel")
        k_cells, k_texts = _grid_svg(g_k, px, "k", {}, 0.42, (0.5, 0.5), set(), False)
        static.append(f'<g aria-hidden="true">{k_cells}{k_texts}</g>')

    body = (
        f'<g aria-hidden="true">{"".join(static)}</g>'
        f'<g id="gi" aria-label="input">{in_cells}</g><g aria-hidden="true">{in_texts}</g>'
        '<polygon id="win" points=""/><g id="wx"></g><g id="sub" aria-hidden="true"></g>'
        '<g id="ln"></g>'
        f'<g id="go" aria-label="output">{out_cells}</g><g aria-hidden="true">{out_texts}</g>'
        '<g id="ox"></g><polygon id="ghost" points=""/><polygon id="hov" points=""/>'
    )
    return _page(
        f"convanim: {plan.name}",
        _describe(plan, trace),
        size,
        _page_css(theme, opts, size) + _css(theme, opts, plan),
        body,
        data,
        _JS_GRID,
    )


def _page(
    title: str, desc: str, size: tuple[int, int], css: str, body: str, data: dict, js: str
) -> str:
    """The document: the SVG (titled and described), the controls, the data and the script."""
    w, h = size
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
        f' role="group" aria-labelledby="ttl dsc">'
        f'<title id="ttl">{_esc(title)}</title><desc id="dsc">{_esc(desc)}</desc>{body}</svg>'
    )
    n = len(data["f"])
    controls = (
        '<div class="bar">'
        '<button id="prev" type="button" title="previous step (, or [)">◀ prev</button>'
        '<button id="play" type="button" aria-pressed="false">▶ play</button>'
        '<button id="next" type="button" title="next step (. or ])">next ▶</button>'
        f'<input id="slider" type="range" min="0" max="{n - 1}" value="0" aria-label="step">'
        f'<span id="count" aria-hidden="true">step 1 / {n}</span></div>'
        '<p id="note" aria-live="polite"></p>'
    )
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="generator" content="convanim"><link rel="icon" href="data:,">'
        f"<title>{_esc(title)}</title><style>{css}</style></head>"
        f'<body><figure id="fig">{svg}{controls}</figure>'
        f'<script type="application/json" id="data">{payload}</script>'
        f"<script>{chr(10).join((_JS_HEAD, js, _JS_TAIL))}</script></body></html>\n"
    )


# ---------------------------------------------------------------------------------------------
# Stacks of 1-D convolutions (WaveNet's figure)
# ---------------------------------------------------------------------------------------------


def _node_name(layer: int, t: int, top: int) -> str:
    """``x[t]`` on the input row, ``y[t]`` on the output row, ``h1[t]`` … in between."""
    return f"x[{t}]" if layer == 0 else f"y[{t}]" if layer == top else f"h{layer}[{t}]"


def stack_document(plan: StackPlan, opts: HtmlOptions | None = None) -> str:
    """A stack of causal convolutions as an interactive graph: step through the receptive field
    of the plan's target growing layer by layer; hover (focus, tap) any node to light what it
    reads (its receptive field, down to the input) and every node it feeds (up to the output)."""
    opts = opts or HtmlOptions()
    t = opts.colours
    px = _Px(opts)
    size = plan.pixel_size(opts.cell_px, opts.margin_px)
    keys = sorted(plan.positions, key=lambda k: (-k[0], k[1]))  # output row first (reading order)
    index = {k: i for i, k in enumerate(keys)}
    top = plan.target[0]
    names = [_node_name(layer, step, top) for layer, step in keys]
    edges = [(index[a], index[b]) for a, b in plan.edges]
    edge_index = {e: k for k, e in enumerate(plan.edges)}
    frames = []
    for frame in plan.frames:
        item = {
            "n": sorted(index[k] for k in frame.nodes),
            "e": sorted(edge_index[e] for e in frame.edges),
        }
        bottom = min(layer for layer, _ in frame.nodes)
        row = sorted(step for layer, step in frame.nodes if layer == bottom)
        item["t"] = (
            f"{names[index[plan.target]]} depends on {len(row)} node"
            f"{'' if len(row) == 1 else 's'} of "
            f"{'the input' if bottom == 0 else 'layer ' + str(bottom)}: "
            f"{_node_name(bottom, row[0], top)} … {_node_name(bottom, row[-1], top)}"
            if bottom < top
            else f"{names[index[plan.target]]}: step to grow its receptive field, layer by layer"
        )
        frames.append(item)
    r = plan.radius * opts.cell_px
    parts = []
    for a, b in edges:
        (x1, y1), (x2, y2) = px(plan.positions[keys[a]]), px(plan.positions[keys[b]])
        parts.append(f'<line class="e" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"/>')
    edges_svg = "".join(parts)
    parts = []
    for i, key in enumerate(keys):
        x, y = px(plan.positions[key])
        role = "o" if key[0] == top else "i"
        parts.append(
            f'<circle class="n {role}" data-g="n" data-i="{i}" tabindex="0" role="button" '
            f'aria-label="{names[i]}" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}"/>'
        )
    labels = []
    for label in plan.labels:
        cls = {"caption": "cap", "legend": "lg"}.get(label.role, "lb")
        x, y = px(label.at)
        labels.append(
            f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" style="font-size:{_n(label.size * px.cell)}px"'
            f"{_anchor(label.anchor)}>{_esc(label.text)}</text>"
        )
    line_w = _n(max(2.0, opts.cell_px / 12))
    faint = blend(t.background, t.muted, 0.3)
    css = _page_css(t, opts, size) + "".join(
        [
            f".e{{stroke:{faint};stroke-width:1}}.e.on{{stroke:{t.line};stroke-width:{line_w}}}",
            f".e.fd{{stroke:{t.subscript};stroke-width:{line_w}}}",
            f".n{{fill:{t.background};stroke:{t.line};stroke-width:1;cursor:pointer;outline:none}}",
            f".n.i.on{{fill:{t.input}}}.n.o.on{{fill:{t.output}}}.n.fd{{fill:{t.subscript}}}",
            f"#hov{{fill:none;stroke:{t.subscript};stroke-width:{line_w}}}",
        ]
    )
    depth = top
    desc = (
        f"{depth} stacked causal convolutions (kernel 2) over {sum(1 for k in keys if k[0] == 0)}"
        f" time steps; the steps grow the receptive field of {names[index[plan.target]]} one "
        "layer at a time. Hover, focus or tap a node to see what it reads and what it feeds. "
        "Keys: comma and period (or [ and ]) step back and forward."
    )
    body = (
        f'<g aria-hidden="true">{"".join(labels)}</g><g id="edges">{edges_svg}</g>'
        f'<g aria-label="nodes">{"".join(parts)}</g><circle id="hov" r="0" cx="0" cy="0"/>'
    )
    data = {"f": frames, "dur": plan.durations, "names": names, "edges": edges}
    return _page(f"convanim: {plan.name}", desc, size, css, body, data, _JS_STACK)


def render_stack_html(plan: StackPlan, path: Path, opts: HtmlOptions | None = None) -> Path:
    """Write :func:`stack_document` to ``path`` atomically; returns ``path``."""
    path = Path(path)
    write_atomic(path, stack_document(plan, opts).encode("utf-8"))
    return path


def _keys(trace: Trace, grid: GridView, output: bool = False) -> list[tuple[int, ...]]:
    """The trace's coordinates of a drawn grid's cells, row-major (1-D traces: ``(c,)``)."""
    shape = trace.output_shape if output else trace.grid_shape
    return [(c,) if len(shape) == 1 else (r, c) for r in range(grid.rows) for c in range(grid.cols)]


def render_html(
    plan: Plan, path: Path, opts: HtmlOptions | None = None, trace: Trace | None = None
) -> Path:
    """Write :func:`html_document` to ``path`` atomically; returns ``path``."""
    path = Path(path)
    write_atomic(path, html_document(plan, opts, trace).encode("utf-8"))
    return path


# The page's behaviour, in three parts: what every figure shares (data, helpers), what a
# grid figure or a stack figure does on show/hover/choose, and the shared controls and keys.
# Plain ES2017, no library; every number it shows was formatted above.
_JS_HEAD = r"""(function(){"use strict";
var D=JSON.parse(document.getElementById("data").textContent),F=D.f,N=F.length;
var $=function(id){return document.getElementById(id)},NS="http://www.w3.org/2000/svg";
if(window.self!==window.top)document.documentElement.classList.add("fit");
var step=0,timer=null,pin=null;
function mk(tag,a,parent,text){var e=document.createElementNS(NS,tag);for(var k in a)
e.setAttribute(k,a[k]);if(text!==undefined)e.textContent=text;parent.appendChild(e);return e}
function note(parts){var p=$("note");p.textContent="";parts.forEach(function(x){
if(typeof x==="string")p.appendChild(document.createTextNode(x));else{var e=document.createElement(x[0]);
e.className=x[1];e.textContent=x[2];p.appendChild(e)}})}"""

_JS_GRID = r"""var cell={i:[],o:[]},txt={i:[],o:[]};
document.querySelectorAll("[data-g]").forEach(function(e){var g=e.getAttribute("data-g");
if(g!=="i"&&g!=="o")return;(e.tagName==="text"?txt:cell)[g][+e.getAttribute("data-i")]=e;});
var shown=[],cur=new Set();F.forEach(function(f){if(f.v){f.v[0].forEach(function(k){cur.add(k)});
f.v[1].forEach(function(k){cur.delete(k)});}shown.push(new Set(cur));});
var feeds=cell.i.map(function(){return[]});F.forEach(function(f,k){f.w.forEach(function(i){
feeds[i].push(k)})});
var lit=[];
function pt(c,r){var t=D.gi;return(t[0]*c+t[1]*r+t[2]).toFixed(2)+","+(t[3]*c+t[4]*r+t[5]).toFixed(2)}
function shade(g,i){[cell[g][i],txt[g][i]].forEach(function(e){if(e){e.classList.add("s");lit.push(e)}})}
function clear(){lit.forEach(function(e){e.classList.remove("s")});lit=[];["wx","sub","ln","ox"].forEach(
function(id){$(id).textContent=""});["win","hov","ghost"].forEach(function(id){$(id).setAttribute("points","")})}
function outline(parent,el,cls){mk("polygon",{"class":cls,points:el.getAttribute("points")},parent)}
function zero(i){var r=D.roles[i];return r==="p"||r==="n"||r==="q"}
function arith(k){var f=F[k],a=f.a,y=D.out[f.o].split(" = ")[0];
if(!a)return note(f.n?[y+": "+f.n]:[y]);
var vs=a.t.map(function(t){return t[1]});
if(D.op==="max_pool")return note([y+" = max("+vs.join(", ")+") = ",["b","value",a.v]]);
if(D.op==="lp_pool"){var q=D.norm==="2"?"²":"^"+D.norm;return note([y+" = ("+vs.map(function(v){
return(v[0]==="−"?"("+v+")":v)+q}).join(" + ")+")^(1/"+D.norm+") = ",["b","value",a.v]])}
if(D.op==="avg_pool")return note([y+" = ("+vs.join(" + ")+") / "+a.d+" = "+a.s+" / "+a.d+" = ",["b","value",a.v]]);
if(a.t.length&&a.t[0].length>3){var real=a.t.filter(function(t){return !zero(t[0])}),
z=a.t.length-real.length,rest=z?" (+ "+z+" zero"+(z===1?"":"s")+")":"";
if(!real.length)return note([y+" = 0·w for every cell"+rest+" = ",["b","value",a.v]]);
var terms=real.map(function(t){return t[1]+"·"+t[2]}).join(" + "),
prods=real.map(function(t){return t[3]}).join(" + ");return note([y+" = "+terms+rest+" = ",
["span","products",prods],a.b?" + "+a.b+" (bias)":""," = ",["b","value",a.v]])}
note([y+" = ",["b","value",a.v]])}
function show(k,hover){clear();var f=F[k];f.w.forEach(function(i){shade("i",i)});
if(f.o>=0)shade("o",f.o);if(f.b){var b=f.b,w=[pt(b[1],b[0]),pt(b[3],b[0]),pt(b[3],b[2]),
pt(b[1],b[2])].join(" ");$("win").setAttribute("points",w);if(f.g)$("ghost").setAttribute("points",w)}
if(f.x!==undefined){outline($("wx"),cell.i[f.x],"win");if(f.o>=0)outline($("ox"),cell.o[f.o],"win")}
(f.s||[]).forEach(function(s){var c=cell.i[s[0]].getAttribute("points").split(" ")[2].split(",");
mk("text",{x:(+c[0]-D.inset).toFixed(1),y:(+c[1]-D.inset).toFixed(1),"text-anchor":"end",
"dominant-baseline":"text-after-edge","class":"r"+D.roles[s[0]]+" s"},$("sub"),s[1].replace("-","−"))});
(f.l||[]).forEach(function(l){mk("line",{x1:l[0],y1:l[1],x2:l[2],y2:l[3]},$("ln"))});
var vis=shown[k];txt.o.forEach(function(e,i){if(e)e.classList.toggle("h",!vis.has(i))});arith(k);
if(!hover){$("slider").value=k;$("count").textContent="step "+(k+1)+" / "+N;
cell.o.forEach(function(e,i){if(i===f.o)e.setAttribute("aria-current","step");else e.removeAttribute("aria-current")})}}
function showFeeds(i){clear();var e=cell.i[i];$("hov").setAttribute("points",e.getAttribute("points"));
shade("i",i);var ks=feeds[i],outs=ks.map(function(k){return F[k].o});
outs.forEach(function(o){shade("o",o);outline($("ox"),cell.o[o],"fed")});
var role=D.roles[i],who=D["in"][i],verb=D.feeds;
if(zero(i))return note([who+": under "+ks.length+" window"+(ks.length===1?"":"s")+", adds nothing"]);
if(!ks.length)return note([who+": no output reads it"]);
var items=ks.map(function(k){var f=F[k],y=D.out[f.o].split(" = ")[0],a=f.a;if(!a)return y;
var t=a.t.filter(function(t){return t[0]===i})[0];return t&&t.length>3?y+" += "+t[1]+"·"+t[2]+" = "+t[3]:y});
note([who+" "+verb+" "+ks.length+" output"+(ks.length===1?"":"s")+": ",["span","feeds",items.join(", ")]])}
function rest(){if(pin!==null)showFeeds(pin);else show(step)}
function enter(t){var g=t.getAttribute("data-g"),i=+t.getAttribute("data-i");if(g==="o"){
var k=F.findIndex(function(f){return f.o===i});if(k>=0){show(k,true);
$("hov").setAttribute("points",t.getAttribute("points"))}}else showFeeds(i)}
function choose(t){var g=t.getAttribute("data-g"),i=+t.getAttribute("data-i");play(false);if(g==="o"){
var k=F.findIndex(function(f){return f.o===i});if(k>=0)go(k)}else{pin=pin===i?null:i;rest()}}"""

_JS_STACK = r"""var nodes=[],lines=[].slice.call(document.querySelectorAll("line.e"));
document.querySelectorAll("circle[data-g]").forEach(function(e){nodes[+e.getAttribute("data-i")]=e});
var par=nodes.map(function(){return[]}),chi=nodes.map(function(){return[]});
D.edges.forEach(function(e,k){par[e[1]].push([e[0],k]);chi[e[0]].push([e[1],k])});
var lit=[];function on(e,c){e.classList.add(c);lit.push([e,c])}
function clear(){lit.forEach(function(x){x[0].classList.remove(x[1])});lit=[];$("hov").setAttribute("r","0")}
function walk(i,adj,cls){var seen=new Set([i]),todo=[i];while(todo.length){var j=todo.pop();
adj[j].forEach(function(p){on(lines[p[1]],cls);if(!seen.has(p[0])){seen.add(p[0]);todo.push(p[0]);
on(nodes[p[0]],cls)}})}seen.delete(i);return Array.from(seen).sort(function(a,b){return a-b})}
function show(k,hover){clear();F[k].n.forEach(function(i){on(nodes[i],"on")});
F[k].e.forEach(function(i){on(lines[i],"on")});note([F[k].t]);
if(!hover){$("slider").value=k;$("count").textContent="step "+(k+1)+" / "+N}}
function list(ids){var n=ids.map(function(i){return D.names[i]});return n.length>4?n[0]+", "+n[1]+
" … "+n[n.length-1]:n.join(", ")}
function showNode(i){clear();var e=nodes[i];["cx","cy"].forEach(function(a){$("hov").setAttribute(a,
e.getAttribute(a))});$("hov").setAttribute("r",e.getAttribute("r"));on(e,"on");
var down=walk(i,par,"on"),up=walk(i,chi,"fd"),x=down.filter(function(j){return!par[j].length}),
y=up.filter(function(j){return!chi[j].length}),parts=[D.names[i]];
if(par[i].length)parts.push(" reads "+x.length+" input"+(x.length===1?"":"s")+" (",["span","reads",list(x)],")");
if(chi[i].length)parts.push((par[i].length?" and":"")+" feeds "+y.length+" output"+(y.length===1?"":"s")+" (",
["span","feeds",list(y)],")");note(parts)}
function rest(){if(pin!==null)showNode(pin);else show(step)}
function enter(t){showNode(+t.getAttribute("data-i"))}
function choose(t){var i=+t.getAttribute("data-i");play(false);pin=pin===i?null:i;rest()}"""

_JS_TAIL = r"""function go(k){pin=null;step=(k%N+N)%N;show(step)}
function play(on){if(timer){clearTimeout(timer);timer=null}var b=$("play");b.textContent=on?"❚❚ pause":"▶ play";
b.setAttribute("aria-pressed",on?"true":"false");
if(on){var tick=function(){timer=setTimeout(function(){go(step+1);tick()},D.dur[step])};tick()}}
$("prev").onclick=function(){play(false);go(step-1)};$("next").onclick=function(){play(false);go(step+1)};
$("play").onclick=function(){play(!timer)};$("slider").oninput=function(){play(false);go(+this.value)};
function target(e){var t=e.target;return t&&t.getAttribute&&t.getAttribute("data-g")?t:null}
var svg=document.querySelector("svg");
svg.addEventListener("mouseover",function(e){var t=target(e);if(t)enter(t)});
svg.addEventListener("mouseout",function(e){var t=target(e);if(t&&!(e.relatedTarget&&e.relatedTarget===t))rest()});
svg.addEventListener("focusin",function(e){var t=target(e);if(t)enter(t)});
svg.addEventListener("focusout",function(){rest()});
svg.addEventListener("click",function(e){var t=target(e);if(t)choose(t)});
var KEYS={ArrowRight:"right",ArrowLeft:"left",ArrowUp:"up",ArrowDown:"down",PageDown:"next",
PageUp:"prev",n:"next",p:"prev"," ":"next",Escape:"toggleOverview",o:"toggleOverview"};
document.addEventListener("keydown",function(e){if(e.ctrlKey||e.metaKey||e.altKey)return;
var k=e.key,t=target(e);if(k===","||k==="["){play(false);go(step-1)}else if(k==="."||k==="]"){
play(false);go(step+1)}else if(t&&(k==="Enter"||k===" ")){choose(t)}
else if(window.parent!==window&&KEYS[k]&&!(k===" "&&/^(BUTTON|INPUT)$/.test(e.target.tagName))){
window.parent.postMessage(JSON.stringify({method:KEYS[k],args:[]}),"*")}else return;e.preventDefault()});
window.addEventListener("message",function(e){if(e.data==="slide:stop")play(false)});
show(0)})();"""
