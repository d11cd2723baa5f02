"""Files written whole or not at all, and content hashes of files and of code (stdlib only).

Shared by the two content-hash caches, the video cache (:mod:`convanim.video`) and the deck
build (:mod:`convanim.slides.build`), so both hash and publish files the same way: through a temporary
file in the target's folder, moved into place with :func:`os.replace`, with the permissions a
plain ``open()`` would give (``0o666`` less the umask), since rendered assets are served to
others and ``mkstemp`` makes its files private (0600). Both also key on the same code: the
import closure of a renderer within convanim (:func:`import_closure`), so a source edit that
makes a deck's video stale also makes the video cache render it again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's content, read in blocks (videos can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def file_mode() -> int:
    """``0o666`` less the umask. Read once: reading the umask means setting it for a moment,
    which would race with files other threads create meanwhile."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# The temporary file beside the target is ".<name>.<8 random><suffix>" (or ".tmp"): its name
# is this much longer than the target's, and must fit too.
_TEMP_EXTRA = 14


def _first_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(".")


def check_output(path: Path | str, what: str = "-o", folder: bool = False) -> None:
    """Refuse, before any work, an output path the OS would refuse after it.

    A file (``folder=False``) must not be an existing folder; a folder must not be an existing
    file; every name must fit the file system (with room for the temporary file written first);
    the nearest existing ancestor must be a folder we can write into (missing folders are made),
    on a file system that takes files (not read-only, not full, not /proc).
    Raises ``ValueError`` naming ``what`` (the option the user gave).
    """
    path = Path(path)
    anchor = _first_existing(path.absolute().parent if not folder else path.absolute())
    try:
        name_max = os.pathconf(anchor, "PC_NAME_MAX")
        path_max = os.pathconf(anchor, "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096
    for part in path.parts:
        extra = _TEMP_EXTRA + len(path.suffix) if part == path.name and not folder else 0
        if len(os.fsencode(part)) + extra > name_max:
            raise ValueError(
                f"{what}: the name {part[:40]!r}… is too long ({len(os.fsencode(part))} bytes; "
                f"this file system allows {name_max - extra} here)"
            )
    if len(os.fsencode(str(path.absolute()))) + _TEMP_EXTRA + 64 > path_max:
        raise ValueError(f"{what}: the path is too long (the limit is {path_max} bytes)")
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"{what} {path}: a file is in the way of the output folder")
    if not folder and path.is_dir():
        raise ValueError(f"{what} {path} is a folder; name the output file (or a new name)")
    if not anchor.is_dir():
        raise ValueError(f"{what} {path}: {anchor} is a file, not a folder")
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {path}: cannot write into {anchor} (permission denied)")
    why = _unwritable_file_system(anchor)
    if why:
        raise ValueError(f"{what} {path}: cannot write into {anchor} ({why})")


def _unwritable_file_system(folder: Path) -> str | None:
    """Why ``folder``'s file system takes no new file, from its statistics, for what access()
    does not tell (root may write anywhere): read-only, out of space, or a virtual file system
    such as /proc that holds no files at all. Nothing is written to find out."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    if st.f_flag & os.ST_RDONLY:
        return "read-only file system"
    if st.f_blocks == 0 and st.f_files == 0:
        return "a virtual file system that holds no files"
    if (st.f_bfree if os.geteuid() == 0 else st.f_bavail) == 0:
        return "no space left on its file system"
    return None


def publish(made: Path | str, path: Path) -> None:
    """Give the finished file ``made`` the usual permissions and move it to ``path``."""
    os.chmod(made, file_mode())
    os.replace(made, path)


def _atomic(path: Path, fill) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    _atomic(Path(path), lambda fh: fh.write(data))


def copy_atomic(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` through a temporary file in ``dst``'s folder."""

    def fill(fh) -> None:
        with open(src, "rb") as source:
            shutil.copyfileobj(source, fh, 1 << 20)

    _atomic(Path(dst), fill)


# --------------------------------------------------------------------------------------------
# The code that draws an asset (both caches key on it)
# --------------------------------------------------------------------------------------------


