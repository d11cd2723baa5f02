"""The deck build's rules: settings that persist, stable names and clean-up, hostile decks
(sizes, URLs, control characters, symlinks, themes, code blocks), and snippet conventions.

Renderers are the fakes of test_build.py (tiny real GIF/PNG/MP4 files, calls recorded).
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_build import FakeRenderers, cli, run, tags

from convanim.slides import deck as decks
from convanim.slides import sources
from convanim.slides.build import DeckError, build, parse_placeholders

CH = "assets/images/04-convolutional_layers"


@pytest.fixture
def lecture(tmp_path: Path) -> Path:
    path = tmp_path / "lecture" / "04-convolutional_layers.md"
    path.parent.mkdir()
    return path


# ------------------------------------------------------------------ settings


def test_settings_from_convanim_toml_and_front_matter(lecture: Path) -> None:
    (lecture.parent / "convanim.toml").write_text('assets_dir = "ch4"\nquality = "1080p60"\n')
    lecture.write_text("# t\n\n{{CONVANIM:dilation}}\n{{CONVANIM:FIRConvolution1D}}\n")
    fakes = FakeRenderers()
    result = run(lecture, fakes)
    assert sorted(result.rendered) == [
        "assets/images/ch4/dilation.gif",
        "assets/videos/ch4/1080p60/FIRConvolution1D.mp4",
    ]
    assert ("FIRConvolution1D", {"quality": "high"}) in fakes.calls
    # The front matter wins over the file; the command line over both.
    lecture.write_text("---\nconvanim:\n  assets_dir: ch4b\n---\n# t\n\n{{CONVANIM:dilation}}\n")
    assert run(lecture, fakes).rendered == ["assets/images/ch4b/dilation.gif"]
    assert run(lecture, fakes, assets_dir="x").rendered == ["assets/images/x/dilation.gif"]


def test_check_agrees_with_the_last_build_without_repeating_flags(lecture: Path) -> None:
    lecture.write_text("# t\n\n{{CONVANIM:FIRConvolution1D}}\n")
    fakes = FakeRenderers()
    run(lecture, fakes, quality="high", assets_dir="ch4")
    again = run(lecture, fakes, check=True)  # no flags: the manifest's record applies
    assert again.stale == [] and again.settings.quality == "high"
    assert again.assets[0].rel == "assets/videos/ch4/1080p60/FIRConvolution1D.mp4"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('assets_dir = "../out"', "must be a folder name"),
        ('colour = "red"', "unknown setting"),
        ('quality = "8k"', "unknown video quality"),
        ("quality = [", "convanim.toml"),
    ],
)
def test_bad_settings_are_refused_before_work(lecture: Path, config: str, message: str) -> None:
    (lecture.parent / "convanim.toml").write_text(config + "\n")
    lecture.write_text("# t\n\n{{CONVANIM:dilation}}\n")
    fakes = FakeRenderers()
    with pytest.raises(ValueError, match=message):
        run(lecture, fakes)
    assert fakes.calls == [] and not (lecture.parent / "build").exists()


# ------------------------------------------------------------------ names and clean-up


def test_names_are_stable_and_a_suffix_only_tells_variants_apart(lecture: Path) -> None:
    lecture.write_text("{{CONVANIM:dilation stride=2}}\n{{CONVANIM:dilation}}\n")
    result = run(lecture, FakeRenderers())
    first, second = sorted(result.rendered, key=len)
    assert first == f"{CH}/dilation.gif"  # the first placeholder's, whatever its parameters
    assert second.startswith(f"{CH}/dilation-") and second.endswith(".gif")


def test_files_no_longer_needed_are_removed_but_hand_edits_are_kept(lecture: Path) -> None:
    lecture.write_text(
        "{{CONVANIM:dilation}}\n{{CONVANIM:2d_convolution}}\n{{CONVANIM:FIRConvolution1D}}\n"
    )
    fakes = FakeRenderers()
    run(lecture, fakes)
    out = lecture.parent / "build"
    (out / CH / "2d_convolution.gif").write_bytes(b"edited by hand")
    (out / "mine.txt").write_text("not the build's")
    lecture.write_text("{{CONVANIM:dilation}}\n")
    assert run(lecture, fakes, check=True).removed == [
        f"{CH}/2d_convolution.gif",
        "assets/videos/04-convolutional_layers/480p15/FIRConvolution1D.mp4",
    ]
    result = run(lecture, fakes)
    assert result.removed == [
        "assets/videos/04-convolutional_layers/480p15/FIRConvolution1D.mp4",
        "assets/videos/04-convolutional_layers/480p15/FIRConvolution1D.png",
    ]
    assert (out / CH / "2d_convolution.gif").read_bytes() == b"edited by hand"
    assert (out / "mine.txt").is_file()
    left = sorted(str(p.relative_to(out)) for p in (out / "assets/videos").rglob("*"))
    assert not (out / "assets/videos").exists(), left  # emptied folders are pruned too
    assert run(lecture, fakes, check=True).removed == []


def test_decks_built_into_one_folder_keep_each_others_files(tmp_path: Path) -> None:
    """Two lectures built into the same folder (the user's deck already points into another
    lecture's assets): each build removes only what its own deck no longer needs."""
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("# A\n\n{{CONVANIM:dilation}}\n{{CONVANIM:2d_convolution}}\n")
    b.write_text("# B\n\n{{CONVANIM:padding_strides_odd}}\n{{CONVANIM:dilation}}\n")
    fakes, out = FakeRenderers(), tmp_path / "build"
    built = {deck: sorted(run(deck, fakes).rendered) for deck in (a, b)}
    assert built[b] == ["assets/images/b/dilation.gif", "assets/images/b/padding_strides_odd.gif"]
    for deck in (a, b, a):
        result = run(deck, fakes)
        assert result.rendered == [] and result.removed == []
        assert run(deck, fakes, check=True).removed == []
    every = sorted(str(p.relative_to(out)) for p in (out / "assets").rglob("*.gif"))
    assert every == sorted(built[a] + built[b])
    a.write_text("# A\n\n{{CONVANIM:dilation}}\n")  # A drops a figure: only A's goes
    assert run(a, fakes).removed == ["assets/images/a/2d_convolution.gif"]
    assert run(b, fakes).removed == [] and (out / built[b][1]).is_file()


def test_a_removed_videos_step_files_go_with_it(lecture: Path) -> None:
    lecture.write_text("{{CONVANIM:FIRConvolution1D template=steps}}\n{{CONVANIM:dilation}}\n")
    fakes = FakeRenderers()
    run(lecture, fakes)
    folder = lecture.parent / "build" / "assets/videos/04-convolutional_layers/480p15"
    for name in ("FIRConvolution1D.steps.json", "FIRConvolution1D.steps.js"):
        (folder / name).write_text("{}")  # what render_asset writes beside a real render
    lecture.write_text("{{CONVANIM:dilation}}\n")
    removed = run(lecture, fakes).removed
    assert "assets/videos/04-convolutional_layers/480p15/FIRConvolution1D.steps.js" in removed
    assert not folder.exists()


def test_a_killed_builds_partial_files_are_removed(lecture: Path) -> None:
    lecture.write_text("{{CONVANIM:dilation}}\n")
    fakes = FakeRenderers()
    run(lecture, fakes)
    folder = lecture.parent / "build" / CH
    dead = folder / ".dilation.partial-999999999.gif"  # no such process
    dead.write_bytes(b"half")
    alive = folder / f".dilation.partial-{os.getppid()}.gif"  # a running process's
    alive.write_bytes(b"busy")
    run(lecture, fakes)
    assert not dead.exists() and alive.exists()


# ------------------------------------------------------------------ hostile decks


def _cpu_seconds(fn) -> float:
    started = time.process_time()  # CPU time: what the parser costs, whatever the load
    fn()
    return time.process_time() - started


def test_parsing_is_linear_in_a_long_value() -> None:
    def deck(length: int) -> str:
        caption = "a" * length
        return "\n".join(f'{{{{CONVANIM:dilation caption="{caption}"}}}}' for _ in range(100))

    # Four times the text costs about four times as much (quadratic parsing: sixteen).
    small = _cpu_seconds(lambda: parse_placeholders(deck(975)))
    large = _cpu_seconds(lambda: parse_placeholders(deck(3_900)))
    assert large < 8 * max(small, 0.002)
    assert len(parse_placeholders(deck(3_900))) == 100
    with pytest.raises(DeckError, match="400,000 characters long"):
        parse_placeholders('{{CONVANIM:dilation caption="' + "b" * 400_000 + '"}}')
    # Many backticks on one long line (inline code spans) stay linear too.
    small = _cpu_seconds(lambda: parse_placeholders("`x " * 25_000 + "{{CONVANIM:dilation}}"))
    large = _cpu_seconds(lambda: parse_placeholders("`x " * 100_000 + "{{CONVANIM:dilation}}"))
    assert large < 8 * max(small, 0.002)
    assert _cpu_seconds(lambda: parse_placeholders("`x " * 100_000)) < 1.0


def test_deck_size_and_placeholder_count_are_capped() -> None:
    with pytest.raises(DeckError, match="at most 4,000,000"):
        parse_placeholders("x" * 4_000_001)
    many = "\n".join("{{CONVANIM:dilation}}" for _ in range(decks.LIMITS.placeholders + 1))
    with pytest.raises(DeckError, match="more than 500 placeholders"):
        parse_placeholders(many)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ('source="java\tscript:alert(1)"', "http"),
        ('source=" javascript:alert(1)"', "http"),
        ('caption="\x1b[31mred"', "control character"),
        ('caption="nul\x00"', "control character"),
        ("duration=0", r"duration=0: give a whole number from 10 to 60000"),
        ("cell_size=nan", "cell_size='nan': give a number from 4 to 400"),
        ("cell_size=10000", "from 4 to 400"),
        ("cell_size=2", "from 4 to 400"),  # `render --cell-size`'s bounds (draw.themes)
        ("numbers=maybe", "use one of true, false"),
        ("values=@/etc/passwd", "give the values inline"),
        ("theme=../../x", "use one of solarized, dark"),
        ("size=100000x100000", "at most 64 cells"),
        ("kernel=9", "Kernel size can't be greater than actual input size"),
    ],
)
def test_bad_deck_parameters_are_refused_at_plan_time(
    lecture: Path, words: str, message: str
) -> None:
    lecture.write_text(f"# t\n\n{{{{CONVANIM:padding_strides_odd {words}}}}}\n")
    fakes = FakeRenderers()
    with pytest.raises(DeckError, match=rf"04-convolutional_layers.md:3: .*{message}"):
        real_checks = dataclasses.replace(fakes.renderers(), check_params=sources.check_params)
        build(lecture, renderers=real_checks)
    assert fakes.calls == []


