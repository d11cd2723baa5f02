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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from convanim.scenes.params import PACES, params_from_env, resolve
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

# The deck's palette (its formulas use #FF6B6B for ∂L/∂y and #4ECDC4 for the local derivative),
# darkened where a light slide needs it: projected text needs 4.5:1 against white, lines and
# stems 3:1 (tests/test_scenes.py computes every pair). The deck's own #FF6B6B is 2.8:1 and
# #4ECDC4 1.9:1 on white; these keep their hue.
INK = BLACK
RED = "#C8322F"
TEAL = "#1B8077"
BLUE = "#2F5E9E"
GOLD = "#95600A"
GREY = "#5B6168"
LIGHT = "#EEF1F4"
PAD = "#D9DDE2"
INSERTED = "#F3E2C7"
#: (text or graphic colour, what it is) for the contrast test: every colour drawn on the slide.
TEXT_COLOURS = {
    "ink": "#000000",
    "red": RED,
    "teal": TEAL,
    "blue": BLUE,
    "gold": GOLD,
    "grey": GREY,
}

FONT = "DejaVu Sans"
#: Font size of every number: DejaVu Sans digits 0.0105 units per point, so 29 pt digits are
#: 0.305 units, 41 px at 1080p (a back-row minimum of 40 px).
NUMBER_SIZE = 29.0


def fmt(value: float) -> str:
    """A number as the scenes print it: integers bare, otherwise three significant digits
    (rounded half up, as a student rounds), with a real minus sign.

    >>> fmt(3.0), fmt(-0.5), fmt(1 / 3), fmt(-0.0), fmt(-2.125), fmt(0.0625), fmt(12.75)
    ('3', '−0.5', '0.333', '0', '−2.13', '0.0625', '12.8')
    """
    v = float(value)
    if math.isinf(v):
        return "−∞" if v < 0 else "∞"
    if v.is_integer():
        text = str(int(v))
    else:
        d = Decimal(repr(v))
        exponent = d.adjusted() - 2  # the place of the third significant digit
        text = format(d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP), "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
    if text in ("0", "-0"):
        return "0"
    return text.replace("-", "−")


def products_text(taps: Iterable[Any]) -> str:
    """``w·x + w·x + …`` of a step's taps, negative numbers in parentheses.

    >>> from convanim.draw.trace import Tap
    >>> products_text([Tap((0,), (0,), "input", 2.0, (0,), -1.0, -2.0)])
    '(−1)·2'
    """

    def par(v: float) -> str:
        return f"({fmt(v)})" if fmt(v).startswith("−") else fmt(v)

    return " + ".join(f"{par(t.weight)}·{par(t.value)}" for t in taps if t.weight is not None)


def tex_num(value: float) -> str:
    """A number for MathTex (``-0.5`` keeps LaTeX's minus)."""
    return fmt(value).replace("−", "-")


@dataclass(frozen=True)
class Pacing:
    """How long each kind of beat lasts, in seconds: the speaking pace.

    At the normal pace a new idea is held 1.5 s, each product 0.8 s, each finished output
    1 s and the end 3 s; ``--pace slow|fast`` and ``--step-time`` scale every beat but the end,
    which stays at least 3 s so a looping video rests before it starts again.
    """

    scale: float = 1.0

    FLOORS = {"idea": 1.5, "product": 0.8, "output": 1.0, "move": 0.5, "end": 3.0}

    def __getitem__(self, kind: str) -> float:
        base = self.FLOORS[kind]
        return max(base, base * self.scale) if kind == "end" else base * self.scale


