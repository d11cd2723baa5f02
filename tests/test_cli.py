"""The CLI as a whole: every command has help and is documented, errors are one line, and a
regular (non-editable) install works from any directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import cli_args, run_convanim

from convanim.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    command = cli.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None and (command.help or command.short_help)
    assert re.search(rf"convanim {name}\b", README), f"`convanim {name}` is not in the README"


def test_top_level_help_lists_every_command() -> None:
    result = run_convanim()
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "make demo" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


@pytest.mark.parametrize(
    "args",
    [
        ["nosuch"],
        ["shape", "conv", "-i", "6x6", "-k", "abc"],
        ["shape", "conv", "-i", "0x-3", "-k", "3"],
        ["shape", "conv", "-i", "6", "-k", "3", "-p", "same", "-s", "2"],
        ["shape", "transposed", "-i", "3", "-k", "3", "-s", "2", "--output-padding", "5"],
        ["compute", "conv2d", "--input", "[[1,2],[3]]", "--weight", "[[1]]"],
        ["render", "no_such_animation", "-o", "x.gif"],
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    result = run_convanim(*args, cwd=tmp_path)
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_regular_install_works_from_any_directory(tmp_path: Path) -> None:
    """`pip install .` (not editable) ships the engine, scenes and templates packages."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import convanim, convanim.engine, convanim.scenes, convanim.templates, "
        "importlib.resources as r; "
        "print(convanim.__file__); "
        "print(sorted(p.name for p in r.files('convanim.templates').iterdir()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith(str(target))
    assert ".html" in out.stdout  # template files travel with the package
    shape = run_convanim(
        *cli_args("shape conv -i 6x6 -k 3 -s 2 -p 1 --json"), cwd=tmp_path, env=env
    )
    assert shape.returncode == 0, shape.stderr
    assert json.loads(shape.stdout)["output"] == [3, 3]
