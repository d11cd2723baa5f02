"""Slide snippets for rendered assets: reveal.js, Markdown and plain HTML.

Templates are small text files in the ``convanim.templates`` package (the repository's top-level
``templates/`` folder), read through :mod:`importlib.resources`; a user can point at a folder of
their own, whose files override the built-in ones of the same name. Templates use
:class:`string.Template` placeholders (``${src}``). Every value substituted into a template is
HTML-escaped unless it is a :class:`Markup` fragment that this module built from escaped values
itself, so a caption such as ``"<script>alert(1)</script>"`` comes out as inert text.

>>> print(snippet("assets/images/deck/dilation.gif", EmbedOptions(fragment_index=2)))
<div class="fragment appear-vanish image-overlay" style="width: 45%; text-align: center;" data-fragment-index="2">
    <img src="assets/images/deck/dilation.gif" style="width: 100%;" alt="dilation">
</div>
>>> print(snippet("a.png", EmbedOptions(template="markdown", alt="A", caption='say "hi" <b>')))
![A](a.png)
<BLANKLINE>
*say &quot;hi&quot; &lt;b&gt;*
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

IMAGE_SUFFIXES = frozenset({".gif", ".png", ".jpg", ".jpeg", ".svg", ".webp"})
VIDEO_MIME = {".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime"}
#: Interactive figures (``convanim render … -o fig.html``): a page of their own, in an iframe.
INTERACTIVE_SUFFIXES = frozenset({".html"})

# template name -> the file used for an image and for a video asset
TEMPLATES: dict[str, dict[str, str]] = {
    "overlay": {"image": "reveal-overlay.html", "video": "reveal-overlay-video.html"},
    "video": {"video": "reveal-video.html"},
    # A video the clicker steps through (convanim.video writes the <video>.steps.js it loads).
    "steps": {"video": "reveal-steps.html"},
    "figure": {"image": "reveal-figure.html", "video": "reveal-video.html"},
    "markdown": {"image": "markdown-image.md", "video": "markdown-video.md"},
    "html": {"image": "html-image.html", "video": "html-video.html"},
    "inline": {"image": "reveal-inline.html"},  # a bare <img>: no wrapper inside a table cell
    "interactive": {"interactive": "reveal-interactive.html"},  # a live figure in an <iframe>
}
DEFAULT_TEMPLATE = {"image": "overlay", "video": "video", "interactive": "interactive"}
DEFAULT_WIDTH = {
    "overlay": "45%",
    "video": "70%",
    "steps": "70%",
    "figure": "100%",
    "markdown": "",
    "html": "100%",
    "inline": "100%",
    "interactive": "100%",
}
#: The iframe's height: the figure inside scales itself to fit it, controls included.
DEFAULT_HEIGHT = "520px"

_WIDTH = re.compile(r"^\d+(\.\d+)?(%|px|em|rem|vw|vh)?$")
_SAFE_URL = re.compile(r"^(https?://|mailto:|#|/|\.{0,2}[A-Za-z0-9_./-])", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Markup(str):
    """A fragment of markup this module built from escaped values: inserted without escaping."""


@dataclass(frozen=True)
class EmbedOptions:
    """How an asset is put on a slide. ``None`` means the template's default."""

    template: str | None = None  # a name in TEMPLATES or the path of a template file
    caption: str | None = None
    alt: str | None = None
    source: str | None = None  # URL of the original (rendered as "Source: <a href=…>")
    source_text: str | None = None  # link text, or a plain citation when there is no URL
    fragment_index: int | None = None
    width: str | None = None  # "45%", "800px", or a bare number of pixels
    height: str | None = None  # interactive figures: the iframe's height ("520px", "60vh")
    poster: str | None = None  # poster frame for a video
    template_dir: Path | None = None  # a folder whose files override the built-in templates


