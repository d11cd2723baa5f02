"""The offline reveal.js page of a deck: reveal.js and KaTeX copied beside it, nothing remote.

reveal.js (its ``dist/`` and licence) and KaTeX come from, first found: ``$CONVANIM_REVEALJS``;
the copy shipped inside the installed package (``convanim/slides/vendor/``, put there from npm's
``node_modules`` when the wheel is built, see ``setup.py``); ``node_modules`` in the working
folder or a parent; ``node_modules`` beside the convanim source tree.
"""

from __future__ import annotations

import html
import os
import re
from importlib import resources
from pathlib import Path

from convanim._files import copy_atomic, write_atomic
from convanim.slides.deck import DeckError, front_matter, scan_lines
from convanim.slides.embed import Markup, load_template
from convanim.slides.embed import fill as fill_template
from convanim.slides.manifest import safe_target

REVEAL_FILES = (
    "reveal.js",
    "reveal.css",
    "reset.css",
    "plugin/markdown.js",
    "plugin/notes.js",
    "plugin/math.js",
)
KATEX_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")
_THEME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def vendor_dir() -> Path | None:
    """The copy of reveal.js and KaTeX shipped inside the installed package, if any."""
    try:
        root = Path(str(resources.files("convanim.slides").joinpath("vendor")))
    except (ModuleNotFoundError, TypeError):
        return None
    return root if (root / "reveal.js" / "dist" / "reveal.js").is_file() else None


def find_revealjs() -> Path:
    """The ``dist`` folder of reveal.js (see the module's docstring for where it is looked for)."""
    candidates = []
    if os.environ.get("CONVANIM_REVEALJS"):
        candidates.append(Path(os.environ["CONVANIM_REVEALJS"]))
    vendor = vendor_dir()
    if vendor is not None:
        candidates.append(vendor / "reveal.js")
    for base in [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[2]]:
        candidates.append(base / "node_modules" / "reveal.js")
    for candidate in candidates:
        dist = candidate / "dist" if (candidate / "dist").is_dir() else candidate
        if (dist / "reveal.js").is_file():
            return dist
    raise ValueError(
        "reveal.js not found: this convanim was installed without it; reinstall from a wheel "
        "built with node_modules present (see README, 'Offline pages'), run `npm install` in "
        "the checkout, or set CONVANIM_REVEALJS to node_modules/reveal.js"
    )


def find_katex(reveal_dist: Path) -> Path | None:
    """KaTeX's ``dist`` folder next to reveal.js (optional: formulas then stay TeX)."""
    candidate = reveal_dist.parent.parent / "katex" / "dist"
    return candidate if (candidate / "katex.min.js").is_file() else None


def _copy_if_changed(src: Path, dst: Path, dry_run: bool = False) -> bool:
    """Copy ``src`` over ``dst`` unless it is already there; returns whether it was (or would be)."""
    if dst.is_file() and not dst.is_symlink():
        s, d = src.stat(), dst.stat()
        if d.st_size == s.st_size and d.st_mtime_ns >= s.st_mtime_ns:
            return False
    if dry_run:
        return True
    copy_atomic(src, dst)
    return True


_REMOTE_IMPORT = re.compile(r"""@import\s+(url\()?\s*["']?(https?:)?//[^;]*;""", re.I)


def offline_css(css: str) -> str:
    """``css`` without ``@import`` of remote style sheets (several reveal.js themes load Google
    Fonts): the page must open offline and ask no CDN for anything.

    >>> offline_css('@import url(https://fonts.googleapis.com/css?family=Lato); b {}')
    '/* remote @import removed by convanim (offline page) */ b {}'
    """
    return _REMOTE_IMPORT.sub("/* remote @import removed by convanim (offline page) */", css)


def is_theme_file(theme: str) -> bool:
    """Whether ``theme`` names a style sheet of the deck (``lecture-theme.css``), not a
    reveal.js theme."""
    return theme.lower().endswith(".css")


def check_theme(theme: str) -> Path:
    """The ``dist`` folder of reveal.js, once ``theme`` is known to be one of its theme names
    or a ``.css`` file name (a name, never a path out: ``../x`` is refused before anything is
    read or written; the build confines a file to the deck's folder)."""
    dist = find_revealjs()
    if is_theme_file(theme):
        return dist
    themes = sorted(p.stem for p in (dist / "theme").glob("*.css"))
    if not _THEME.match(theme) or theme not in themes:
        raise ValueError(
            f"unknown reveal.js theme {theme!r}: use one of {', '.join(themes)} "
            "(your own styles go in css = [...] or --css)"
        )
    return dist


