"""What every convanim scene shares: parameters, the deck's look, numbers, formulas, stems.

Scenes draw every colour through a :class:`Palette` (``scene.palette``), chosen by the common
parameters ``--theme light|dark`` (the slide: the deck's white one, or the dark Solarized one of
the GIFs' dark theme) and ``--ink auto|light|dark`` (the GIFs' choices): ``light`` ink is drawn for
a dark slide, ``dark`` ink for a light one, and ``auto`` follows the theme, except that a
transparent video (webm/mov with alpha, to lay over a slide) gets light ink, readable on the dark
slides such exports are made for. Numbers are Pango ``Text`` (fast, no LaTeX per number);
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
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import manim
import numpy as np
from convanim.scenes.params import PACES, THEME_NAMES, params_from_env, resolve
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Dot,
    Group,
    Line,
    ManimColor,
    MathTex,
    Mobject,
    Scene,
    Text,
    VGroup,
    VMobject,
    config,
)

from convanim.draw.themes import INKS, VIDEO_THEMES, Theme


@dataclass(frozen=True)
class Palette:
    """Every colour a scene draws, by role, for one kind of slide (``background``).

    ``cells`` is the step plan's :class:`~convanim.draw.themes.Theme` the grids are drawn with
    (:class:`convanim.scenes._grid.PlanView`). tests/test_scenes.py computes the contrast of
    every pair: text 4.5:1 against the slide and every cell fill it sits on, graphics 3:1.
    """

    name: str
    background: str  # the slide
    ink: str  # text, formulas
    red: str  # the current output y, results
    teal: str  # the kernel h / w
    blue: str  # the input x
    gold: str  # products
    grey: str  # axes, indices, captions
    light: str  # a quiet fill behind the kernel's taps
    cells: Theme

    def text_colours(self) -> dict[str, str]:
        """(name → colour) of every colour a text can have on the slide."""
        return {k: getattr(self, k) for k in ("ink", "red", "teal", "blue", "gold", "grey")}

    def colours(self) -> set[str]:
        """Every colour this palette can put on screen (lower-case ``#rrggbb``), cell fills
        and their shaded versions included: the dry-run tests find any colour drawn outside
        it (a literal colour that would not follow the theme)."""
        t = self.cells
        roles = ("input", "output", "padding", "inserted", "output_padding", "dropped", "kernel")
        found = {self.background, self.light, *self.text_colours().values()}
        found |= {t.fill(r) for r in roles} | {t.shaded(r) for r in roles}
        found |= {t.background, t.line, t.text, t.shade, t.connector, t.winner}
        found |= {t.subscript, t.muted, t.mark}
        return {c.lower() for c in found}


#: The deck's palette (its formulas use #FF6B6B for ∂L/∂y and #4ECDC4 for the local
#: derivative). On the white slide they are darkened to 4.5:1 (the deck's own #FF6B6B is 2.8:1
#: and #4ECDC4 1.9:1 on white), keeping their hue; the dark slide takes them as they are. Every
#: role's colour on (the white slide, the dark slide), side by side; the grids' cells are drawn
#: in :data:`convanim.draw.themes.VIDEO_THEMES` (the GIF themes' fills made legible projected).
_ROLES: dict[str, tuple[str, str]] = {
    "background": ("#ffffff", VIDEO_THEMES["dark"].background),
    "ink": ("#000000", VIDEO_THEMES["dark"].text),
    "red": ("#c8322f", "#ff6b6b"),
    "teal": ("#1b8077", "#4ecdc4"),
    "blue": ("#2f5e9e", "#6ca6e8"),
    "gold": ("#95600a", "#e0b95b"),
    "grey": ("#5b6168", "#93a1a1"),
    "light": ("#eef1f4", "#0b3c48"),
}

PALETTES: dict[str, Palette] = {
    name: Palette(
        name=name, cells=VIDEO_THEMES[name], **{role: pair[i] for role, pair in _ROLES.items()}
    )
    for i, name in enumerate(("light", "dark"))
}
assert tuple(PALETTES) == THEME_NAMES  # (the parameters' choices, declared without Manim)


def palette_for(theme: str = "light", ink: str = "auto", transparent: bool = False) -> Palette:
    """The palette a scene draws with: ``ink`` picks what is drawn (``light``: the dark
    slide's palette, ``dark``: the light slide's; ``auto``: the theme's own, but light for a
    transparent video, made to be laid over a dark slide), ``theme`` the slide behind it.

    >>> palette_for("dark").ink, palette_for("light", "auto", transparent=True).ink
    ('#fdf6e3', '#fdf6e3')
    >>> palette_for("light", "dark", transparent=True).background
    '#ffffff'
    """
    if theme not in PALETTES:
        raise ValueError(f"unknown theme {theme!r}; choose one of {', '.join(PALETTES)}")
    if ink not in INKS:
        raise ValueError(f"unknown ink {ink!r}; choose one of {', '.join(INKS)}")
    if ink == "auto":
        ink = "light" if transparent else ("light" if theme == "dark" else "dark")
    drawn = PALETTES["dark" if ink == "light" else "light"]
    if transparent or drawn.name == theme:
        return drawn
    # Ink chosen against the theme: its colours, on the theme's slide.
    return replace(drawn, name=f"{theme}-{ink}", background=PALETTES[theme].background)


#: The light palette's colours under their old names, for scenes not yet drawn through
#: ``scene.palette`` (they stay light-themed until they are).
LIGHT_PALETTE = PALETTES["light"]
INK = LIGHT_PALETTE.ink
RED = LIGHT_PALETTE.red
TEAL = LIGHT_PALETTE.teal
BLUE = LIGHT_PALETTE.blue
GOLD = LIGHT_PALETTE.gold
GREY = LIGHT_PALETTE.grey
LIGHT = LIGHT_PALETTE.light
WHITE = LIGHT_PALETTE.background

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


# -- fades ----------------------------------------------------------------------------------

_RGBAS = ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas")


class _OpacityFade(Animation):
    """A fade that only scales the opacities of the mobject's own parts.

    Manim's ``FadeIn``/``FadeOut`` are ``Transform``s: each makes three deep copies of the
    mobject (its faded start, its target and the target's copy) and interpolates every point
    between two equal sets. A copy of a ``Text`` costs about 0.5 ms per glyph (each glyph keeps
    its parsed SVG path), so cross-fading a window's numbers and a sum of products every step
    cost Conv2D 9 of its 22 CPU s at 480p15. Here nothing is copied: the parts' colour arrays
    are kept at ``begin`` and their alpha channel scaled by the rate function. Every frame is
    what Manim's fade draws (its start is the mobject faded by ``fade(1)``, i.e. the same
    colours at opacity 0, and its interpolation is linear in the colours), and a faded-out
    mobject is left at its full opacity, off the scene, as Manim's is.
    """

    def __init__(self, *mobjects: Mobject, fade_in: bool, **kwargs: Any) -> None:
        mobject = mobjects[0] if len(mobjects) == 1 else Group(*mobjects)
        super().__init__(mobject, introducer=fade_in, remover=not fade_in, **kwargs)
        self.fade_in = fade_in
        self.parts: list[tuple[VMobject, list[np.ndarray]]] = []

    def begin(self) -> None:  # noqa: D102 - Animation.begin
        self.parts = [
            (m, [getattr(m, name).copy() for name in _RGBAS])
            for m in self.mobject.family_members_with_points()
        ]
        super().begin()

    def create_starting_mobject(self) -> Mobject:  # noqa: D102 - nothing to copy
        return Mobject()

    def alpha_at(self, alphas: np.ndarray, t: float) -> np.ndarray:
        """A part's alphas at ``t`` (0 to 1) of the animation, from their values at its start."""
        return alphas * (t if self.fade_in else 1.0 - t)

    def interpolate_mobject(self, alpha: float) -> None:  # noqa: D102
        count = len(self.parts)
        for i, (m, originals) in enumerate(self.parts):
            t = self.get_sub_alpha(alpha, i, count)
            for name, rgbas in zip(_RGBAS, originals, strict=True):
                now = rgbas.copy()
                now[:, 3] = self.alpha_at(rgbas[:, 3], t)
                setattr(m, name, now)

    def clean_up_from_scene(self, scene: Scene) -> None:  # noqa: D102
        super().clean_up_from_scene(scene)
        if not self.fade_in:  # off the scene, at full opacity again (as Manim's FadeOut)
            for m, originals in self.parts:
                for name, rgbas in zip(_RGBAS, originals, strict=True):
                    setattr(m, name, rgbas)


class _OpacityTo(_OpacityFade):
    """``mobject.animate.set_opacity(opacity)`` without its copies: each part's alphas (fill,
    stroke, background stroke) go from their values to ``opacity`` as Manim's ``Transform``
    takes them, ``(1 − t)·a + t·opacity``; nothing enters or leaves the scene."""

    def __init__(self, mobject: Mobject, opacity: float, **kwargs: Any) -> None:
        Animation.__init__(self, mobject, **kwargs)
        self.fade_in = True  # (not a remover: clean_up_from_scene leaves it as it is)
        self.opacity = opacity
        self.parts = []

    def alpha_at(self, alphas: np.ndarray, t: float) -> np.ndarray:  # noqa: D102
        return (1 - t) * alphas + t * self.opacity


def opacity_to(mobject: Mobject, opacity: float, **kwargs: Any) -> Animation:
    """Animate ``mobject``'s opacity to ``opacity`` (Manim's ``.animate.set_opacity``, drawn the
    same, without copying the mobject: see :class:`_OpacityFade`)."""
    return _OpacityTo(mobject, opacity, **kwargs)


def _plain(mobjects: Sequence[Mobject], kwargs: dict[str, Any]) -> bool:
    """Whether a fade of ``mobjects`` is one :class:`_OpacityFade` draws the same: no shift,
    scale or target position, and only vectorized parts."""
    if {"shift", "scale", "target_position"} & set(kwargs):
        return False
    return all(
        isinstance(m, VMobject) for top in mobjects for m in top.family_members_with_points()
    )


def FadeIn(*mobjects: Mobject, **kwargs: Any) -> Animation:  # noqa: N802 - Manim's name
    """Manim's ``FadeIn``, drawn without copying the mobject (see :class:`_OpacityFade`) when
    it neither moves nor scales."""
    if _plain(mobjects, kwargs):
        return _OpacityFade(*mobjects, fade_in=True, **kwargs)
    return manim.FadeIn(*mobjects, **kwargs)


def FadeOut(*mobjects: Mobject, **kwargs: Any) -> Animation:  # noqa: N802 - Manim's name
    """Manim's ``FadeOut``, drawn without copying the mobject (see :class:`_OpacityFade`)
    when it neither moves nor scales."""
    if _plain(mobjects, kwargs):
        return _OpacityFade(*mobjects, fade_in=False, **kwargs)
    return manim.FadeOut(*mobjects, **kwargs)


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
        #: every line of text written under the grids, in order (the structural tests read it)
        self.notes: list[str] = []
        self.pace = Pacing(PACES[self.p["pace"]] * float(self.p["step_time"]))
        self.timeline: list[tuple[str, float]] = []
        self.marks: list[float] = []
        #: every colour this scene draws (see :func:`palette_for`)
        self.palette: Palette = palette_for(
            self.p["theme"], self.p["ink"], bool(config.transparent)
        )
        if not config.transparent:
            self.camera.background_color = ManimColor(self.palette.background)
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
    def number(self, value: float, what: str = "", size: float = 24, color: Any = None) -> Text:
        """A number on screen (recorded in ``self.shown``), in the palette's ink by default."""
        self.shown.append((what, float(value)))
        return Text(fmt(value), font=FONT, font_size=size, color=color or self.palette.ink)


# The helpers below take the scene's palette (``palette=scene.palette``); the light one when a
# scene does not pass it yet.


def caption(text: str, color: Any = None, palette: Palette = LIGHT_PALETTE) -> Text:
    """The line along the bottom edge that names the parameters (numbers at the legible size,
    shrunk only if the line would not fit the frame's width), grey by default."""
    m = Text(text, font=FONT, font_size=NUMBER_SIZE, color=color or palette.grey)
    if m.width > 13.6:
        m.scale_to_fit_width(13.6)
    return m.to_edge(DOWN, buff=0.12)


def label(text: str, size: float = 22, color: Any = None, palette: Palette = LIGHT_PALETTE) -> Text:
    """A word on screen, in the palette's ink by default."""
    return Text(text, font=FONT, font_size=size, color=color or palette.ink)


def tex(
    *parts: str,
    size: float = 40,
    color: Any = None,
    palette: Palette = LIGHT_PALETTE,
    **kwargs: Any,
) -> MathTex:
    """A formula typeset by LaTeX, in the palette's ink by default."""
    return MathTex(*parts, font_size=size, color=color or palette.ink, **kwargs)


def colored_math(
    parts: Sequence[str],
    colors: dict[int, Any],
    size: float = 40,
    palette: Palette = LIGHT_PALETTE,
) -> MathTex:
    """A formula whose parts ``colors[i]`` get their own colour (the current index, etc.)."""
    m = tex(*parts, size=size, palette=palette)
    for i, c in colors.items():
        m[i].set_color(c)
    return m


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
    """Stems ``values`` at x ``positions`` on ``baseline``; each is VGroup(line, dot, number),
    the number in the scene's ink."""
    stems = VGroup()
    for v, x in zip(values, positions, strict=True):
        h = amplitude * (float(v) / scale if scale else 0.0)
        base = np.array([x, baseline, 0.0])
        tip = base + UP * h
        line = Line(base, tip, color=color, stroke_width=4) if abs(h) > 1e-6 else VGroup()
        dot = Dot(tip, radius=0.07, color=color)
        num = scene.number(v, what, size=size)
        num.next_to(dot, UP if h >= 0 else DOWN, buff=0.08)
        stems.add(VGroup(line, dot, num))
    return stems


def axis(
    left: float, right: float, baseline: float, color: Any = None, palette: Palette = LIGHT_PALETTE
) -> Line:
    """A horizontal axis, grey by default."""
    return Line(
        np.array([left, baseline, 0]), np.array([right, baseline, 0]), color=color or palette.grey
    )


def index_labels(
    positions: Iterable[float],
    indices: Iterable[int],
    y: float,
    size: float = NUMBER_SIZE,
    palette: Palette = LIGHT_PALETTE,
) -> VGroup:
    """The indices ``0 1 2 …`` under an axis, grey."""
    return VGroup(
        *(
            Text(str(i), font=FONT, font_size=size, color=palette.grey).move_to(np.array([x, y, 0]))
            for x, i in zip(positions, indices, strict=True)
        )
    )


__all__ = [
    "BLUE",
    "DOWN",
    "GOLD",
    "GREY",
    "INK",
    "LEFT",
    "LIGHT",
    "RED",
    "RIGHT",
    "TEAL",
    "UP",
    "NUMBER_SIZE",
    "LIGHT_PALETTE",
    "PALETTES",
    "Palette",
    "WHITE",
    "palette_for",
    "ConvanimScene",
    "FadeIn",
    "FadeOut",
    "Pacing",
    "axis",
    "caption",
    "colored_math",
    "fmt",
    "index_labels",
    "opacity_to",
    "label",
    "tex",
    "products_text",
    "stem_row",
    "tex_num",
]
