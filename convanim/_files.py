"""Files written whole or not at all, and their content hashes (standard library only).

Shared by the two content-hash caches, the video cache (:mod:`convanim.video`) and the deck
build (:mod:`convanim.build`), so both hash and publish files the same way: through a temporary
file in the target's folder, moved into place with :func:`os.replace`, with the permissions a
plain ``open()`` would give (``0o666`` less the umask), since rendered assets are served to
others and ``mkstemp`` makes its files private (0600).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
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
