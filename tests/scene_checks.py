"""Checks of a Manim scene run under ``dry_run`` (no frames, no video), shared by the scene
tests (tests/test_scenes*.py): import them with ``from scene_checks import dry, …``.

- :func:`dry` runs a scene and checks the screen after every ``play``: :func:`layout_problems`
  (off frame, overlaps, outlines cutting texts), with ``legible=True`` :func:`small_numbers`
  (digits under 40 px at 1080p), and always :func:`foreign_colours` (a colour drawn that is not
  the scene palette's, so would not follow ``--theme``/``--ink``).
- :func:`texts_on_screen`, :func:`assert_on_screen`, :func:`shown` read the result back.
- :data:`PALETTE_CASES`: the (theme, ink, transparent) choices every scene must draw legibly.

The ``media`` fixture (a folder for Manim's files) is in tests/conftest.py.
"""

from __future__ import annotations

import collections
import importlib

import numpy as np
import pytest

pytest.importorskip("manim")

from manim import (  # noqa: E402
    Polygon,
    RoundedRectangle,
    SingleStringMathTex,
    Text,
    config,
    tempconfig,
)

from convanim import video  # noqa: E402

__all__ = [
    "MIN_TEXT_SIZE",
    "MIN_TEX_SIZE",
    "PALETTE_CASES",
    "assert_on_screen",
    "dry",
    "foreign_colours",
    "layout_problems",
    "shown",
    "small_numbers",
    "texts_on_screen",
]

#: (theme, ink, transparent): the light and the dark slide, and a transparent export (drawn for
#: a dark slide by default).
PALETTE_CASES = [("light", "auto", False), ("dark", "auto", False), ("light", "auto", True)]


def _name(m) -> str:
    return getattr(m, "text", None) or getattr(m, "tex_string", "?")


def _box(m) -> list[float]:
    return [m.get_left()[0], m.get_bottom()[1], m.get_right()[0], m.get_top()[1]]


def _texts_and_outlines(scene) -> tuple[list, list]:
    texts, outlines = [], []
    for top in scene.mobjects:
        skip: set[int] = set()
        for m in top.get_family():
            if id(m) in skip:
                continue
            if isinstance(m, Text | SingleStringMathTex):
                skip.update(id(s) for s in m.get_family())
                if m.get_fill_opacity() > 0 and m.width > 0:
                    texts.append(m)
            elif (
                isinstance(m, Polygon | RoundedRectangle)
                and m.get_stroke_width() >= 1.5
                and m.get_stroke_opacity() > 0
            ):
                outlines.append(m)
    return texts, outlines


def layout_problems(scene) -> list[str]:
    """What a viewer would see as broken on screen right now: text beyond the frame's edge,
    two texts on top of each other, or a text cut by an outline (a window box, a marker)
    instead of lying wholly inside or outside it."""
    texts, outlines = _texts_and_outlines(scene)
    if not texts:
        return []
    tb = np.array([_box(m) for m in texts])
    tol = 0.02
    w, h = config.frame_width / 2 - tol, config.frame_height / 2 - tol
    out = [
        f"off screen: {_name(m)!r}"
        for m, (x0, y0, x1, y1) in zip(texts, tb, strict=True)
        if x0 < -w or x1 > w or y0 < -h or y1 > h
    ]
    # Overlap of every pair of texts, as a share of the smaller one's area.
    ow = np.minimum(tb[:, None, 2], tb[None, :, 2]) - np.maximum(tb[:, None, 0], tb[None, :, 0])
    oh = np.minimum(tb[:, None, 3], tb[None, :, 3]) - np.maximum(tb[:, None, 1], tb[None, :, 1])
    area = (tb[:, 2] - tb[:, 0]) * (tb[:, 3] - tb[:, 1])
    share = np.clip(ow, 0, None) * np.clip(oh, 0, None) / np.minimum.outer(area, area)
    for i, j in zip(*np.nonzero(np.triu(share > 0.1, 1)), strict=True):
        out.append(f"overlap: {_name(texts[i])!r} / {_name(texts[j])!r}")
    for o in outlines:
        x0, y0, x1, y1 = _box(o)
        inside = (
            (tb[:, 0] >= x0 - tol)
            & (tb[:, 2] <= x1 + tol)
            & (tb[:, 1] >= y0 - tol)
            & (tb[:, 3] <= y1 + tol)
        )
        touch = (np.minimum(tb[:, 2], x1) - np.maximum(tb[:, 0], x0) > tol) & (
            np.minimum(tb[:, 3], y1) - np.maximum(tb[:, 1], y0) > tol
        )
        out.extend(
            f"cut by an outline: {_name(texts[i])!r}" for i in np.nonzero(touch & ~inside)[0]
        )
    return out


