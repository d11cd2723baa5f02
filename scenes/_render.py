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


def _gif_from(movie: Path, out: Path, fps: int) -> Path:
    """``movie`` (lossless) as a GIF whose palette is made from the video's own frames.

    Manim's GIF maps every frame to a fixed 3-3-2 colour cube, which puts yellow fringes on
    anti-aliased edges and turns grey text yellow; here the 256 colours come from frames
    sampled across the video: its 64 most frequent colours exactly (the scene's flat colours),
    then the median cut of the blends its edges make; every frame is mapped to them without
    dithering. Identical consecutive frames are merged by Pillow
    (their durations add up); each frame's duration is rounded so the total stays exact.
    """
    import av
    import numpy as np
    from PIL import Image

    with av.open(str(movie)) as container:
        count = container.streams.video[0].frames or 0
    every = max(1, count // 24)
    with av.open(str(movie)) as container:
        sample = [
            f.to_image().convert("RGB")
            for i, f in enumerate(container.decode(video=0))
            if i % every == 0
        ]
    w, h = sample[0].size
    mosaic = Image.new("RGB", (w, h * len(sample)))
    for i, im in enumerate(sample):
        mosaic.paste(im, (0, i * h))
    # The flat colours (slide, cell fills, ink) exactly, as the most frequent ones; the median
    # cut of the rest (anti-aliased blends) fills the palette up.
    counts = sorted(mosaic.getcolors(w * h * len(sample)), reverse=True)
    exact = [c for _, c in counts[:64]]
    blends = mosaic.quantize(256 - len(exact), method=Image.Quantize.MEDIANCUT)
    rest = blends.getpalette()[: 3 * (256 - len(exact))]
    # Blends within a few levels of a flat colour go: Pillow looks the nearest colour up in a
    # coarse cube, which would otherwise pick such a twin for the slide's white itself.
    near = [
        tuple(rest[i : i + 3])
        for i in range(0, len(rest), 3)
        if all(max(abs(a - b) for a, b in zip(rest[i : i + 3], c, strict=True)) > 8 for c in exact)
    ]
    colours = [v for c in exact + near for v in c]
    flat = colours + [0] * (768 - len(colours))
    pal = np.array(flat, dtype=np.int32).reshape(256, 3)

    def paletted(rgb: np.ndarray) -> Image.Image:
        # Each distinct colour of the frame to its nearest palette colour, exactly (Pillow's
        # own lookup goes through a coarse cube and can pick a near twin of the slide's white).
        packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8)
        packed |= rgb[..., 2]
        uniq, inverse = np.unique(packed.ravel(), return_inverse=True)
        colours_in = np.stack([uniq >> 16, (uniq >> 8) & 255, uniq & 255], axis=1)
        nearest = ((colours_in[:, None, :] - pal[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        im = Image.fromarray(nearest.astype(np.uint8)[inverse].reshape(rgb.shape[:2]), "P")
        im.putpalette(flat)
        return im

    def frames():  # streamed: a 1080p60 video does not fit in memory as images
        with av.open(str(movie)) as container:
            for f in container.decode(video=0):
                yield paletted(f.to_ndarray(format="rgb24"))

    n = max(count, 1)
    durations = [round((i + 1) * 1000 / fps) - round(i * 1000 / fps) for i in range(n)]
    stream = frames()
    first = next(stream)
    first.save(out, save_all=True, append_images=stream, duration=durations, loop=0, disposal=1)
    return out


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
        # A GIF is made here from Manim's lossless QuickTime (see _gif_from).
        "format": "mov" if job["format"] == "gif" else job["format"],
    }
    if job["format"] == "gif":
        # Lossless RGB frames for the palette (Manim >= 0.22; older ones keep their default).
        cfg["video_codec"] = "qtrle"
        cfg["pixel_format"] = "rgb24"
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
        path = _written(
            scene, {**job, "format": "mov" if job["format"] == "gif" else job["format"]}
        )
        if job["format"] == "gif":
            path = _gif_from(path, path.with_suffix(".gif"), job["fps"])
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
