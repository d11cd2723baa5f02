"""The content-hash cache of rendered videos, verified before anything is served from it.

An entry is two regular files written by :func:`store`: the video and a record beside it
(``<entry>.json``) holding the video's size, SHA-256 and step boundaries. :func:`lookup` serves
an entry only when both are regular files (never symlinks) and the video still has the size and
hash its record says, so a file planted under a cache key, or a link to one elsewhere, is
rendered over rather than copied into a deck.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from convanim._files import (
    code_digest,
    copy_atomic,
    file_digest,
    import_closure,
    package_dirs,
    scene_modules,
    write_atomic,
)
from convanim.video.formats import Quality

__all__ = [
    "cache_dir",
    "cache_key",
    "entry_path",
    "lookup",
    "manim_asset_dirs",
    "source_files",
    "store",
]


def source_files() -> list[Path]:
    """The convanim source files that decide what a scene looks like: this package, every scene
    (loaded by name, so no import leads to them) and what they import within convanim. Editing
    the GIF renderer, the build or the CLI keeps videos cached.
    """
    dirs = package_dirs()
    return import_closure(["convanim.video", *scene_modules(dirs)], dirs)


def _manim_version() -> str:
    from convanim.video.doctor import manim_version

    return manim_version()


def cache_dir() -> Path:
    """``$CONVANIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/convanim``, else ``~/.cache/convanim``."""
    env = os.environ.get("CONVANIM_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "convanim"


def manim_asset_dirs() -> dict[str, str]:
    """Where Manim keeps the SVGs of typeset formulas and Pango text, shared by every render.

    This is not Manim's animation cache (that one stays disabled): compiling ``MathTex`` and
    laying out ``Text`` are the slow part of building a scene, and their files depend only on
    the string, so one folder serves every scene and every run.
    """
    root = cache_dir() / "manim"
    return {"tex_dir": str(root / "Tex"), "text_dir": str(root / "texts")}


def cache_key(
    scene: str, params: Mapping[str, Any], quality: Quality, fmt: str, transparent: bool
) -> str:
    """The content hash of a render: everything that can change a pixel of the output."""
    from convanim import __version__

    record = {
        "scene": scene,
        "params": params,
        "quality": [quality.width, quality.height, quality.fps],
        "format": fmt,
        "transparent": transparent,
        "convanim": __version__,
        "manim": _manim_version(),
        "source": code_digest(source_files(), package_dirs()),
    }
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def entry_path(scene: str, key: str, fmt: str) -> Path:
    """The cache file of one render."""
    return cache_dir() / "video" / f"{scene}-{key}.{fmt}"


def _record_path(entry: Path) -> Path:
    return entry.with_name(entry.name + ".json")


def _regular(path: Path) -> bool:
    """A regular file, not a link to one (``lstat`` does not follow links)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _discard(*paths: Path) -> None:
    for path in paths:
        try:
            os.unlink(path)  # removes a symlink itself, never its target
        except OSError:
            pass


def lookup(entry: Path) -> dict[str, Any] | None:
    """The record of a verified cache entry, or ``None`` (an invalid entry is removed)."""
    record_file = _record_path(entry)
    if not (entry.exists() or entry.is_symlink()):
        return None
    record = None
    if _regular(entry) and _regular(record_file):
        try:
            record = json.loads(record_file.read_text())
        except (OSError, ValueError):
            record = None
    if (
        not isinstance(record, dict)
        or record.get("size") != entry.stat().st_size
        or record.get("sha256") != file_digest(entry)
    ):
        _discard(entry, record_file)
        return None
    return record


def store(produced: Path, entry: Path, extra: Mapping[str, Any]) -> dict[str, Any]:
    """Copy a fresh render into the cache with its record; returns the record."""
    copy_atomic(produced, entry)
    record = {"size": entry.stat().st_size, "sha256": file_digest(entry), **extra}
    write_atomic(_record_path(entry), json.dumps(record, indent=1).encode())
    return record
