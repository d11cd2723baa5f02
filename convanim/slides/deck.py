"""Reading a reveal.js Markdown deck: its placeholders, its hand-written references, its slides.

A deck line such as::

    {{CONVANIM:padding_strides_odd_transposed fragment_index=0 source="https://…"}}

names a catalogue animation, a Manim scene or a file, followed by ``key=value`` words (quote
values with spaces). Template options (:data:`OPTION_KEYS`) say how the asset sits on the slide;
every other key is a render parameter. Anything that is not convanim's passes through untouched.

One pass over the lines (:func:`scan_lines`) says which lines are deck content and which are
quoted: fenced code (also inside list items), indented code blocks, ``<pre>`` elements, HTML
comments and inline code spans. Placeholders and references are only read from content, so an
example in a code block is never expanded. Every step is linear in the deck's length, and the
deck's size, its number of placeholders and the length of a value are capped (:data:`LIMITS`).

>>> [(p.line, p.target, p.params, p.options) for p in parse_placeholders(
...     "# t\\n{{TIMELINE:x}}\\n  {{CONVANIM:dilation fragment_index=2 stride=2}}\\n")]
[(3, 'dilation', (('stride', 2),), (('fragment_index', '2'),))]
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

MARKER = "{{CONVANIM:"

# Keys that shape the snippet or the file name; every other key is a render parameter.
OPTION_KEYS = frozenset(
    {
        "template",
        "caption",
        "alt",
        "source",
        "source_text",
        "fragment_index",
        "width",
        "height",
        "out",
        "poster",
        "format",
    }
)


@dataclass(frozen=True)
class Limits:
    """What a deck may hold; checked while reading, before anything is planned."""

    deck_bytes: int = 4_000_000  # the lecture deck is 30 kB
    placeholders: int = 500
    value_chars: int = 4_000  # one key=value word (a long citation fits)


LIMITS = Limits()

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"`+")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])(\s+|$)")
# CommonMark's HTML blocks of type 6 (block-level tags): they run to the next blank line, and
# an indented line inside them is markup, not an indented code block.
_HTML_BLOCK = re.compile(
    r"^ {0,3}</?(address|article|aside|blockquote|body|center|details|dialog|dd|div|dl|dt|"
    r"fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|iframe|li|main|nav|ol|p|section|"
    r"summary|table|tbody|td|tfoot|th|thead|tr|ul|video|source|img|span|a|strong|em|br)"
    r"(\s|/?>|$)",
    re.I,
)
# CommonMark's HTML blocks of type 1: from a line starting with one of these to its end tag.
_PRE_OPEN = re.compile(r"^ {0,3}<(pre|script|style|textarea)(?=[\s>]|$)", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class DeckError(ValueError):
    """A problem in the deck itself (malformed placeholder, unknown name, unsafe path)."""


@dataclass(frozen=True)
class Placeholder:
    """One ``{{CONVANIM:…}}`` occurrence: where it is and what it says."""

    line: int  # 1-based line number in the deck
    start: int  # character offsets of ``{{`` and just after ``}}`` within that line
    end: int
    target: str  # catalogue name, scene name or file path
    params: tuple[tuple[str, object], ...]  # render parameters, sorted by key
    options: tuple[tuple[str, str], ...]  # template options, sorted by key
    slide: int = 1  # 1-based slide number
    context: str = ""  # "cell" inside a table cell, else ""
    title: str = ""  # the slide's heading, for a default alt text

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)


@dataclass(frozen=True)
class Line:
    """A line of the deck as the scanner sees it."""

    number: int
    text: str
    slide: int
    quoted: tuple[tuple[int, int], ...]  # spans that are not content (comments, inline code)
    code: bool  # the whole line is code (fenced, indented, <pre>)

    def is_content(self, pos: int) -> bool:
        return not self.code and not any(a <= pos < b for a, b in self.quoted)


def _value(text: str) -> object:
    """Render-parameter values: ints, floats, booleans and comma lists become Python values.

    >>> _value("3"), _value("0.5"), _value("true"), _value("1,2,4"), _value("6x6"), _value("max")
    (3, 0.5, True, (1, 2, 4), (6, 6), 'max')
    """
    low = text.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low == "none":
        return None
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?", text):
        return float(text)
    if re.fullmatch(r"\d+(x\d+)+", text):
        return tuple(int(part) for part in text.split("x"))
    if "," in text:
        return tuple(_value(part.strip()) for part in text.split(",") if part.strip())
    return text


def _code_spans(line: str, start: int = 0) -> list[tuple[int, int]]:
    """Inline code spans of ``line``: a run of backticks up to the next run of the same length.

    Linear: each run is looked up once in a table of the runs that follow it.

    >>> _code_spans("a `b` ``c ` d`` e `f")
    [(2, 5), (6, 15)]
    """
    runs = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(line, start)]
    nxt: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(runs):
        nxt.setdefault(b - a, []).append(i)
    spans, i, used = [], 0, {}
    while i < len(runs):
        a, b = runs[i]
        same = nxt[b - a]
        k = used.get(b - a, 0)
        while k < len(same) and same[k] <= i:
            k += 1
        used[b - a] = k
        if k < len(same):
            j = same[k]
            spans.append((a, runs[j][1]))
            i = j + 1
        else:
            i += 1
    return spans


def _comment_spans(line: str, in_comment: bool) -> tuple[list[tuple[int, int]], bool]:
    """HTML comments on ``line``, and whether one is still open at its end.

    >>> _comment_spans("a <!-- b --> c <!-- d", False)
    ([(2, 12), (15, 21)], True)
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    if in_comment:
        close = line.find("-->")
        if close == -1:
            return [(0, len(line))], True
        spans.append((0, close + 3))
        pos = close + 3
    while (start := line.find("<!--", pos)) != -1:
        close = line.find("-->", start + 4)
        if close == -1:
            spans.append((start, len(line)))
            return spans, True
        spans.append((start, close + 3))
        pos = close + 3
    return spans, False