def asset_kind(path: str) -> str:
    """``"image"``, ``"video"`` or ``"interactive"`` from a file name.

    >>> asset_kind("x/FIRConvolution1D.mp4"), asset_kind("a.GIF"), asset_kind("fig.html")
    ('video', 'image', 'interactive')
    """
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in VIDEO_MIME:
        return "video"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in INTERACTIVE_SUFFIXES:
        return "interactive"
    raise ValueError(
        f"cannot embed {path!r}: not an image ({', '.join(sorted(IMAGE_SUFFIXES))}), "
        f"a video ({', '.join(sorted(VIDEO_MIME))}) or an interactive figure (.html)"
    )


def load_template(filename: str, template_dir: Path | None = None) -> str:
    """The text of a template file: from ``template_dir`` when it has one, else built in."""
    if template_dir is not None:
        own = Path(template_dir) / filename
        if own.is_file():
            return own.read_text(encoding="utf-8")
    resource = resources.files("convanim.templates").joinpath(filename)
    if not resource.is_file():
        raise ValueError(f"no template file {filename!r}")
    return resource.read_text(encoding="utf-8")


def fill(text: str, values: Mapping[str, str | Markup]) -> str:
    """Substitute ``values`` into a template, escaping every plain string.

    >>> fill("<p title='${t}'>${t}</p>", {"t": "<a b='c'>"})
    "<p title='&lt;a b=&#x27;c&#x27;&gt;'>&lt;a b=&#x27;c&#x27;&gt;</p>"
    >>> fill("${x}", {"x": Markup("<br>")})
    '<br>'
    """
    escaped = {
        k: v if isinstance(v, Markup) else html.escape(str(v), quote=True)
        for k, v in values.items()
    }
    try:
        return string.Template(text).substitute(escaped)
    except KeyError as exc:
        raise ValueError(
            f"template uses an unknown field {exc.args[0]!r}; known: {', '.join(sorted(values))}"
        ) from None
    except ValueError as exc:
        raise ValueError(f"malformed template: {exc}") from None


def _part(filename: str, values: Mapping[str, str | Markup], template_dir: Path | None) -> Markup:
    return Markup(fill(load_template(filename, template_dir).removesuffix("\n"), values))


def _width(value: str | None, default: str, what: str = "width") -> str:
    if value is None or value == "":
        return default
    value = str(value).strip()
    if not _WIDTH.match(value):
        raise ValueError(f"{what} {value!r} must look like 45%, 800px or 800")
    return value + "px" if value.replace(".", "").isdigit() else value


def normalise_url(value: str) -> str:
    """``value`` as a browser reads it: ASCII tabs and newlines anywhere, and leading or
    trailing control characters and spaces, removed (WHATWG URL parsing).

    >>> normalise_url(" java\\tscript:alert(1)\\n")
    'javascript:alert(1)'
    """
    return re.sub(r"[\t\n\r]", "", value).strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b"
        "\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
        "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )


def _url(value: str, what: str) -> str:
    """Refuse URLs that would run code when clicked (``javascript:``, ``data:``), judged on the
    URL the browser would see, and any control character (tabs hide a ``javascript:``)."""
    seen = normalise_url(value)
    if (
        _CONTROL.search(value)
        or not _SAFE_URL.match(seen)
        or re.match(r"^(javascript|data|vbscript):", seen, re.I)
    ):
        raise ValueError(f"{what} {value!r} must be an http(s) URL or a relative path")
    return value


def _text(value: str | None, what: str) -> str | None:
    """Refuse control characters (ESC, NUL …) in text that goes onto the slide."""
    if value is not None and _CONTROL.search(value.replace("\n", "")):
        raise ValueError(f"{what} contains a control character ({value[:40]!r})")
    return value


def _markdown_url(value: str) -> str:
    """Percent-encode what would end a Markdown link destination (spaces, parentheses).

    >>> _markdown_url("assets/a b (1).gif")
    'assets/a%20b%20%281%29.gif'
    """
    from urllib.parse import quote

    return quote(value, safe="/:.-_~#?&=%+,;@!$'*")