#: At 1080p a scene unit is 135 px: 40 px digits need Text font size 28.2 (DejaVu Sans digits
#: are 0.0105 units per point) and MathTex 41.5 (0.00714 units per point).
MIN_TEXT_SIZE, MIN_TEX_SIZE = 28.2, 41.5


def small_numbers(scene) -> list[str]:
    """Texts with a digit in them whose digits would be under 40 px tall at 1080p."""
    out = []
    for top in scene.mobjects:
        skip: set[int] = set()
        for m in top.get_family():
            if id(m) in skip or not isinstance(m, Text | SingleStringMathTex):
                continue
            # (a MathTex has no fill of its own: its glyphs do)
            if max(sub.get_fill_opacity() for sub in m.family_members_with_points()) == 0:
                continue
            if getattr(m, "is_subscript", False):  # the kernel's weights again, in corners
                continue
            if isinstance(m, Text) and any(ch.isdigit() for ch in m.text):
                skip.update(id(s) for s in m.get_family())
                if m.font_size < MIN_TEXT_SIZE - 0.05:
                    out.append(f"{m.text!r} at {m.font_size:.1f} pt")
            elif isinstance(m, SingleStringMathTex):
                skip.update(id(s) for s in m.get_family())
                if any(ch.isdigit() for ch in m.tex_string) and m.font_size < MIN_TEX_SIZE - 0.05:
                    out.append(f"tex {m.tex_string[:40]!r} at {m.font_size:.1f} pt")
    return out


def foreign_colours(scene) -> list[str]:
    """Colours on screen that are not the scene palette's (``scene.palette.colours()``): a
    literal colour, which would stay the same whatever ``--theme`` and ``--ink`` say."""
    allowed = scene.palette.colours()
    out = []
    for top in scene.mobjects:
        for m in top.family_members_with_points():
            used = []
            if m.get_fill_opacity() > 0:
                used.append(m.get_fill_color().to_hex().lower())
            if m.get_stroke_width() > 0 and m.get_stroke_opacity() > 0:
                used.append(m.get_stroke_color().to_hex().lower())
            out.extend(
                f"colour {c} on {type(m).__name__} {_name(m)!r}" for c in used if c not in allowed
            )
    return out


def dry(media, name: str, legible: bool = False, transparent: bool = False, **params):
    """Run scene ``name`` under ``dry_run`` and return it; the layout and the colours are
    checked after every ``play`` (the state each animation ends in is what stays on screen),
    and with ``legible`` the size of every number too. ``transparent`` renders as for a webm
    with alpha (the palette follows)."""
    module = importlib.import_module(f"convanim.scenes.{video.SCENE_MODULES[name]}")
    cfg = {
        "dry_run": True,
        "media_dir": str(media),
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
        "pixel_width": 854,
        "pixel_height": 480,
        "frame_rate": 15,
        "transparent": transparent,
    }
    problems: list[str] = []
    with tempconfig(cfg):
        scene = getattr(module, name)(params=params)
        play = scene.play

        def checked_play(*args, **kwargs):
            play(*args, **kwargs)
            found = layout_problems(scene) + foreign_colours(scene)
            found += small_numbers(scene) if legible else []
            problems.extend(p for p in found if p not in problems)

        scene.play = checked_play
        scene.render()
    assert not problems, f"{name} {params}: " + "; ".join(problems[:8])
    return scene


def texts_on_screen(scene) -> collections.Counter:
    """Every visible ``Text`` string on screen at the end of the scene."""
    found = collections.Counter()
    for top in scene.mobjects:
        for m in top.get_family():
            if isinstance(m, Text) and m.get_fill_opacity() > 0:
                found[m.text] += 1
    return found


def assert_on_screen(scene, strings) -> None:
    """Each of ``strings`` is on screen (as many times as listed; ``−`` and ``-`` alike)."""
    shown_now = texts_on_screen(scene)
    need = collections.Counter(s.replace("−", "-") for s in strings)
    have = collections.Counter({k.replace("−", "-"): v for k, v in shown_now.items()})
    missing = need - have
    assert not missing, f"not on screen: {dict(missing)}"


def shown(scene, what: str) -> list[float]:
    """The values the scene recorded as shown under ``what`` (``scene.shown``), in order."""
    return [v for w, v in scene.shown if w == what]
