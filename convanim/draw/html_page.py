"""What every interactive page shares: its options, plan units to pixels, the page around the
picture (style, step controls, the ``aria-live`` arithmetic line), the labels, and the two ends of
its script (the data and helpers; the step controls, keys and pointer events).

A figure module (:mod:`convanim.draw.html` for a grid figure, :mod:`convanim.draw.html_stack` for
a stack of 1-D convolutions) draws its SVG body and the middle of the script, which defines
``show``, ``rest``, ``enter`` and ``choose``; :func:`page` puts the document together. The script
is plain ES2017, no library; every number it shows was formatted in Python.
Standard library only (no Pillow, no NumPy).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

from convanim.draw.labels import Label
from convanim.draw.plan import GridView
from convanim.draw.themes import PictureOptions, Theme

__all__ = [
    "HtmlOptions",
    "Px",
    "num",
    "esc",
    "anchor",
    "labels_svg",
    "page_css",
    "page",
    "JS_HEAD",
    "JS_TAIL",
]


@dataclass(frozen=True)
class HtmlOptions(PictureOptions):
    """Pixel-level choices, the GIF's (:class:`~convanim.draw.themes.PictureOptions`): the
    same defaults, so ``-o x.html`` and ``-o x.gif`` draw a figure of the same size."""


def num(v: float) -> str:
    """A coordinate, short: two decimals at most, no trailing zeros."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def esc(text: str) -> str:
    """Text for an attribute or an element (quotes escaped too)."""
    return html.escape(text, quote=True)


class Px:
    """Plan units to page pixels (the GIF's mapping: margin plus units times the cell size)."""

    def __init__(self, opts: HtmlOptions) -> None:
        self.cell = opts.cell_px
        self.margin = opts.margin_px

    def __call__(self, p: tuple[float, float]) -> tuple[float, float]:
        return (self.margin + p[0] * self.cell, self.margin + p[1] * self.cell)

    def points(self, pts: Sequence[tuple[float, float]]) -> str:
        return " ".join(f"{num(x)},{num(y)}" for x, y in (self(p) for p in pts))

    def affine(self, grid: GridView) -> list[float]:
        """The grid's corner map in pixels, for the script's window outline."""
        ax, bx, tx, ay, by, ty = grid.transform
        c, m = self.cell, self.margin
        return [round(v, 3) for v in (ax * c, bx * c, tx * c + m, ay * c, by * c, ty * c + m)]


def anchor(where: tuple[str, str]) -> str:
    """SVG text-anchor and baseline attributes for a plan's ``(horizontal, vertical)`` anchor."""
    h = {"left": "start", "centre": "middle", "center": "middle", "right": "end"}[where[0]]
    v = {"top": "text-before-edge", "middle": "central", "bottom": "text-after-edge"}.get(
        where[1], "auto"
    )
    return f' text-anchor="{h}" dominant-baseline="{v}"'


def labels_svg(labels: Sequence[Label], px: Px) -> str:
    """The plan's labels (map names, caption, legend texts) as SVG texts, at the plan's sizes."""
    parts = []
    for label in labels:
        cls = {"caption": "cap", "legend": "lg"}.get(label.role, "lb")
        x, y = px(label.at)
        parts.append(
            f'<text class="{cls}" x="{num(x)}" y="{num(y)}" style="font-size:{num(label.size * px.cell)}px"'
            f"{anchor(label.anchor)}>{esc(label.text)}</text>"
        )
    return "".join(parts)


def page_css(t: Theme, opts: HtmlOptions, size: tuple[int, int]) -> str:
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


def page(
    title: str, desc: str, size: tuple[int, int], css: str, body: str, data: dict, js: str
) -> str:
    """The document: the SVG (titled and described), the controls, the data and the script."""
    w, h = size
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
        f' role="group" aria-labelledby="ttl dsc">'
        f'<title id="ttl">{esc(title)}</title><desc id="dsc">{esc(desc)}</desc>{body}</svg>'
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
        f"<title>{esc(title)}</title><style>{css}</style></head>"
        f'<body><figure id="fig">{svg}{controls}</figure>'
        f'<script type="application/json" id="data">{payload}</script>'
        f"<script>{chr(10).join((JS_HEAD, js, JS_TAIL))}</script></body></html>\n"
    )


# The script's two ends; a figure's own part (between them) defines show(k, hover), rest(),
# enter(target) and choose(target) over the data block ``D``.
JS_HEAD = r"""(function(){"use strict";
var D=JSON.parse(document.getElementById("data").textContent),F=D.f,N=F.length;
var $=function(id){return document.getElementById(id)},NS="http://www.w3.org/2000/svg";
if(window.self!==window.top)document.documentElement.classList.add("fit");
var step=0,timer=null,pin=null;
function mk(tag,a,parent,text){var e=document.createElementNS(NS,tag);for(var k in a)
e.setAttribute(k,a[k]);if(text!==undefined)e.textContent=text;parent.appendChild(e);return e}
function note(parts){var p=$("note");p.textContent="";parts.forEach(function(x){
if(typeof x==="string")p.appendChild(document.createTextNode(x));else{var e=document.createElement(x[0]);
e.className=x[1];e.textContent=x[2];p.appendChild(e)}})}"""

JS_TAIL = r"""function go(k){pin=null;step=(k%N+N)%N;show(step)}
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
