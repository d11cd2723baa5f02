"""Suite-wide isolation, and the one way tests run the command line.

Every test session (each xdist worker) gets its own convanim cache. Videos are cached by content
hash in ``$CONVANIM_CACHE_DIR`` (default ``~/.cache/convanim``), and Manim's typeset formulas
and text layouts are shared there too. Without this, two workers (or two test runs in one
checkout) rendering at once would write the same folders, and a warm cache from an earlier run
would turn a real render into a copy.

Tests that run ``convanim`` import :func:`cli_args` and :func:`run_convanim` from here
(``from conftest import cli_args, run_convanim``): a command line written as one string, and
the real CLI in a subprocess.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest


def cli_args(command: str, *more: str) -> list[str]:
    """A command line split as a shell splits it, then ``more`` words taken as they are (paths,
    JSON with spaces).

    >>> cli_args("shape conv -i 6x6 -k 3 -p same", "--json")
    ['shape', 'conv', '-i', '6x6', '-k', '3', '-p', 'same', '--json']
    """
    return [*shlex.split(command), *more]


def run_convanim(
    *args: str | Path,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m convanim ARGS`` in a subprocess (this interpreter), output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "convanim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="session", autouse=True)
def _private_convanim_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONVANIM_CACHE_DIR", str(tmp_path_factory.mktemp("convanim-cache")))
        yield


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """A folder for Manim's (unused) media files during scene dry runs (tests/scene_checks)."""
    return tmp_path_factory.mktemp("manim-media")