def _indent(text: str) -> int:
    stripped = text.lstrip(" \t")
    return len(text[: len(text) - len(stripped)].expandtabs(4))


class _Scanner:
    """Walks the lines once, keeping the block context CommonMark needs to tell code apart."""

    def __init__(self) -> None:
        self.fence = ""  # the marker that opened the current fenced block
        self.fence_indent = 0
        self.in_comment = False
        self.pre = ""  # the element (<pre>, <script> …) still open
        self.html = False  # inside an HTML block (until a blank line)
        self.paragraph = False  # the previous line continues a paragraph
        self.list_indent = -1  # content indent of the open list item, or -1
        self.indented_code = False
        self.slide = 1
        self.previous_blank = False  # a deck's first line is no separator (front matter)

    def line(self, number: int, text: str) -> Line:
        code = self._code(text)
        quoted: list[tuple[int, int]] = []
        if not code:
            comments, self.in_comment = _comment_spans(text, self.in_comment)
            quoted = comments + _code_spans(text)
        elif self.in_comment:
            _, self.in_comment = _comment_spans(text, True)
        result = Line(number, text, self.slide, tuple(quoted), code)
        blank = not text.strip()
        if text.strip() == "---" and self.previous_blank and not code and not self.in_comment:
            self.slide += 1  # the page's separator: a line of --- after a blank line
        self.previous_blank = blank
        return result

    def _code(self, text: str) -> bool:
        blank = not text.strip()
        if self.fence:
            m = _FENCE.match(text)
            if m and m.group(2)[0] == self.fence[0] and len(m.group(2)) >= len(self.fence):
                if not text[m.end() :].strip():
                    self.fence = ""
            return True
        if self.pre:
            if re.search(rf"</{self.pre}\s*>", text, re.I):
                self.pre = ""
            return True
        if self.in_comment:
            return False
        indent = _indent(text)
        if self.indented_code:
            if blank or indent >= 4 + max(self.list_indent, 0):
                return True
            self.indented_code = False
        m = _FENCE.match(text)
        if m:
            self.fence, self.fence_indent = m.group(2), len(m.group(1))
            self.paragraph = False
            return True
        if blank:
            self.html = self.paragraph = False
            return False
        item = _LIST_ITEM.match(text)
        if self.list_indent >= 0 and indent < self.list_indent and not item:
            if self.previous_blank:
                self.list_indent = -1
        code_indent = 4 + max(self.list_indent, 0)
        if not self.html and not self.paragraph and indent >= code_indent:
            self.indented_code = True
            return True
        if item:
            self.list_indent = len(item.group(0).expandtabs(4)) if item.group(3) else indent + 2
        if _HTML_BLOCK.match(text) and not self.paragraph:
            self.html = True
        opened = _PRE_OPEN.search(text)
        if opened:  # the whole block is verbatim, its first line too
            if not re.search(rf"</{opened.group(1)}\s*>", text[opened.end() :], re.I):
                self.pre = opened.group(1).lower()
            self.paragraph = False
            return True
        self.paragraph = not self.html and not text.lstrip().startswith(("#", "<"))
        return False


