"""Build a reveal.js Markdown deck: render what its ``{{CONVANIM:…}}`` placeholders name, embed it.

A deck line such as::

    {{CONVANIM:padding_strides_odd_transposed fragment_index=0 source="https://…"}}
    {{CONVANIM:FIRConvolution1D width=70%}}
    {{CONVANIM:2d_convolution stride=2 out=assets/images/extra/conv_s2.gif}}

names a catalogue animation (``convanim list``), a Manim scene, or an existing file of the deck
(``assets/images/01-history/alexnet.png``), followed by ``key=value`` words (quote values with
spaces). Template options (:data:`OPTION_KEYS`) say how the asset sits on the slide; every other
key is a render parameter handed to the renderer. Placeholders are expanded in the style of the
deck's own ``{{TIMELINE:…}}`` lines; anything that is not convanim's passes through untouched.

The build is incremental. Each asset's *key* hashes what it is made from (kind, name, parameters,
video quality and the source code of the renderers); a manifest in ``OUT/.convanim-cache/``
remembers the key and the size, modification time and content hash of every file it wrote, so
a second build renders nothing. Renders run in parallel, each into a temporary file that replaces the target
only when it is complete.

>>> [(p.line, p.target, p.params, p.options) for p in parse_placeholders(
...     "# t\\n{{TIMELINE:x}}\\n  {{CONVANIM:dilation fragment_index=2 stride=2}}\\n")]
[(3, 'dilation', (('stride', 2),), (('fragment_index', '2'),))]
"""

from __future__ import annotations

import concurrent.futures as cf
import difflib
import hashlib
import html
import io
import json
import os
import re
import shlex
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from convanim._files import (
    code_digest,
    copy_atomic,
    file_digest,
    import_closure,
    package_dirs,
    publish,
    write_atomic,
)
from convanim.slides.embed import (
    IMAGE_SUFFIXES,
    TEMPLATES,
    VIDEO_MIME,
    EmbedOptions,
    Markup,
    asset_kind,
    load_template,
)
from convanim.slides.embed import fill as fill_template
from convanim.slides.embed import snippet as make_snippet

MARKER = "{{CONVANIM:"
CACHE_DIR = ".convanim-cache"
MANIFEST_VERSION = 1

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
        "out",
        "poster",
        "format",
    }
)

# Still figures among the catalogue's names, when the catalogue itself cannot say.
STILL_FIGURES = frozenset({"vision_kernels", "wavenet_before", "wavenet_after"})

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")


class DeckError(ValueError):
    """A problem in the deck itself (malformed placeholder, unknown name, unsafe path)."""


class RenderFailed(RuntimeError):
    """Some assets could not be rendered (the others were, and are recorded as done)."""


# --------------------------------------------------------------------------- placeholders


@dataclass(frozen=True)
class Placeholder:
    """One ``{{CONVANIM:…}}`` occurrence: where it is and what it says."""

    line: int  # 1-based line number in the deck
    start: int  # character offsets of ``{{`` and just after ``}}`` within that line
    end: int
    target: str  # catalogue name, scene name or file path
    params: tuple[tuple[str, object], ...]  # render parameters, sorted by key
    options: tuple[tuple[str, str], ...]  # template options, sorted by key

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)


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


def _scan(line: str, begin: int) -> int:
    """Index just past the ``}}`` closing the placeholder that starts at ``begin``, or -1."""
    quote = None
    i = begin + len(MARKER)
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif line.startswith("}}", i):
            return i + 2
        i += 1
    return -1


