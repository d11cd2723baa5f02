"""A stack of 1-D convolutions (WaveNet's figure) as one interactive page: step through the
receptive field of the plan's target growing layer by layer; hover (focus, tap) any node to light
what it reads, down to the input, and every node it feeds, up to the output.

The page around it (controls, keys, the deck's ``postMessage`` forwarding) is
:mod:`convanim.draw.html_page`'s, shared with the grid figures of :mod:`convanim.draw.html`.
Nothing here computes a position: nodes, edges, frames and labels come from the
:class:`~convanim.draw.plan.StackPlan`. Standard library only.
"""

from __future__ import annotations

from pathlib import Path

from convanim._files import write_atomic
from convanim.draw.html_page import HtmlOptions, Px, labels_svg, num, page, page_css
from convanim.draw.plan import StackPlan, blend

__all__ = ["stack_document", "render_stack_html"]


def _node_name(layer: int, t: int, top: int) -> str:
    """``x[t]`` on the input row, ``y[t]`` on the output row, ``h1[t]`` … in between."""
    return f"x[{t}]" if layer == 0 else f"y[{t}]" if layer == top else f"h{layer}[{t}]"


def _nodes(plan: StackPlan) -> tuple[list[tuple[int, int]], dict[tuple[int, int], int], list[str]]:
    """The nodes in reading order (output row first), their indices and names."""
    keys = sorted(plan.positions, key=lambda k: (-k[0], k[1]))
    top = plan.target[0]
    return keys, {k: i for i, k in enumerate(keys)}, [_node_name(a, b, top) for a, b in keys]


def _frames(plan: StackPlan) -> list[dict]:
    """The script's steps: the lit nodes and edges, and what the receptive field has reached."""
    _, index, names = _nodes(plan)
    top, target = plan.target[0], names[index[plan.target]]
    edge_index = {e: k for k, e in enumerate(plan.edges)}
    frames = []
    for frame in plan.frames:
        bottom = min(layer for layer, _ in frame.nodes)
        row = sorted(step for layer, step in frame.nodes if layer == bottom)
        text = (
            f"{target} depends on {len(row)} node{'' if len(row) == 1 else 's'} of "
            f"{'the input' if bottom == 0 else 'layer ' + str(bottom)}: "
            f"{_node_name(bottom, row[0], top)} … {_node_name(bottom, row[-1], top)}"
            if bottom < top
            else f"{target}: step to grow its receptive field, layer by layer"
        )
        frames.append(
            {
                "n": sorted(index[k] for k in frame.nodes),
                "e": sorted(edge_index[e] for e in frame.edges),
                "t": text,
            }
        )
    return frames


def _graph_svg(plan: StackPlan, px: Px) -> str:
    """Labels, the edges (faint until lit) and the focusable, named nodes."""
    keys, index, names = _nodes(plan)
    parts = []
    for a, b in plan.edges:
        (x1, y1), (x2, y2) = px(plan.positions[a]), px(plan.positions[b])
        parts.append(
            f'<line class="e" x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}"/>'
        )
    edges_svg = "".join(parts)
    r = plan.radius * px.cell
    parts = []
    for i, key in enumerate(keys):
        x, y = px(plan.positions[key])
        role = "o" if key[0] == plan.target[0] else "i"
        parts.append(
            f'<circle class="n {role}" data-g="n" data-i="{i}" tabindex="0" role="button" '
            f'aria-label="{names[i]}" cx="{num(x)}" cy="{num(y)}" r="{num(r)}"/>'
        )
    return (
        f'<g aria-hidden="true">{labels_svg(plan.labels, px)}</g><g id="edges">{edges_svg}</g>'
        f'<g aria-label="nodes">{"".join(parts)}</g><circle id="hov" r="0" cx="0" cy="0"/>'
    )


def stack_document(plan: StackPlan, opts: HtmlOptions | None = None) -> str:
    """A stack of causal convolutions as an interactive graph: step through the receptive field
    of the plan's target growing layer by layer; hover (focus, tap) any node to light what it
    reads (its receptive field, down to the input) and every node it feeds (up to the output)."""
    opts = opts or HtmlOptions()
    t = opts.colours
    size = plan.pixel_size(opts.cell_px, opts.margin_px)
    keys, index, names = _nodes(plan)
    line_w = num(max(2.0, opts.cell_px / 12))
    faint = blend(t.background, t.muted, 0.3)
    css = page_css(t, opts, size) + "".join(
        [
            f".e{{stroke:{faint};stroke-width:1}}.e.on{{stroke:{t.line};stroke-width:{line_w}}}",
            f".e.fd{{stroke:{t.subscript};stroke-width:{line_w}}}",
            f".n{{fill:{t.background};stroke:{t.line};stroke-width:1;cursor:pointer;outline:none}}",
            f".n.i.on{{fill:{t.input}}}.n.o.on{{fill:{t.output}}}.n.fd{{fill:{t.subscript}}}",
            f"#hov{{fill:none;stroke:{t.subscript};stroke-width:{line_w}}}",
        ]
    )
    desc = (
        f"{plan.target[0]} stacked causal convolutions (kernel 2) over "
        f"{sum(1 for k in keys if k[0] == 0)} time steps; the steps grow the receptive field of "
        f"{names[index[plan.target]]} one layer at a time. Hover, focus or tap a node to see "
        "what it reads and what it feeds. Keys: comma and period (or [ and ]) step back and "
        "forward."
    )
    edges = [(index[a], index[b]) for a, b in plan.edges]
    data = {"f": _frames(plan), "dur": plan.durations, "names": names, "edges": edges}
    body = _graph_svg(plan, Px(opts))
    return page(f"convanim: {plan.name}", desc, size, css, body, data, _JS_STACK)


def render_stack_html(plan: StackPlan, path: Path, opts: HtmlOptions | None = None) -> Path:
    """Write :func:`stack_document` to ``path`` atomically; returns ``path``."""
    path = Path(path)
    write_atomic(path, stack_document(plan, opts).encode("utf-8"))
    return path


# The stack figure's part of the page's script (between html_page.JS_HEAD and JS_TAIL).
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