def scan_lines(text: str) -> Iterator[Line]:
    """Every line of ``text`` with its slide number and what of it is deck content.

    >>> [(n.number, n.slide, n.code) for n in scan_lines("a\\n\\n    code\\n\\n---\\n- x\\n  ```\\n  y\\n  ```\\n")]
    [(1, 1, False), (2, 1, False), (3, 1, True), (4, 1, True), (5, 1, False), (6, 2, False), (7, 2, True), (8, 2, True), (9, 2, True)]
    >>> [n.code for n in scan_lines("Use `<pre>` or <pre>x</pre> inline.\\n{{x}}\\n<pre>\\ny\\n</pre>\\nz\\n")]
    [False, False, True, True, True, False]
    """
    scanner = _Scanner()
    for number, line in enumerate(text.splitlines(), start=1):
        yield scanner.line(number, line)


def check_size(text: str, deck: str = "deck") -> None:
    """Refuse a deck larger than :data:`LIMITS` allows, before reading it further."""
    if len(text) > LIMITS.deck_bytes:
        raise DeckError(
            f"{deck} has {len(text):,} characters; a deck may have at most {LIMITS.deck_bytes:,}"
        )


_TITLE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def slide_titles(lines: list[Line]) -> dict[int, str]:
    """The first heading of each slide, by slide number."""
    titles: dict[int, str] = {}
    for line in lines:
        if line.slide not in titles and not line.code:
            m = _TITLE.match(line.text)
            if m:
                titles[line.slide] = m.group(1)
    return titles


def parse_placeholders(text: str, deck: str = "deck") -> list[Placeholder]:
    """Every convanim placeholder in ``text``; a malformed one raises :class:`DeckError`.

    Placeholders that are quoted rather than meant (in code blocks of any kind, ``<pre>``,
    inline code spans and HTML comments) are left alone: they are examples or switched off,
    not requests. All problems are collected and reported together, each with its line number.

    >>> [p.line for p in parse_placeholders(
    ...     "~~~~\\n```\\n{{CONVANIM:a}}\\n~~~~\\n`{{CONVANIM:b}}` <!-- {{CONVANIM:c}}\\n"
    ...     "{{CONVANIM:d}} --> {{CONVANIM:e}}\\n")]
    [6]
    """
    check_size(text, deck)
    lines = list(scan_lines(text))
    titles = slide_titles(lines)
    found: list[Placeholder] = []
    errors: list[str] = []
    open_cells = 0
    for line in lines:
        if line.code:
            continue
        pos = 0
        while (begin := line.text.find(MARKER, pos)) != -1:
            if not line.is_content(begin):
                pos = begin + len(MARKER)
                continue
            try:
                body, end = _body(line.text, begin)
                context = "cell" if _in_cell(line.text[:begin], open_cells) else ""
                ph = _parse_body(body, line.number, begin, end)
                found.append(
                    Placeholder(
                        ph.line, ph.start, ph.end, ph.target, ph.params, ph.options,
                        line.slide, context, titles.get(line.slide, ""),
                    )
                )  # fmt: skip
            except DeckError as exc:
                errors.append(f"{deck}:{line.number}: {exc}")
                break
            if len(found) > LIMITS.placeholders:
                raise DeckError(
                    f"{deck}:{line.number}: more than {LIMITS.placeholders} placeholders"
                )
            pos = end
        open_cells = _cells_open(line.text, open_cells)
    if errors:
        raise DeckError("; ".join(errors))
    return found