def copy_revealjs(out_dir: Path, theme: str, dry_run: bool = False) -> bool:
    """Copy the few reveal.js (and KaTeX) files the page loads into ``out_dir/reveal.js``.

    Files already there and up to date are skipped. Returns whether anything was copied (with
    ``dry_run``: would be; nothing is written).
    """
    dist = check_theme(theme)
    changed = False
    for name in REVEAL_FILES:
        dst = safe_target(out_dir, f"reveal.js/{name}")
        changed |= _copy_if_changed(dist / name, dst, dry_run)
    if not is_theme_file(theme):  # the deck's own theme is copied with its style sheets
        theme_css = offline_css((dist / f"theme/{theme}.css").read_text(encoding="utf-8"))
        theme_out = safe_target(out_dir, f"reveal.js/theme/{theme}.css")
        if not theme_out.is_file() or theme_out.read_text(encoding="utf-8") != theme_css:
            changed = True
            if not dry_run:
                write_atomic(theme_out, theme_css.encode("utf-8"))
    katex = find_katex(dist)
    if katex is None:
        return changed
    names = [*KATEX_FILES, *(f"fonts/{p.name}" for p in sorted((katex / "fonts").glob("*.woff2")))]
    for name in names:
        dst = safe_target(out_dir, f"reveal.js/katex/dist/{name}")
        changed |= _copy_if_changed(katex / name, dst, dry_run)
    return changed


# --------------------------------------------------------------------------- math

# Characters Markdown (marked, in reveal.js's markdown plugin) would read as syntax inside a
# formula: as numeric character references they reach the page as the same characters, which
# KaTeX then reads from the text, while Markdown sees nothing to interpret.
_MATH_CHARS = {c: f"&#{ord(c)};" for c in "\\_*`[]<>&~|^"}
_DISPLAY = re.compile(r"\$\$(.+?)\$\$")
_INLINE = re.compile(r"(?<![\\$])\$(?!\s)((?:\\.|[^$\\\n])+?)(?<![\s\\])\$(?!\$)")


def _shield(tex: str) -> str:
    return "".join(_MATH_CHARS.get(c, c) for c in tex)


def protect_math(markdown: str) -> str:
    """``markdown`` with its ``$…$`` and ``$$…$$`` formulas shielded from Markdown, outside
    code. The page shows exactly the TeX the author wrote, for KaTeX to typeset.

    >>> protect_math("a $x_1 * y_2$ b\\n$$\\n\\\\frac{a}{b} \\\\\\\\\\n$$\\n`$c_d$`\\n")
    'a $x&#95;1 &#42; y&#95;2$ b\\n$$\\n&#92;frac{a}{b} &#92;&#92;\\n$$\\n`$c_d$`\\n'
    """
    out = []
    display = False
    for line in scan_lines(markdown):
        text = line.text
        if line.code:
            out.append(text)
            continue
        if display:
            close = text.find("$$")
            if close == -1:
                out.append(_shield(text))
                continue
            text = _shield(text[:close]) + "$$" + _inline(text[close + 2 :], line)
            display = False
            out.append(text)
            continue
        text = _inline(text, line)
        # An opening $$ with no closing one on its line starts a display block.
        if text.count("$$") % 2 == 1 and line.is_content(text.rfind("$$")):
            display = True
        out.append(text)
    end = "\n" if markdown.endswith("\n") else ""
    return "\n".join(out) + end


def _inline(text: str, line) -> str:
    def display(m: re.Match) -> str:
        return m.group(0) if not line.is_content(m.start()) else f"$${_shield(m.group(1))}$$"

    def inline(m: re.Match) -> str:
        return m.group(0) if not line.is_content(m.start()) else f"${_shield(m.group(1))}$"

    text = _DISPLAY.sub(display, text) if "$$" in text else text
    # Inline spans between the display ones only (a lone $$ opener is left as it is).
    parts = re.split(r"(\$\$.*?\$\$|\$\$)", text)
    return "".join(p if p.startswith("$$") else _INLINE.sub(inline, p) for p in parts)


# --------------------------------------------------------------------------- the page


def page(
    markdown: str,
    title: str,
    theme: str,
    math: bool,
    css: list[str] | None = None,
    template_dir: Path | None = None,
) -> str:
    """The reveal.js page showing ``markdown`` (front matter left out, formulas protected)."""
    _, skip = front_matter(markdown)
    markdown = protect_math(markdown[skip:])
    links = "".join(f'\n    <link rel="stylesheet" href="{html.escape(c)}">' for c in css or [])
    # The Markdown goes into a <textarea>, whose content the browser decodes as text: escaping
    # it keeps a literal "</textarea>" in the deck from ending the element early.
    return fill_template(
        load_template("page.html", template_dir),
        {
            "title": title,
            "theme": theme,
            "theme_href": css_rel(Path(theme).name)
            if is_theme_file(theme)
            else f"reveal.js/theme/{theme}.css",
            "reveal": "reveal.js",
            "markdown": Markup(html.escape(markdown, quote=False)),
            "css_links": Markup(links),
            "math_script": Markup(
                '\n<script src="reveal.js/plugin/math.js"></script>' if math else ""
            ),
            "math_plugin": Markup(", RevealMath.KaTeX" if math else ""),
        },
    )


def deck_title(markdown: str, default: str) -> str:
    m = re.search(r"^#\s+(.+)$", markdown, re.M)
    return m.group(1).strip() if m else default


def css_rel(name: str) -> str:
    """Where a style sheet of the deck goes in the output folder."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.css", name):
        raise DeckError(f"css {name!r}: a style sheet's file name must end in .css")
    return f"css/{name}"
