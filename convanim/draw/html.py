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

The page around the picture (options, controls, keys, the script's two ends) is
:mod:`convanim.draw.html_page`'s, what the cells and steps say (names, arithmetic, the
description) :mod:`convanim.draw.html_cells`'s; a stack of 1-D convolutions (WaveNet's figure)
is :mod:`convanim.draw.html_stack`.

Nothing here computes a size or a value: the geometry (grid transforms, connector lines),
roles, cell texts and frames come from the plan; the arithmetic of each step (values, weights,
products, sums) from the engine's :class:`~convanim.draw.trace.Trace` the plan was built from.
Standard library only (no Pillow, no NumPy).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from convanim._files import write_atomic
from convanim.draw.html_cells import cell_names, describe, feeds_verb, fmt, step_data
from convanim.draw.html_page import HtmlOptions, Px, anchor, esc, labels_svg, num, page, page_css
from convanim.draw.labels import text_width
from convanim.draw.plan import GridView, Plan, Theme
from convanim.draw.trace import Trace

__all__ = ["HtmlOptions", "html_document", "render_html", "MAX_STEPS"]

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


def _fit(text: str, size: float, max_width: float) -> float:
    """A font size at which ``text`` (as drawn, with a real minus sign) fits ``max_width``
    pixels, by the plan's estimate of DejaVu Sans widths (:func:`~convanim.draw.labels.text_width`)."""
    width = text_width(text.replace("-", "−"), size)
    return size if width <= max_width else max(6.0, size * max_width / width)


