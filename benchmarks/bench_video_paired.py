"""Paired video benchmark: the same scene rendered by two source trees in turn (old, new, old,
new ...), cold cache each time, and the Manim child's CPU seconds per second of video.

On a shared machine the load swings between runs, so figures from two separate benchmark runs
do not compare; taken alternately in one run, old and new see the same load. Each tree renders
with its own virtual environment (``TREE/.venv/bin/python``): an editable install maps
``convanim.scenes`` to the tree it was installed from, so one interpreter cannot run both.

    .venv/bin/python benchmarks/bench_video_paired.py --base /work/wt-base --scenes Conv2D
    .venv/bin/python benchmarks/bench_video_paired.py --base ../old --qualities 1080p60 --rounds 1
    .venv/bin/python benchmarks/bench_video_paired.py --base ../old --json paired.json

The figure compared is ``cpu s per video s``: user + system CPU of the render's subprocesses
(Manim, LaTeX, dvisvgm, the encoder threads), from ``getrusage(RUSAGE_CHILDREN)`` in a worker
process that does nothing but the render; wall time is printed too but follows the load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

# Runs inside the tree's own interpreter: one cold render, its figures as one JSON line.
WORKER = r"""
import json, os, resource, sys, tempfile, time
from pathlib import Path
scene, quality = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as tmp:
    os.environ["CONVANIM_CACHE_DIR"] = str(Path(tmp) / "cache")
    from convanim import video
    import av
    def cpu():
        u = resource.getrusage(resource.RUSAGE_CHILDREN)
        return u.ru_utime + u.ru_stime
    start, c0 = time.perf_counter(), cpu()
    path = video.render_scene(scene, Path(tmp) / "out", quality=quality, force=True)
    wall, cpu_s = time.perf_counter() - start, cpu() - c0
    with av.open(str(path)) as c:
        length = c.duration / 1e6
        frames = c.streams.video[0].frames
    print(json.dumps({"wall_s": wall, "cpu_s": cpu_s, "video_s": length, "frames": frames}))
"""


def render_once(tree: Path, scene: str, quality: str) -> dict:
    """One cold render of ``scene`` by ``tree``'s own interpreter and sources."""
    python = tree / ".venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVANIM_")}
    proc = subprocess.run(
        [str(python), "-c", WORKER, scene, quality],
        capture_output=True,
        text=True,
        cwd=tree,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"Error: {tree} failed to render {scene}: {proc.stderr.strip()[-400:]}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row["per_video_s"] = row["cpu_s"] / row["video_s"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the old tree (with .venv)")
    parser.add_argument("--new", type=Path, default=HERE, help="the new tree (default: this one)")
    parser.add_argument("--scenes", default="Conv2D", help="comma-separated scene names")
    parser.add_argument("--qualities", default="low", help="comma-separated (default: low)")
    parser.add_argument("--rounds", type=int, default=2, help="old+new pairs per scene")
    parser.add_argument("--json", type=Path, help="also write every render's figures here")
    parser.add_argument(
        "--new-first", action="store_true", help="start each scene with the new tree"
    )
    args = parser.parse_args()

    trees = {"old": args.base.resolve(), "new": args.new.resolve()}
    for name, tree in trees.items():
        if not (tree / ".venv" / "bin" / "python").is_file():
            parser.error(f"{name} tree {tree} has no .venv (run scripts/setup.sh there)")
    rows: list[dict] = []
    for quality in args.qualities.split(","):
        for scene in args.scenes.split(","):
            for rnd in range(args.rounds):
                # Alternate which tree goes first, so neither always meets the same neighbour.
                order = ("old", "new") if (rnd + args.new_first) % 2 == 0 else ("new", "old")
                for which in order:
                    row = render_once(trees[which], scene, quality)
                    row.update(scene=scene, quality=quality, tree=which, round=rnd)
                    row["load"] = os.getloadavg()[0]
                    rows.append(row)
                    print(json.dumps(row), flush=True)

    print(f"\ncores: {os.cpu_count()}, {time.strftime('%Y-%m-%d %H:%M')}")
    head = f"{'scene':<22} {'quality':<8} {'video s old/new':>16} {'cpu/video s old':>22}"
    print(head + f" {'new':>22} {'new/old':>8}")
    for quality in args.qualities.split(","):
        for scene in args.scenes.split(","):
            mine = [r for r in rows if r["scene"] == scene and r["quality"] == quality]
            old = [r["per_video_s"] for r in mine if r["tree"] == "old"]
            new = [r["per_video_s"] for r in mine if r["tree"] == "new"]
            vid = [next(r["video_s"] for r in mine if r["tree"] == t) for t in ("old", "new")]

            def fmt(xs: list[float]) -> str:
                return f"{statistics.median(xs):.3f} ({min(xs):.2f}-{max(xs):.2f})"

            ratio = statistics.median(new) / statistics.median(old)
            print(
                f"{scene:<22} {quality:<8} {vid[0]:7.1f}/{vid[1]:<8.1f} {fmt(old):>22}"
                f" {fmt(new):>22} {ratio:8.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