class ConvanimScene(Scene):
    """Base scene: resolves parameters, sets the deck's background, paces and marks steps.

    Every animation goes through :meth:`beat`, which holds it for its kind's duration (see
    :class:`Pacing`); :attr:`timeline` records each beat's kind and real duration and
    :attr:`marks` the times at which a clicker-stepped player pauses (after the title state,
    after each idea and each finished output).
    """

    def __init__(self, *args: Any, params: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        given = params if params is not None else params_from_env()
        self.p: dict[str, Any] = resolve(type(self).__name__, given)
        #: every number put on screen, as (what, value): the structural tests read this back
        #: together with the Text mobjects themselves.
        self.shown: list[tuple[str, float]] = []
        self.pace = Pacing(PACES[self.p["pace"]] * float(self.p["step_time"]))
        self.timeline: list[tuple[str, float]] = []
        self.marks: list[float] = []
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

    def _frames(self, seconds: float) -> int:
        """``seconds`` as whole frames, rounded up (a floor of 1.5 s stays one at 15 fps)."""
        return max(1, math.ceil(seconds * config.frame_rate - 1e-6))

    def play(self, *args: Any, **kwargs: Any) -> None:  # noqa: D102 - Scene.play, frame-exact
        # Whole frames, so that the scene's timeline, the video and the step marks agree.
        # Manim draws a play at the times arange(0, run_time, 1/fps): just under k frames
        # makes exactly k.
        if "run_time" in kwargs:  # (wait() passes its own duration inside Wait)
            kwargs["run_time"] = (self._frames(kwargs["run_time"]) - 0.01) / config.frame_rate
        super().play(*args, **kwargs)

    def wait(self, duration: float = 1.0, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        # A still frame is repeated int(duration · fps) times: just over k frames makes k.
        super().wait((self._frames(duration) + 0.01) / config.frame_rate, *args, **kwargs)

    def now(self) -> float:
        """The scene's clock: seconds of video so far."""
        return float(self.renderer.time)

    def mark(self) -> None:
        """A step boundary here (once per time)."""
        t = round(self.now() * config.frame_rate) / config.frame_rate
        if not self.marks or t > self.marks[-1]:
            self.marks.append(t)

    def beat(self, kind: str, *anims: Any, move: float | None = None, mark: bool = False) -> None:
        """Play ``anims`` and hold the result so the beat lasts its kind's time.

        The animation itself takes ``move`` seconds (default: the whole beat, at most the
        pace's ``move`` time for ideas and outputs, so that the new state is then held still
        while the lecturer speaks). ``idea`` and ``output`` beats end on a step mark.
        """
        fps = config.frame_rate
        total = self._frames(self.pace[kind])
        start = self.now()
        if anims:
            motion = self.pace[kind] if kind in ("product", "move") else self.pace["move"]
            motion = min(motion if move is None else move, self.pace[kind])
            self.play(*anims, run_time=motion)
        rest = total - round((self.now() - start) * fps)
        if rest > 0:
            self.wait(rest / fps)
        self.timeline.append((kind, round((self.now() - start) * fps) / fps))
        if mark or kind in ("idea", "output"):
            self.mark()

    def opening(self, *mobjects: Any) -> None:
        """The title state: on screen from the very first frame (never a blank one, which a
        looping video would flash), held for one idea."""
        self.add(*mobjects)
        self.beat("idea")

    def closing(self) -> None:
        """Hold the last state (at least 3 s) before a looping video starts again. Not a step
        of its own: a clicker-stepped player stops where the last idea or output was shown."""
        self.beat("end")

    # -- text -----------------------------------------------------------------------------
    def number(self, value: float, what: str = "", size: float = 24, color: Any = INK) -> Text:
        """A number on screen (recorded in ``self.shown``)."""
        self.shown.append((what, float(value)))
        return Text(fmt(value), font=FONT, font_size=size, color=color)


def caption(text: str, color: Any = GREY) -> Text:
    """The line along the bottom edge that names the parameters (numbers at the legible size,
    shrunk only if the line would not fit the frame's width)."""
    m = Text(text, font=FONT, font_size=NUMBER_SIZE, color=color)
    if m.width > 13.6:
        m.scale_to_fit_width(13.6)
    return m.to_edge(DOWN, buff=0.12)


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
    positions: Iterable[float], indices: Iterable[int], y: float, size: float = NUMBER_SIZE
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
    "NUMBER_SIZE",
    "ConvanimScene",
    "Pacing",
    "axis",
    "caption",
    "cell",
    "colored_math",
    "fmt",
    "index_labels",
    "label",
    "tex",
    "products_text",
    "stem_row",
    "tex_num",
]
