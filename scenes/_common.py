"""What every convanim scene shares: parameters, the deck's look, numbers, formulas, stems.

Scenes are light-themed like the deck (white slides, black mathematics, the deck's accent
colours ``#FF6B6B`` and ``#4ECDC4``). Numbers are Pango ``Text`` (fast, no LaTeX per number);
formulas are ``MathTex`` so they look like the slides' KaTeX/LaTeX.

Parameters reach a scene three ways, in this order: the ``params`` argument (the renderer
subprocess and the tests), the environment variable ``CONVANIM_SCENE_PARAMS`` (JSON text or a
JSON file's path, for plain ``manim scenes/fir.py FIRConvolution1D``), or the defaults. They are
always resolved by :func:`convanim.video.resolve_params`, so a scene sees exactly what the CLI
validated.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from manim import (
    BLACK,
    DOWN,
    LEFT,
    RIGHT,
    UP,
    WHITE,
    Dot,
    Line,
    MathTex,
    Rectangle,
    Scene,
    Text,
    VGroup,
    config,
)

from convanim.video import PARAMS_ENV, resolve_params

# The deck's palette (its formulas use #FF6B6B for ∂L/∂y and #4ECDC4 for the local derivative).
INK = BLACK
RED = "#FF6B6B"
TEAL = "#4ECDC4"
BLUE = "#3B6FB6"
GOLD = "#E8A33D"
GREY = "#9AA0A6"
LIGHT = "#EEF1F4"
PAD = "#D9DDE2"
INSERTED = "#F3E2C7"

FONT = "DejaVu Sans"


def params_from_env() -> dict[str, Any]:
    """The parameters in ``$CONVANIM_SCENE_PARAMS`` (JSON text or a JSON file), else ``{}``."""
    raw = os.environ.get(PARAMS_ENV, "").strip()
    if not raw:
        return {}
    text = raw if raw.startswith("{") else Path(raw).read_text()
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{PARAMS_ENV} must hold a JSON object")
    return data


def fmt(value: float) -> str:
    """A number as the scenes print it: integers bare, otherwise up to two decimals.

    >>> fmt(3.0), fmt(-0.5), fmt(1 / 3), fmt(-0.0)
    ('3', '−0.5', '0.33', '0')
    """
    v = float(value)
    if math.isinf(v):
        return "−∞" if v < 0 else "∞"
    r = round(v, 2)
    if r == 0:
        return "0"
    text = f"{r:.0f}" if r.is_integer() else f"{r:.2f}".rstrip("0")
    return text.replace("-", "−")


def products_text(taps: Iterable[Any]) -> str:
    """``w·x + w·x + …`` of a step's taps, negative numbers in parentheses.

    >>> from convanim.draw.trace import Tap
    >>> products_text([Tap((0,), (0,), "input", 2.0, (0,), -1.0, -2.0)])
    '(−1)·2'
    """

    def par(v: float) -> str:
        return f"({fmt(v)})" if round(v, 2) < 0 else fmt(v)

    return " + ".join(f"{par(t.weight)}·{par(t.value)}" for t in taps if t.weight is not None)


def tex_num(value: float) -> str:
    """A number for MathTex (``-0.5`` keeps LaTeX's minus)."""
    return fmt(value).replace("−", "-")


class ConvanimScene(Scene):
    """Base scene: resolves parameters, sets the deck's background, counts steps."""

    def __init__(self, *args: Any, params: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        given = params if params is not None else params_from_env()
        self.p: dict[str, Any] = resolve_params(type(self).__name__, given)
        #: every number put on screen, as (what, value): the structural tests read this back
        #: together with the Text mobjects themselves.
        self.shown: list[tuple[str, float]] = []
        if not config.transparent:
            self.camera.background_color = WHITE
        # Manim's animation cache hashes every mobject on every play, which costs more than
        # drawing these generated scenes (even fully cached). `convanim render` turns it off;
        # this does the same for plain `manim scenes/fir.py FIRConvolution1D`.
        config.disable_caching = True

    # -- pacing ---------------------------------------------------------------------------
    def step_count(self, total: int) -> int:
        """How many steps to animate: all, or the first ``max_steps``."""
        limit = int(self.p.get("max_steps", 0) or 0)
        return min(total, limit) if limit else total

    @property
    def t(self) -> float:
        return float(self.p.get("step_time", 0.8))

    # -- text -----------------------------------------------------------------------------
    def number(self, value: float, what: str = "", size: float = 24, color: Any = INK) -> Text:
        """A number on screen (recorded in ``self.shown``)."""
        self.shown.append((what, float(value)))
        return Text(fmt(value), font=FONT, font_size=size, color=color)


def label(text: str, size: float = 22, color: Any = INK) -> Text:
    return Text(text, font=FONT, font_size=size, color=color)


def tex(*parts: str, size: float = 40, color: Any = INK, **kwargs: Any) -> MathTex:
    """A formula typeset by LaTeX, in the deck's ink colour."""
    return MathTex(*parts, font_size=size, color=color, **kwargs)


def colored_math(parts: Sequence[str], colors: dict[int, Any], size: float = 40) -> MathTex:
    """A formula whose parts ``colors[i]`` get their own colour (the current index, etc.)."""
    m = tex(*parts, size=size)
    for i, c in colors.items():
        m[i].set_color(c)
    return m


# -- grids -----------------------------------------------------------------------------------


def cell(
    side: float, fill: Any = WHITE, stroke: Any = INK, opacity: float = 1.0, width: float = 2
) -> Rectangle:
    return Rectangle(
        width=side,
        height=side,
        fill_color=fill,
        fill_opacity=opacity,
        stroke_color=stroke,
        stroke_width=width,
    )


# -- stems -----------------------------------------------------------------------------------


def stem_row(
    scene: ConvanimScene,
    values: Sequence[float],
    positions: Sequence[float],
    baseline: float,
    amplitude: float,
    scale: float,
    color: Any,
    what: str,
    size: float = 22,
) -> VGroup:
    """Stems ``values`` at x ``positions`` on ``baseline``; each is VGroup(line, dot, number)."""
    stems = VGroup()
    for v, x in zip(values, positions, strict=True):
        h = amplitude * (float(v) / scale if scale else 0.0)
        base = np.array([x, baseline, 0.0])
        tip = base + UP * h
        line = Line(base, tip, color=color, stroke_width=4) if abs(h) > 1e-6 else VGroup()
        dot = Dot(tip, radius=0.07, color=color)
        num = scene.number(v, what, size=size, color=INK)
        num.next_to(dot, UP if h >= 0 else DOWN, buff=0.08)
        stems.add(VGroup(line, dot, num))
    return stems


def axis(left: float, right: float, baseline: float, color: Any = GREY) -> Line:
    return Line(np.array([left, baseline, 0]), np.array([right, baseline, 0]), color=color)


def index_labels(
    positions: Iterable[float], indices: Iterable[int], y: float, size: float = 16
) -> VGroup:
    return VGroup(
        *(
            Text(str(i), font=FONT, font_size=size, color=GREY).move_to(np.array([x, y, 0]))
            for x, i in zip(positions, indices, strict=True)
        )
    )


__all__ = [
    "BLUE",
    "DOWN",
    "GOLD",
    "GREY",
    "INK",
    "INSERTED",
    "LEFT",
    "LIGHT",
    "PAD",
    "RED",
    "RIGHT",
    "TEAL",
    "UP",
    "ConvanimScene",
    "axis",
    "cell",
    "colored_math",
    "fmt",
    "index_labels",
    "label",
    "tex",
    "params_from_env",
    "products_text",
    "stem_row",
    "tex_num",
]