def _quoted_spans(line: str, in_comment: bool) -> tuple[list[tuple[int, int]], bool]:
    """Stretches of ``line`` that are not deck content: HTML comments and inline code.

    Returns them with whether an HTML comment is still open at the end of the line.

    >>> _quoted_spans("a `{{x}}` <!-- b --> c <!-- d", False)
    ([(10, 20), (23, 29), (2, 9)], True)
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
            in_comment = True
            break
        spans.append((start, close + 3))
        pos = close + 3
    else:
        in_comment = False
    spans += [m.span() for m in _CODE_SPAN.finditer(line)]
    return spans, in_comment


def parse_placeholders(text: str, deck: str = "deck") -> list[Placeholder]:
    """Every convanim placeholder in ``text``; a malformed one raises :class:`DeckError`.

    Placeholders that are quoted rather than meant (in fenced code blocks, inline code spans
    and HTML comments) are left alone: they are examples or switched off, not requests.
    All problems are collected and reported together, each with its line number.

    >>> [p.line for p in parse_placeholders(
    ...     "~~~~\\n```\\n{{CONVANIM:a}}\\n~~~~\\n`{{CONVANIM:b}}` <!-- {{CONVANIM:c}}\\n"
    ...     "{{CONVANIM:d}} --> {{CONVANIM:e}}\\n")]
    [6]
    """
    found: list[Placeholder] = []
    errors: list[str] = []
    fence = ""  # the marker that opened the current fenced block
    in_comment = False
    for number, line in enumerate(text.splitlines(), start=1):
        opening = _FENCE.match(line)
        if fence:
            # A fence closes with the same character, at least as long, and nothing after it.
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = "" if not line[opening.end() :].strip() else fence
            continue
        if opening and not in_comment:
            fence = opening.group(1)
            continue
        if MARKER not in line and not in_comment and "<!--" not in line:
            continue
        quoted, in_comment = _quoted_spans(line, in_comment)
        pos = 0
        while (begin := line.find(MARKER, pos)) != -1:
            if any(a <= begin < b for a, b in quoted):
                pos = begin + len(MARKER)
                continue
            end = _scan(line, begin)
            if end == -1:
                errors.append(f"{deck}:{number}: unterminated placeholder (no closing '}}}}')")
                break
            body = line[begin + len(MARKER) : end - 2]
            try:
                found.append(_parse_body(body, number, begin, end))
            except DeckError as exc:
                errors.append(f"{deck}:{number}: {exc}")
            pos = end
    if errors:
        raise DeckError("; ".join(errors))
    return found


def _parse_body(body: str, line: int, start: int, end: int) -> Placeholder:
    try:
        words = shlex.split(body, posix=True)
    except ValueError as exc:
        raise DeckError(f"malformed placeholder {{{{CONVANIM:{body}}}}}: {exc}") from None
    if not words:
        raise DeckError("empty placeholder: write {{CONVANIM:name key=value …}}")
    target, rest = words[0], words[1:]
    if "=" in target:
        raise DeckError(f"placeholder must start with a name or path, not {target!r}")
    params: dict[str, object] = {}
    options: dict[str, str] = {}
    for word in rest:
        key, eq, value = word.partition("=")
        if not eq or not _KEY.match(key):
            raise DeckError(f"expected key=value, got {word!r}")
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


# --------------------------------------------------------------------------- renderers


# Where images start: the catalogue draws them (convanim.video says what draws a scene).
_RENDER_ROOTS = {"image": ("convanim.draw.catalogue",)}
# Third-party code that draws the pixels: an upgrade can change the files.
_RENDER_LIBRARIES = {"image": ("pillow", "numpy"), "scene": ("manim", "numpy")}


_package_dirs = package_dirs  # looked up on each call, so a test can point it at a fake package


def _source_files(kind: str) -> list[Path]:
    """The source files that can change an asset of ``kind``: the import closure of its
    renderer within convanim (each module's parent packages too), not the whole package.
    """
    if kind == "scene":
        from convanim import video

        return video.source_files()  # the files its own render cache keys on
    return import_closure(_RENDER_ROOTS[kind], _package_dirs())


def code_fingerprint(kind: str) -> str:
    """A hash of the code that renders assets of ``kind`` (``image`` or ``scene``).

    Editing a module the renderer imports (directly or not) makes every asset it drew stale;
    editing anything else (the build, the templates, the CLI, the other renderer) does not, and
    neither do snippets, which are cheap and always rewritten.
    """
    from importlib import metadata

    digest = hashlib.sha256(code_digest(_source_files(kind), _package_dirs()).encode())
    for library in _RENDER_LIBRARIES[kind]:
        try:
            digest.update(f"{library}=={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library} missing".encode())
    return digest.hexdigest()[:16]


def _catalogue_names() -> list[str]:
    try:
        from convanim.draw import catalogue
    except ImportError:
        return []
    return list(catalogue.names())


def _scene_names() -> list[str]:
    try:
        from convanim import video
    except ImportError:
        return []
    return list(video.SCENE_NAMES)


def _catalogue_ext(name: str) -> str:
    """The catalogue's own file type for ``name`` (``.gif`` for animations, ``.png`` stills)."""
    try:
        from convanim.draw import catalogue

        return catalogue.get(name).ext
    except (ImportError, AttributeError, ValueError):
        return ".png" if name in STILL_FIGURES else ".gif"


def _check_params(kind: str, name: str, params: dict) -> None:
    """Refuse parameters the renderer would refuse, before anything renders (with a line)."""
    if not params:
        return
    if kind == "image":
        from convanim.draw import catalogue

        unknown = sorted(set(params) - set(catalogue.OVERRIDES))
        if unknown:
            raise DeckError(
                f"unknown parameter(s) {', '.join(unknown)} for {name}; "
                f"known: {', '.join(catalogue.OVERRIDES)}"
            )
        _check_shape(catalogue.get(name), {k: v for k, v in params.items() if k in SHAPE_KEYS})
    elif kind == "scene":
        from convanim import video

        try:
            video.resolve_params(name, params)
        except ValueError as exc:
            raise DeckError(str(exc)) from None


# Render parameters that change an operation's sizes: the shape core (stdlib only, no NumPy)
# can judge them while the deck is planned, so a bad kernel or stride is reported with its line
# before anything renders instead of failing one worker halfway through the build.
SHAPE_KEYS = frozenset({"size", "kernel", "stride", "padding", "dilation", "output_padding"})


def _check_shape(entry: object, changes: dict) -> None:
    if not changes:
        return
    if getattr(entry, "kind", None) == "figure":
        raise DeckError(
            f"{entry.name} is a fixed figure: {', '.join(sorted(changes))} cannot be changed"
        )
    if "size" in changes and not isinstance(changes["size"], tuple):
        raise DeckError(
            f"size={changes['size']!r}: give one number per dimension, "
            "e.g. size=6x6 (or size=6, for a 1-D input)"
        )
    try:
        replace(entry, **changes).output_shape()
    except (ValueError, TypeError) as exc:
        raise DeckError(f"{entry.name}: {exc}") from None


def _render_named(name: str, out: Path, **overrides: object) -> Path:
    from convanim.draw import catalogue

    return catalogue.render_named(name, out, **overrides)


def _render_scene(
    scene: str, out: Path, quality: str = "low", fmt: str = "mp4", params: dict | None = None
) -> Path:
    from convanim import video

    # convanim.video keeps its own content-hash cache of renders: an identical video made for
    # another deck (or an earlier build folder) is copied instead of rendered again.
    return video.render_scene(scene, out, quality=quality, fmt=fmt, params=params)


@dataclass(frozen=True)
class Renderers:
    """What the build calls to list and draw assets; tests inject their own."""

    image_names: Callable[[], Iterable[str]] = _catalogue_names
    render_image: Callable[..., Path] = _render_named  # (name, out, **params) -> path
    scene_names: Callable[[], Iterable[str]] = _scene_names
    render_scene: Callable[..., Path] = _render_scene  # (scene, out, quality, fmt, params)
    fingerprint: Callable[[str], str] = code_fingerprint
    image_ext: Callable[[str], str] = _catalogue_ext  # default file type of a catalogue name
    check_params: Callable[[str, str, dict], None] = _check_params  # (kind, name, params)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Asset:
    """One file the built deck needs, and how to make it."""

    kind: str  # "image" (catalogue), "scene" (Manim) or "file" (copied from the deck's folder)
    name: str
    params: tuple[tuple[str, object], ...]
    rel: str  # path relative to the output folder (POSIX)
    key: str  # hash of everything the file is made from
    quality: str = ""
    poster_rel: str | None = None
    source: str | None = None  # absolute path of a "file" asset


@dataclass
class BuildResult:
    """What a build did (or, with ``check``, would do)."""

    deck: Path
    out_dir: Path
    deck_out: Path
    html_out: Path | None
    placeholders: int
    assets: list[Asset]
    stale: list[str] = field(default_factory=list)  # assets (and outputs) out of date
    rendered: list[str] = field(default_factory=list)
    deck_changed: bool = False


def normalize_quality(quality: str) -> str:
    """``low``/``medium``/``high``/``production``/``fourk`` from any spelling ``convanim render``
    takes (``1080p60``, ``h``, ``-qh``): one table, :data:`convanim.video.QUALITIES`, names the
    qualities and their folders for the build and the renderer alike.

    >>> normalize_quality("1080p60"), normalize_quality("low")
    ('high', 'low')
    """
    from convanim import video

    try:
        return video.resolve_quality(quality).name
    except ValueError:
        folders = ", ".join(q.folder for q in video.QUALITIES.values())
        raise ValueError(
            f"unknown video quality {quality!r}: use one of "
            f"{', '.join(video.QUALITIES)} (or {folders})"
        ) from None


def confined(rel: str, root: Path, what: str) -> Path:
    """``root / rel`` if ``rel`` is a relative path that stays inside ``root``.

    >>> confined("assets/a.gif", Path("/deck"), "out").as_posix()
    '/deck/assets/a.gif'
    >>> confined("../a.gif", Path("/deck"), "out")
    Traceback (most recent call last):
    ...
    convanim.slides.build.DeckError: out '../a.gif' leaves the deck's folder ('..' is not allowed)
    """
    if not rel or "\\" in rel or "\x00" in rel:
        raise DeckError(f"{what} {rel!r} is not a usable relative path")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", rel):
        raise DeckError(f"{what} {rel!r} must be relative to the deck's folder")
    if ".." in pure.parts:
        raise DeckError(f"{what} {rel!r} leaves the deck's folder ('..' is not allowed)")
    path = root / pure
    real_root = root.resolve()
    if not path.resolve().is_relative_to(real_root):  # a symlink pointing outside
        raise DeckError(f"{what} {rel!r} resolves outside the deck's folder")
    return path


def _digest(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, default=repr).encode()
    return hashlib.sha256(blob).hexdigest()


class _Planner:
    def __init__(
        self,
        deck: Path,
        out_dir: Path,
        quality: str,
        renderers: Renderers,
        template_dir: Path | None = None,
    ):
        self.template_dir = template_dir
        self.deck = deck
        self.deck_dir = deck.parent
        self.out_dir = out_dir
        self.stem = deck.stem
        self.quality = quality
        self.renderers = renderers
        self._images: set[str] | None = None
        self._scenes: set[str] | None = None
        self._fingerprints: dict[str, str] = {}
        self.assets: dict[str, Asset] = {}

    @property
    def images(self) -> set[str]:
        if self._images is None:
            self._images = set(self.renderers.image_names())
        return self._images

    @property
    def scenes(self) -> set[str]:
        if self._scenes is None:
            self._scenes = set(self.renderers.scene_names())
        return self._scenes

    def fingerprint(self, kind: str) -> str:
        if kind not in self._fingerprints:
            self._fingerprints[kind] = self.renderers.fingerprint(kind)
        return self._fingerprints[kind]

    def plan(self, ph: Placeholder) -> tuple[Asset, str]:
        """The asset a placeholder needs and the snippet that shows it."""
        target = ph.target
        suffix = PurePosixPath(target).suffix.lower()
        looks_like_path = "/" in target or suffix in IMAGE_SUFFIXES or suffix in VIDEO_MIME
        if target in self.images:
            asset = self._image(ph)
        elif target in self.scenes:
            asset = self._scene(ph)
        elif looks_like_path:
            asset = self._file(ph)
        else:
            known = sorted(self.images | self.scenes)
            close = difflib.get_close_matches(target, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            if not known:
                hint = (
                    " (no renderer is installed: convanim.draw.catalogue / convanim.video missing)"
                )
            raise DeckError(f"unknown asset {target!r}{hint} (`convanim list` shows the names)")
        previous = self.assets.get(asset.rel)
        if previous is not None and previous.key != asset.key:
            raise DeckError(
                f"two placeholders write {asset.rel} with different parameters; "
                "give one of them its own out=…"
            )
        self.assets[asset.rel] = asset
        options = EmbedOptions(
            template=ph.option("template"),
            caption=ph.option("caption"),
            alt=ph.option("alt", None if ph.option("caption") else _humane(asset.name)),
            source=ph.option("source"),
            source_text=ph.option("source_text"),
            fragment_index=_int_option(ph, "fragment_index"),
            width=ph.option("width"),
            poster=asset.poster_rel,
            template_dir=self.template_dir,
        )
        template = options.template
        if template and template not in TEMPLATES:
            path = confined(template, self.deck_dir, "template")
            options = replace(options, template=str(path))
        return asset, make_snippet(asset.rel, options)

    def _out(self, ph: Placeholder, default: str, allowed: set[str]) -> str:
        rel = ph.option("out") or default
        confined(rel, self.out_dir, "out")
        if PurePosixPath(rel).suffix.lower() not in allowed:
            raise DeckError(f"out={rel!r} must end in one of {', '.join(sorted(allowed))}")
        return PurePosixPath(rel).as_posix()

    def _image(self, ph: Placeholder) -> Asset:
        self.renderers.check_params("image", ph.target, dict(ph.params))
        default_fmt = self.renderers.image_ext(ph.target).lstrip(".")
        fmt = (ph.option("format") or default_fmt).lower()
        if fmt not in ("gif", "png"):
            raise DeckError(f"format={fmt!r}: a catalogue asset is a gif or a png")
        tag = f"-{_digest(ph.params)[:8]}" if ph.params else ""
        default = f"assets/images/{self.stem}/{ph.target}{tag}.{fmt}"
        rel = self._out(ph, default, {".gif", ".png"})
        params, inputs = dict(ph.params), []
        if "image" in params:  # vision_kernels' own picture: a file of the deck, hashed
            picture = confined(str(params["image"]), self.deck_dir, "image")
            if not picture.is_file():
                raise DeckError(f"image={params['image']!r}: no such file in the deck's folder")
            params["image"] = str(picture.resolve())
            inputs.append(file_digest(picture))
        key = _digest(
            "image",
            ph.target,
            ph.params,
            inputs,
            PurePosixPath(rel).suffix,
            self.fingerprint("image"),
        )
        return Asset("image", ph.target, tuple(sorted(params.items())), rel, key)

    def _scene(self, ph: Placeholder) -> Asset:
        self.renderers.check_params("scene", ph.target, dict(ph.params))
        fmt = (ph.option("format") or "mp4").lower()
        if f".{fmt}" not in VIDEO_MIME:
            raise DeckError(f"format={fmt!r}: a scene renders to mp4 or webm")
        tag = f"-{_digest(ph.params)[:8]}" if ph.params else ""
        from convanim import video

        qdir = video.QUALITIES[self.quality].folder
        default = f"assets/videos/{self.stem}/{qdir}/{ph.target}{tag}.{fmt}"
        rel = self._out(ph, default, {f".{fmt}"})
        want_poster = _value(ph.option("poster", "yes")) is not False
        poster = str(PurePosixPath(rel).with_suffix(".png")) if want_poster else None
        key = _digest(
            "scene",
            ph.target,
            ph.params,
            fmt,
            self.quality,
            bool(poster),
            self.fingerprint("scene"),
        )
        return Asset("scene", ph.target, ph.params, rel, key, self.quality, poster)

    def _file(self, ph: Placeholder) -> Asset:
        if ph.params:
            raise DeckError(
                f"{ph.target!r} is a file, so it takes no render parameters "
                f"({', '.join(k for k, _ in ph.params)})"
            )
        source = confined(ph.target, self.deck_dir, "path")
        if not source.is_file():
            raise DeckError(
                f"{ph.target!r} is neither a catalogue name, a scene nor a file "
                "in the deck's folder"
            )
        asset_kind(ph.target)
        rel = self._out(ph, PurePosixPath(ph.target).as_posix(), {source.suffix.lower()})
        key = _digest("file", file_digest(source))
        return Asset("file", PurePosixPath(ph.target).stem, (), rel, key, source=str(source))


def _humane(name: str) -> str:
    return name.replace("_", " ").strip()


def _int_option(ph: Placeholder, key: str) -> int | None:
    value = ph.option(key)
    if value is None:
        return None
    if not re.fullmatch(r"\d+", value):
        raise DeckError(f"{key}={value!r} must be a whole number >= 0")
    return int(value)


# --------------------------------------------------------------------------- the manifest


def _manifest_path(out_dir: Path) -> Path:
    return out_dir / CACHE_DIR / "manifest.json"


def load_manifest(out_dir: Path) -> dict:
    """The record of what earlier builds wrote into ``out_dir`` (empty when there is none)."""
    try:
        data = json.loads(_manifest_path(out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": MANIFEST_VERSION, "assets": {}}
    if data.get("version") != MANIFEST_VERSION or not isinstance(data.get("assets"), dict):
        return {"version": MANIFEST_VERSION, "assets": {}}
    return data


def _stamp(path: Path) -> dict:
    """Size, modification time and content hash of a file the build wrote."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": file_digest(path)}


def _is_current(asset: Asset, out_dir: Path, manifest: dict) -> bool:
    """Whether ``asset``'s files are what its key says and untouched since they were written.

    Size and modification time answer quickly; when only the time differs (a copy, a checkout)
    the content hash decides, and the manifest's stamp is refreshed in place.
    """
    entry = manifest["assets"].get(asset.rel)
    if not entry or entry.get("key") != asset.key:
        return False
    for rel, field_ in [(asset.rel, "stamp"), (asset.poster_rel, "poster")]:
        if rel is None:
            continue
        path, stamp = out_dir / rel, entry.get(field_) or {}
        if not path.is_file():
            return False
        stat = path.stat()
        if stat.st_size != stamp.get("size"):
            return False
        if stat.st_mtime_ns != stamp.get("mtime_ns"):
            if file_digest(path) != stamp.get("sha256"):
                return False  # changed by hand since it was written
            entry[field_] = {**stamp, "mtime_ns": stat.st_mtime_ns}
            manifest["dirty"] = True
    return True


# --------------------------------------------------------------------------- rendering


def _partial(path: Path) -> Path:
    """A temporary sibling that keeps the suffix (renderers pick the format from it)."""
    return path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")


def poster_frame(video: Path, out: Path) -> Path:
    """Save the last frame of ``video`` as a PNG (shown while the video loads, and in print)."""
    import av

    last = None
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            last = frame
    if last is None:
        raise ValueError(f"{video} has no video frames")
    png = io.BytesIO()
    last.to_image().save(png, format="PNG")
    write_atomic(out, png.getvalue())
    return out


def render_asset(asset: Asset, out_dir: Path, renderers: Renderers) -> Asset:
    """Make one asset's file(s) in ``out_dir``; every file appears whole or not at all."""
    target = out_dir / asset.rel
    if asset.kind == "file" and target.resolve() == Path(asset.source).resolve():
        return asset  # building into the deck's own folder: the file is already in place
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _partial(target)
    try:
        if asset.kind == "file":
            shutil.copyfile(asset.source, tmp)
            made = tmp
        elif asset.kind == "image":
            made = Path(renderers.render_image(asset.name, tmp, **dict(asset.params)))
        else:
            fmt = target.suffix.lstrip(".")
            made = Path(
                renderers.render_scene(
                    asset.name,
                    tmp,
                    quality=asset.quality,
                    fmt=fmt,
                    params=dict(asset.params) or None,
                )
            )
        if not made.is_file():
            raise RuntimeError(f"renderer for {asset.name!r} did not write {made}")
        publish(made, target)  # renderers may write private (0600) files; a deck is published
    finally:
        tmp.unlink(missing_ok=True)
    if asset.poster_rel:
        poster_frame(target, out_dir / asset.poster_rel)
    return asset


# --------------------------------------------------------------------------- the build


_REFERENCE = re.compile(
    r"""\b(?:src|href|poster|data-src|data-background-(?:image|video))\s*=\s*(["'])(.+?)\1"""
    r"""|!\[[^\]\n]*\]\(\s*<?([^)\s>]+)""",
    re.I,
)


def local_references(text: str, deck_dir: Path, out_dir: Path) -> list[Asset]:
    """Files of the deck's folder that its own markup points at (``<img src=…>``, ``![](…)``,
    ``poster=…``), as assets to copy: the built deck lives in another folder and must still
    find the images the author embedded by hand (``assets/images/01-history/alexnet.png``).

    URLs, absolute paths, paths leaving the folder, missing files and what is already in the
    output folder are left alone. Keyed on size and time (a large video is not hashed on
    every build).
    """
    from urllib.parse import unquote

    found: dict[str, Asset] = {}
    real_out = out_dir.resolve()
    for match in _REFERENCE.finditer(text):
        ref = html.unescape(match.group(2) or match.group(3) or "")
        ref = unquote(ref.split("#", 1)[0].split("?", 1)[0]).strip()
        if not ref or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^/|^\{\{", ref) or ref in found:
            continue
        try:
            source = confined(ref, deck_dir, "path")
        except DeckError:
            continue
        if not source.is_file() or source.resolve().is_relative_to(real_out):
            continue
        rel = PurePosixPath(ref).as_posix()
        stat = source.stat()
        key = _digest("copy", stat.st_size, stat.st_mtime_ns)
        found[rel] = Asset("file", PurePosixPath(rel).stem, (), rel, key, source=str(source))
    return list(found.values())


def default_out_dir(deck: Path) -> Path:
    """Where ``convanim build DECK.md`` writes when no ``-o`` is given: ``build/`` beside it."""
    return deck.parent / "build"


def expand(text: str, snippets: dict[tuple[int, int], str]) -> str:
    """``text`` with each placeholder (keyed by line and start column) replaced by its snippet.

    A multi-line snippet takes the indentation of a placeholder that starts its line.
    """
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        starts = sorted(s for (n, s) in snippets if n == number)
        if not starts:
            continue
        new = line
        for start in reversed(starts):
            end, snip = snippets[(number, start)]
            indent = line[:start] if not line[:start].strip() else ""
            snip = snip.replace("\n", "\n" + indent) if indent else snip
            new = new[:start] + snip + new[end:]
        lines[number - 1] = new
    return "".join(lines)


def build(
    deck: Path,
    out_dir: Path | None = None,
    *,
    quality: str = "low",
    check: bool = False,
    html_page: bool = False,
    theme: str = "white",
    jobs: int | None = None,
    renderers: Renderers | None = None,
    executor: str = "auto",
    progress: Callable[[int, int, str], None] | None = None,
    force: bool = False,
    template_dir: Path | None = None,
) -> BuildResult:
    """Render every stale asset ``deck`` references and write the expanded deck to ``out_dir``.

    With ``check`` nothing is rendered or written: the result lists what is stale. With
    ``html_page`` a reveal.js page ``<deck>.html`` is written too, with reveal.js copied next to
    it. ``executor`` is ``"process"``, ``"thread"`` or ``"auto"`` (processes for the built-in
    renderers, threads for injected ones, which need not be picklable).
    """
    deck = Path(deck)
    if not deck.is_file():
        raise ValueError(f"no deck at {deck}")
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir(deck)
    quality = normalize_quality(quality)
    default = renderers is None
    renderers = renderers or Renderers()
    text = deck.read_text(encoding="utf-8")
    deck_out = out_dir / deck.name
    if deck_out.resolve() == deck.resolve():
        raise ValueError(f"the built deck would overwrite {deck}: choose another -o folder")

    placeholders = parse_placeholders(text, deck.name)
    if html_page:
        check_theme(theme)  # before anything renders, not after
    if template_dir is not None and not Path(template_dir).is_dir():
        raise ValueError(f"template folder {template_dir} does not exist")
    planner = _Planner(deck, out_dir, quality, renderers, template_dir)
    snippets: dict[tuple[int, int], tuple[int, str]] = {}
    errors = []
    for ph in placeholders:
        try:
            asset, snip = planner.plan(ph)
        except ValueError as exc:  # DeckError, and the templates' own checks (width, URLs)
            errors.append(f"{deck.name}:{ph.line}: {exc}")
            continue
        snippets[(ph.line, ph.start)] = (ph.end, snip)
    if errors:
        raise DeckError("; ".join(errors))
    # What the build writes itself is never copied over (a deck linking to itself, say).
    own = {deck.name, f"{deck.stem}.html"}
    for asset in local_references(text, deck.parent, out_dir):
        top = asset.rel.split("/", 1)[0]
        if asset.rel not in own and top not in ("reveal.js", CACHE_DIR):
            planner.assets.setdefault(asset.rel, asset)  # a placeholder's own output wins
    assets = list(planner.assets.values())

    manifest = load_manifest(out_dir)
    stale = [a for a in assets if force or not _is_current(a, out_dir, manifest)]
    expanded = expand(text, snippets)
    deck_changed = not deck_out.is_file() or deck_out.read_text(encoding="utf-8") != expanded
    html_out = out_dir / f"{deck.stem}.html" if html_page else None
    math = html_page and find_katex(find_revealjs()) is not None
    page = _page(expanded, deck, theme, math, template_dir) if html_page else None
    page_changed = bool(
        html_page and (not html_out.is_file() or html_out.read_text(encoding="utf-8") != page)
    )

    result = BuildResult(
        deck,
        out_dir,
        deck_out,
        html_out,
        len(placeholders),
        assets,
        stale=[a.rel for a in stale],
        deck_changed=deck_changed,
    )
    if check:
        result.stale += [str(deck_out.relative_to(out_dir))] if deck_changed else []
        if page_changed:
            result.stale.append(html_out.name)
        if html_page and copy_revealjs(out_dir / "reveal.js", theme, dry_run=True):
            result.stale.append("reveal.js/")
        return result

    out_dir.mkdir(parents=True, exist_ok=True)
    if manifest.pop("dirty", False) and not stale:
        _write_manifest(out_dir, manifest)
    if stale:
        _render_all(stale, out_dir, renderers, manifest, jobs, executor, default, progress, result)
    if deck_changed:
        write_atomic(deck_out, expanded.encode("utf-8"))
    if html_page:
        copy_revealjs(out_dir / "reveal.js", theme)
        if page_changed:
            write_atomic(html_out, page.encode("utf-8"))
    return result


def _render_all(stale, out_dir, renderers, manifest, jobs, executor, default, progress, result):
    # Longest first: videos start while the GIFs fill the other workers.
    order = {"scene": 0, "image": 1, "file": 2}
    todo = sorted(stale, key=lambda a: (order[a.kind], a.rel))
    jobs = max(1, jobs or os.cpu_count() or 1)
    kind = executor if executor != "auto" else ("process" if default else "thread")
    if kind not in ("process", "thread"):
        raise ValueError(f"executor must be process, thread or auto, not {executor!r}")
    pool_cls = (
        cf.ProcessPoolExecutor if kind == "process" and len(todo) > 1 else (cf.ThreadPoolExecutor)
    )
    failures = []
    done = 0
    if progress:
        progress(0, len(todo), "")
    with pool_cls(max_workers=min(jobs, len(todo))) as pool:
        futures = {pool.submit(render_asset, a, out_dir, renderers): a for a in todo}
        for future in cf.as_completed(futures):
            asset = futures[future]
            try:
                future.result()
            except Exception as exc:  # noqa: BLE001 - report every failed asset, keep the rest
                failures.append(f"{asset.rel}: {type(exc).__name__}: {exc}")
            else:
                entry = {"key": asset.key, "stamp": _stamp(out_dir / asset.rel)}
                if asset.poster_rel:
                    entry["poster"] = _stamp(out_dir / asset.poster_rel)
                manifest["assets"][asset.rel] = entry
                result.rendered.append(asset.rel)
            done += 1
            if progress:
                progress(done, len(todo), asset.rel)
    # Record what did succeed, so the next build only retries the failures.
    _write_manifest(out_dir, manifest)
    if failures:
        raise RenderFailed(f"{len(failures)} asset(s) failed: " + " | ".join(failures))


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    manifest.pop("dirty", None)
    write_atomic(
        _manifest_path(out_dir), json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
    )


# --------------------------------------------------------------------------- the HTML page

REVEAL_FILES = ("reveal.js", "reveal.css", "reset.css", "plugin/markdown.js", "plugin/notes.js")


def find_revealjs() -> Path:
    """The ``dist`` folder of reveal.js installed from npm (``npm install`` in the checkout).

    Looked for in ``$CONVANIM_REVEALJS``, then ``node_modules/reveal.js`` in the working folder
    or any parent, then beside the convanim source tree.
    """
    candidates = []
    if os.environ.get("CONVANIM_REVEALJS"):
        candidates.append(Path(os.environ["CONVANIM_REVEALJS"]))
    for base in [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[2]]:
        candidates.append(base / "node_modules" / "reveal.js")
    for candidate in candidates:
        dist = candidate / "dist" if (candidate / "dist").is_dir() else candidate
        if (dist / "reveal.js").is_file():
            return dist
    raise ValueError(
        "reveal.js not found: run `npm install` in the convanim checkout "
        "(scripts/setup.sh does) or set CONVANIM_REVEALJS to node_modules/reveal.js"
    )


def find_katex(reveal_dist: Path) -> Path | None:
    """KaTeX's ``dist`` folder from npm, next to reveal.js (optional: formulas stay TeX)."""
    candidate = reveal_dist.parent.parent / "katex" / "dist"
    return candidate if (candidate / "katex.min.js").is_file() else None


def _copy_if_changed(src: Path, dst: Path, dry_run: bool = False) -> bool:
    """Copy ``src`` over ``dst`` unless it is already there; returns whether it was (or would be)."""
    if dst.is_file():
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
    Fonts): the page must open offline and ask no CDN for anything; the theme's font stacks
    fall back to local fonts.

    >>> offline_css('@import url(https://fonts.googleapis.com/css?family=Lato); b {}')
    '/* remote @import removed by convanim (offline page) */ b {}'
    """
    return _REMOTE_IMPORT.sub("/* remote @import removed by convanim (offline page) */", css)


def check_theme(theme: str) -> Path:
    """The ``dist`` folder of reveal.js, once ``theme`` is known to be one of its themes."""
    dist = find_revealjs()
    if not (dist / f"theme/{theme}.css").is_file():
        themes = sorted(p.stem for p in (dist / "theme").glob("*.css"))
        raise ValueError(f"unknown reveal.js theme {theme!r}: use one of {', '.join(themes)}")
    return dist


def copy_revealjs(dest: Path, theme: str, dry_run: bool = False) -> bool:
    """Copy the few reveal.js (and KaTeX) files the page loads into ``dest``.

    Files already there and up to date are skipped. Returns whether anything was copied (with
    ``dry_run``: would be; nothing is written).
    """
    dist = check_theme(theme)
    changed = False
    for name in [*REVEAL_FILES, "plugin/math.js"]:
        changed |= _copy_if_changed(dist / name, dest / name, dry_run)
    theme_css = offline_css((dist / f"theme/{theme}.css").read_text(encoding="utf-8"))
    theme_out = dest / f"theme/{theme}.css"
    if not theme_out.is_file() or theme_out.read_text(encoding="utf-8") != theme_css:
        changed = True
        if not dry_run:
            write_atomic(theme_out, theme_css.encode("utf-8"))
    katex = find_katex(dist)
    if katex is None:
        return changed
    names = ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]
    names += [f"fonts/{p.name}" for p in sorted((katex / "fonts").glob("*.woff2"))]
    for name in names:
        changed |= _copy_if_changed(katex / name, dest / "katex" / "dist" / name, dry_run)
    return changed


def _page(
    markdown: str, deck: Path, theme: str, math: bool, template_dir: Path | None = None
) -> str:
    title = next(
        (m.group(1).strip() for m in re.finditer(r"^#\s+(.+)$", markdown, re.M)), deck.stem
    )
    # The Markdown goes into a <textarea>, whose content the browser decodes as text: escaping
    # it keeps a literal "</textarea>" in the deck from ending the element early.
    return fill_template(
        load_template("page.html", template_dir),
        {
            "title": title,
            "theme": theme,
            "reveal": "reveal.js",
            "markdown": Markup(html.escape(markdown, quote=False)),
            "math_script": Markup(
                '\n<script src="reveal.js/plugin/math.js"></script>' if math else ""
            ),
            "math_plugin": Markup(", RevealMath.KaTeX" if math else ""),
        },
    )
