#!/usr/bin/env python3
"""Render times of the network figures (issue 13): AlexNet and VGG-16 as PNG and SVG, and the
receptive-field GIF, in-process (median of several runs, CPU time beside wall time because the
machines are shared), plus one whole ``convanim render stack`` process.

Target: AlexNet PNG + SVG under 1 s. The layout alone (standard library) is timed too, since
the SVG and the tests use nothing else.

Usage: ``.venv/bin/python benchmarks/bench_network.py [--runs 7]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from convanim.draw import network as nw

CONVANIM = Path(sys.executable).with_name("convanim")


def timed(fn, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``fn()``."""
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print(f"{'what':<34} {'wall ms':>8} {'cpu ms':>8}  size")
        for name in ("alexnet2012", "vgg16"):
            result, _ = nw.stack_for(name)
            caption = nw.figure_caption(result, name)
            rows = {
                "layout": lambda r=result, c=caption: nw.layout_network(r, caption=c),
                "svg": lambda r=result, c=caption, n=name: nw.render_network(
                    r, out / f"{n}.svg", caption=c
                ),
                "png": lambda r=result, c=caption, n=name: nw.render_network(
                    r, out / f"{n}.png", caption=c
                ),
            }
            total = 0.0
            for what, fn in rows.items():
                wall, cpu = timed(fn, args.runs)
                path = out / f"{name}.{what}"
                size = f"{path.stat().st_size:,} B" if path.exists() else ""
                print(f"{name + ' ' + what:<34} {wall * 1000:8.1f} {cpu * 1000:8.1f}  {size}")
                total += wall if what != "layout" else 0.0
            print(f"{name + ' png + svg':<34} {total * 1000:8.1f}")
            if name == "alexnet2012" and total >= 1.0:
                print("  over the 1 s target", file=sys.stderr)
                failed = True
        result, _ = nw.stack_for("vgg16")
        wall, cpu = timed(
            lambda: nw.render_receptive_field(result, out / "rf.gif"), max(1, args.runs // 3)
        )
        size = (out / "rf.gif").stat().st_size
        print(
            f"{'vgg16 receptive_field gif (19 fr.)':<34} {wall * 1000:8.1f} {cpu * 1000:8.1f}  {size:,} B"
        )
        start = time.perf_counter()
        subprocess.run(
            [str(CONVANIM), "render", "stack", "--preset", "alexnet2012", "-o", str(out / "a.png")],
            check=True,
            capture_output=True,
        )
        print(
            f"{'process: render stack alexnet2012':<34} {(time.perf_counter() - start) * 1000:8.1f}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
