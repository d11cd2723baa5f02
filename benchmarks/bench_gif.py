"""The 15 conv_arithmetic animations at their default sizes: time and bytes.

    .venv/bin/python benchmarks/bench_gif.py [--repeat 3] [--threads 2]

Figures printed (best of ``--repeat``):

* the whole catalogue rendered in one process, sequentially, and with ``--threads`` worker
  threads (Pillow and NumPy release the GIL while they draw, quantise and compress);
* the total size of the 15 files, against conv_arithmetic's own GIFs (3,398,746 bytes at the
  same pixel sizes, measured from the repository) and against Pillow's own GIF writer on the
  same quantised frames (the baseline of this run: ``save_all`` with ``optimize``).

Targets: under 3 s for the catalogue in one process on 2 cores; under 850 KB for the 15 files.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from convanim.draw import catalogue, gif

CONV_ARITHMETIC_BYTES = 3_398_746  # sum of the 15 committed GIFs (reference/conv_arithmetic.md)
TARGET_SECONDS = 3.0
TARGET_BYTES = 850_000


def render_all(folder: Path, threads: int) -> float:
    names = [e.name for e in catalogue.ARITHMETIC]
    start = time.perf_counter()
    if threads <= 1:
        for name in names:
            catalogue.render_named(name, folder)
    else:
        names.sort(key=lambda n: -catalogue.get(n).frames())
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda n: catalogue.render_named(n, folder), names))
    return time.perf_counter() - start


def pillow_baseline_bytes() -> int:
    """The same frames written by Pillow's GIF writer (its delta frames, same palette)."""
    total = 0
    for entry in catalogue.ARITHMETIC:
        plan = catalogue.plan_named(entry.name)
        frames = [gif._quantize(f, "solarized") for f in gif.render_frames(plan)]
        buf = io.BytesIO()
        frames[0].save(
            buf,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=plan.durations,
            loop=0,
            optimize=True,
        )
        total += buf.tell()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    catalogue.render_named("no_padding_no_strides", Path(tempfile.mkdtemp()))  # warm imports
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cpu = []
        walls = []
        for _ in range(args.repeat):
            c0 = time.process_time()
            walls.append(render_all(folder, 1))
            cpu.append(time.process_time() - c0)
        seq = min(walls)
        par = min(render_all(folder, args.threads) for _ in range(args.repeat))
        sizes = {p.name: p.stat().st_size for p in folder.glob("*.gif")}
    ours = sum(sizes.values())
    frames = sum(e.frames() for e in catalogue.ARITHMETIC)
    baseline = pillow_baseline_bytes()
    print(f"cores available: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print(f"15 animations, {frames} frames")
    print(
        f"time, one process, sequential:       {seq:6.2f} s  ({seq / frames * 1000:.1f} ms/frame)"
    )
    # CPU seconds do not grow when other processes share the cores (wall time does).
    print(f"CPU time, sequential:                {min(cpu):6.2f} s")
    print(
        f"time, one process, {args.threads} threads:        {par:6.2f} s  "
        f"(x{seq / par:.2f} vs sequential; target < {TARGET_SECONDS} s: "
        f"{'ok' if min(seq, par) < TARGET_SECONDS else 'MISSED'})"
    )
    print(
        f"bytes, 15 files:                  {ours:9,d}  (target < {TARGET_BYTES:,d}: "
        f"{'ok' if ours < TARGET_BYTES else 'MISSED'})"
    )
    print(
        f"  vs conv_arithmetic's GIFs      {CONV_ARITHMETIC_BYTES:9,d}  (ours x{ours / CONV_ARITHMETIC_BYTES:.2f})"
    )
    print(f"  vs Pillow's GIF writer, same frames {baseline:9,d}  (ours x{ours / baseline:.2f})")
    for name in sorted(sizes, key=sizes.get, reverse=True)[:5]:
        print(f"    {name:44s} {sizes[name]:8,d}")


if __name__ == "__main__":
    main()
