"""The catalogue's GIFs: time for the whole catalogue, bytes of the 15 conv_arithmetic ones.

    .venv/bin/python benchmarks/bench_gif.py [--repeat 3] [--threads 2]

Figures printed (best of ``--repeat``):

* the whole catalogue (every entry: the 15 animations, the numerical figures and the deck's
  figures) rendered in one process, sequentially and with ``--threads`` worker threads
  (Pillow and NumPy release the GIL while they draw, reduce, quantise and compress), wall and
  CPU seconds (CPU seconds do not grow when other processes share the cores);
* the total size of the 15 files against conv_arithmetic's own GIFs (3,398,746 bytes at the
  same pixel sizes, measured from the repository), and the colours in their middle frames.

Targets (issue 10): the catalogue within 1.5 s in one process on 2 cores; the 15 files at
most 1.2 MB (35 % of the originals).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from convanim.draw import catalogue, entries

CONV_ARITHMETIC_BYTES = 3_398_746  # sum of the 15 committed GIFs (reference/conv_arithmetic.md)
TARGET_SECONDS = 1.5
TARGET_BYTES = 1_200_000


def render_all(folder: Path, threads: int) -> tuple[float, float]:
    """Wall and CPU seconds for the whole catalogue."""
    names = sorted(catalogue.names(), key=lambda n: -catalogue.get(n).frames())
    start, cpu = time.perf_counter(), time.process_time()
    if threads <= 1:
        for name in names:
            catalogue.render_named(name, folder)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda n: catalogue.render_named(n, folder), names))
    return time.perf_counter() - start, time.process_time() - cpu


def middle_colours(path: Path) -> int:
    with Image.open(path) as im:
        im.seek(im.n_frames // 2)
        return len(im.convert("RGB").getcolors(1 << 16))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    catalogue.render_named("no_padding_no_strides", Path(tempfile.mkdtemp()))  # warm imports
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seq = min((render_all(folder, 1) for _ in range(args.repeat)), key=lambda t: t[0])
        par = min(
            (render_all(folder, args.threads) for _ in range(args.repeat)), key=lambda t: t[0]
        )
        sizes = {e.name: (folder / f"{e.name}.gif").stat().st_size for e in entries.ARITHMETIC}
        colours = [middle_colours(folder / f"{e.name}.gif") for e in entries.ARITHMETIC]
    ours = sum(sizes.values())
    frames = sum(catalogue.get(n).frames() for n in catalogue.names())
    print(f"cores available: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print(f"whole catalogue: {len(catalogue.names())} assets, {frames} frames")
    print(f"one process, sequential:  {seq[0]:6.2f} s wall, {seq[1]:6.2f} s CPU")
    print(
        f"one process, {args.threads} threads:   {par[0]:6.2f} s wall, {par[1]:6.2f} s CPU "
        f"(target <= {TARGET_SECONDS} s: {'ok' if min(seq[0], par[0]) <= TARGET_SECONDS else 'MISSED'})"
    )
    print(
        f"bytes, the 15 animations: {ours:9,d}  (target <= {TARGET_BYTES:,d}: "
        f"{'ok' if ours <= TARGET_BYTES else 'MISSED'}; "
        f"{ours / CONV_ARITHMETIC_BYTES:.0%} of conv_arithmetic's {CONV_ARITHMETIC_BYTES:,d})"
    )
    print(f"colours in the middle frames: {min(colours)} … {max(colours)}")
    for name in sorted(sizes, key=sizes.get, reverse=True)[:5]:
        print(f"    {name:44s} {sizes[name]:8,d}")


if __name__ == "__main__":
    main()