def _cells_open(text: str, open_cells: int) -> int:
    low = text.lower()
    opened = len(re.findall(r"<t[dh][\s>]", low))
    closed = low.count("</td>") + low.count("</th>")
    return max(0, open_cells + opened - closed)


def _in_cell(before: str, open_cells: int) -> bool:
    """Whether a placeholder preceded by ``before`` on its line sits inside a table cell."""
    return _cells_open(before, open_cells) > 0


# A word of a placeholder: key=value with the value bare, "double-quoted" (backslash escapes) or
# 'single-quoted'. Matched token by token from the current position, so reading is linear.
_WORD = re.compile(
    r"""\s*(?:([^\s"'=}]+)=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"'}]*))|([^\s"'=}]+))""",
    re.S,
)


def _body(line: str, begin: int) -> tuple[list[tuple[str | None, str]], int]:
    """The words of the placeholder starting at ``begin`` and the index just past its ``}}``."""
    pos = begin + len(MARKER)
    words: list[tuple[str | None, str]] = []
    while True:
        ws = pos
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if line.startswith("}}", pos):
            return words, pos + 2
        m = _WORD.match(line, pos)
        if not m or m.end() == ws:
            if pos >= len(line) or line[pos] in "\"'":
                raise DeckError("unterminated placeholder (no closing '}}' or an open quote)")
            raise DeckError(f"malformed placeholder near {line[pos : pos + 20]!r}")
        if m.group(5) is not None:
            words.append((None, m.group(5)))
        else:
            value = m.group(2)
            if value is not None:
                value = re.sub(r"\\(.)", r"\1", value)
            else:
                value = m.group(3) if m.group(3) is not None else m.group(4)
            words.append((m.group(1), value))
        if pos == m.end():
            raise DeckError("unterminated placeholder (no closing '}}')")
        pos = m.end()
        if len(words) > 64:
            raise DeckError("too many words in one placeholder (at most 64)")


def _parse_body(
    words: list[tuple[str | None, str]], line: int, start: int, end: int
) -> Placeholder:
    if not words:
        raise DeckError("empty placeholder: write {{CONVANIM:name key=value …}}")
    (key0, target), rest = words[0], words[1:]
    if key0 is not None:
        raise DeckError(f"placeholder must start with a name or path, not {key0}={target!r}")
    params: dict[str, object] = {}
    options: dict[str, str] = {}
    for key, value in rest:
        if key is None or not _KEY.match(key):
            raise DeckError(f"expected key=value, got {value if key is None else key!r}")
        if len(value) > LIMITS.value_chars:
            raise DeckError(
                f"{key}= is {len(value):,} characters long (at most {LIMITS.value_chars:,})"
            )
        if _CONTROL.search(value):
            raise DeckError(f"{key}= contains a control character")
        key = key.replace("-", "_")
        if key in params or key in options:
            raise DeckError(f"{key!r} given twice")
        if key in OPTION_KEYS:
            options[key] = value
        else:
            params[key] = _value(value)
    return Placeholder(
        line, start, end, target, tuple(sorted(params.items())), tuple(sorted(options.items()))
    )


# --------------------------------------------------------------------------- hand-written refs


@dataclass(frozen=True)
class Reference:
    """A file the deck's own markup points at: ``<img src>``, ``<source src>``, ``![](…)`` …"""

    rel: str  # the path as written (decoded), relative to the deck's folder
    line: int
    slide: int


