"""Embed templates: parse what they produce, check attributes, escaping and inert captions."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.slides.embed import TEMPLATES, EmbedOptions, fill, snippet

EVIL = "He said \"hi\" & <script>alert('x')</script> <img src=x onerror=alert(1)>"


class Parsed(HTMLParser):
    """Start tags with their attributes, text, and every <script> element found."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]

    def one(self, tag: str) -> dict[str, str | None]:
        (found,) = self.all(tag)
        return found


def test_overlay_matches_the_decks_markup() -> None:
    out = snippet(
        "assets/images/04-convolutional_layers/no_padding_no_strides.gif",
        EmbedOptions(
            fragment_index=1,
            alt="2D Convolution Illustration",
            source="https://github.com/vdumoulin/conv_arithmetic/tree/master",
        ),
    )
    assert out == (
        '<div class="fragment appear-vanish image-overlay" style="width: 45%; text-align: center;"'
        ' data-fragment-index="1">\n'
        '    <img src="assets/images/04-convolutional_layers/no_padding_no_strides.gif" '
        'style="width: 100%;" alt="2D Convolution Illustration">\n'
        '    <div class="reference">Source: <a href="https://github.com/vdumoulin/conv_arithmetic/'
        'tree/master">https://github.com/vdumoulin/conv_arithmetic/tree/master</a></div>\n'
        "</div>"
    )


def test_overlay_without_fragment_index_or_source() -> None:
    page = Parsed(snippet("x.gif"))
    div = page.tags[0][1]
    assert "data-fragment-index" not in div and page.all("a") == []
    assert page.one("img")["alt"] == "x"


def test_video_has_autoplay_loop_muted_playsinline_and_poster() -> None:
    page = Parsed(
        snippet(
            "assets/videos/d/1080p60/FIRConvolution1D.mp4",
            EmbedOptions(poster="assets/videos/d/1080p60/FIRConvolution1D.png", width="70%"),
        )
    )
    video = page.one("video")
    for attribute in ("data-autoplay", "loop", "muted", "playsinline", "controls"):
        assert attribute in video
    assert video["poster"].endswith("FIRConvolution1D.png") and video["width"] == "70%"
    assert page.one("source") == {
        "src": "assets/videos/d/1080p60/FIRConvolution1D.mp4",
        "type": "video/mp4",
    }


def test_video_overlay_and_fragment() -> None:
    page = Parsed(snippet("v.webm", EmbedOptions(template="overlay", fragment_index=3)))
    assert page.tags[0][1]["data-fragment-index"] == "3"
    assert page.one("source")["type"] == "video/webm"
    assert "data-autoplay" in page.one("video")
    page = Parsed(snippet("v.mp4", EmbedOptions(fragment_index=0)))
    assert page.tags[0][1] == {
        "style": "text-align: center;",
        "class": "fragment",
        "data-fragment-index": "0",
    }


def test_plain_figure_and_html_variants() -> None:
    page = Parsed(
        snippet(
            "a.png",
            EmbedOptions(template="figure", caption="Kernels", source_text="Oord et al. (2016)"),
        )
    )
    assert [t for t, _ in page.tags] == ["figure", "img", "figcaption", "div"]
    assert "".join(page.text).split() == ["Kernels", "Oord", "et", "al.", "(2016)"]
    page = Parsed(snippet("a.mp4", EmbedOptions(template="html", width="640")))
    video = page.one("video")
    assert "autoplay" in video and "data-autoplay" not in video
    assert video["style"] == "width: 640px;"


@pytest.mark.parametrize("template", ["overlay", "figure", "html", "video"])
def test_hostile_caption_is_inert(template: str) -> None:
    src = "clip.mp4" if template == "video" else "a.gif"
    out = snippet(
        src,
        EmbedOptions(
            template=template,
            caption=EVIL,
            alt=EVIL,
            source='https://example.org/?a=1&b="2"',
            source_text=EVIL,
        ),
    )
    page = Parsed(out)
    assert page.all("script") == [] and "<script>" not in out
    assert [t for t, _ in page.tags if t == "img"] == ([] if template == "video" else ["img"])
    for _, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs)
    text = "".join(page.text)
    assert text.count(EVIL) == 2  # caption and source text, decoded back to what was given
    assert page.one("a")["href"] == 'https://example.org/?a=1&b="2"'
    if template != "video":
        assert page.one("img")["alt"] == EVIL


