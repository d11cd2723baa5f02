"""Deck builds: placeholders, paths, the cache, --check, the CLI's exit codes.

The renderers are injected (small Pillow images and a tiny H.264 clip), so these tests exercise
the build's own logic in well under a second each; tests/test_browser.py builds the demo deck
with the real renderers.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from convanim.slides import build as deckbuild
from convanim.slides import sources
from convanim.slides.build import DeckError, Renderers, build, parse_placeholders

IMAGES = ("dilation", "padding_strides_odd", "vision_kernels", "2d_convolution")
SCENES = ("FIRConvolution1D",)


class FakeRenderers:
    """Records every render; draws a real (tiny) GIF/PNG or MP4 so the files can be opened."""

    def __init__(self, fingerprint: str = "v1", delay: float = 0.0) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.version = fingerprint
        self.delay = delay

    def renderers(self) -> Renderers:
        return Renderers(
            image_names=lambda: IMAGES,
            render_image=self.render_image,
            scene_names=lambda: SCENES,
            render_scene=self.render_scene,
            fingerprint=lambda kind: self.version,
            image_ext=lambda name: ".png" if name == "vision_kernels" else ".gif",
            check_params=check_params,
        )

    def render_image(self, name: str, out: Path, **params: object) -> Path:
        from PIL import Image

        with self.lock:
            self.calls.append((name, params))
        time.sleep(self.delay)
        frames = [Image.new("P", (24, 16), color=i) for i in range(3)]
        if out.suffix == ".gif":
            frames[0].save(out, save_all=True, append_images=frames[1:], loop=0, duration=100)
        elif out.suffix == ".html":  # an interactive page
            out.write_text(f"<!doctype html><title>{name}</title>\n", encoding="utf-8")
        else:
            frames[0].convert("RGB").save(out)
        return out

    def render_scene(
        self,
        scene: str,
        out: Path,
        quality: str = "low",
        fmt: str = "mp4",
        params: dict | None = None,
    ) -> Path:
        with self.lock:
            self.calls.append((scene, {"quality": quality, **(params or {})}))
        write_clip(out)
        return out


def check_params(kind: str, name: str, params: dict) -> None:
    if "bogus" in params:
        raise DeckError(f"unknown parameter(s) bogus for {name}")


def write_clip(out: Path, frames: int = 8) -> None:
    """A small H.264 MP4 (yuv420p, like Manim's) whose last frame is white."""
    import av
    import numpy as np

    with av.open(str(out), "w", format="mp4") as container:
        stream = container.add_stream("h264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            level = 255 if i == frames - 1 else 30 * i
            image = np.full((48, 64, 3), level, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


DECK = """\
# Convolutions

---

## Timeline

    {{TIMELINE:timeline_calculus_linear_algebra}}

---

## Strides

{{CONVANIM:padding_strides_odd fragment_index=0 source="https://github.com/vdumoulin/conv_arithmetic"}}
{{CONVANIM:dilation caption="Dilation d=2"}} and {{CONVANIM:dilation caption="again"}}

---

## FIR

<div>
    {{CONVANIM:FIRConvolution1D width=70%}}
</div>

```markdown
{{CONVANIM:this_is_an_example_in_a_code_block}}
```
"""


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "lecture" / "04-convolutional_layers.md"
    path.parent.mkdir()
    path.write_text(DECK, encoding="utf-8")
    return path


def run(deck: Path, fakes: FakeRenderers, **kwargs) -> deckbuild.BuildResult:
    return build(deck, renderers=fakes.renderers(), **kwargs)


# ------------------------------------------------------------------ parsing


def test_parse_placeholders_keeps_positions_params_and_options() -> None:
    text = 'a {{CONVANIM:x k=3 dilation=1,2 caption="a b}} c" fragment-index=1}} z'
    (ph,) = parse_placeholders(text)
    assert (ph.line, ph.target) == (1, "x")
    assert text[ph.start : ph.end].startswith("{{CONVANIM:") and text[ph.end :] == " z"
    assert ph.params == (("dilation", (1, 2)), ("k", 3))
    assert ph.option("caption") == "a b}} c" and ph.option("fragment_index") == "1"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{{CONVANIM:dilation caption="open}}', "unterminated"),
        ("{{CONVANIM:dilation k3}}", "expected key=value"),
        ("{{CONVANIM:}}", "empty placeholder"),
        ("{{CONVANIM:dilation k=1 k=2}}", "given twice"),
        ("{{CONVANIM:dilation caption='a\"}}", "unterminated"),
    ],
)
def test_malformed_placeholder_reports_its_line(line: str, message: str) -> None:
    with pytest.raises(DeckError, match=rf"deck.md:3: .*{message}"):
        parse_placeholders(f"# t\n\n{line}\n", "deck.md")


def test_placeholders_in_code_fences_are_left_alone() -> None:
    assert parse_placeholders("```\n{{CONVANIM:\n```\n") == []
    # A fence closes only with its own character and length: ``` inside ~~~~ is content.
    text = "~~~~markdown\n```\n{{CONVANIM:a}}\n~~~~\n{{CONVANIM:b}}\n"
    assert [(p.line, p.target) for p in parse_placeholders(text)] == [(5, "b")]


def test_quoted_and_commented_placeholders_are_left_alone(deck: Path) -> None:
    # Inline code shows the syntax; an HTML comment switches a slide's asset off.
    deck.write_text(
        "Write `{{CONVANIM:dilation}}` or ``{{CONVANIM:x y=`z`}}``.\n"
        "<!-- {{CONVANIM:dilation caption='old}}\n{{CONVANIM:nonsense -->\n"
        "{{CONVANIM:2d_convolution}} <!-- {{CONVANIM:dilation}} -->\n"
    )
    fakes = FakeRenderers()
    result = run(deck, fakes)
    assert [name for name, _ in fakes.calls] == ["2d_convolution"]
    text = result.deck_out.read_text()
    assert text.startswith("Write `{{CONVANIM:dilation}}` or ``{{CONVANIM:x y=`z`}}``.\n<!--")
    assert "{{CONVANIM:nonsense -->" in text and "<!-- {{CONVANIM:dilation}} -->" in text


# ------------------------------------------------------------------ building


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(text: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(text)
    return parser.tags


def test_build_replaces_placeholders_and_leaves_the_rest(deck: Path) -> None:
    fakes = FakeRenderers()
    result = run(deck, fakes)
    out = deck.parent / "build"
    text = (out / deck.name).read_text()
    assert "{{CONVANIM:padding" not in text and "{{CONVANIM:FIR" not in text
    assert "    {{TIMELINE:timeline_calculus_linear_algebra}}\n" in text  # untouched
    assert "{{CONVANIM:this_is_an_example_in_a_code_block}}" in text
    found = tags(text)
    imgs = {a["src"]: a for t, a in found if t == "img"}
    assert set(imgs) == {
        "assets/images/04-convolutional_layers/padding_strides_odd.gif",
        "assets/images/04-convolutional_layers/dilation.gif",
    }
    overlay = next(a for t, a in found if t == "div" and "image-overlay" in a.get("class", ""))
    assert overlay["data-fragment-index"] == "0"
    assert "fragment appear-vanish image-overlay" == overlay["class"]
    links = [a["href"] for t, a in found if t == "a"]
    assert links == ["https://github.com/vdumoulin/conv_arithmetic"]
    video = next(a for t, a in found if t == "video")
    assert {"data-autoplay", "loop", "muted", "playsinline"} <= set(video)
    assert video["width"] == "70%"
    assert video["poster"] == "assets/videos/04-convolutional_layers/480p15/FIRConvolution1D.png"
    source = next(a for t, a in found if t == "source")
    assert source["src"].endswith("480p15/FIRConvolution1D.mp4") and source["type"] == "video/mp4"
    # the multi-line snippet keeps the placeholder's indentation inside the <div>
    assert '\n    <div style="text-align: center;">\n        <video' in text
    # the same asset twice on one line is rendered once
    assert sorted(name for name, _ in fakes.calls) == [
        "FIRConvolution1D",
        "dilation",
        "padding_strides_odd",
    ]
    assert sorted(result.rendered) == sorted(a.rel for a in result.assets)
    for asset in result.assets:
        assert (out / asset.rel).stat().st_size > 0
    # no partial files are left behind
    assert not [p for p in out.rglob("*") if ".partial" in p.name or p.name.endswith(".tmp")]


def test_poster_is_the_videos_last_frame(deck: Path) -> None:
    from PIL import Image

    run(deck, FakeRenderers())
    poster = deck.parent / "build/assets/videos/04-convolutional_layers/480p15/FIRConvolution1D.png"
    with Image.open(poster) as im:
        assert im.size == (64, 48)
        assert im.convert("L").getextrema()[0] > 200  # the white last frame, not the dark first


def test_second_build_is_a_noop(deck: Path) -> None:
    fakes = FakeRenderers()
    run(deck, fakes)
    out = deck.parent / "build"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    fakes.calls.clear()
    started = time.perf_counter()
    result = run(deck, fakes)
    assert time.perf_counter() - started < 1.0
    assert fakes.calls == [] and result.rendered == [] and not result.deck_changed
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_stale_assets_are_rendered_again(deck: Path) -> None:
    fakes = FakeRenderers()
    run(deck, fakes)
    out = deck.parent / "build"
    # a deleted asset, and a parameter change, re-render just those
    (out / "assets/images/04-convolutional_layers/dilation.gif").unlink()
    deck.write_text(
        deck.read_text().replace(
            "padding_strides_odd fragment_index=0", "padding_strides_odd stride=3 fragment_index=0"
        )
    )
    fakes.calls.clear()
    result = run(deck, fakes)
    assert sorted(n for n, _ in fakes.calls) == ["dilation", "padding_strides_odd"]
    assert ("padding_strides_odd", {"stride": 3}) in fakes.calls
    # Stable names: a parameter change re-renders the same file, leaving no old one behind.
    changed = [r for r in result.rendered if "padding_strides_odd" in r]
    assert changed == ["assets/images/04-convolutional_layers/padding_strides_odd.gif"]
    assert sorted(p.name for p in (out / "assets/images/04-convolutional_layers").iterdir()) == [
        "dilation.gif",
        "padding_strides_odd.gif",
    ]
    # a renderer change (its source fingerprint) makes everything stale
    fakes.calls.clear()
    fakes.version = "v2"
    assert len(run(deck, fakes).rendered) == 3


def test_renderer_fingerprints_follow_imports_not_the_whole_package() -> None:
    def rel(kind: str) -> set[str]:
        # the last two path parts: "draw/gif.py", "video/__init__.py", "scenes/fir.py"
        return {"/".join(p.as_posix().split("/")[-2:]) for p in sources._source_files(kind)}

    image, scene = rel("image"), rel("scene")
    assert {
        "draw/catalogue.py",
        "draw/gif.py",
        "draw/plan.py",
        "core/shapes.py",
        "ops/conv.py",
        "tracing/pool.py",
        "draw/figures.py",
    } <= image
    assert {"video/__init__.py", "draw/plan.py", "scenes/fir.py", "scenes/_render.py"} <= scene
    # The Manim side, the build and the CLI do not draw GIFs, and the GIF renderer no video.
    assert not image & {
        "video/__init__.py",
        "slides/build.py",
        "slides/embed.py",
        "cli/__init__.py",
        "cli/slides.py",
        "scenes/fir.py",
    }
    assert not scene & {"draw/gif.py", "slides/build.py", "slides/embed.py", "cli/render.py"}


def test_editing_an_unimported_module_keeps_assets_current(tmp_path: Path, monkeypatch) -> None:
    pkg = tmp_path / "convanim"
    for sub in ("engine", "draw", "core", "video", "slides"):
        (pkg / sub).mkdir(parents=True)
    files = {
        "__init__.py": "",
        "draw/__init__.py": "",
        "core/__init__.py": "",
        "slides/__init__.py": "",
        "draw/catalogue.py": "from convanim.core import shapes\ndef f():\n    from . import gif\n",
        "draw/gif.py": "from convanim.engine.ops import conv\n",
        "engine/__init__.py": "from .ops import *\n",
        "engine/ops.py": "from ..draw.plan import (\n    Plan,\n)\n",
        "draw/plan.py": "",
        "core/shapes.py": "",
        "video/__init__.py": "from convanim.draw import plan\n",
        "slides/build.py": "",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    monkeypatch.setattr(sources, "_package_dirs", lambda: {"convanim": pkg})
    before = sources.code_fingerprint("image")
    for unrelated in ("video/__init__.py", "slides/build.py"):
        (pkg / unrelated).write_text("# edited\n")
        assert sources.code_fingerprint("image") == before, unrelated
    # lazy, relative, parent imports
    for used in ("draw/plan.py", "engine/__init__.py", "core/shapes.py", "draw/gif.py"):
        (pkg / used).write_text(f"# edited {used}\n")
        after = sources.code_fingerprint("image")
        assert after != before, used
        before = after


def test_a_picture_parameter_is_a_confined_hashed_file_of_the_deck(deck: Path) -> None:
    # Relative to the deck (not to wherever the build runs), and its content is part of the key.
    picture = deck.parent / "photos" / "cat.png"
    picture.parent.mkdir()
    picture.write_bytes(b"one")
    deck.write_text("{{CONVANIM:vision_kernels image=photos/cat.png}}\n")
    fakes = FakeRenderers()
    run(deck, fakes)
    assert fakes.calls == [("vision_kernels", {"image": str(picture.resolve())})]
    assert run(deck, fakes).rendered == []
    picture.write_bytes(b"two")
    assert len(run(deck, fakes).rendered) == 1
    for bad, message in [("../x.png", "leaves the deck"), ("nope.png", "no such file")]:
        deck.write_text(f"{{{{CONVANIM:vision_kernels image={bad}}}}}\n")
        with pytest.raises(DeckError, match=f":1: .*{message}"):
            run(deck, fakes)


def test_copied_build_folder_is_still_current(deck: Path) -> None:
    import shutil

    fakes = FakeRenderers()
    run(deck, fakes)
    moved = deck.parent / "moved"
    time.sleep(0.01)
    shutil.copytree(deck.parent / "build", moved, copy_function=shutil.copyfile)  # new mtimes
    fakes.calls.clear()
    assert build(deck, moved, renderers=fakes.renderers()).rendered == []
    assert fakes.calls == []
    assert build(deck, moved, renderers=fakes.renderers(), check=True).stale == []


def test_asset_edited_by_hand_is_stale(deck: Path) -> None:
    fakes = FakeRenderers()
    run(deck, fakes)
    gif = deck.parent / "build/assets/images/04-convolutional_layers/dilation.gif"
    gif.write_bytes(b"GIF89a not really")
    result = run(deck, fakes, check=True)
    assert result.stale == ["assets/images/04-convolutional_layers/dilation.gif"]


def test_check_lists_stale_and_writes_nothing(deck: Path) -> None:
    fakes = FakeRenderers()
    result = run(deck, fakes, check=True)
    assert fakes.calls == []
    assert not (deck.parent / "build").exists()
    assert len(result.stale) == 4 and "04-convolutional_layers.md" in result.stale
    run(deck, fakes)
    assert run(deck, fakes, check=True).stale == []


def test_unknown_name_is_an_error_with_line_and_suggestion(deck: Path) -> None:
    deck.write_text("# x\n\n{{CONVANIM:dilaton}}\n")
    with pytest.raises(DeckError, match=r"04-convolutional_layers.md:3: .*did you mean dilation"):
        run(deck, FakeRenderers())
    assert not (deck.parent / "build").exists()


@pytest.mark.parametrize(
    "placeholder",
    [
        "{{CONVANIM:../secret.png}}",
        "{{CONVANIM:assets/../../secret.png}}",
        "{{CONVANIM:/etc/passwd.png}}",
        "{{CONVANIM:dilation out=../escape.gif}}",
        "{{CONVANIM:dilation out=/tmp/escape.gif}}",
        "{{CONVANIM:dilation template=../evil.html}}",
    ],
)
def test_paths_are_confined_to_the_deck_folder(deck: Path, placeholder: str) -> None:
    (deck.parent.parent / "secret.png").write_bytes(b"x")
    deck.write_text(f"# x\n\n{placeholder}\n")
    with pytest.raises(DeckError, match=r":3: .*(leaves the deck|must be relative)"):
        run(deck, FakeRenderers())
    assert not (deck.parent / "build").exists()


def test_symlink_out_of_the_deck_is_refused(deck: Path) -> None:
    (deck.parent.parent / "outside.png").write_bytes(b"x")
    (deck.parent / "link.png").symlink_to(deck.parent.parent / "outside.png")
    deck.write_text("{{CONVANIM:link.png}}\n")
    with pytest.raises(DeckError, match="resolves outside"):
        run(deck, FakeRenderers())


def test_existing_files_and_out_paths(deck: Path) -> None:
    figure = deck.parent / "assets/images/01-history/alexnet.png"
    figure.parent.mkdir(parents=True)
    figure.write_bytes(b"\x89PNG fake")
    deck.write_text(
        "{{CONVANIM:assets/images/01-history/alexnet.png template=figure caption=AlexNet}}\n"
        "{{CONVANIM:vision_kernels out=assets/images/01-history/kernels.png}}\n"
        "{{CONVANIM:2d_convolution template=markdown}}\n"
    )
    fakes = FakeRenderers()
    run(deck, fakes)
    out = deck.parent / "build"
    assert (out / "assets/images/01-history/alexnet.png").read_bytes() == b"\x89PNG fake"
    assert (out / "assets/images/01-history/kernels.png").is_file()
    text = (out / deck.name).read_text()
    assert '<img src="assets/images/01-history/alexnet.png"' in text
    assert "<figcaption>AlexNet</figcaption>" in text
    assert "![2d convolution](assets/images/04-convolutional_layers/2d_convolution.gif)" in text


def test_files_the_deck_embeds_by_hand_are_copied_too(deck: Path) -> None:
    # The lecture deck has raw <img src="assets/images/01-history/alexnet.png">: the built deck
    # sits in another folder, so without a copy that image would be broken there.
    lecture = deck.parent
    (lecture / "assets" / "images" / "01-history").mkdir(parents=True)
    (lecture / "assets" / "images" / "01-history" / "alexnet.png").write_bytes(b"png")
    (lecture / "my fig.svg").write_bytes(b"svg")
    (lecture.parent / "outside.png").write_bytes(b"x")
    (lecture / "assets" / "images" / deck.stem).mkdir()
    (lecture / "assets" / "images" / deck.stem / "dilation.gif").write_bytes(b"an old copy")
    deck.write_text(
        '<img src="assets/images/01-history/alexnet.png" alt="AlexNet">\n'
        "![a figure](my%20fig.svg)\n"
        '<img src="https://example.org/x.png"> <img src="../outside.png"> <img src="gone.png">\n'
        '{{CONVANIM:dilation}} <img src="assets/images/04-convolutional_layers/dilation.gif">\n'
    )
    fakes = FakeRenderers()
    result = run(deck, fakes)
    out = lecture / "build"
    assert (out / "assets/images/01-history/alexnet.png").read_bytes() == b"png"
    assert (out / "my fig.svg").read_bytes() == b"svg"
    assert sorted(a.kind for a in result.assets) == ["file", "file", "image"]
    assert fakes.calls == [("dilation", {})]  # the placeholder's render wins over a copy
    assert (out / "assets/images" / deck.stem / "dilation.gif").read_bytes()[:3] == b"GIF"
    assert not (out / "gone.png").exists() and not (lecture.parent / "build").exists()
    assert run(deck, fakes).rendered == []
    (lecture / "my fig.svg").write_bytes(b"svg, edited")
    again = run(deck, fakes)
    assert again.rendered == [] and again.copied == ["my fig.svg"]
    assert [(m.rel, m.slide) for m in again.missing] == [("../outside.png", 1), ("gone.png", 1)]
    # Links to what the build writes itself are not copied over it.
    (lecture / "reveal.js").mkdir()
    (lecture / "reveal.js" / "reveal.css").write_bytes(b"old")
    (lecture / f"{deck.stem}.html").write_bytes(b"old page")
    deck.write_text(
        f'<a href="{deck.name}">me</a> <a href="{deck.stem}.html">page</a>\n'
        '<link href="reveal.js/reveal.css">\n'
    )
    result = run(deck, fakes, html_page=True)
    assert result.assets == [] and run(deck, fakes, html_page=True).deck_changed is False
    assert (out / deck.name).read_text().startswith("<a href")


def test_unknown_render_parameter_is_reported_with_its_line(deck: Path) -> None:
    deck.write_text("# x\n{{CONVANIM:dilation stride=2}}\n{{CONVANIM:dilation bogus=1}}\n")
    with pytest.raises(DeckError, match=r":3: unknown parameter\(s\) bogus for dilation"):
        run(deck, FakeRenderers())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('width="50%; position:fixed"', "width"),
        ('source="javascript:alert(1)"', "source"),
        ("template=video", "cannot show an image"),
        ("template=no-such-template", "unknown template"),
        ("kernel=0", "kernel size should be greater than zero"),
        ("stride=banana", "stride"),
        ("size=0", "every spatial input size must be positive"),
        ("size=6x6x6", "only 1-D and 2-D operations can be drawn"),  # as `render -i 6x6x6`
    ],
)
def test_bad_options_and_sizes_are_reported_with_their_line(
    deck: Path, options: str, message: str
) -> None:
    # Caught while planning (the templates' checks, the shape core's), so nothing renders and
    # nothing is written; a render failing in a worker would leave half a build behind.
    fakes = FakeRenderers()
    renderers = dataclasses.replace(fakes.renderers(), check_params=sources.check_params)
    deck.write_text(f"# x\n{{{{CONVANIM:dilation}}}}\n{{{{CONVANIM:dilation {options}}}}}\n")
    with pytest.raises(DeckError, match=rf"04-convolutional_layers.md:3: .*{message}"):
        build(deck, renderers=renderers)
    assert fakes.calls == [] and not (deck.parent / "build").exists()


def test_a_fixed_figure_takes_no_size_parameters(deck: Path) -> None:
    fakes = FakeRenderers()
    renderers = dataclasses.replace(fakes.renderers(), check_params=sources.check_params)
    deck.write_text("{{CONVANIM:vision_kernels kernel=3}}\n")
    with pytest.raises(DeckError, match=r":1: vision_kernels is a fixed figure"):
        build(deck, renderers=renderers)
    deck.write_text("{{CONVANIM:dilation size=9x9 stride=2}}\n")  # valid sizes still build
    build(deck, renderers=renderers)
    assert fakes.calls == [("dilation", {"input_size": (9, 9), "stride": 2})]


def test_a_failed_render_keeps_the_others(deck: Path) -> None:
    fakes = FakeRenderers()
    good = fakes.render_image

    def flaky(name: str, out: Path, **params: object) -> Path:
        if name == "dilation":
            raise RuntimeError("boom")
        return good(name, out, **params)

    renderers = dataclasses.replace(fakes.renderers(), render_image=flaky)
    with pytest.raises(deckbuild.RenderFailed, match=r"dilation.gif: RuntimeError: boom"):
        build(deck, renderers=renderers)
    assert not (deck.parent / "build" / deck.name).exists()  # no deck with a missing asset
    fakes.calls.clear()
    result = run(deck, fakes)
    assert result.rendered == ["assets/images/04-convolutional_layers/dilation.gif"]


def test_template_folder_overrides_snippets_and_page(deck: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "reveal-overlay.html").write_text('<img class="mine" src="${src}" alt="${alt}">\n')
    (mine / "page.html").write_text("<html><title>${title}</title>${markdown}</html>\n")
    deck.write_text('# T\n\n{{CONVANIM:dilation alt="<d>"}}\n')
    result = run(deck, FakeRenderers(), template_dir=mine, html_page=True)
    text = result.deck_out.read_text()
    assert '<img class="mine" src="assets/images/04-convolutional_layers/dilation.gif"' in text
    assert 'alt="&lt;d&gt;"' in text
    assert result.html_out.read_text().startswith("<html><title>T</title># T")


def test_conflicting_outputs_are_refused(deck: Path) -> None:
    deck.write_text("{{CONVANIM:dilation out=a.gif}}\n{{CONVANIM:dilation stride=2 out=a.gif}}\n")
    with pytest.raises(DeckError, match="different parameters"):
        run(deck, FakeRenderers())


def test_renders_run_in_parallel(deck: Path) -> None:
    deck.write_text("".join(f"{{{{CONVANIM:{n}}}}}\n" for n in IMAGES))
    fakes = FakeRenderers(delay=0.3)
    seen = []
    started = time.perf_counter()
    build(
        deck,
        renderers=fakes.renderers(),
        jobs=4,
        progress=lambda done, total, label: seen.append((done, total)),
    )
    assert time.perf_counter() - started < 0.3 * len(IMAGES) * 0.75
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)


def test_html_page_is_self_contained(deck: Path) -> None:
    deck.write_text("# Title & <co>\n\n{{CONVANIM:dilation}}\n\n</textarea><script>x</script>\n")
    result = run(deck, FakeRenderers(), html_page=True)
    page = result.html_out.read_text()
    assert "<title>Title &amp; &lt;co&gt;</title>" in page
    assert "http" not in page.replace("http-equiv", "")  # no CDN, nothing remote
    assert "&lt;/textarea&gt;&lt;script&gt;" in page and "<script>x</script>" not in page
    found = tags(page)
    local = [a.get("src") or a.get("href") for t, a in found if t in ("script", "link")]
    local = [p for p in local if p and not p.startswith("data:")]
    assert local and all((deck.parent / "build" / p).is_file() for p in local)


def test_html_theme_is_checked_first_and_reveal_copy_is_part_of_check(deck: Path) -> None:
    fakes = FakeRenderers()
    with pytest.raises(ValueError, match="unknown reveal.js theme 'nope'"):
        run(deck, fakes, html_page=True, theme="nope")
    assert fakes.calls == [] and not (deck.parent / "build").exists()  # nothing rendered first
    run(deck, fakes, html_page=True)
    assert run(deck, fakes, html_page=True, check=True).stale == []
    (deck.parent / "build" / "reveal.js" / "reveal.js").unlink()
    assert run(deck, fakes, html_page=True, check=True).stale == ["reveal.js/"]
    run(deck, fakes, html_page=True)
    assert (deck.parent / "build" / "reveal.js" / "reveal.js").is_file()


def test_every_theme_copies_without_remote_imports(deck: Path) -> None:
    # Several reveal.js themes @import Google Fonts: copied as is, the page would reach a CDN.
    import re

    themes = sorted(p.stem for p in (deckbuild.find_revealjs() / "theme").glob("*.css"))
    assert "beige" in themes and "white" in themes
    deck.write_text("# t\n\n{{CONVANIM:dilation}}\n")
    for theme in themes:
        run(deck, FakeRenderers(), html_page=True, theme=theme)
    remote = re.compile(r"(@import|url\()\s*[\"']?(https?:)?//", re.I)
    css = sorted((deck.parent / "build").rglob("*.css"))
    assert len(css) >= len(themes) + 3
    assert [p.name for p in css if remote.search(p.read_text(encoding="utf-8"))] == []
    theme_css = (deck.parent / "build" / "reveal.js" / "theme" / "beige.css").read_text()
    assert "remote @import removed" in theme_css and ".reveal" in theme_css


# ------------------------------------------------------------------ the CLI


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "convanim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_cli_malformed_placeholder_exits_2_and_writes_nothing(deck: Path) -> None:
    deck.write_text('# t\n\nok\n{{CONVANIM:dilation caption="oops}}\n')
    proc = cli("build", str(deck))
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: ") and ":4: unterminated placeholder" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (deck.parent / "build").exists()


def test_cli_check_exit_codes_with_only_files(deck: Path) -> None:
    # A deck whose only asset is a file needs no renderer, so the real CLI can build it.
    (deck.parent / "fig.png").write_bytes(b"\x89PNG")
    deck.write_text('# t\n\n{{CONVANIM:fig.png caption="A <b>figure</b>"}}\n')
    proc = cli("build", str(deck), "--check")
    assert proc.returncode == 1 and "stale: fig.png" in proc.stdout
    assert not (deck.parent / "build").exists()
    assert cli("build", str(deck)).returncode == 0
    proc = cli("build", str(deck), "--check")
    assert proc.returncode == 0, proc.stderr
    assert "A &lt;b&gt;figure&lt;/b&gt;" in (deck.parent / "build" / deck.name).read_text()


def test_cli_refuses_to_overwrite_the_source_deck(deck: Path) -> None:
    proc = cli("build", str(deck), "-o", str(deck.parent))
    assert proc.returncode == 2 and "overwrite" in proc.stderr


def test_cli_embed_a_file(tmp_path: Path) -> None:
    (tmp_path / "a b.gif").write_bytes(b"GIF89a")
    proc = cli("embed", "a b.gif", "--caption", '"<script>', "--fragment-index", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (img,) = [a for t, a in tags(proc.stdout) if t == "img"]
    assert img == {"src": "a b.gif", "style": "width: 100%;", "alt": '"<script>'}
    assert "<script>" not in proc.stdout
    proc = cli("embed", "../x.gif", cwd=tmp_path)
    assert proc.returncode == 2


def test_cli_embed_refuses_a_missing_template_folder(tmp_path: Path) -> None:
    # A typo must not silently fall back to the built-in templates.
    (tmp_path / "a.gif").write_bytes(b"GIF89a")
    proc = cli("embed", "a.gif", "--template-dir", "no-such-folder", cwd=tmp_path)
    assert proc.returncode == 2 and "no-such-folder" in proc.stderr and proc.stdout == ""


def test_cli_embed_a_video_file_uses_the_poster_beside_it(tmp_path: Path) -> None:
    video = tmp_path / "v" / "clip.mp4"
    video.parent.mkdir()
    write_clip(video)
    proc = cli("embed", "v/clip.mp4", cwd=tmp_path)
    assert proc.returncode == 0 and "poster" not in proc.stdout, proc.stderr
    deckbuild.poster_frame(video, video.with_suffix(".png"))
    proc = cli("embed", "v/clip.mp4", cwd=tmp_path)
    ((_, attrs),) = [(t, a) for t, a in tags(proc.stdout) if t == "video"]
    assert attrs["poster"] == "v/clip.png" and {"data-autoplay", "muted", "playsinline"} <= set(
        attrs
    )


def test_manifest_is_json_with_keys(deck: Path) -> None:
    run(deck, FakeRenderers())
    manifest = json.loads((deck.parent / "build/.convanim-cache/manifest.json").read_text())
    entry = manifest["assets"]["assets/videos/04-convolutional_layers/480p15/FIRConvolution1D.mp4"]
    assert set(entry) == {"key", "kind", "stamp", "poster", "poster_rel"}
    assert manifest["settings"]["quality"] is None  # not given: nothing to remember


def test_high_quality_goes_to_1080p60(deck: Path) -> None:
    fakes = FakeRenderers()
    result = run(deck, fakes, quality="1080p60")
    assert "assets/videos/04-convolutional_layers/1080p60/FIRConvolution1D.mp4" in result.rendered
    assert ("FIRConvolution1D", {"quality": "high"}) in fakes.calls
    with pytest.raises(ValueError, match="unknown video quality"):
        run(deck, fakes, quality="potato")


def test_cli_embed_renders_a_catalogue_name_once(tmp_path: Path) -> None:
    proc = cli(
        "embed",
        "dilation",
        "--deck",
        "lecture",
        "--source",
        "https://x.org/a?b=1&c=2",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    gif = tmp_path / "assets/images/lecture/dilation.gif"
    (img,) = [a for t, a in tags(proc.stdout) if t == "img"]
    assert img["src"] == "assets/images/lecture/dilation.gif" and gif.is_file()
    assert "rendering" in proc.stderr and 'href="https://x.org/a?b=1&amp;c=2"' in proc.stdout
    from PIL import Image

    with Image.open(gif) as im:
        assert im.n_frames > 1 and im.info.get("loop") == 0
    stamp = gif.stat().st_mtime_ns
    proc = cli("embed", "dilation", "--deck", "lecture", cwd=tmp_path)
    assert proc.returncode == 0 and "rendering" not in proc.stderr
    assert gif.stat().st_mtime_ns == stamp
    proc = cli("embed", "dilaton", cwd=tmp_path)
    assert proc.returncode == 2 and "did you mean dilation" in proc.stderr


@pytest.mark.slow
def test_html_page_from_an_installed_wheel(tmp_path: Path) -> None:
    # Installed with pip from a wheel (no checkout, no node_modules, no network): reveal.js,
    # KaTeX and their licences come with the package.
    import os
    import zipfile

    root = Path(__file__).resolve().parents[1]
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "wheel", str(root), "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("convanim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "convanim/slides/vendor/reveal.js/LICENSE" in names
    assert "convanim/slides/vendor/katex/LICENSE" in names
    site = tmp_path / "site-packages"
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "d.md").write_text("# T\n\n---\n\n## x\n\n$a_b$\n")
    env = {k: v for k, v in os.environ.items() if k != "CONVANIM_REVEALJS"}
    env["PYTHONPATH"] = str(site)
    code = "import convanim, sys; sys.argv[0] = 'convanim'; print(convanim.__file__)"
    where = subprocess.run([sys.executable, "-c", code], env=env, cwd=work, capture_output=True)
    assert where.stdout.decode().startswith(str(site))  # the wheel's copy, not the checkout
    proc = subprocess.run(
        [sys.executable, "-m", "convanim", "build", "d.md", "-o", "out", "--html"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (work / "out/reveal.js/reveal.js").is_file()
    assert (work / "out/reveal.js/katex/dist/katex.min.js").is_file()
