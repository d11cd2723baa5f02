"""What rendering needs on this machine: ``convanim doctor``'s report and the check made first.

Each optional part (Manim, Cairo, Pango, PyAV, LaTeX, dvisvgm, fonts) is probed without importing
Manim; a missing one names what it disables and the command that installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convanim.video.registry import check_scene

__all__ = [
    "MissingRequirementError",
    "Requirement",
    "manim_version",
    "probe_requirements",
    "require",
    "require_manim",
    "scene_requirements",
]


class MissingRequirementError(RuntimeError):
    """A system requirement (LaTeX, Cairo, …) is missing; the message says how to install it."""

    exit_status = 1  # the CLI prints the message (with the install line) and exits 1


def manim_version() -> str:
    """Manim's installed version, or ``missing``."""
    from importlib import metadata

    try:
        return metadata.version("manim")
    except metadata.PackageNotFoundError:
        return "missing"


@dataclass(frozen=True)
class Requirement:
    """One optional part: found or not, its version, what its absence disables, the fix."""

    name: str
    ok: bool
    version: str
    disables: str
    install: str


def _apt(*packages: str) -> str:
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get install -y {' '.join(packages)}"


def _pip(spec: str) -> str:
    return f"{sys.executable} -m pip install {spec}"


def _command_version(*argv: str) -> str | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0].strip() if proc.returncode == 0 and lines else None


def _module_version(module: str, attr: Callable[[Any], str]) -> str | None:
    import importlib

    try:
        mod = importlib.import_module(module)
        return attr(mod)
    except Exception:  # noqa: BLE001 - a broken C extension is "missing" too
        return None


def _probe_latex(full: bool) -> tuple[str | None, str | None]:
    """(latex version, dvisvgm version); with ``full`` also typeset Manim's preamble once."""
    latex = _command_version("latex", "--version")
    dvisvgm = _command_version("dvisvgm", "--version")
    if latex and full:
        with tempfile.TemporaryDirectory() as tmp:
            tex = Path(tmp) / "probe.tex"
            tex.write_text(
                "\\documentclass[preview]{standalone}\n\\usepackage[english]{babel}\n"
                "\\usepackage{amsmath}\n\\usepackage{amssymb}\n\\begin{document}\n"
                "$y[n] = \\sum_{k=0}^{M-1} h[k] x[n-k]$\n\\end{document}\n"
            )
            try:
                proc = subprocess.run(
                    ["latex", "-interaction=batchmode", "-halt-on-error", tex.name],
                    cwd=tmp,
                    capture_output=True,
                    timeout=60,
                )
            except (OSError, subprocess.SubprocessError):
                proc = None
            if proc is None or proc.returncode != 0:
                latex = None
            elif dvisvgm:
                try:
                    ok = subprocess.run(
                        ["dvisvgm", "--no-fonts", "probe.dvi", "-o", "probe.svg"],
                        cwd=tmp,
                        capture_output=True,
                        timeout=60,
                    ).returncode
                except (OSError, subprocess.SubprocessError):
                    ok = 1
                if ok != 0:
                    dvisvgm = None
    return latex, dvisvgm


def probe_requirements(full: bool = False) -> list[Requirement]:
    """Probe every optional part. ``full`` also typesets a formula (what ``doctor`` does)."""
    manim = manim_version()
    manim = None if manim == "missing" else manim
    cairo = _module_version(
        "cairo", lambda m: f"cairo {m.cairo_version_string()}, pycairo {m.version}"
    )
    pango = _module_version(
        "manimpango", lambda m: f"pango {m.pango_version()}, manimpango {m.__version__}"
    )
    pyav = _module_version(
        "av",
        lambda m: (
            f"PyAV {m.__version__}, libavcodec "
            + ".".join(str(v) for v in m.library_versions["libavcodec"])
        ),
    )
    latex, dvisvgm = _probe_latex(full)
    font = _command_version("fc-match", "sans")
    has_font = bool(font) and ("DejaVu" in font or "Liberation" in font or "Noto" in font)
    return [
        Requirement(
            "manim",
            manim is not None,
            manim or "",
            "every video (convanim render SCENE)",
            _pip("'convanim[manim]'  # or: pip install 'manim>=0.19' av"),
        ),
        Requirement(
            "Cairo",
            cairo is not None,
            cairo or "",
            "every video (Manim draws with Cairo)",
            _apt("libcairo2-dev", "pkg-config") + " && " + _pip("--force-reinstall pycairo"),
        ),
        Requirement(
            "Pango",
            pango is not None,
            pango or "",
            "the numbers and labels in every scene (Manim's Text)",
            _apt("libpango1.0-dev") + " && " + _pip("--force-reinstall manimpango"),
        ),
        Requirement(
            "PyAV/ffmpeg",
            pyav is not None,
            pyav or "",
            "writing mp4/webm/mov/gif files",
            _pip("av"),
        ),
        Requirement(
            "LaTeX",
            latex is not None,
            latex or "",
            "the formulas (MathTex) in every scene",
            _apt("texlive-latex-extra", "texlive-fonts-recommended"),
        ),
        Requirement(
            "dvisvgm",
            dvisvgm is not None,
            dvisvgm or "",
            "the formulas (MathTex turns LaTeX output into shapes with dvisvgm)",
            _apt("dvisvgm"),
        ),
        Requirement(
            "fonts",
            has_font,
            font or "",
            "legible numbers (Pango falls back to a bitmap or missing font)",
            _apt("fonts-dejavu-core"),
        ),
    ]


def scene_requirements(scene: str, fmt: str) -> list[Requirement]:
    """What rendering ``scene`` as ``fmt`` needs: everything but PyAV for a PNG poster."""
    check_scene(scene)
    needed = [r for r in probe_requirements(full=False) if r.name != "fonts"]
    if fmt == "png":
        needed = [r for r in needed if r.name != "PyAV/ffmpeg"]
    return needed


def require(requirements: Sequence[Requirement]) -> None:
    """Raise :class:`MissingRequirementError` naming the first missing part and its fix."""
    missing = [r for r in requirements if not r.ok]
    if missing:
        parts = "; ".join(f"{r.name} is missing ({r.disables}): run `{r.install}`" for r in missing)
        raise MissingRequirementError(f"cannot render: {parts} (details: convanim doctor)")


def require_manim() -> None:
    """Raise :class:`MissingRequirementError` unless Manim is installed: the cheap check made
    before the cache is even looked at, so that a machine without Manim never serves (or is
    told it has) a video it could not make."""
    if manim_version() == "missing":
        install = _pip("'convanim[manim]'  # or: pip install 'manim>=0.19' av")
        raise MissingRequirementError(
            f"cannot render: manim is missing (every video): run `{install}` "
            "(details: convanim doctor)"
        )