def test_markdown_variant_escapes_brackets_and_html() -> None:
    out = snippet(
        "a.gif",
        EmbedOptions(
            template="markdown",
            alt="x](javascript:alert(1)) [",
            caption=EVIL,
            source="https://e.org",
        ),
    )
    first = out.splitlines()[0]
    assert first == r"![x\](javascript:alert(1)) \[](a.gif)"
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert out.endswith("Source: [https://e.org](https://e.org)")
    out = snippet("v.mp4", EmbedOptions(template="markdown", poster="v.png"))
    assert out == "[![v](v.png)](v.mp4)"
    out = snippet("my fig (1).png", EmbedOptions(template="markdown"))
    assert out == "![my fig (1)](my%20fig%20%281%29.png)"


@pytest.mark.parametrize("bad", ["javascript:alert(1)", " JavaScript:x", "data:text/html,x"])
def test_script_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="must be an http"):
        snippet("a.gif", EmbedOptions(source=bad))


@pytest.mark.parametrize("width", ["45%;position:fixed", "1e9", "calc(1px)", '50%" onload="x'])
def test_width_is_validated(width: str) -> None:
    with pytest.raises(ValueError, match="width"):
        snippet("a.gif", EmbedOptions(width=width))


def test_errors_for_wrong_kind_and_unknown_template(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot show an image"):
        snippet("a.gif", EmbedOptions(template="video"))
    with pytest.raises(ValueError, match="unknown template"):
        snippet("a.gif", EmbedOptions(template="nope"))
    with pytest.raises(ValueError, match="not an image"):
        snippet("a.txt")


def test_user_template_folder_overrides_built_ins(tmp_path: Path) -> None:
    (tmp_path / "reveal-overlay.html").write_text('<p data-x="${alt}">${caption_block}</p>\n')
    out = snippet("a.gif", EmbedOptions(template_dir=tmp_path, alt='"><b>', caption="c"))
    assert out.startswith('<p data-x="&quot;&gt;&lt;b&gt;">')
    assert '<div style="margin-top: 40px;">c</div>' in out  # caption part still built in
    own = tmp_path / "mine.html"
    own.write_text("<em>${src}</em> ${nonsense}")
    with pytest.raises(ValueError, match="unknown field 'nonsense'"):
        snippet("a.gif", EmbedOptions(template=str(own)))


def test_every_template_is_packaged_and_filled() -> None:
    names = {p.name for p in resources.files("convanim.templates").iterdir()}
    for files in TEMPLATES.values():
        assert set(files.values()) <= names
    for name, files in TEMPLATES.items():
        for kind in files:
            out = snippet(
                {"video": "x.mp4", "interactive": "x.html"}.get(kind, "x.png"),
                EmbedOptions(
                    template=name,
                    caption="c",
                    source="https://e.org",
                    fragment_index=0,
                    poster="p.png",
                ),
            )
            assert "${" not in out and "$" not in out


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_any_caption_round_trips_as_text(caption: str) -> None:
    out = snippet("a.gif", EmbedOptions(template="figure", caption=caption, alt=caption))
    page = Parsed(out)
    assert [t for t, _ in page.tags] == (
        ["figure", "img", "figcaption"] if caption else ["figure", "img"]
    )
    assert page.one("img")["alt"] == caption


def test_fill_escapes_plain_strings() -> None:
    assert fill("${a}", {"a": "'\"<>&"}) == "&#x27;&quot;&lt;&gt;&amp;"


def test_markdown_source_link_survives_spaces_and_parentheses() -> None:
    # A Wikipedia-style URL with a space would end the Markdown link destination early.
    url = "https://en.wikipedia.org/wiki/Kernel_(image_processing) x"
    text = snippet("a.gif", EmbedOptions(template="markdown", source=url))
    assert text.endswith("(https://en.wikipedia.org/wiki/Kernel_%28image_processing%29%20x)")