def test_deck_parameters_read_as_the_command_line_reads_them(lecture: Path) -> None:
    """``input=7`` is ``-i 7`` (7×7 for a 2-D entry) and ``cell_size=300`` is allowed, as
    ``convanim render padding_strides_odd -i 7 --cell-size 300`` allows it."""
    from convanim.draw import catalogue

    lecture.write_text("# t\n\n{{CONVANIM:padding_strides_odd input=7 cell_size=300}}\n")
    fakes = FakeRenderers()
    build(
        lecture, renderers=dataclasses.replace(fakes.renderers(), check_params=sources.check_params)
    )
    [(name, params)] = fakes.calls
    assert name == "padding_strides_odd" and params["cell_size"] == 300
    entry = catalogue.with_changes(catalogue.get(name), {"input_size": params["input_size"]})
    assert entry.input_size == (7, 7)


@pytest.mark.parametrize("link", ["reveal.js", ".convanim-cache", "assets"])
def test_no_write_goes_through_a_symlink_in_the_output_folder(
    lecture: Path, tmp_path: Path, link: str
) -> None:
    lecture.write_text("# t\n\n{{CONVANIM:dilation}}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = lecture.parent / "build"
    out.mkdir()
    (out / link).symlink_to(elsewhere)
    fakes = FakeRenderers()
    with pytest.raises(DeckError, match="symbolic link|resolves outside"):
        run(lecture, fakes, html_page=True)
    assert list(elsewhere.iterdir()) == [] and fakes.calls == []


def test_theme_is_a_name_never_a_path(lecture: Path, tmp_path: Path) -> None:
    lecture.write_text("# t\n")
    for theme in ["../../x", "/etc/passwd", "white/../black"]:
        with pytest.raises(ValueError, match="unknown reveal.js theme"):
            run(lecture, FakeRenderers(), html_page=True, theme=theme)
    assert not (lecture.parent / "build").exists()


def test_placeholders_in_every_kind_of_code_block_are_left_alone(lecture: Path) -> None:
    text = (
        "# t\n\nA paragraph:\n\n    {{CONVANIM:indented}}\n\n"
        "- item\n\n  ```\n  {{CONVANIM:fenced_in_a_list}}\n  ```\n\n"
        "<pre>\n{{CONVANIM:pre}}\n</pre>\n\n"
        "<div>\n    {{CONVANIM:dilation}}\n</div>\n\n"
        "- item\n\n      {{CONVANIM:indented_in_a_list}}\n"
    )
    assert [p.target for p in parse_placeholders(text)] == ["dilation"]
    lecture.write_text(text)
    built = run(lecture, FakeRenderers()).deck_out.read_text()
    for name in ["indented", "fenced_in_a_list", "pre", "indented_in_a_list"]:
        assert f"{{{{CONVANIM:{name}}}}}" in built


def test_cli_embed_with_a_bad_width_writes_nothing(tmp_path: Path) -> None:
    proc = cli("embed", "dilation", "--width", "bad", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("Error: ")
    assert list(tmp_path.iterdir()) == []


def test_cli_embed_refuses_a_tab_hidden_javascript_source(tmp_path: Path) -> None:
    (tmp_path / "a.gif").write_bytes(b"GIF89a")
    proc = cli("embed", "a.gif", "--source", "java\tscript:alert(1)", cwd=tmp_path)
    assert proc.returncode == 2 and "javascript" not in proc.stdout


# ------------------------------------------------------------------ hand-written references


def test_references_are_made_at_their_path_or_reported(lecture: Path) -> None:
    lecture.write_text(
        "# t\n\n---\n\n## a\n\n"
        f'<img src="{CH}/dilation.gif">\n'
        '<video data-autoplay><source src="v/1080p60/FIRConvolution1D.mp4" type="video/mp4">'
        "</video>\n\n---\n\n## b\n\n"
        '<section data-background-image="bg/vision_kernels.png"></section>\n'
        "![x](figs/2d_convolution.png) ![y](figs/nothing.png)\n"
        '```html\n<img src="in-code/dilation.gif">\n```\n'
    )
    fakes = FakeRenderers()
    result = run(lecture, fakes)
    assert sorted(result.rendered) == [
        f"{CH}/dilation.gif",
        "bg/vision_kernels.png",
        "figs/2d_convolution.png",
        "v/1080p60/FIRConvolution1D.mp4",
    ]
    assert ("FIRConvolution1D", {"quality": "high"}) in fakes.calls  # from the folder's name
    assert [(m.rel, m.slide, m.line) for m in result.missing] == [("figs/nothing.png", 3, 15)]
    out = lecture.parent / "build"
    assert (out / "figs/2d_convolution.png").read_bytes()[:4] == b"\x89PNG"  # format: extension
    assert not (out / "v/1080p60/FIRConvolution1D.png").exists()  # no poster the deck never asked
    # --strict makes a missing reference an error; --check lists it.
    proc = cli("build", str(lecture), "--check")
    assert proc.returncode == 1 and "missing: slide 3 (line 15): figs/nothing.png" in proc.stderr


# ------------------------------------------------------------------ snippets and the page


def test_a_placeholder_in_a_table_cell_is_a_bare_image(lecture: Path) -> None:
    lecture.write_text(
        '<table><tr>\n<td style="text-align: center;">{{CONVANIM:dilation width=70%}}</td>\n'
        "<td>\n{{CONVANIM:2d_convolution}}\n</td></tr></table>\n\n{{CONVANIM:padding_strides_odd}}\n"
    )
    text = run(lecture, FakeRenderers()).deck_out.read_text()
    found = [t for t, _ in tags(text)]
    assert found == ["table", "tr", "td", "img", "td", "img", "div", "img"]
    img = tags(text)[3][1]
    assert img["style"] == "width: 70%; height: auto;"


def test_a_videos_alt_text_is_its_slides_title(lecture: Path) -> None:
    lecture.write_text("# t\n\n---\n\n## FIR Filters Animation\n\n{{CONVANIM:FIRConvolution1D}}\n")
    text = run(lecture, FakeRenderers()).deck_out.read_text()
    (video,) = [a for t, a in tags(text) if t == "video"]
    assert video["aria-label"] == "FIR Filters Animation"


def test_the_page_links_the_lectures_css_and_shields_math(lecture: Path) -> None:
    (lecture.parent / "lecture.css").write_text(".reveal { color: #123; }")
    lecture.write_text(
        "---\nconvanim:\n  css: lecture.css\n---\n# t\n\n$a_1 * b_2$ and $$\\{x\\} \\\\ y$$\n"
    )
    fakes = FakeRenderers()
    result = run(lecture, fakes, html_page=True)
    out = lecture.parent / "build"
    page = result.html_out.read_text()
    assert '<link rel="stylesheet" href="css/lecture.css">' in page
    assert (out / "css/lecture.css").read_text() == ".reveal { color: #123; }"
    assert "convanim:" not in page.split("<textarea")[1]  # the front matter is not a slide
    # html-escaped once more inside the textarea: &#95; arrives as &amp;#95;
    assert "$a&amp;#95;1 &amp;#42; b&amp;#95;2$" in page
    assert "$$&amp;#92;{x&amp;#92;} &amp;#92;&amp;#92; y$$" in page
    assert result.copied == ["css/lecture.css"]


def test_embed_reads_the_folders_convanim_toml(tmp_path: Path) -> None:
    (tmp_path / "convanim.toml").write_text('assets_dir = "ch4"\n')
    proc = cli("embed", "2d_maxpool", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (img,) = [a for t, a in tags(proc.stdout) if t == "img"]
    assert img["src"] == "assets/images/ch4/2d_maxpool.gif"
    assert (tmp_path / img["src"]).read_bytes()[:3] == b"GIF"
    proc = cli("embed", "2d_maxpool", "--deck", "lec", cwd=tmp_path)  # the flag wins
    assert "assets/images/lec/2d_maxpool.gif" in proc.stdout


def test_paths_from_the_deck_stay_in_its_folder_those_from_the_command_line_persist(
    lecture: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "mine"
    outside.mkdir()
    (outside / "x.css").write_text("b {}")
    lecture.write_text(f"---\nconvanim:\n  css: {outside / 'x.css'}\n---\n# t\n")
    with pytest.raises(DeckError, match="must be relative"):
        run(lecture, FakeRenderers(), html_page=True)
    lecture.write_text("---\nconvanim:\n  template_dir: ../mine\n---\n# t\n")
    with pytest.raises(DeckError, match="leaves the deck's folder"):
        run(lecture, FakeRenderers(), html_page=True)
    # Given on the command line, an outside folder is the user's choice, recorded absolute:
    # the next build (from anywhere) uses it without the flag.
    (outside / "page.html").write_text("<html>${markdown}</html>")
    lecture.write_text("# t\n")
    run(lecture, FakeRenderers(), html_page=True, template_dir=outside, css=[outside / "x.css"])
    again = run(lecture, FakeRenderers(), html_page=True)
    assert again.settings.template_dir == str(outside.resolve())
    assert again.html_out.read_text().startswith("<html>")
    assert again.stale == [] and again.copied == []


def test_placeholder_keys_are_the_specs_names_and_aliases(lecture: Path) -> None:
    # kernel_size / k / kernel name one parameter, as the CLI's -k/--kernel-size do.
    lecture.write_text(
        "{{CONVANIM:dilation kernel_size=2}}\n{{CONVANIM:dilation k=2}}\n"
        "{{CONVANIM:padding_strides_odd s=1 input=6x6}}\n"
    )
    fakes = FakeRenderers()
    result = run(lecture, fakes)
    assert sorted(fakes.calls, key=str) == [
        ("dilation", {"kernel_size": 2}),
        ("padding_strides_odd", {"input_size": (6, 6), "stride": 1}),
    ]
    assert len(result.assets) == 2  # the two dilation placeholders are one asset
    lecture.write_text("{{CONVANIM:dilation k=2 kernel=3}}\n")
    with pytest.raises(DeckError, match=":1: 'kernel_size' given twice"):
        run(lecture, fakes)


_PIECES = [
    "{{CONVANIM:",
    "dilation",
    "}}",
    ' caption="',
    "'",
    "`",
    "```",
    "~~~",
    "    ",
    "\n",
    "\n\n---\n\n",
    "<!--",
    "-->",
    "<pre>",
    "</pre>",
    "<td>",
    "- ",
    "$",
    "$$",
    "\\",
    '<img src="a.gif">',
    "![x](b.png)",
    "k=3",
    "=",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_any_deck_text_parses_or_is_refused_cleanly(pieces: list[str]) -> None:
    from convanim.slides.page import protect_math

    text = "".join(pieces)
    try:
        found = parse_placeholders(text)
    except DeckError:
        found = None
    for ph in found or []:
        assert text.splitlines()[ph.line - 1][ph.start : ph.end].startswith("{{CONVANIM:")
    refs = decks.references(text)
    assert all(r.rel and r.line >= 1 and r.slide >= 1 for r in refs)
    shielded = protect_math(text)
    assert shielded.count("\n") == text.count("\n")  # line for line: slides stay where they are


def test_cli_strict_fails_on_a_missing_reference_but_still_builds(lecture: Path) -> None:
    (lecture.parent / "fig.png").write_bytes(b"\x89PNG")
    lecture.write_text('# t\n\n<img src="fig.png"> <img src="gone.png">\n')
    proc = cli("build", str(lecture))
    assert proc.returncode == 0
    assert "Warning: missing: slide 1 (line 3): gone.png" in proc.stderr
    assert "0 rendered, 1 copied, 0 up to date, 1 missing" in proc.stderr
    proc = cli("build", str(lecture), "--strict")
    assert proc.returncode == 1 and "0 rendered, 0 copied, 1 up to date, 1 missing" in proc.stderr
    assert (lecture.parent / "build" / "fig.png").is_file()


def test_placeholder_videos_follow_the_decks_own_quality_folder(lecture: Path) -> None:
    # The deck writes its videos into 1080p60 folders: its placeholders' videos go there too,
    # unless a quality is set.
    lecture.write_text(
        '<video><source src="v/1080p60/FIRConvolution1D.mp4"></video>\n\n'
        "{{CONVANIM:FIRConvolution1D poster=no}}\n"
    )
    result = run(lecture, FakeRenderers(), check=True)
    assert sorted(a.rel for a in result.assets) == [
        "assets/videos/04-convolutional_layers/1080p60/FIRConvolution1D.mp4",
        "v/1080p60/FIRConvolution1D.mp4",
    ]
    result = run(lecture, FakeRenderers(), check=True, quality="low")
    assert "assets/videos/04-convolutional_layers/480p15/FIRConvolution1D.mp4" in [
        a.rel for a in result.assets
    ]


def test_a_theme_may_be_a_style_sheet_inside_the_decks_folder(
    lecture: Path, tmp_path: Path
) -> None:
    (lecture.parent / "lecture-theme.css").write_text(".reveal { font-size: 30px; }")
    lecture.write_text("# t\n")
    result = run(lecture, FakeRenderers(), html_page=True, theme="lecture-theme.css")
    page = result.html_out.read_text()
    assert '<link rel="stylesheet" href="css/lecture-theme.css">' in page
    assert "reveal.js/theme/" not in page
    assert (lecture.parent / "build/css/lecture-theme.css").is_file()
    (tmp_path / "outside.css").write_text("b {}")
    for theme, message in [("../outside.css", "leaves the deck's folder"), ("no.css", "no such")]:
        with pytest.raises(DeckError, match=message):
            run(lecture, FakeRenderers(), html_page=True, theme=theme)


@pytest.mark.parametrize("word", ["conv", "transposed", "pool"])
def test_an_operation_word_is_answered_with_a_placeholder_that_draws_it(
    lecture: Path, word: str
) -> None:
    """``{{CONVANIM:conv …}}`` (as ``convanim render conv``) names no asset; the refusal gives
    a catalogue placeholder of that kind with parameters, and that placeholder plans."""
    from convanim.slides.plan import _OPERATION_WORDS

    lecture.write_text(f"# t\n\n{{{{CONVANIM:{word} input=6x6}}}}\n")
    with pytest.raises(DeckError, match=r"e\.g\. \{\{CONVANIM:") as refused:
        build(lecture, check=True)
    example = _OPERATION_WORDS[word][1]
    assert example in str(refused.value)
    lecture.write_text(f"# t\n\n{{{{CONVANIM:{example}}}}}\n")
    assert build(lecture, check=True).stale  # planned (checked against the real catalogue)


def test_an_iframe_of_an_animations_page_is_rendered_at_its_path(lecture: Path) -> None:
    """``<iframe src="…/dilation.html">`` is the animation's interactive page, made where the
    deck points; a still figure has no page (refused as a placeholder, missing as a link)."""
    lecture.write_text(
        '# t\n\n<iframe src="assets/x/dilation.html"></iframe>\n\n'
        '<iframe src="assets/x/vision_kernels.html"></iframe>\n'
    )
    fakes = FakeRenderers()
    result = run(lecture, fakes)
    assert result.rendered == ["assets/x/dilation.html"]
    assert [m.rel for m in result.missing] == ["assets/x/vision_kernels.html"]
    lecture.write_text("# t\n\n{{CONVANIM:vision_kernels template=interactive}}\n")
    with pytest.raises(DeckError, match="still figure with nothing to step through"):
        run(lecture, fakes)
