"""The user's real deck, unmodified: every asset it references by hand is made at its path.

The deck (``../shared/seed/…``, else the trimmed copy in ``tests/data/seed_deck.md``) has no
placeholders: it references ``assets/images/04-convolutional_layers/dilation.gif``,
``assets/videos/04-convolutional_layers/1080p60/FIRConvolution1D.mp4`` … in its own markup.
The images are drawn by the real renderers; the 1080p60 video by a stand-in that writes a small
clip (a real 1080p60 render takes minutes on a shared machine; test_video.py covers scenes), so
the test checks what the build decides: paths, qualities, what is stale, what is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from convanim.slides import sources
from convanim.slides.build import Renderers, build

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "seed" / "000_466b0523234d56ea.txt"
SEED = SHARED if SHARED.is_file() else ROOT / "tests" / "data" / "seed_deck.md"
CH4 = "assets/images/04-convolutional_layers"
GIFS = [
    "2d_convolution",
    "no_padding_no_strides",
    "no_padding_no_strides_transposed",
    "same_padding_no_strides",
    "padding_strides",
    "dilation",
    "padding_strides_transposed",
    "padding_strides_odd",
    "padding_strides_odd_transposed",
    "2d_maxpool",
]
EXPECTED = (
    [f"{CH4}/{name}.gif" for name in GIFS]
    + [f"{CH4}/vision_kernels.png"]
    + ["assets/images/01-history/wavenet_before.png", "assets/images/01-history/wavenet_after.png"]
    + ["assets/videos/04-convolutional_layers/1080p60/FIRConvolution1D.mp4"]
)
ALEXNET = "assets/images/01-history/alexnet.png"


def clip(scene: str, out: Path, quality: str = "low", fmt: str = "mp4", params=None) -> Path:
    """Stand-in for the Manim render: a 16-frame H.264 clip, tagged with the quality asked."""
    import av
    import numpy as np

    with av.open(str(out), "w", format="mp4") as container:
        container.metadata["comment"] = f"{scene} {quality}"
        stream = container.add_stream("h264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(16):
            frame = np.full((48, 64, 3), 15 * i, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out


RENDERERS = Renderers(render_scene=clip)


def where(text: str, needle: str) -> tuple[int, int]:
    """(slide, line) of ``needle`` counted by hand: slides are separated by a blank line + ---."""
    before = text[: text.index(needle)]
    return before.count("\n\n---\n") + 1, before.count("\n") + 1


def cli_check(deck: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "convanim", "build", str(deck), "-o", str(out), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("seed")
    deck = folder / "deck.md"
    shutil.copyfile(SEED, deck)
    out = folder / "site"
    result = build(deck, out, renderers=RENDERERS, executor="process", jobs=2)
    return deck, out, result


def test_every_referenced_asset_is_made_at_its_path(built) -> None:
    deck, out, result = built
    alexnet = "alexnet" in sources.image_names()
    made = sorted(result.rendered)
    assert made == sorted(EXPECTED + ([ALEXNET] if alexnet else []))
    assert result.copied == [] and result.placeholders == 0
    for rel in EXPECTED:
        assert (out / rel).is_file(), rel
    for name in GIFS:  # animations, not stills
        with Image.open(out / CH4 / f"{name}.gif") as gif:
            assert gif.n_frames > 1, name
    with Image.open(out / "assets/images/01-history/wavenet_before.png") as png:
        assert png.format == "PNG" and png.width > 400
    # The quality comes from the 1080p60 folder of the path, not from the default (480p15).
    import av

    with av.open(str(out / EXPECTED[-1])) as video:
        assert video.metadata.get("comment") == "FIRConvolution1D high"
    if not alexnet:
        ((missing),) = result.missing
        text = deck.read_text(encoding="utf-8")
        assert (missing.rel, (missing.slide, missing.line)) == (ALEXNET, where(text, ALEXNET))


def test_the_deck_itself_is_untouched(built) -> None:
    deck, out, _ = built
    text = (out / "deck.md").read_text(encoding="utf-8")
    assert text == deck.read_text(encoding="utf-8")  # no placeholders: nothing to expand
    assert "{{TIMELINE:timeline_calculus_linear_algebra}}" in text


def test_second_build_renders_nothing_and_check_agrees(built) -> None:
    deck, out, _ = built
    again = build(deck, out, renderers=RENDERERS)
    made = len(EXPECTED) + ("alexnet" in sources.image_names())
    assert again.rendered == [] and again.copied == [] and again.up_to_date == made
    proc = cli_check(deck, out)
    if "alexnet" in sources.image_names():
        assert proc.returncode == 0, proc.stderr
    else:  # the one reference nothing makes yet is reported, with its slide, and fails --check
        assert proc.returncode == 1
        assert proc.stdout == ""
        slide, line = where(deck.read_text(encoding="utf-8"), ALEXNET)
        assert f"missing: slide {slide} (line {line}): {ALEXNET}" in proc.stderr
        assert f"up to date: {len(EXPECTED)} assets, 1 missing" in proc.stderr


def test_check_names_a_deleted_asset_and_a_misspelt_reference(built, tmp_path: Path) -> None:
    deck, out, _ = built
    copy = tmp_path / "site"
    shutil.copytree(out, copy)
    (copy / CH4 / "dilation.gif").unlink()
    proc = cli_check(deck, copy)
    assert proc.returncode == 1 and f"stale: {CH4}/dilation.gif" in proc.stdout
    misspelt = tmp_path / "deck.md"
    misspelt.write_text(deck.read_text().replace("padding_strides.gif", "paddding_strides.gif"))
    proc = cli_check(misspelt, copy)
    assert proc.returncode == 1
    slide, line = where(misspelt.read_text(), "paddding_strides.gif")
    assert f"missing: slide {slide} (line {line}): {CH4}/paddding_strides.gif" in proc.stderr
