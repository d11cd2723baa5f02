"""Rendering a scene: the cache first, else Manim in a fresh interpreter.

Manim only ever runs in a subprocess (:mod:`convanim.scenes._render`), with its own caching
disabled, so one render cannot leak configuration into the next and the CLI never imports it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from convanim._files import copy_atomic, file_digest, write_atomic
from convanim.video import cache
from convanim.video.doctor import require, require_manim, scene_requirements
from convanim.video.formats import Quality, check_format, output_path, resolve_quality
from convanim.video.registry import PARAMS_ENV, SCENE_MODULES, check_scene, resolve_params

__all__ = ["RenderError", "render_scene", "steps_path", "steps_script_path", "write_steps"]


class RenderError(RuntimeError):
    """Manim failed; the message is the last meaningful line of its output."""


def steps_path(video: Path) -> Path:
    """The step boundaries written beside a video: ``FIR.mp4`` -> ``FIR.steps.json``."""
    return video.with_suffix(".steps.json")


def steps_script_path(video: Path) -> Path:
    """The same boundaries for a browser, with the reveal.js player: ``FIR.steps.js``."""
    return video.with_suffix(".steps.js")


def _write_steps(target: Path, record: dict[str, Any]) -> None:
    """``target``'s step files from its cache record: the JSON, and the player script that the
    ``steps`` snippet loads (the player, then this video's boundaries)."""
    from importlib import resources

    marks = [float(t) for t in record["steps"]]
    data = {
        "scene": record["scene"],
        "video": target.name,
        "fps": record["fps"],
        "duration": record["duration"],
        # The title state is held until the first mark: the player starts there, and each
        # press plays to the next boundary.
        "start": marks[0] if marks else 0.0,
        "steps": marks[1:],
    }
    text = json.dumps(data, indent=1) + "\n"
    write_atomic(steps_path(target), text.encode())
    player = resources.files("convanim.templates").joinpath("steps-player.js").read_text()
    call = (
        f"convanimSteps.define(document.currentScript.getAttribute('src'), {json.dumps(data)});\n"
    )
    write_atomic(steps_script_path(target), (player + call).encode())


def write_steps(
    scene: str,
    video: Path,
    quality: str = "low",
    params: dict | None = None,
    transparent: bool = False,
) -> bool:
    """Write ``video``'s step files (see :func:`render_scene`) from the cache record of the
    render that made it (its format is ``video``'s suffix); ``False`` (and nothing written)
    when the cache has no such render or ``video`` is not that render's file (another renderer
    made it)."""
    fmt = Path(video).suffix.lstrip(".").lower()
    q = resolve_quality(quality)
    resolved = resolve_params(scene, params)
    entry = cache.entry_path(scene, cache.cache_key(scene, resolved, q, fmt, transparent), fmt)
    record = cache.lookup(entry)
    if record is None or "steps" not in record:
        return False
    video = Path(video)
    if not video.is_file() or video.stat().st_size != record["size"]:
        return False
    if file_digest(video) != record["sha256"]:
        return False
    _write_steps(video, record)
    return True


def render_scene(
    scene: str,
    out: Path,
    quality: str = "low",
    fmt: str = "mp4",
    params: dict | None = None,
    force: bool = False,
    transparent: bool = False,
    steps: bool = False,
) -> Path:
    """Render ``scene`` into ``out`` (a file, or a folder getting ``<1080p60>/<Scene>.<fmt>``).

    Returns the written path. Unchanged inputs are a no-op (the content-hash cache); ``force``
    renders again. ``steps`` also writes the step boundaries beside the video (see
    :func:`steps_path`: the times, in seconds, at which a clicker-stepped player pauses, and
    :func:`steps_script_path`: the same for the ``steps`` slide snippet).
    Raises ``ValueError`` for bad parameters, :class:`~convanim.video.doctor.
    MissingRequirementError` when this machine cannot render (with the install command) and
    :class:`RenderError` when Manim fails.
    """
    scene = check_scene(scene)
    q = resolve_quality(quality)
    fmt = check_format(fmt, transparent)
    resolved = resolve_params(scene, params)
    target = output_path(scene, Path(out), q, fmt)
    require_manim()
    key = cache.cache_key(scene, resolved, q, fmt, transparent)
    entry = cache.entry_path(scene, key, fmt)
    record = None if force else cache.lookup(entry)
    fresh = record is None
    if fresh:
        record = _render_into(entry, scene, resolved, q, fmt, transparent)
    if fresh or not _same_file(entry, target):  # a cached no-op leaves the output untouched
        copy_atomic(entry, target)
    if steps:
        _write_steps(target, record)
    return target


def _render_into(
    entry: Path, scene: str, params: dict[str, Any], q: Quality, fmt: str, transparent: bool
) -> dict[str, Any]:
    """Run Manim and store its file (and the scene's step boundaries) as cache ``entry``."""
    require(scene_requirements(scene, fmt))
    try:
        job_dir, result = _run_manim(scene, params, q, fmt, transparent, entry.parent)
    except RenderError:
        # The shared formula/text folders are written by concurrent renders too (a deck build
        # renders in parallel); a half-written SVG read by another process is the one failure
        # a second attempt with private folders cures.
        job_dir, result = _run_manim(
            scene, params, q, fmt, transparent, entry.parent, shared_assets=False
        )
    try:
        extra = {
            "scene": scene,
            "fps": q.fps,
            "duration": result["duration"],
            "steps": result["steps"],
        }
        return cache.store(Path(result["path"]), entry, extra)
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def _same_file(a: Path, b: Path) -> bool:
    if not (a.is_file() and b.is_file()) or a.stat().st_size != b.stat().st_size:
        return False
    return file_digest(a) == file_digest(b)


def _run_manim(
    scene: str,
    params: dict[str, Any],
    q: Quality,
    fmt: str,
    transparent: bool,
    workdir: Path,
    shared_assets: bool = True,
) -> tuple[Path, dict[str, Any]]:
    """Run :mod:`convanim.scenes._render` in a fresh interpreter: (its folder, its result)."""
    workdir.mkdir(parents=True, exist_ok=True)
    job_dir = Path(tempfile.mkdtemp(prefix="job-", dir=workdir))
    job = {
        "scene": scene,
        "module": f"convanim.scenes.{SCENE_MODULES[scene]}",
        "params": params,
        "width": q.width,
        "height": q.height,
        "fps": q.fps,
        "format": fmt,
        "transparent": transparent,
        "media_dir": str(job_dir / "media"),
        **(cache.manim_asset_dirs() if shared_assets else {}),
    }
    job_file = job_dir / "job.json"
    job_file.write_text(json.dumps(job))
    env = dict(os.environ)
    env.pop(PARAMS_ENV, None)
    proc = subprocess.run(
        [sys.executable, "-m", "convanim.scenes._render", str(job_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=job_dir,
    )
    result_file = job_dir / "result.json"
    if proc.returncode != 0 or not result_file.is_file():
        shutil.rmtree(job_dir, ignore_errors=True)
        raise RenderError(f"Manim failed to render {scene}: {_last_line(proc.stderr)}")
    result = json.loads(result_file.read_text())
    if not Path(result["path"]).is_file():
        shutil.rmtree(job_dir, ignore_errors=True)
        raise RenderError(f"Manim reported {result['path']} but did not write it")
    return job_dir, result


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.startswith(("convanim-render-error:", "Error:")):
            return line.split(":", 1)[1].strip()
    return lines[-1] if lines else "no output"
