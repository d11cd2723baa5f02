"""Do two renders of a scene show the same thing? Frame by frame, decoded pixels.

A change made only to render faster must not change the video: this decodes both files,
reports the frame counts, the largest per-pixel difference and the frames that differ by
more than the encoder's noise, and writes a side-by-side sheet (old | new | difference x8)
of a few frames to look at.

    .venv/bin/python benchmarks/compare_videos.py old/Conv2D.mp4 new/Conv2D.mp4 --sheet c.png
    .venv/bin/python benchmarks/compare_videos.py OLD_DIR NEW_DIR --sheet-dir sheets/
      (every ``*.mp4`` found under OLD_DIR is matched by name under NEW_DIR)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

#: H.264 at the same settings encodes equal frames to equal frames; a difference above this
#: (in 0-255 levels) is a change in what is drawn, not the encoder's.
NOISE = 3


def frames(path: Path):
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


def compare(old: Path, new: Path, sheet: Path | None, picks: int = 6) -> dict:
    """Frame-by-frame comparison of ``old`` and ``new``; a sheet of ``picks`` frames (the most
    different ones first, then evenly spread ones) when ``sheet`` is given."""
    diffs: list[int] = []
    changed: list[int] = []
    kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    n_old = n_new = 0
    for i, (a, b) in enumerate(zip(frames(old), frames(new), strict=False)):
        d = np.abs(a.astype(np.int16) - b.astype(np.int16))
        diffs.append(int(d.max()))
        if d.max() > NOISE:
            changed.append(i)
        if sheet is not None and (i % 25 == 0 or d.max() > NOISE):
            kept[i] = (a, b)
    n_old = sum(1 for _ in frames(old))
    n_new = sum(1 for _ in frames(new))
    result = {
        "old": str(old),
        "new": str(new),
        "frames": (n_old, n_new),
        "max_diff": max(diffs, default=0),
        "changed_frames": len(changed),
        "first_changed": changed[:10],
    }
    if sheet is not None and kept:
        worst = sorted(changed, key=lambda i: -diffs[i])[: picks // 2]
        spread = [i for i in sorted(kept) if i not in worst]
        step = max(1, len(spread) // max(1, picks - len(worst)))
        chosen = sorted(set(worst + spread[::step][: picks - len(worst)]))
        rows = []
        for i in chosen:
            a, b = kept[i]
            d = np.clip(np.abs(a.astype(np.int16) - b.astype(np.int16)) * 8, 0, 255)
            row = Image.fromarray(np.concatenate([a, b, d.astype(np.uint8)], axis=1))
            ImageDraw.Draw(row).text((4, 4), f"frame {i} max diff {diffs[i]}", fill=(255, 0, 0))
            rows.append(row)
        w, h = rows[0].size
        out = Image.new("RGB", (w, h * len(rows)), "white")
        for k, row in enumerate(rows):
            out.paste(row, (0, k * h))
        out.save(sheet)
        result["sheet"] = str(sheet)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--sheet", type=Path, help="(two files) the side-by-side sheet")
    parser.add_argument("--sheet-dir", type=Path, help="(two folders) one sheet per video")
    args = parser.parse_args()
    if args.old.is_dir():
        pairs = []
        for a in sorted(args.old.rglob("*.mp4")):
            found = sorted(args.new.rglob(a.name))
            if found:
                pairs.append((a, found[0]))
        if args.sheet_dir:
            args.sheet_dir.mkdir(parents=True, exist_ok=True)
    else:
        pairs = [(args.old, args.new)]
    for a, b in pairs:
        sheet = args.sheet
        if args.sheet_dir:
            sheet = args.sheet_dir / f"{a.stem}.png"
        r = compare(a, b, sheet)
        verdict = "same" if r["frames"][0] == r["frames"][1] and not r["changed_frames"] else "DIFF"
        print(
            f"{a.stem:<22} frames {r['frames'][0]}/{r['frames'][1]} max diff {r['max_diff']:3d}"
            f" changed frames {r['changed_frames']:4d} {r['first_changed']} {verdict}"
        )


if __name__ == "__main__":
    main()
