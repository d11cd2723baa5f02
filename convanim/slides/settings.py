"""A deck's build settings, written once beside the deck instead of repeated as flags.

Read, first found wins, from: the command line; the deck's front matter (a ``convanim:`` block);
``convanim.toml`` beside the deck; what the last build into the same folder recorded in its
manifest; the defaults. So ``build``, ``build --check`` and ``embed`` agree without flags.

``convanim.toml``::

    assets_dir = "04-convolutional_layers"   # assets/images/<assets_dir>/, assets/videos/<…>/
    quality = "1080p60"
    theme = "white"
    template_dir = "templates"
    css = ["lecture.css"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from convanim.slides.deck import DeckError, front_matter

CONFIG_FILE = "convanim.toml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


@dataclass(frozen=True)
class DeckSettings:
    """How a deck is built. Paths are as written: relative to the deck's folder."""

    assets_dir: str | None = None  # None: the deck's file name without its suffix
    quality: str | None = None  # None: the deck's own videos' quality folder, else low
    theme: str = "white"
    template_dir: str | None = None
    css: tuple[str, ...] = ()

    def folder(self, deck: Path) -> str:
        """The sub-folder of ``assets/images`` and ``assets/videos`` the deck's assets go to."""
        return self.assets_dir or deck.stem

    def record(self) -> dict:
        """What the manifest keeps (JSON)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


_KEYS = {f.name for f in fields(DeckSettings)}


def _clean(raw: dict, where: str) -> dict:
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise DeckError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}"
        )
    out = {}
    for key, value in raw.items():
        if key == "css":
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise DeckError(f"{where}: css must be a file name or a list of them")
            out[key] = tuple(value)
        elif not isinstance(value, str):
            raise DeckError(f"{where}: {key} must be text, not {value!r}")
        else:
            out[key] = value
    if out.get("assets_dir") is not None and not _NAME.match(out["assets_dir"]):
        raise DeckError(
            f"{where}: assets_dir {out['assets_dir']!r} must be a folder name "
            "(letters, digits, . _ -, no '..')"
        )
    return out


def read_settings(deck: Path, text: str) -> dict:
    """The settings the deck's front matter and its ``convanim.toml`` give (front matter wins)."""
    found: dict = {}
    config = deck.parent / CONFIG_FILE
    if config.is_file():
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DeckError(f"{config}: {exc}") from None
        data = data.get("convanim", data)
        found.update(_clean(data, str(config)))
    matter, _ = front_matter(text)
    found.update(_clean(matter, f"{deck.name}: front matter"))
    return found


def resolve(deck: Path, text: str, given: dict, recorded: dict | None = None) -> DeckSettings:
    """The settings of a build: ``given`` (command line, ``None`` = not given) over the files,
    over ``recorded`` (the last build's), over the defaults."""
    merged: dict = {}
    if recorded:
        try:
            merged.update(_clean({k: v for k, v in recorded.items() if v is not None}, "manifest"))
        except DeckError:
            merged = {}  # an old or damaged record is ignored, not fatal
    merged.update(read_settings(deck, text))
    merged.update(_clean({k: v for k, v in given.items() if v is not None}, "command line"))
    return DeckSettings(**merged)
