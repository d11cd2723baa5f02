"""Planning a deck: which file each placeholder and each hand-written reference needs, and how
to make it.

A placeholder's asset goes to ``assets/images/<folder>/<name>.<fmt>`` (videos to
``assets/videos/<folder>/<1080p60>/<Scene>.mp4``), where ``<folder>`` is the deck's
``assets_dir`` setting or its file name. The name does not change with the parameters: only a
second placeholder of the same asset with other parameters gets a suffix.

A reference the deck writes by hand (``<img src="assets/images/…/dilation.gif">``) whose file
name is one a renderer makes is planned at exactly that path (quality from a ``1080p60``-style
folder, format from the extension); one that exists in the deck's folder is copied; any other
is *missing*, reported with its slide.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from convanim._files import file_digest
from convanim.slides.deck import DeckError, Placeholder, Reference, _value
from convanim.slides.embed import (
    IMAGE_SUFFIXES,
    INTERACTIVE_SUFFIXES,
    TEMPLATES,
    VIDEO_MIME,
    EmbedOptions,
    asset_kind,
)
from convanim.slides.embed import snippet as make_snippet
from convanim.slides.settings import DeckSettings
from convanim.slides.sources import Renderers, spec_keys

#: What a lecturer may type for "this operation, my parameters" (as ``convanim render conv``),
#: and the placeholder that draws it.
_OPERATION_WORDS = {
    "conv": ("convolution", "padding_strides input=6x6 kernel=3 stride=2 padding=1"),
    "transposed": (
        "transposed convolution",
        "padding_strides_transposed input=5x5 kernel=3 stride=2 padding=1",
    ),
    "pool": ("pooling", "numerical_max_pooling input=6x6 kernel=2 stride=2"),
}


@dataclass(frozen=True)
class Asset:
    """One file the built deck needs, and how to make it."""

    kind: str  # "image" (named image), "scene" (Manim) or "file" (copied from the deck's folder)
    name: str
    params: tuple[tuple[str, object], ...]
    rel: str  # path relative to the output folder (POSIX)
    key: str  # hash of everything the file is made from
    quality: str = ""
    poster_rel: str | None = None
    source: str | None = None  # absolute path of a "file" asset


@dataclass(frozen=True)
class Missing:
    """A reference of the deck to a file that neither exists nor can be made."""

    rel: str
    line: int
    slide: int

    def __str__(self) -> str:
        return f"slide {self.slide} (line {self.line}): {self.rel}"


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


def quality_folder(quality: str) -> str:
    from convanim import video

    return video.QUALITIES[quality].folder


def deck_quality(refs: list[Reference]) -> str | None:
    """The quality the deck's own videos are in, from the first with a ``1080p60``-style
    folder (``assets/videos/…/1080p60/FIRConvolution1D.mp4``): the deck's convention.

    >>> deck_quality([Reference("v/1080p60/a.mp4", 1, 1)])
    'high'
    """
    for ref in refs:
        if PurePosixPath(ref.rel).suffix.lower() in VIDEO_MIME and _quality_in(ref.rel):
            return _quality_in(ref.rel)
    return None


def _quality_in(rel: str) -> str | None:
    """The quality a ``1080p60``-style folder of ``rel`` names, if any."""
    from convanim import video

    folders = {q.folder: name for name, q in video.QUALITIES.items()}
    for part in PurePosixPath(rel).parts[:-1]:
        if part in folders:
            return folders[part]
    return None


def confined(rel: str, root: Path, what: str) -> Path:
    """``root / rel`` if ``rel`` is a relative path that stays inside ``root``.

    >>> confined("assets/a.gif", Path("/deck"), "out").as_posix()
    '/deck/assets/a.gif'
    >>> confined("../a.gif", Path("/deck"), "out")
    Traceback (most recent call last):
    ...
    convanim.slides.deck.DeckError: out '../a.gif' leaves the deck's folder ('..' is not allowed)
    """
    if not rel or "\\" in rel or "\x00" in rel:
        raise DeckError(f"{what} {rel!r} is not a usable relative path")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", rel):
        raise DeckError(f"{what} {rel!r} must be relative to the deck's folder")
    if ".." in pure.parts:
        raise DeckError(f"{what} {rel!r} leaves the deck's folder ('..' is not allowed)")
    path = root / pure
    if not path.resolve().is_relative_to(root.resolve()):  # a symlink pointing outside
        raise DeckError(f"{what} {rel!r} resolves outside the deck's folder")
    return path


def _digest(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, default=repr).encode()
    return hashlib.sha256(blob).hexdigest()


class Planner:
    """Plans the assets of one deck into one output folder.

    ``plan(placeholder)`` gives the asset and its snippet, ``plan_reference(reference)`` the
    asset a hand-written reference needs (or records it as missing); :attr:`assets` collects
    them by path, :attr:`missing` the references nothing can satisfy.
    """

    def __init__(
        self,
        deck: Path,
        out_dir: Path,
        settings: DeckSettings = DeckSettings(),  # noqa: B008 - frozen
        renderers: Renderers | None = None,
        template_dir: Path | None = None,
    ):
        self.deck = deck
        self.deck_dir = deck.parent
        self.out_dir = out_dir
        self.settings = settings
        self.folder = settings.folder(deck)
        self.quality = normalize_quality(settings.quality or "low")
        self.renderers = renderers or Renderers()
        self.template_dir = template_dir
        self._images: set[str] | None = None
        self._scenes: set[str] | None = None
        self._fingerprints: dict[str, str] = {}
        self._variants: dict[tuple[str, str], list[tuple]] = {}
        self.assets: dict[str, Asset] = {}
        self.missing: list[Missing] = []

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

    # ------------------------------------------------------------------ placeholders

    def plan(self, ph: Placeholder) -> tuple[Asset, str]:
        """The asset a placeholder needs and the snippet that shows it."""
        asset = self.asset_for(ph)
        previous = self.assets.get(asset.rel)
        if previous is not None and previous.key != asset.key:
            raise DeckError(
                f"two placeholders write {asset.rel} with different parameters; "
                "give one of them its own out=…"
            )
        self.assets[asset.rel] = asset
        return asset, make_snippet(asset.rel, self._options(ph, asset))

    def asset_for(self, ph: Placeholder) -> Asset:
        """The asset of a placeholder, not yet recorded in :attr:`assets`."""
        target = ph.target
        suffix = PurePosixPath(target).suffix.lower()
        if target in self.images:
            return self._image(ph)
        if target in self.scenes:
            return self._scene(ph)
        if "/" in target or suffix in IMAGE_SUFFIXES | INTERACTIVE_SUFFIXES or suffix in VIDEO_MIME:
            return self._file(ph)
        known = sorted(self.images | self.scenes)
        close = difflib.get_close_matches(target, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        if not known:
            hint = " (no renderer is installed: convanim.draw.catalogue / convanim.video missing)"
        elif target in _OPERATION_WORDS:
            # `convanim render conv -i …` draws any operation; on a slide, a catalogue entry of
            # that kind takes the same parameters.
            what, example = _OPERATION_WORDS[target]
            hint = (
                f"; for a {what} of your own, give a catalogue entry of that kind your "
                f"parameters, e.g. {{{{CONVANIM:{example}}}}}"
            )
        raise DeckError(f"unknown asset {target!r}{hint} (`convanim list` shows the names)")

    def _options(self, ph: Placeholder, asset: Asset) -> EmbedOptions:
        video = asset_kind(asset.rel) == "video"
        default_alt = (ph.title if video and ph.title else None) or _humane(asset.name)
        template = ph.option("template")
        if template is None and ph.context == "cell":
            template = "inline"  # no wrapper inside a table cell
        if template and template not in TEMPLATES:
            template = str(confined(template, self.deck_dir, "template"))
        return EmbedOptions(
            template=template,
            caption=ph.option("caption"),
            alt=ph.option("alt", None if ph.option("caption") else default_alt),
            source=ph.option("source"),
            source_text=ph.option("source_text"),
            fragment_index=_int_option(ph, "fragment_index"),
            width=ph.option("width"),
            height=ph.option("height"),
            poster=asset.poster_rel,
            template_dir=self.template_dir,
        )

    def _out(self, ph: Placeholder, default: str, allowed: set[str]) -> str:
        rel = ph.option("out") or default
        confined(rel, self.out_dir, "out")
        if PurePosixPath(rel).suffix.lower() not in allowed:
            raise DeckError(f"out={rel!r} must end in one of {', '.join(sorted(allowed))}")
        return PurePosixPath(rel).as_posix()

    def _tag(self, kind: str, target: str, fmt: str, params: tuple) -> str:
        """``""`` for the first parameter set of an asset in the deck, a hash suffix for others."""
        seen = self._variants.setdefault((kind, f"{target}.{fmt}"), [])
        if params not in seen:
            seen.append(params)
        return "" if seen[0] == params else f"-{_digest(params)[:8]}"

    def _image(self, ph: Placeholder) -> Asset:
        params = tuple(sorted(spec_keys(dict(ph.params)).items()))
        self.renderers.check_params("image", ph.target, dict(params))
        default_fmt = self.renderers.image_ext(ph.target).lstrip(".")
        if ph.option("template") == "interactive":
            default_fmt = "html"  # an interactive figure is a page of its own
        fmt = (ph.option("format") or default_fmt).lower()
        if fmt not in ("gif", "png", "html"):
            raise DeckError(f"format={fmt!r}: a catalogue asset is a gif, a png or an html page")
        tag = self._tag("image", ph.target, fmt, params) if not ph.option("out") else ""
        default = f"assets/images/{self.folder}/{ph.target}{tag}.{fmt}"
        rel = self._out(ph, default, {".gif", ".png", ".html"})
        if not self._steps_through(ph.target, rel):
            raise DeckError(
                f"{ph.target} is a still figure with nothing to step through: make it a .png"
            )
        return self.image_asset(ph.target, rel, params)

    def _steps_through(self, name: str, rel: str) -> bool:
        """Whether ``rel`` is a file ``name`` can be: an interactive page (``.html``) only
        of an animation (a GIF by default), never of a still figure."""
        html = PurePosixPath(rel).suffix.lower() == ".html"
        return not html or self.renderers.image_ext(name) == ".gif"

    def image_asset(self, name: str, rel: str, params: tuple = ()) -> Asset:
        """A named image drawn to ``rel``."""
        params_d, inputs = dict(params), []
        if "image" in params_d:  # vision_kernels' own picture: a file of the deck, hashed
            picture = confined(str(params_d["image"]), self.deck_dir, "image")
            if not picture.is_file():
                raise DeckError(f"image={params_d['image']!r}: no such file in the deck's folder")
            params_d["image"] = str(picture.resolve())
            inputs.append(file_digest(picture))
        suffix = PurePosixPath(rel).suffix
        key = _digest("image", name, params, inputs, suffix, self.fingerprint("image"))
        return Asset("image", name, tuple(sorted(params_d.items())), rel, key)

    def _scene(self, ph: Placeholder) -> Asset:
        self.renderers.check_params("scene", ph.target, dict(ph.params))
        fmt = (ph.option("format") or "mp4").lower()
        if f".{fmt}" not in VIDEO_MIME:
            raise DeckError(f"format={fmt!r}: a scene renders to mp4 or webm")
        tag = self._tag("scene", ph.target, fmt, ph.params) if not ph.option("out") else ""
        qdir = quality_folder(self.quality)
        default = f"assets/videos/{self.folder}/{qdir}/{ph.target}{tag}.{fmt}"
        rel = self._out(ph, default, {f".{fmt}"})
        want_poster = _value(ph.option("poster", "yes")) is not False
        return self.scene_asset(ph.target, rel, self.quality, ph.params, want_poster)

    def scene_asset(
        self, name: str, rel: str, quality: str, params: tuple = (), poster: bool = False
    ) -> Asset:
        """A Manim scene rendered to ``rel`` (with its last frame beside it, if ``poster``)."""
        fmt = PurePosixPath(rel).suffix.lstrip(".")
        poster_rel = str(PurePosixPath(rel).with_suffix(".png")) if poster else None
        key = _digest(
            "scene", name, params, fmt, quality, bool(poster_rel), self.fingerprint("scene")
        )
        return Asset("scene", name, params, rel, key, quality, poster_rel)

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

    # ------------------------------------------------------------------ hand-written references

    def recognise(self, rel: str) -> Asset | None:
        """The asset a renderer makes at ``rel``, judged by its file name, or ``None``.

        ``…/dilation.gif`` is the catalogue's animation as a GIF (``.html``: its interactive
        page, for an ``<iframe>``); ``…/1080p60/Scene.mp4`` the scene at that quality (without
        a folder naming one: the deck's quality).
        """
        pure = PurePosixPath(rel)
        stem, suffix = pure.stem, pure.suffix.lower()
        if suffix in (".gif", ".png", ".html") and stem in self.images:
            if self._steps_through(stem, rel):  # an <iframe> of …/dilation.html: its page
                return self.image_asset(stem, pure.as_posix())
        if suffix in (".mp4", ".webm") and stem in self.scenes:
            quality = _quality_in(rel) or self.quality
            return self.scene_asset(stem, pure.as_posix(), quality)
        return None

    def plan_reference(self, ref: Reference) -> Asset | None:
        """What a hand-written reference needs: a copy of the deck's own file, a render at its
        path, or nothing (recorded in :attr:`missing`). Paths already planned are left alone.
        """
        if ref.rel in self.assets:
            return None
        try:
            source = confined(ref.rel, self.deck_dir, "path")
        except DeckError:
            self.missing.append(Missing(ref.rel, ref.line, ref.slide))
            return None
        if source.is_file() and not source.resolve().is_relative_to(self.out_dir.resolve()):
            stat = source.stat()
            key = _digest("copy", stat.st_size, stat.st_mtime_ns)
            asset = Asset("file", PurePosixPath(ref.rel).stem, (), ref.rel, key, source=str(source))
        else:
            asset = self.recognise(ref.rel)
            if asset is None:
                if not source.exists():
                    self.missing.append(Missing(ref.rel, ref.line, ref.slide))
                return None
        self.assets[ref.rel] = asset
        return asset


def _humane(name: str) -> str:
    return name.replace("_", " ").strip()


def _int_option(ph: Placeholder, key: str) -> int | None:
    value = ph.option(key)
    if value is None:
        return None
    if not re.fullmatch(r"\d{1,6}", value):
        raise DeckError(f"{key}={value!r} must be a whole number >= 0")
    return int(value)


def with_folder(asset: Asset, old: str, new: str) -> Asset:
    """``asset`` moved from ``assets/…/<old>/`` to ``assets/…/<new>/`` (``embed`` without a deck)."""

    def move(rel: str | None) -> str | None:
        return rel.replace(f"/{old}/", f"/{new}/" if new else "/", 1) if rel else rel

    return replace(asset, rel=move(asset.rel), poster_rel=move(asset.poster_rel))