def _markdown_text(value: str) -> str:
    """Escape the characters that would end a Markdown link label or start emphasis."""
    return re.sub(r"([\\\[\]*_`])", r"\\\1", value)


def snippet(src: str, options: EmbedOptions = EmbedOptions()) -> str:  # noqa: B008 - frozen
    """The snippet that shows the asset at ``src`` (a URL relative to the slide) on a slide."""
    kind = asset_kind(src)
    _url(src, "asset path")
    for what in ("caption", "alt", "source_text"):
        _text(getattr(options, what), what)
    name = options.template or DEFAULT_TEMPLATE[kind]
    tdir = options.template_dir
    if name in TEMPLATES:
        if kind not in TEMPLATES[name]:
            raise ValueError(
                f"template {name!r} cannot show {'a' if kind == 'video' else 'an'} {kind}; "
                "use one of " + ", ".join(t for t in TEMPLATES if kind in TEMPLATES[t])
            )
        text = load_template(TEMPLATES[name][kind], tdir)
        flavour = name
    else:
        path = Path(name)
        if not path.is_file():
            raise ValueError(
                f"unknown template {name!r}: use one of {', '.join(TEMPLATES)} "
                "or the path of a template file"
            )
        text = path.read_text(encoding="utf-8")
        flavour = "markdown" if path.suffix == ".md" else "html"
    markdown = flavour == "markdown"

    stem = PurePosixPath(src).stem
    alt = options.alt if options.alt is not None else (options.caption or stem.replace("_", " "))
    caption = options.caption or ""
    width = _width(options.width, DEFAULT_WIDTH.get(flavour, "100%"))
    source_text = options.source_text or options.source or ""
    values: dict[str, str | Markup] = {
        "src": _markdown_url(src) if markdown else src,
        "alt": _markdown_text(alt) if markdown else alt,
        "caption": _markdown_text(caption) if markdown else caption,
        "width": width,
        "height": _width(options.height, DEFAULT_HEIGHT, "height"),
        "mime": VIDEO_MIME.get(PurePosixPath(src).suffix.lower(), ""),
        "source": (_markdown_url if markdown else str)(_url(options.source, "source"))
        if options.source
        else "",
        "source_text": _markdown_text(source_text) if markdown else source_text,
        "poster": _url(options.poster, "poster") if options.poster else "",
        "poster_or_src": _markdown_url(options.poster or src)
        if markdown
        else options.poster or src,
        "fragment_index": "" if options.fragment_index is None else str(options.fragment_index),
        "steps_src": str(PurePosixPath(src).with_suffix(".steps.js")),
    }
    if options.fragment_index is not None and int(options.fragment_index) < 0:
        raise ValueError("fragment index must be >= 0")
    fi = values["fragment_index"]
    values["fragment_attr"] = Markup(f' data-fragment-index="{html.escape(fi)}"' if fi else "")
    values["fragment_div_attr"] = Markup(
        f' class="fragment" data-fragment-index="{html.escape(fi)}"' if fi else ""
    )
    values["poster_attr"] = Markup(
        f' poster="{html.escape(values["poster"])}"' if values["poster"] else ""
    )
    prefix = "markdown" if markdown else "reveal"
    suffix = ".md" if markdown else ".html"
    values["caption_block"] = (
        _part(f"{prefix}-caption{suffix}", values, tdir) if caption else Markup("")
    )
    values["caption_line"] = values["caption_block"]
    values["figcaption"] = _part("figcaption.html", values, tdir) if caption else Markup("")
    if options.source:
        values["reference"] = _part(f"{prefix}-reference{suffix}", values, tdir)
    elif source_text:
        values["reference"] = _part(f"{prefix}-reference-text{suffix}", values, tdir)
    else:
        values["reference"] = Markup("")
    values["reference_line"] = values["reference"]
    return fill(text, values).removesuffix("\n")
