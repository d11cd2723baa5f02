"""The network figure as an SVG document, written by hand (no dependency): the same coordinates
and colours the PNG is drawn from."""

from __future__ import annotations

from collections.abc import Sequence

from convanim.draw.network_figure import (
    NetworkFigure,
    Window,
    _faces_with_colours,
    _line_colour,
    _text_colour,
)
from convanim.draw.themes import THEMES


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _f(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def svg_text(fig: NetworkFigure, transparent: bool = False, extra: Sequence[Window] = ()) -> str:
    """The figure as an SVG document (vector; the same coordinates the PNG is drawn from)."""
    t = THEMES[fig.theme]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{fig.width}" height="{fig.height}" '
        f'viewBox="0 0 {fig.width} {fig.height}">',
    ]
    if not transparent:
        out.append(f'<rect width="{fig.width}" height="{fig.height}" fill="{t.background}"/>')
    stroke = max(1.0, fig.unit / 9)
    out.append(f'<g stroke="{t.line}" stroke-width="{_f(stroke)}" stroke-linejoin="round">')
    for poly, fill in _faces_with_colours(fig, extra):
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in poly)
        out.append(f'<polygon points="{pts}" fill="{fill}"/>')
    out.append("</g>")
    out.append(f'<g stroke-width="{_f(stroke)}" stroke-linecap="round">')
    for ln in fig.lines:
        out.append(
            f'<line x1="{_f(ln.a[0])}" y1="{_f(ln.a[1])}" x2="{_f(ln.b[0])}" y2="{_f(ln.b[1])}" '
            f'stroke="{_line_colour(t, ln.role)}"/>'
        )
    out.append("</g>")
    out.append('<g font-family="DejaVu Sans, Verdana, sans-serif">')
    for lb in fig.labels:
        out.append(
            f'<text x="{_f(lb.at[0])}" y="{_f(lb.at[1])}" font-size="{_f(lb.size)}" '
            f'text-anchor="{lb.anchor}" fill="{_text_colour(t, lb.role)}">{_esc(lb.text)}</text>'
        )
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