def _grid_svg(
    grid: GridView,
    px: Px,
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
            attrs += f' tabindex="0" role="button" aria-label="{esc(names.get(i, role))}"'
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
            font = f' style="font-size:{num(size)}px"' if size != text_size * px.cell else ""
            texts.append(
                f'<text class="{cls}" data-g="{key}" data-i="{i}" x="{num(x)}" y="{num(y)}"{font}'
                f' text-anchor="middle" dominant-baseline="central">'
                f"{esc(text.replace('-', '−'))}</text>"
            )
    return "".join(cells), "".join(texts)


def _css(theme: Theme, opts: HtmlOptions, plan: Plan) -> str:
    """The grid figure's own rules: cells by role, shaded, window, connectors, subscripts."""
    t = theme
    cell = opts.cell_px
    line_w = num(max(1.0, cell / 30))
    thick_w = num(max(2.0, cell / 10))
    rules = [
        f"svg text{{font-size:{num(0.42 * cell if plan.look == 'flat' else 0.36 * cell)}px}}",
        f".c{{stroke:{t.line};stroke-width:{line_w};cursor:pointer;outline:none}}",
    ]
    for role, (dash, gap) in _DASH.items():
        rules.append(
            f".c.{_ROLE_CLASS[role]}{{stroke-dasharray:{num(dash * cell)} {num(gap * cell)}}}"
        )
    # Under the window every cell's edges are solid, as in the GIF (and conv_arithmetic, which
    # draws its shaded grid over the dashes).
    rules.append("polygon.c.s{stroke-dasharray:none}")
    for role, cls in _ROLE_CLASS.items():
        rules.append(
            f"polygon.{cls}{{fill:{t.fill(role)}}}polygon.{cls}.s{{fill:{t.shaded(role)}}}"
            f"text.{cls}{{fill:{t.cell_ink(role)}}}text.{cls}.s{{fill:{t.cell_ink(role, True)}}}"
        )
    rules += [
        ".h{visibility:hidden}",
        f"#win{{fill:none;stroke:{t.line};stroke-width:{thick_w};stroke-linejoin:miter}}",
        f"#ghost{{fill:none;stroke:{t.line};stroke-width:{num(max(1.5, cell / 20))};"
        f"stroke-dasharray:{num(cell / 6)}"
        f" {num(cell / 8)};opacity:.8}}",
        f"#hov{{fill:none;stroke:{t.subscript};stroke-width:{thick_w}}}",
        f".win{{fill:none;stroke:{t.winner};stroke-width:{thick_w}}}",
        f".fed{{fill:none;stroke:{t.subscript};stroke-width:{line_w};stroke-dasharray:none}}",
        f"#ln line{{stroke:{t.connector};stroke-width:{line_w}}}",
        f"#sub text{{font-size:{num(0.3 * cell)}px}}",
    ]
    return "".join(rules)


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


def _frames(plan: Plan, trace: Trace | None, px: Px) -> list[dict]:
    """The script's steps, from the plan's frames: output cell, window cells and box, the
    winner, subscripts, connector lines, outputs that appear or vanish, and the arithmetic
    (the trace's, else the frame's note)."""
    g_in, g_out = plan.grid("input"), plan.grid("output")
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
            item["l"] = [[num(v) for a, b in [line] for v in (*px(a), *px(b))] for line in fr.lines]
        shown = frozenset(r * g_out.cols + c for r, c in fr.shown_outputs)
        if k == 0 or shown != previous:
            item["v"] = [sorted(shown - previous), sorted(previous - shown)]
        previous = shown
        if trace is not None:
            item["a"] = step_data(plan.op, trace.steps[k], g_in.cols)
        elif fr.note:
            item["n"] = fr.note
        frames.append(item)
    return frames


def _picture(plan: Plan, px: Px, in_names: dict[int, str], out_names: dict[int, str]) -> str:
    """The SVG body: labels, legend and kernel (decoration), the named input and output cells
    with their texts, and the empty layers the script fills (window, subscripts, lines)."""
    g_in, g_out = plan.grid("input"), plan.grid("output")
    first_hidden = set(range(g_out.rows * g_out.cols)) - {
        r * g_out.cols + c for r, c in plan.frames[0].shown_outputs
    }
    subscripted = any(f.subscripts for f in plan.frames)
    num_size = 0.42 if plan.look == "flat" else 0.36
    num_at = (0.4, 0.42) if subscripted else (0.5, 0.5)
    in_cells, in_texts = _grid_svg(g_in, px, "i", in_names, num_size, num_at, set())
    out_cells, out_texts = _grid_svg(g_out, px, "o", out_names, num_size, (0.5, 0.5), first_hidden)
    static = [labels_svg(plan.labels, px)]
    s = plan.legend_size
    for role, text, (x, y), at in plan.legend_items():
        pts = px.points([(x, y), (x + s, y), (x + s, y + s), (x, y + s)])
        ax, ay = px(at)
        static.append(
            f'<polygon class="c {_ROLE_CLASS[role]}" style="cursor:default" points="{pts}"/>'
            f'<text class="lg" x="{num(ax)}" y="{num(ay)}" style="font-size:{num(s * px.cell)}px"'
            f"{anchor(('left', 'middle'))}>{esc(text)}</text>"
        )
    if plan.has_grid("kernel"):
        g_k = plan.grid("kernel")
        k_cells, k_texts = _grid_svg(g_k, px, "k", {}, 0.42, (0.5, 0.5), set(), False)
        static.append(f'<g aria-hidden="true">{k_cells}{k_texts}</g>')
    return (
        f'<g aria-hidden="true">{"".join(static)}</g>'
        f'<g id="gi" aria-label="input">{in_cells}</g><g aria-hidden="true">{in_texts}</g>'
        '<polygon id="win" points=""/><g id="wx"></g><g id="sub" aria-hidden="true"></g>'
        '<g id="ln"></g>'
        f'<g id="go" aria-label="output">{out_cells}</g><g aria-hidden="true">{out_texts}</g>'
        '<g id="ox"></g><polygon id="ghost" points=""/><polygon id="hov" points=""/>'
    )


def html_document(plan: Plan, opts: HtmlOptions | None = None, trace: Trace | None = None) -> str:
    """The page: inline SVG, CSS, data and script. ``trace`` (the one ``plan`` was built from)
    supplies the arithmetic written out on hover; without it the plan's own notes are used."""
    opts = opts or HtmlOptions()
    px = Px(opts)
    size = plan.pixel_size(opts.cell_px, opts.margin_px)
    g_in, g_out = plan.grid("input"), plan.grid("output")
    if trace is not None and len(trace.steps) != len(plan.frames):
        raise ValueError("the trace and the plan disagree on the number of steps")
    in_names, out_names = cell_names(plan, trace)
    data = {
        "op": plan.op,
        # power-average pooling's p, written as the numbers are (2, not 2.0)
        "norm": fmt([float(plan.params.get("norm_type") or 0)])[0],
        "feeds": feeds_verb(plan.op),
        "dur": plan.durations,
        "f": _frames(plan, trace, px),
        "gi": px.affine(g_in),
        "in": [in_names[i] for i in range(g_in.rows * g_in.cols)],
        "out": [out_names[i] for i in range(g_out.rows * g_out.cols)],
        "roles": "".join(_ROLE_CLASS[r][1] for r in g_in.roles),
        # Subscripts sit inside the window's thick outline (the GIF's inset).
        "inset": round(max(2.0, opts.cell_px / 10) + 1.5, 2),
    }
    theme = opts.colours
    return page(
        f"convanim: {plan.name}",
        describe(plan, trace),
        size,
        page_css(theme, opts, size) + _css(theme, opts, plan),
        _picture(plan, px, in_names, out_names),
        data,
        _JS_GRID,
    )


def render_html(
    plan: Plan, path: Path, opts: HtmlOptions | None = None, trace: Trace | None = None
) -> Path:
    """Write :func:`html_document` to ``path`` atomically; returns ``path``."""
    path = Path(path)
    write_atomic(path, html_document(plan, opts, trace).encode("utf-8"))
    return path


# The grid figure's part of the page's script (between html_page.JS_HEAD and JS_TAIL).
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
