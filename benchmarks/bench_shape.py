#!/usr/bin/env python3
"""Whole-process time of ``convanim shape conv …`` against the same answer computed by torch.

Both sides are fresh processes, timed end to end (interpreter start, imports, answer, exit),
in one run on the same machine, so the ratio is meaningful even where absolute times are not.
Targets (issue 2): median under 80 ms, and at least 15× faster than the torch route.

Usage: ``.venv/bin/python benchmarks/bench_shape.py [--runs 21] [--torch-runs 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CONVANIM = Path(sys.executable).with_name("convanim")
ARGS = ["shape", "conv", "-i", "6x6", "-k", "3", "-s", "2", "-p", "1", "--json"]
TORCH = (
    "import torch, torch.nn.functional as F, json; "
    "y = F.conv2d(torch.zeros(1, 1, 6, 6), torch.zeros(1, 1, 3, 3), stride=2, padding=1); "
    "print(json.dumps(list(y.shape[2:])))"
)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall-clock and CPU (user + system) seconds of one whole process, and its stdout."""
    cpu, start = _child_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, _child_cpu() - cpu, proc.stdout


def measure(cmd: list[str], runs: int) -> tuple[list[float], list[float], str]:
    timed(cmd)  # warm the page cache; not counted
    results = [timed(cmd) for _ in range(runs)]
    return [w for w, _, _ in results], [c for _, c, _ in results], results[-1][2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--torch-runs", type=int, default=7)
    args = parser.parse_args(argv)
    exe = str(CONVANIM) if CONVANIM.exists() else shutil.which("convanim")
    if exe is None:
        print("convanim is not installed in this environment", file=sys.stderr)
        return 1

    bare, bare_cpu, _ = measure([sys.executable, "-c", "pass"], args.runs)
    ours, ours_cpu, out = measure([exe, *ARGS], args.runs)
    answer = json.loads(out)["output"]
    try:
        theirs, theirs_cpu, torch_out = measure([sys.executable, "-c", TORCH], args.torch_runs)
    except subprocess.CalledProcessError:
        theirs, theirs_cpu, torch_out = [], [], "null"

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    load = os.getloadavg()[0]
    print(f"convanim {' '.join(ARGS)}   (load average {load:.2f} on {os.cpu_count()} CPUs)")
    print(f"  answer {answer}; torch says {json.loads(torch_out)}")
    print("  whole process, median wall-clock (median CPU user+sys):")
    print(
        f"  python -c pass              {ms(bare):7.1f} ms ({ms(bare_cpu):.1f})  {args.runs} runs"
    )
    print(
        f"  convanim shape conv         {ms(ours):7.1f} ms ({ms(ours_cpu):.1f})  {args.runs} runs, "
        f"min {min(ours) * 1000:.1f}, max {max(ours) * 1000:.1f}"
    )
    if theirs:
        print(
            f"  python -c 'import torch; …' {ms(theirs):7.1f} ms ({ms(theirs_cpu):.1f})  "
            f"{args.torch_runs} runs"
        )
        print(
            f"  speed-up {ms(theirs) / ms(ours):.1f}× wall-clock, "
            f"{ms(theirs_cpu) / ms(ours_cpu):.1f}× CPU  (target ≥ 15×)"
        )
        assert json.loads(torch_out) == answer, "convanim and torch disagree"
    else:
        print("  torch is not installed: no baseline")
    verdict = "meets" if ms(ours) < 80 else "MISSES"
    print(
        f"  {verdict} the 80 ms target (wall-clock; {ms(ours) - ms(bare):.1f} ms above a bare "
        "interpreter). On a loaded machine compare the CPU column."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
