"""Suite-wide isolation, and the one way tests run the command line.

Every test session (each xdist worker) gets its own convanim cache. Videos are cached by content
hash in ``$CONVANIM_CACHE_DIR`` (default ``~/.cache/convanim``), and Manim's typeset formulas
and text layouts are shared there too. Without this, two workers (or two test runs in one
checkout) rendering at once would write the same folders, and a warm cache from an earlier run
would turn a real render into a copy.

Tests that run ``convanim`` import :func:`cli_args`, :func:`run_convanim` and :func:`run_main`
from here (``from conftest import cli_args, …``): a command line written as one string, the
real CLI in a subprocess, and the CLI in this process (where monkeypatches apply).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """``python -m convanim ARGS`` in a subprocess (this interpreter), output captured as text;
    ``options`` go to :func:`subprocess.run` (``preexec_fn`` to set limits, ``input`` …)."""
    return subprocess.run(
        [sys.executable, "-m", "convanim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        **options,
    )


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``convanim ARGV`` in this process: (exit status, stdout, stderr)."""
    from convanim.cli import main

    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session", autouse=True)
def _private_convanim_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONVANIM_CACHE_DIR", str(tmp_path_factory.mktemp("convanim-cache")))
        yield


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """A folder for Manim's (unused) media files during scene dry runs (tests/scene_checks)."""
    return tmp_path_factory.mktemp("manim-media")