_REFERENCE = re.compile(
    r"""\b(?:src|href|poster|data-src|data-background(?:-image|-video)?)\s*=\s*(["'])([^"'\n]*?)\1"""
    r"""|!\[[^\]\n]*\]\(\s*<?([^)\s>]+)""",
    re.I,
)
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^/|^#|^\{\{|^\$\{")
# reveal.js's Markdown attributes live in comments: <!-- .slide: data-background="bg.png" -->
_ATTRIBUTE_COMMENT = re.compile(r"<!--\s*\.(?:slide|element):.*?-->")


def references(text: str) -> list[Reference]:
    """The relative paths the deck's markup references, in order, once each (first place).

    URLs, absolute paths, fragment links and placeholders are not references to files of the
    deck. Code blocks and comments are skipped like for placeholders.

    >>> [(r.rel, r.slide) for r in references(
    ...     '<img src="a.gif">\\n\\n---\\n\\n![x](b%20c.png) <a href="https://x.org">\\n'
    ...     '```\\n<img src="code.gif">\\n```\\n<!-- .slide: data-background="bg.png" -->\\n'
    ...     '<!-- <img src="off.gif"> -->\\n')]
    [('a.gif', 1), ('b c.png', 2), ('bg.png', 2)]
    """
    found: dict[str, Reference] = {}
    for line in scan_lines(text):
        if line.code or ("=" not in line.text and "](" not in line.text):
            continue
        attributes = [m.span() for m in _ATTRIBUTE_COMMENT.finditer(line.text)]
        for match in _REFERENCE.finditer(line.text):
            in_attributes = any(a <= match.start() < b for a, b in attributes)
            if not line.is_content(match.start()) and not in_attributes:
                continue
            ref = html.unescape(match.group(2) or match.group(3) or "")
            ref = unquote(ref.split("#", 1)[0].split("?", 1)[0]).strip()
            if ref and not _URL_LIKE.match(ref) and ref not in found:
                found[ref] = Reference(ref, line.number, line.slide)
    return list(found.values())


# --------------------------------------------------------------------------- front matter


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def front_matter(text: str) -> tuple[dict[str, str], int]:
    """The ``convanim:`` settings of a YAML front matter block, and the block's length.

    Only a small subset of YAML is read: a ``convanim:`` key with indented ``key: value`` lines
    (values plain or quoted). Other keys belong to the deck's own tools and are left alone.

    >>> front_matter("---\\ntitle: x\\nconvanim:\\n  quality: 1080p60\\n  assets_dir: 'ch4'\\n---\\n# a")
    ({'quality': '1080p60', 'assets_dir': 'ch4'}, 66)
    """
    m = _FRONT.match(text)
    if not m:
        return {}, 0
    settings: dict[str, str] = {}
    inside = False
    for raw in m.group(1).splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            inside = raw.split(":", 1)[0].strip() == "convanim"
            continue
        if inside:
            key, colon, value = raw.strip().partition(":")
            if not colon:
                raise DeckError(f"front matter: expected 'key: value' under convanim:, got {raw!r}")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            settings[key.strip()] = value
    return settings, m.end()


def expand(text: str, snippets: dict[tuple[int, int], tuple[int, str]]) -> str:
    """``text`` with each placeholder (keyed by line and start column) replaced by its snippet.

    A multi-line snippet takes the indentation of a placeholder that starts its line.
    """
    lines = text.splitlines(keepends=True)
    by_line: dict[int, list[int]] = {}
    for number, start in snippets:
        by_line.setdefault(number, []).append(start)
    for number, starts in by_line.items():
        line = new = lines[number - 1]
        for start in sorted(starts, reverse=True):
            end, snip = snippets[(number, start)]
            indent = line[:start] if not line[:start].strip() else ""
            snip = snip.replace("\n", "\n" + indent) if indent else snip
            new = new[:start] + snip + new[end:]
        lines[number - 1] = new
    return "".join(lines)
