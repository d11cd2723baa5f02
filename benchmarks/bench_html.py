"""Interactive figures (``-o fig.html``) of the whole catalogue: bytes, render time, load time.

    .venv/bin/python benchmarks/bench_html.py [--repeat 3]

Figures printed, per animation and in total:

* the page's size, against the GIF of the same animation rendered in the same run (the
  baseline), and the target: under 100 kB for every page;
* the time to render it (best of ``--repeat``);
* the time Chromium takes to open it from disk (navigation start to the end of the load
  event, from the browser's own timing; best of ``--repeat`` visits in one browser), through
  ``tests/figure_check.mjs`` (playwright-core driving /usr/bin/chromium). Target: under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from convanim.draw import catalogue

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES = 100_000
TARGET_LOAD_MS = 200.0


def names() -> list[str]:
    """Every catalogue entry with steps to take (the two stills have none)."""
    return [n for n in catalogue.names() if n not in ("ambiguity", "vision_kernels")]


def load_times(pages: list[Path], repeat: int) -> dict[str, float] | None:
    """Chromium's best load time of each page (ms), one browser opening each ``repeat`` times;
    None when no browser is available."""
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not (shutil.which("node") and Path(chromium).is_file()):
        return None
    actions = [{"goto": p.as_uri()} for p in pages for _ in range(repeat)]
    proc = subprocess.run(
        ["node", str(ROOT / "tests" / "figure_check.mjs"), "about:blank", json.dumps(actions)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-1000:])
    report = json.loads(proc.stdout)
    wanted = {"about:blank", *(p.as_uri() for p in pages)}
    if report["pageErrors"] or report["consoleErrors"] or set(report["requests"]) - wanted:
        raise RuntimeError(f"errors or requests leaving the pages: {report}")
    best: dict[str, float] = {}
    for load in report["loads"]:
        best[load["url"]] = min(best.get(load["url"], float("inf")), float(load["ms"]))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="(ignored: one page at a time)")
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in names():
            page = folder / f"{name}.html"
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                catalogue.render_named(name, page)
                best = min(best, time.perf_counter() - start)
            gif = catalogue.render_named(name, folder / f"{name}.gif")
            rows.append([name, page.stat().st_size, gif.stat().st_size, best, None])
        loads = load_times([folder / f"{row[0]}.html" for row in rows], repeat)
        for row in rows:
            row[4] = None if loads is None else loads[(folder / f"{row[0]}.html").as_uri()]
    width = max(len(r[0]) for r in rows)
    print(f"{'name':<{width}}  {'html B':>8}  {'gif B':>8}  {'render ms':>9}  {'load ms':>7}")
    for name, size, gif_size, seconds, load in rows:
        shown = "-" if load is None else f"{load:.0f}"
        print(f"{name:<{width}}  {size:>8,}  {gif_size:>8,}  {seconds * 1000:>9.1f}  {shown:>7}")
    total = sum(r[1] for r in rows)
    largest = max(rows, key=lambda r: r[1])
    loads = [r[4] for r in rows if r[4] is not None]
    print(
        f"\n{len(rows)} pages, {total:,} bytes in all (their GIFs: {sum(r[2] for r in rows):,}); "
        f"largest {largest[0]} {largest[1]:,} bytes (target < {TARGET_BYTES:,})"
    )
    ok = largest[1] < TARGET_BYTES
    if loads:
        print(
            f"load: median {sorted(loads)[len(loads) // 2]:.0f} ms, slowest {max(loads):.0f} ms "
            f"(target < {TARGET_LOAD_MS:.0f} ms)"
        )
        ok = ok and max(loads) < TARGET_LOAD_MS
    else:
        print("load: no Chromium here, not measured")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