def package_dirs() -> dict[str, Path]:
    """``convanim`` and ``convanim.scenes`` (installed from another folder) on disk."""
    import importlib.util

    dirs = {"convanim": Path(__file__).resolve().parent}
    spec = importlib.util.find_spec("convanim.scenes")
    if spec and spec.submodule_search_locations:
        dirs["convanim.scenes"] = Path(list(spec.submodule_search_locations)[0]).resolve()
    return dirs


def scene_modules(dirs: dict[str, Path]) -> list[str]:
    """Every module of :mod:`convanim.scenes`: :mod:`convanim.video` loads scenes by name, so
    no import statement leads to them."""
    if "convanim.scenes" not in dirs:
        return []
    root = dirs["convanim.scenes"]
    # Sub-packages too: the scenes' parameter declarations are found by listing, not imported.
    names = (p.relative_to(root).with_suffix("").parts for p in sorted(root.rglob("*.py")))
    return [".".join(("convanim.scenes", *parts)).removesuffix(".__init__") for parts in names]


def _module_file(name: str, dirs: dict[str, Path]) -> tuple[Path, bool] | None:
    """The file of convanim module ``name`` and whether it is a package, without importing."""
    top = "convanim.scenes" if name.startswith("convanim.scenes") else "convanim"
    if top not in dirs:
        return None
    rest = name[len(top) :].lstrip(".")
    base = dirs[top].joinpath(*rest.split(".")) if rest else dirs[top]
    if rest and base.with_suffix(".py").is_file():
        return base.with_suffix(".py"), False
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    return None  # a name imported from a module (``from convanim.plan import THEMES``)


# Import statements, found with regular expressions rather than ``ast`` (parsing every module
# costs ~0.3 s, which a no-op build cannot afford). Lines in strings that look like imports
# only add files to the hash, which is the safe direction.
_FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.M
)
_PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.M)


def _convanim_imports(path: Path, module: str, is_package: bool) -> set[str]:
    """Every convanim module ``path`` imports, at the top or inside a function.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "m.py"
    >>> _ = f.write_text("import os, convanim.shapes as s\\nfrom . import (gif,\\n plan)\\n"
    ...                  "def f():\\n    from .engine.ops import conv2d\\n")
    >>> sorted(_convanim_imports(f, "convanim.m", False))  # doctest: +NORMALIZE_WHITESPACE
    ['convanim', 'convanim.engine.ops', 'convanim.engine.ops.conv2d', 'convanim.gif',
     'convanim.plan', 'convanim.shapes']
    """
    text = path.read_text(encoding="utf-8")
    found: set[str] = set()
    for match in _PLAIN_IMPORT.finditer(text):
        found.update(part.split()[0] for part in match.group(1).split(",") if part.strip())
    for match in _FROM_IMPORT.finditer(text):
        source = match.group(1)
        dots = len(source) - len(source.lstrip("."))
        if dots:
            parts = module.split(".") if is_package else module.split(".")[:-1]
            parts = parts[: len(parts) - (dots - 1)]
            rest = source[dots:]
            source = ".".join(parts + ([rest] if rest else []))
        found.add(source)
        names = match.group(2).strip("() \n")
        found.update(
            f"{source}.{part.split()[0]}" for part in names.split(",") if part.strip()
        )  # ``from convanim import gif`` imports the module convanim.gif
    return {n for n in found if n == "convanim" or n.startswith("convanim.")}


def import_closure(roots: Iterable[str], dirs: dict[str, Path]) -> list[Path]:
    """The files of the convanim modules ``roots`` import, directly or not (each module's parent
    packages too): what can change what they draw, and nothing else."""
    todo = list(roots)
    seen: set[str] = set()
    files: set[Path] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parents run first
        found = _module_file(name, dirs)
        if found is None:
            continue
        path, is_package = found
        files.add(path)
        todo += _convanim_imports(path, name, is_package)
    return sorted(files)


def code_digest(files: Iterable[Path], dirs: dict[str, Path]) -> str:
    """A SHA-256 of source ``files`` (names relative to their package, and contents)."""
    digest = hashlib.sha256()
    for path in files:
        top = "convanim.scenes" if path.is_relative_to(dirs.get("convanim.scenes", "/-")) else ""
        base = dirs[top or "convanim"]
        digest.update(f"{top}:{path.relative_to(base).as_posix()}".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
