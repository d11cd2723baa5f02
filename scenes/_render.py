"""Render one scene in this (fresh) interpreter: ``python -m convanim.scenes._render job.json``.

:func:`convanim.video.runner.render_scene` writes the job file and runs this module in a subprocess,
so Manim's global ``config`` never outlives one render and the CLI process never imports
Manim. Only configuration keys that exist in Manim 0.19 to 0.22 are set (0.22 removed several
and ``tempconfig`` silently drops unknown ones), and the written file is read back from the
scene's file writer rather than guessed from Manim's folder naming.

On success the file ``result.json`` beside the job names the output; on failure the last line
on stderr starts with ``convanim-render-error:`` and the exit status is 1.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any


def _config_for(job: dict[str, Any]) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "pixel_width": job["width"],
        "pixel_height": job["height"],
        "frame_rate": job["fps"],
        "media_dir": job["media_dir"],
        "output_file": job["scene"],
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "format": job["format"],
    }
    for key in ("tex_dir", "text_dir"):
        if job.get(key):
            cfg[key] = job[key]
    if job.get("transparent"):
        cfg["transparent"] = True
        cfg["background_opacity"] = 0.0
    if job.get("dry_run"):
        cfg["dry_run"] = True
    return cfg


def _written(scene: Any, job: dict[str, Any]) -> Path:
    writer = scene.renderer.file_writer
    try:
        path = writer.image_file_path if job["format"] == "png" else writer.movie_file_path
        if Path(path).is_file():
            return Path(path)
    except AttributeError:
        pass
    # Older Manim versions name files differently: take the newest file of the right kind.
    suffix = "." + job["format"]
    found = [p for p in Path(job["media_dir"]).rglob(f"*{suffix}") if "partial" not in str(p)]
    if not found:
        raise RuntimeError(f"Manim wrote no {suffix} file")
    return max(found, key=lambda p: p.stat().st_mtime)


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Render ``job`` (see :func:`convanim.video.runner._run_manim`): the written file, the
    video's duration and its step marks (seconds, on whole frames)."""
    from manim import tempconfig

    module = importlib.import_module(job["module"])
    scene_class = getattr(module, job["scene"])
    with tempconfig(_config_for(job)):
        scene = scene_class(params=job["params"])
        scene.render()
        path = _written(scene, job)
        return {
            "path": str(path.resolve()),
            "duration": round(scene.renderer.time * job["fps"]) / job["fps"],
            "steps": list(getattr(scene, "marks", [])),
        }


def _explain(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, FileNotFoundError) and ("latex" in text or "dvisvgm" in text):
        return f"{text}: LaTeX/dvisvgm missing (see `convanim doctor`)"
    return f"{type(exc).__name__}: {text}"


def main(argv: list[str]) -> int:
    job_file = Path(argv[0])
    job = json.loads(job_file.read_text())
    try:
        result = run(job)
    except Exception as exc:  # noqa: BLE001 - reported as one line to the parent process
        import traceback

        traceback.print_exc()
        print(f"convanim-render-error: {_explain(exc)}", file=sys.stderr)
        return 1
    (job_file.parent / "result.json").write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
