"""Run every benchmark in turn (``make bench``); each prints its own figures and ratios.

Each script compares against a baseline measured in the same run (torch, conv_arithmetic's
published sizes, a cold build), because the machines are noisy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "bench_shape.py",
    "bench_engine.py",
    "bench_gif.py",
    "bench_network.py",
    "bench_html.py",
    "bench_build.py",
    "bench_video.py",
]


def main() -> int:
    failed = []
    for name in SCRIPTS:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.call([sys.executable, str(HERE / name), *sys.argv[1:]]) != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
