"""Side-by-side contact sheets: our conv_arithmetic animations beside the originals.

    .venv/bin/python benchmarks/contact_sheets.py [-o sheets/] [--scale 2] [--reference DIR]

For each of the 15 animations, one PNG: a row per frame (first, middle, last), ours on the
left, the original on the right, both scaled ``--scale`` times (nearest neighbour, so every
pixel of an edge shows). The originals are read from ``--reference`` (default
``../shared/reference/conv_arithmetic_gifs/`` beside the checkout, or the
``CONVANIM_REFERENCE_GIFS`` environment variable); without them the script says so and exits 0.
It also prints, per animation, both pixel sizes and the colours in the middle frame.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageSequence

from convanim.draw import catalogue, entries

_DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference/conv_arithmetic_gifs"


def reference_folder(given: Path | None = None) -> Path | None:
    """The folder of the original GIFs, or None when it is not on this machine."""
    env = os.environ.get("CONVANIM_REFERENCE_GIFS")
    for folder in (given, Path(env) if env else None, _DEFAULT_REFERENCE):
        if folder is not None and folder.is_dir():
            return folder
    return None


def frames_of(path: Path) -> list[Image.Image]:
    """Every frame of a GIF, composited, as RGB."""
    with Image.open(path) as im:
        return [f.convert("RGB") for f in ImageSequence.Iterator(im)]


def pick(frames: list[Image.Image]) -> list[Image.Image]:
    """First, middle and last frame."""
    return [frames[0], frames[len(frames) // 2], frames[-1]]


def sheet(
    ours: list[Image.Image], theirs: list[Image.Image], scale: int, title: str
) -> Image.Image:
    """One contact sheet: rows of (ours | original), scaled, with a title line."""
    a, b = pick(ours), pick(theirs)
    cw = max(im.size[0] for im in a + b) * scale
    ch = max(im.size[1] for im in a + b) * scale
    gap, head = 12, 26
    out = Image.new("RGB", (2 * cw + 3 * gap, head + 3 * (ch + gap) + gap), (200, 200, 200))
    draw = ImageDraw.Draw(out)
    draw.text((gap, 6), f"{title}: ours (left) | original (right)", fill=(0, 0, 0))
    for row, (x, y) in enumerate(zip(a, b, strict=True)):
        top = head + row * (ch + gap)
        for col, im in enumerate((x, y)):
            big = im.resize((im.size[0] * scale, im.size[1] * scale), Image.Resampling.NEAREST)
            out.paste(big, (gap + col * (cw + gap), top))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("sheets"))
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("names", nargs="*", help="animations (default: the 15)")
    args = parser.parse_args(argv)
    ref = reference_folder(args.reference)
    if ref is None:
        print("no reference GIFs found (conv_arithmetic_gifs/): nothing to compare")
        return 0
    args.output.mkdir(parents=True, exist_ok=True)
    names = args.names or [e.name for e in entries.ARITHMETIC]
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            original = ref / f"{name}.gif"
            if not original.exists():
                print(f"{name}: no original", file=sys.stderr)
                continue
            mine = catalogue.render_named(name, Path(tmp))
            ours, theirs = frames_of(mine), frames_of(original)
            mid_ours = len(ours[len(ours) // 2].getcolors(1 << 24) or [])
            mid_theirs = len(theirs[len(theirs) // 2].getcolors(1 << 24) or [])
            sheet(ours, theirs, args.scale, name).save(args.output / f"{name}.png")
            print(
                f"{name:42s} ours {ours[0].size[0]}x{ours[0].size[1]} "
                f"original {theirs[0].size[0]}x{theirs[0].size[1]}  "
                f"colours {mid_ours}/{mid_theirs}  frames {len(ours)}/{len(theirs)}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
