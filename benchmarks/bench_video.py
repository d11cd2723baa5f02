"""Video benchmark: every scene at 480p15 and 1080p60, render time per second of video, and the
cached re-render.

Targets (issues 5 and 11): FIRConvolution1D at 1080p60 in under 2 minutes on 2 cores; render
time per second of video no worse than before the speaking pace made the videos longer; a
cached re-render (unchanged scene, parameters, versions) under 1 s. Renders go through the
public API (:func:`convanim.video.render_scene`, Manim in a subprocess) with a fresh cache
folder, so the first render pays for LaTeX and Pango too ("cold"); the CLI no-op is timed as a
user sees it.

    .venv/bin/python benchmarks/bench_video.py                  # everything (many minutes)
    .venv/bin/python benchmarks/bench_video.py --quick          # FIR only
    .venv/bin/python benchmarks/bench_video.py --scenes Conv2D,MaxPool2D
    .venv/bin/python benchmarks/bench_video.py --keep DIR --json DIR/bench.json

Figures from two runs of this script at different loads do not compare: to compare two versions
of the scenes, render them alternately in one run with ``bench_video_paired.py`` (each tree with
its own venv); ``profile_video.py`` says where one render's time goes (frames x mobjects redrawn
per play, CPU by stage, cProfile) and ``compare_videos.py`` whether two renders show the same.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="FIRConvolution1D only")
    parser.add_argument("--scenes", help="comma-separated scene names (default: every scene)")
    parser.add_argument("--keep", type=Path, help="copy the rendered videos into this folder")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--qualities", default="low,1080p60", help="default: %(default)s")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONVANIM_CACHE_DIR"] = str(Path(tmp) / "cache")
        from convanim import video

        out = Path(tmp) / "videos"
        rows: list[dict] = []

        def child_cpu() -> float:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            return usage.ru_utime + usage.ru_stime

        def timed(scene: str, quality: str) -> float:
            start, cpu = time.perf_counter(), child_cpu()
            path = video.render_scene(scene, out, quality=quality, force=True)
            seconds = time.perf_counter() - start
            cpu = child_cpu() - cpu
            import av

            with av.open(str(path)) as c:
                length = c.duration / 1e6
            folder = video.resolve_quality(quality).folder
            rows.append(
                {
                    "scene": scene,
                    "quality": folder,
                    "render_s": round(seconds, 2),
                    "cpu_s": round(cpu, 2),
                    "video_s": round(length, 2),
                    "render_per_video_s": round(seconds / length, 3),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
            if args.keep:
                (args.keep / folder).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, args.keep / folder / path.name)
            return seconds

        scenes = video.SCENE_NAMES[:1] if args.quick else video.SCENE_NAMES
        if args.scenes:
            scenes = tuple(args.scenes.split(","))
            unknown = set(scenes) - set(video.SCENE_NAMES)
            if unknown:
                parser.error(f"unknown scenes {sorted(unknown)}; scenes: {video.SCENE_NAMES}")
        for quality in args.qualities.split(","):
            for scene in scenes:
                timed(scene, quality)

        # The cached re-render, as a user runs it: a fresh `convanim render` process.
        cmd = [sys.executable, "-m", "convanim", "render", "FIRConvolution1D", "-q", "low"]
        cmd += ["-o", str(out)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        cached_cli = time.perf_counter() - start

    # On a shared machine wall time swings with the load; the renderer's CPU time (Manim and
    # LaTeX subprocesses) does not, so both are printed.
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"{'scene':<22} {'quality':<8} {'render s':>9} {'cpu s':>7} {'video s':>8} {'s/s':>6}")
    for r in rows:
        print(
            f"{r['scene']:<22} {r['quality']:<8} {r['render_s']:9.2f} {r['cpu_s']:7.2f}"
            f" {r['video_s']:8.2f} {r['render_per_video_s']:6.2f}"
        )
    verdict = "ok" if cached_cli < 1 else "OVER"
    print(f"cached re-render: CLI {cached_cli:.3f} s (target < 1 s: {verdict})")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "cached_cli_s": cached_cli}, indent=1))


if __name__ == "__main__":
    main()
