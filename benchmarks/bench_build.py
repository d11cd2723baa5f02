"""Cold and warm build times of the demo deck (or any deck), end to end through the CLI.

    .venv/bin/python benchmarks/bench_build.py [--quality low] [--jobs N] [--deck PATH] [--quick]

``--deck ../shared/seed/000_466b0523234d56ea.txt --quick`` times the user's own deck as it is
(its video's quality comes from its 1080p60 folder, whatever --quality says); ``--quick`` skips
the one-job baseline (a cold 1080p60 build costs minutes: run it once).

* cold, 1 job: empty output folder and empty video cache, renders one at a time (the baseline);
* cold, N jobs: the same with parallel renders;
* video cache warm: a fresh output folder, but convanim.video's render cache already holds the
  clip (what a second deck using the same scene pays);
* warm: the same command again, nothing changed (must render nothing, in under 1 s);
* warm --check: the staleness check alone.

Each figure is printed with its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DECK = ROOT / "demo" / "04-convolutional_layers.md"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "convanim", *args], capture_output=True, text=True, env=env
    )
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"convanim {' '.join(args)} failed:\n{proc.stderr}")
    return elapsed, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="low")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--deck", type=Path, default=DECK)
    parser.add_argument("--quick", action="store_true", help="no one-job cold baseline")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="convanim-bench-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, CONVANIM_CACHE_DIR=str(tmp / "video-cache"))
        deck = tmp / "deck" / (args.deck.stem + ".md")  # a copy: a .txt deck builds as .md
        deck.parent.mkdir()
        shutil.copyfile(args.deck, deck)
        rows = []

        def build(label: str, out: Path, *extra: str, fresh: bool = False) -> None:
            if fresh:
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(tmp / "video-cache", ignore_errors=True)
            cmd = ["build", str(deck), "-o", str(out), "--html", "--quality", args.quality]
            seconds, note = timed([*cmd, *extra], env)
            rows.append((label, seconds, note))

        if not args.quick:
            build("cold, 1 job (baseline)", tmp / "a", "-j", "1", fresh=True)
        build(f"cold, {args.jobs} jobs", tmp / "b", "-j", str(args.jobs), fresh=True)
        build("video cache warm, new folder", tmp / "c", "-j", str(args.jobs))
        build("warm (nothing changed)", tmp / "c")
        build("warm --check", tmp / "c", "--check")

    base = rows[0][1]
    print(f"deck {args.deck.name}, quality {args.quality}, {os.cpu_count()} CPUs")
    print(f"{'build':34} {'seconds':>8} {'vs baseline':>12}  output")
    for label, seconds, note in rows:
        print(f"{label:34} {seconds:8.2f} {seconds / base:11.3f}x  {note}")


if __name__ == "__main__":
    main()
