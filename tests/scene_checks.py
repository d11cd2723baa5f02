"""Checks of a Manim scene run under ``dry_run`` (no frames, no video), shared by the scene
tests (tests/test_scenes*.py): import them with ``from scene_checks import dry, …``.

- :func:`dry` runs a scene and checks the screen after every ``play``: :func:`layout_problems`
  (off frame, overlaps, outlines cutting texts), with ``legible=True`` :func:`small_numbers`
  (digits under 40 px at 1080p), and always :func:`foreign_colours` (a colour drawn that is not
  the scene palette's, so would not follow ``--theme``/``--ink``) and :func:`veiled_texts` (a
  text drawn under a translucent shade, its ink blended; ``veils=False`` skips it).
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
    "crowded_numbers",
    "dry",
    "foreign_colours",
    "veiled_texts",
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


def _glyphs_and_outlines(scene) -> tuple[list, list, list]:
    """(glyphs, their text, outlines): every visible glyph of every Text and MathTex on screen
    (a formula's delimiters, fraction bars and brackets included: their own boxes, not the
    formula's), the text each belongs to, and the outlines drawn (window boxes, markers)."""
    glyphs, owners, outlines = [], [], []
    for top in scene.mobjects:
        skip: set[int] = set()
        for m in top.get_family():
            if id(m) in skip:
                continue
            if isinstance(m, Text | SingleStringMathTex):
                skip.update(id(s) for s in m.get_family())
                for g in m.family_members_with_points():
                    if g.get_fill_opacity() > 0 and (g.width > 0 or g.height > 0):
                        glyphs.append(g)
                        owners.append(m)
            elif (
                isinstance(m, Polygon | RoundedRectangle)
                and m.get_stroke_width() >= 1.5
                and m.get_stroke_opacity() > 0
            ):
                outlines.append(m)
    return glyphs, owners, outlines


def layout_problems(scene) -> list[str]:
    """What a viewer would see as broken on screen right now: text beyond the frame's edge,
    two texts on top of each other, or a text cut by an outline (a window box, a marker)
    instead of lying wholly inside or outside it. Measured glyph by glyph, so that a
    formula's tall brackets or a wide fraction bar count where they are drawn, and a label
    in the empty corner of a formula's box does not."""
    glyphs, owners, outlines = _glyphs_and_outlines(scene)
    if not glyphs:
        return []
    tb = np.array([_box(m) for m in glyphs])
    owner = np.array([id(m) for m in owners])
    tol = 0.02
    w, h = config.frame_width / 2 - tol, config.frame_height / 2 - tol
    out: list[str] = []
    off = (tb[:, 0] < -w) | (tb[:, 2] > w) | (tb[:, 1] < -h) | (tb[:, 3] > h)
    for i in np.nonzero(off)[0]:
        text = f"off screen: {_name(owners[i])!r}"
        if text not in out:
            out.append(text)
    # Overlap of glyphs of two different texts, as a share of the smaller glyph's area (a
    # rule or a bar is a thin box: it counts by its length, at least half a stroke thick).
    x0, y0, x1, y1 = tb.T
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = 0.015
    x0, x1 = np.minimum(x0, cx - half), np.maximum(x1, cx + half)
    y0, y1 = np.minimum(y0, cy - half), np.maximum(y1, cy + half)
    ow = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
    oh = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    area = (x1 - x0) * (y1 - y0)
    share = np.clip(ow, 0, None) * np.clip(oh, 0, None) / np.minimum.outer(area, area)
    clash = np.triu(share > 0.1, 1) & (owner[:, None] != owner[None, :])
    pairs = []
    for i, j in zip(*np.nonzero(clash), strict=True):
        a, b = owners[i], owners[j]
        if _name(a) == _name(b) and np.allclose(a.get_center(), b.get_center(), atol=0.01):
            continue  # a copy drawn over its original (a number over the window's shade)
        pair = f"overlap: {_name(owners[i])!r} / {_name(owners[j])!r}"
        if pair not in pairs:
            pairs.append(pair)
    out.extend(pairs)
    for o in outlines:
        ox0, oy0, ox1, oy1 = _box(o)
        inside = (
            (tb[:, 0] >= ox0 - tol)
            & (tb[:, 2] <= ox1 + tol)
            & (tb[:, 1] >= oy0 - tol)
            & (tb[:, 3] <= oy1 + tol)
        )
        touch = (np.minimum(tb[:, 2], ox1) - np.maximum(tb[:, 0], ox0) > tol) & (
            np.minimum(tb[:, 3], oy1) - np.maximum(tb[:, 1], oy0) > tol
        )
        for i in np.nonzero(touch & ~inside)[0]:
            text = f"cut by an outline: {_name(owners[i])!r}"
            if text not in out:
                out.append(text)
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


def crowded_numbers(scene, gap: float) -> list[str]:
    """Pairs of numbers (Texts with a digit) closer than ``gap`` units, one above the other
    (their spans across overlapping): legal for the overlap test, yet read as one blob from
    the back of the hall (a negative tap's value sitting on its product)."""
    texts = []
    for top in scene.mobjects:
        for m in top.get_family():
            if isinstance(m, Text) and any(ch.isdigit() for ch in m.text):
                if m.get_fill_opacity() > 0 and not getattr(m, "is_subscript", False):
                    texts.append(m)
    out = []
    for i, a in enumerate(texts):
        ax0, ay0, ax1, ay1 = _box(a)
        for b in texts[i + 1 :]:
            bx0, by0, bx1, by1 = _box(b)
            if min(ax1, bx1) - max(ax0, bx0) <= 0:
                continue
            apart = max(by0 - ay1, ay0 - by1)
            if apart < gap:
                pair = f"crowded: {a.text!r} / {b.text!r} ({apart:.2f} apart)"
                if pair not in out:
                    out.append(pair)
    return out


def veiled_texts(scene) -> list[str]:
    """Texts drawn under a translucent fill (a window's shade) and not hidden by a copy drawn
    over it: their ink is blended with the shade, so the contrast computed for ink on the
    shaded cell does not hold. A fill marked ``unread`` (MultiChannelConv's veil over the
    channels a group does not read) is meant to quieten what it covers and is let be.
    Drawing order is the camera's (z-index, then the order mobjects were added)."""
    from manim.utils.family import extract_mobject_family_members

    owner = {}
    for top in scene.mobjects:
        for m in top.get_family():
            if isinstance(m, Text | SingleStringMathTex):
                owner.update({id(g): m for g in m.get_family()})
    order = extract_mobject_family_members(
        scene.mobjects, use_z_index=True, only_those_with_points=True
    )

    def where(text) -> tuple:  # a text and its place: a copy drawn over it hides it
        return (_name(text), *np.round(text.get_center()[:2], 2))

    out, veils, above = [], [], set()
    for m in reversed(order):  # from the top of the drawing down
        if isinstance(m, Polygon) and 0 < m.get_fill_opacity() < 1:
            if not getattr(m, "unread", False):  # a veil over what is not to be read now
                veils.append(_box(m))
        elif id(m) in owner and m.get_fill_opacity() > 0:
            x, y = m.get_center()[:2]
            veiled = any(x0 < x < x1 and y0 < y < y1 for x0, y0, x1, y1 in veils)
            if not veiled:
                above.add(where(owner[id(m)]))
            elif where(owner[id(m)]) not in above:
                text = f"under a shade: {_name(owner[id(m)])!r}"
                if text not in out:
                    out.append(text)
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


def dry(
    media,
    name: str,
    legible: bool = False,
    transparent: bool = False,
    spacing: float | None = None,
    veils: bool = True,
    **params,
):
    """Run scene ``name`` under ``dry_run`` and return it; the layout and the colours are
    checked after every ``play`` (the state each animation ends in is what stays on screen),
    with ``legible`` the size of every number too, with ``spacing`` the room between numbers
    (:func:`crowded_numbers`), unless ``veils=False`` that no text is under a translucent
    shade (:func:`veiled_texts`). ``transparent`` renders as for a webm with alpha (the palette
    follows)."""
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
            found += veiled_texts(scene) if veils else []
            found += small_numbers(scene) if legible else []
            found += crowded_numbers(scene, spacing) if spacing is not None else []
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
    """Each of ``strings`` is on screen (as many times as listed; ``−`` and ``-`` alike, spaces
    ignored: Manim's ``Text.text`` drops them)."""

    def same(text: str) -> str:
        return text.replace("−", "-").replace(" ", "")

    need = collections.Counter(same(s) for s in strings)
    have: collections.Counter = collections.Counter()
    for k, v in texts_on_screen(scene).items():
        have[same(k)] += v
    missing = need - have
    assert not missing, f"not on screen: {dict(missing)}"


def shown(scene, what: str) -> list[float]:
    """The values the scene recorded as shown under ``what`` (``scene.shown``), in order."""
    return [v for w, v in scene.shown if w == what]
