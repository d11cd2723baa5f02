"""Video benchmark: every scene at 480p15, FIRConvolution1D at 1080p60, the cached re-render.

Targets (issue 5): FIRConvolution1D at 1080p60 in under 2 minutes on 2 cores; a cached
re-render (unchanged scene, parameters, versions) under 1 s. Ratios are against the
FIRConvolution1D 480p15 render of the same run. Renders go through the public API
(:func:`convanim.video.render_scene`, Manim in a subprocess) with a fresh cache folder, so the
first render pays for LaTeX and Pango too ("cold"); the CLI no-op is timed as a user sees it.

    .venv/bin/python benchmarks/bench_video.py            # everything (a few minutes)
    .venv/bin/python benchmarks/bench_video.py --quick    # FIR only
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="FIRConvolution1D only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONVANIM_CACHE_DIR"] = str(Path(tmp) / "cache")
        from convanim import video

        out = Path(tmp) / "videos"
        rows: list[tuple[str, str, float, float, float]] = []

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
            rows.append((scene, video.resolve_quality(quality).folder, seconds, cpu, length))
            return seconds

        base = timed("FIRConvolution1D", "low")
        if not args.quick:
            for scene in video.SCENE_NAMES[1:]:
                timed(scene, "low")
        hd = timed("FIRConvolution1D", "1080p60")

        # The cached re-render, as a user runs it: a fresh `convanim render` process.
        cmd = [sys.executable, "-m", "convanim", "render", "FIRConvolution1D", "-q", "1080p60"]
        cmd += ["-o", str(out)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        cached_cli = time.perf_counter() - start
        start = time.perf_counter()
        video.render_scene("FIRConvolution1D", out, quality="1080p60")
        cached_api = time.perf_counter() - start

    # On a shared machine wall time swings with the load; the renderer's CPU time (Manim and
    # LaTeX subprocesses) does not, so both are printed.
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    head = f"{'scene':<22} {'quality':<8} {'render s':>9} {'cpu s':>7} {'video s':>8}"
    print(head + f" {'x FIR 480p15':>13}")
    for scene, folder, seconds, cpu, length in rows:
        print(
            f"{scene:<22} {folder:<8} {seconds:9.2f} {cpu:7.2f} {length:8.2f}"
            f" {seconds / base:13.2f}"
        )
    verdict = "ok" if hd < 120 else "OVER"
    print(f"FIRConvolution1D 1080p60: {hd:.1f} s (target < 120 s: {verdict})")
    verdict = "ok" if cached_cli < 1 else "OVER"
    print(
        f"cached re-render: CLI {cached_cli:.3f} s (target < 1 s: {verdict}), API {cached_api:.3f} s"
    )


if __name__ == "__main__":
    main()
