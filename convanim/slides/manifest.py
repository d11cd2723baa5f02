"""The build's record of what it wrote into an output folder, and the folder's safety rules.

``OUT/.convanim-cache/manifest.json`` keeps, for every file the build wrote, the key of what it
was made from and its size, modification time and content hash, plus the settings of the last
build. A second build renders nothing; files the build wrote and no longer needs are removed
(only those, and only while unchanged since they were written).

Nothing is ever written through a symbolic link below the output folder: a link planted at
``OUT/reveal.js`` or ``OUT/.convanim-cache`` would otherwise redirect the build's writes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePosixPath

from convanim._files import file_digest, write_atomic
from convanim.slides.deck import DeckError

CACHE_DIR = ".convanim-cache"
MANIFEST_VERSION = 1


def safe_target(out_dir: Path, rel: str) -> Path:
    """``out_dir / rel``, refusing a path whose file or any folder below ``out_dir`` is a link.

    >>> safe_target(Path("/tmp/nowhere-convanim"), "a/b.gif").as_posix()
    '/tmp/nowhere-convanim/a/b.gif'
    """
    path = out_dir
    for part in PurePosixPath(rel).parts:
        if part in ("..", "/"):
            raise DeckError(f"{rel!r} leaves the output folder")
        path = path / part
        if path.is_symlink():
            raise DeckError(
                f"{path} is a symbolic link: the build writes no file through a link in its "
                "output folder (remove it, or build into another folder)"
            )
    return path


def manifest_path(out_dir: Path) -> Path:
    return out_dir / CACHE_DIR / "manifest.json"


def empty() -> dict:
    return {"version": MANIFEST_VERSION, "assets": {}}


def load_manifest(out_dir: Path) -> dict:
    """The record of what earlier builds wrote into ``out_dir`` (empty when there is none)."""
    path = manifest_path(out_dir)
    if path.is_symlink() or path.parent.is_symlink():
        return empty()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty()
    if data.get("version") != MANIFEST_VERSION or not isinstance(data.get("assets"), dict):
        return empty()
    decks = data.get("decks", {})
    if not isinstance(decks, dict) or not all(isinstance(v, list) for v in decks.values()):
        data.pop("decks", None)  # unreadable: every deck then owns what it finds, as before
    return data


def write_manifest(out_dir: Path, manifest: dict) -> None:
    manifest.pop("dirty", None)
    path = safe_target(out_dir, f"{CACHE_DIR}/manifest.json")
    write_atomic(path, json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8"))


def stamp(path: Path) -> dict:
    """Size, modification time and content hash of a file the build wrote."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": file_digest(path)}


def unchanged(path: Path, recorded: dict | None, manifest: dict, entry: dict, field: str) -> bool:
    """Whether ``path`` is still the file recorded. Size and time answer quickly; when only
    the time differs (a copy, a checkout) the hash decides, and the record is refreshed."""
    recorded = recorded or {}
    if not path.is_file() or path.is_symlink():
        return False
    stat = path.stat()
    if stat.st_size != recorded.get("size"):
        return False
    if stat.st_mtime_ns != recorded.get("mtime_ns"):
        if file_digest(path) != recorded.get("sha256"):
            return False  # changed by hand since it was written
        entry[field] = {**recorded, "mtime_ns": stat.st_mtime_ns}
        manifest["dirty"] = True
    return True


def is_current(asset, out_dir: Path, manifest: dict) -> bool:
    """Whether ``asset``'s files are what its key says and untouched since they were written."""
    entry = manifest["assets"].get(asset.rel)
    if not entry or entry.get("key") != asset.key:
        return False
    for rel, field in [(asset.rel, "stamp"), (asset.poster_rel, "poster")]:
        if rel is not None and not unchanged(
            out_dir / rel, entry.get(field), manifest, entry, field
        ):
            return False
    return True


def unneeded(manifest: dict, needed: set[str], deck: str) -> list[str]:
    """Paths the manifest records writing for ``deck`` that its current plan does not need and
    no other deck built into the same folder needs (``manifest["decks"]``: each deck's paths
    at its last build). A deck not recorded yet (a manifest older than the record) owns what
    no recorded deck claims.

    >>> m = {"assets": {"a.gif": {}, "b.gif": {}, "c.gif": {}}, "decks": {"B.md": ["b.gif"]}}
    >>> unneeded(m, {"a.gif"}, "A.md"), unneeded(m, set(), "B.md")
    (['c.gif'], ['b.gif'])
    """
    decks = manifest.get("decks", {})
    others = {rel for name, rels in decks.items() if name != deck for rel in rels}
    mine = set(decks[deck]) if deck in decks else set(manifest["assets"])
    return sorted(rel for rel in mine if rel in manifest["assets"] and rel not in needed | others)


def record_deck(manifest: dict, deck: str, needed: set[str]) -> None:
    """Remember which paths ``deck`` needs, so that another deck's build leaves them be."""
    decks = manifest.setdefault("decks", {})
    if decks.get(deck) != sorted(needed):
        decks[deck] = sorted(needed)
        manifest["dirty"] = True


def remove_unneeded(out_dir: Path, manifest: dict, needed: set[str], deck: str) -> list[str]:
    """Delete the files of :func:`unneeded` entries that are unchanged since the build wrote
    them (a file edited by hand is kept, and forgotten); returns the paths removed."""
    removed = []
    for rel in unneeded(manifest, needed, deck):
        entry = manifest["assets"].pop(rel)
        manifest["dirty"] = True
        for path_rel, field in [(rel, "stamp"), (entry.get("poster_rel"), "poster")]:
            if not path_rel:
                continue
            try:
                path = safe_target(out_dir, path_rel)
            except DeckError:
                continue
            if unchanged(path, entry.get(field), manifest, entry, field):
                path.unlink()
                removed.append(path_rel)
                removed += _remove_step_files(path, path_rel)
                _prune(path.parent, out_dir)
    return removed


#: What a clicker-stepped video carries beside it (video.runner.steps_path, steps_script_path).
_STEP_SUFFIXES = (".steps.json", ".steps.js")


def _remove_step_files(video: Path, video_rel: str) -> list[str]:
    """The step files written beside a video the build removes go with it."""
    removed = []
    for suffix in _STEP_SUFFIXES:
        steps = video.with_suffix(suffix)
        if steps.is_file() and not steps.is_symlink():
            steps.unlink()
            removed.append(str(PurePosixPath(video_rel).with_suffix(suffix)))
    return removed


def _prune(folder: Path, out_dir: Path) -> None:
    """Remove folders the removal left empty, up to (not including) ``out_dir``."""
    while folder != out_dir and folder.is_relative_to(out_dir):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


_PARTIAL = re.compile(r"^\..+\.partial-(\d+)\.[A-Za-z0-9]+$")


def remove_stale_partials(folders: set[Path]) -> list[Path]:
    """Temporary ``.NAME.partial-PID.EXT`` files left in ``folders`` by a build that was
    killed (its process is gone); a running build's own files are left alone."""
    removed = []
    for folder in folders:
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in folder.iterdir():
            m = _PARTIAL.match(path.name)
            if m and not _alive(int(m.group(1))) and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
