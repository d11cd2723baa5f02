"""Import weight: ``import convanim`` and every ``convanim shape …`` load no NumPy, Pillow, Manim
or torch (click's import-weight test, done in a fresh interpreter so nothing else leaks in)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import cli_args

HEAVY = ("numpy", "PIL", "manim", "torch")

PROBE = """
import atexit, sys
HEAVY = {heavy!r}
def report():
    loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(HEAVY))
    sys.stderr.write("HEAVY:" + ",".join(loaded) + "\\n")
atexit.register(report)
{body}
"""


def loaded_heavy(body: str) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    code = PROBE.format(heavy=HEAVY, body=body)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    line = [x for x in proc.stderr.splitlines() if x.startswith("HEAVY:")][-1]
    return [m for m in line[len("HEAVY:") :].split(",") if m], proc


def test_import_convanim_is_light() -> None:
    heavy, proc = loaded_heavy(
        "import convanim, convanim.core.shapes, convanim.core.frameworks, convanim.core.stack"
    )
    assert proc.returncode == 0, proc.stderr
    assert heavy == []


@pytest.mark.parametrize(
    "command",
    [
        "--help",
        "shape conv -i 6x6 -k 3 -s 2 -p 1",
        "shape conv -i 6x6 -k 3 -s 2 -p same --framework tf --json",
        "shape transposed -i 3x3 -k 3 -s 2 -p 1 --output-padding 1",
        "shape pool -i 5 -k 2 --ceil-mode --kind avg",
        "shape adaptive -i 10 --output-size 3 --json",
        "shape stack --preset vgg16 --json",
        "shape conv -i 6 -k abc",  # the error path too
    ],
    ids=lambda c: " ".join(c.split()[:2]),
)
def test_convanim_shape_is_light(command: str) -> None:
    argv = cli_args(command)
    heavy, proc = loaded_heavy(f"from convanim.cli import main\nmain({argv!r})")
    assert proc.returncode in (0, 2), proc.stderr
    assert heavy == [], f"convanim {' '.join(argv)} imported {heavy}"
