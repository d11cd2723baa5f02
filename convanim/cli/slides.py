"""``convanim embed`` and ``convanim build``: assets onto slides."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from convanim.cli.options import OutputPath, stacked
from convanim.slides import build as deckbuild
from convanim.slides import embed as snippets

# What the snippet says (the fields of slides.embed.EmbedOptions).
_SNIPPET = stacked(
    click.option(
        "--template",
        "-t",
        default=None,
        metavar="NAME|FILE",
        help="overlay (image in a reveal.js fragment), video, figure, markdown, html, "
        "interactive (a live figure in an iframe), or the path of a template file.",
    ),
    click.option("--caption", default=None, help="Caption under the asset (also the alt text)."),
    click.option(
        "--alt", default=None, help="Alternative text (default: the caption or the name)."
    ),
    click.option("--source", default=None, metavar="URL", help='Adds "Source: <a href=URL>".'),
    click.option("--source-text", default=None, help="Link text, or a citation without --source."),
    click.option(
        "--fragment-index", type=click.IntRange(min=0), help="reveal.js data-fragment-index."
    ),
    click.option("--width", default=None, help="45%, 800px, … (default: the template's)."),
    click.option(
        "--height", default=None, help="interactive: the iframe's height (default 520px)."
    ),
    click.option(
        "--template-dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        help="A folder of templates overriding the built-in ones of the same name.",
    ),
)
# Where a name that is not rendered yet is rendered.
_EMBED_ASSET = stacked(
    click.option(
        "--deck", default=None, help="Deck name for the asset folders (assets/images/<deck>/…)."
    ),
    click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Folder the slide lives in; asset paths are relative to it.",
    ),
    click.option(
        "--quality",
        default=None,
        help="Video quality: low, medium, high (1080p60) or fourk (default: ROOT/convanim.toml's, "
        "else low).",
    ),
)


@click.command("embed")
@click.argument("name_or_path")
@_SNIPPET
@_EMBED_ASSET
def embed(
    name_or_path: str, deck: str | None, root: Path, quality: str | None, **snippet: Any
) -> None:
    """Print the slide snippet for an asset: a file, a catalogue name or a scene.

    A catalogue name or scene that has not been rendered yet is rendered first, into
    ROOT/assets/images/<deck>/ or ROOT/assets/videos/<deck>/<quality>/.

    \b
    convanim embed dilation --fragment-index 1 --source https://github.com/vdumoulin/conv_arithmetic
    convanim embed FIRConvolution1D --quality high
    convanim embed assets/figure.png --template markdown --caption "A figure"
    """
    options = snippets.EmbedOptions(**snippet)
    found = deckbuild.embedding(name_or_path, root, options, quality=quality, assets_dir=deck)
    if found.pending is not None:
        click.echo(f"rendering {found.pending.rel} …", err=True)
        deckbuild.render_asset(found.pending, root, deckbuild.Renderers())
    click.echo(found.text)


_BUILD = stacked(
    click.argument("deck", type=click.Path(dir_okay=False, path_type=Path)),
    click.option(
        "-o",
        "--out-dir",
        type=OutputPath(file_okay=False),
        default=None,
        help="Where the built deck and its assets go (default: build/ beside the deck).",
    ),
    click.option(
        "--quality",
        default=None,
        help="Video quality of placeholders: low (480p15, quick), medium, high (1080p60) or "
        "fourk (default: the quality folder of the deck's own videos, else low).",
    ),
    click.option(
        "--assets-dir",
        default=None,
        metavar="NAME",
        help="Placeholders' assets go to assets/images/NAME/ and assets/videos/NAME/ "
        "(default: the deck's file name).",
    ),
    click.option(
        "--css",
        "css",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False),
        help="A style sheet of the lecture for --html (repeatable).",
    ),
    click.option(
        "--check",
        is_flag=True,
        help="List what is stale or missing, write nothing; exit status 1 if anything is.",
    ),
    click.option("--strict", is_flag=True, help="Exit status 1 when a referenced file is missing."),
    click.option(
        "--html",
        "html_page",
        is_flag=True,
        help="Also write <deck>.html, a reveal.js page (reveal.js copied beside it).",
    ),
    click.option(
        "--theme",
        default=None,
        help="reveal.js theme name for --html (default: white), or a .css file in the deck's "
        "folder.",
    ),
    click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        help="Parallel renders (default: one per CPU).",
    ),
    click.option("--force", is_flag=True, help="Render every asset again, even if up to date."),
    click.option(
        "--template-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="A folder of templates overriding the built-in ones (page.html too).",
    ),
)


@click.command("build")
@_BUILD
def build(deck: Path, css: tuple[str, ...], check: bool, strict: bool, **settings: Any) -> int:
    """Render and embed every asset a reveal.js Markdown deck references.

    Lines such as {{CONVANIM:padding_strides_odd fragment_index=0}} name a catalogue animation,
    a Manim scene or a file, with render parameters and template options as key=value words.
    Missing or stale assets are rendered (in parallel) into OUT/assets/images/<deck>/ and
    OUT/assets/videos/<deck>/<quality>/ (stable names; files an earlier build wrote and the deck
    no longer needs are removed), and OUT/<deck>.md is written with each placeholder replaced
    by its snippet. Other placeholders ({{TIMELINE:…}}) pass through untouched.

    Files the deck references by hand (<img src>, <source src>, ![](…)) are copied from the
    deck's folder, rendered at their path when convanim makes that file name
    (…/1080p60/FIRConvolution1D.mp4, …/dilation.gif), or reported missing with their slide.
    Settings (quality, assets_dir, theme, template_dir, css) can live in the deck's front
    matter or in convanim.toml beside it.
    """
    started = time.perf_counter()
    bar = _ProgressBar()
    try:
        progress = None if check else bar.update
        result = deckbuild.build(
            deck, check=check, css=list(css) or None, progress=progress, **settings
        )
    except deckbuild.RenderFailed as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        bar.close()
    for missing in result.missing:
        click.echo(f"Warning: missing: {missing}", err=True)
    if check:
        return _report_check(result)
    _report_build(result, time.perf_counter() - started)
    return 1 if strict and result.missing else 0


def _report_build(result: deckbuild.BuildResult, elapsed: float) -> None:
    removed = f", {len(result.removed)} removed" if result.removed else ""
    click.echo(
        f"{len(result.rendered)} rendered, {len(result.copied)} copied, "
        f"{result.up_to_date} up to date, {len(result.missing)} missing{removed}; "
        f"{result.placeholders} placeholders in {elapsed:.2f} s",
        err=True,
    )
    for path in [result.deck_out] + ([result.html_out] if result.html_out else []):
        click.echo(str(path))


def _report_check(result: deckbuild.BuildResult) -> int:
    for rel in result.stale:
        click.echo(f"stale: {rel}")
    for rel in result.removed:
        click.echo(f"unneeded: {rel}")
    n = len(result.stale)
    rels = {a.rel for a in result.assets}
    n_assets = sum(rel in rels for rel in result.stale)
    missing = f", {len(result.missing)} missing" if result.missing else ""
    click.echo(
        f"{n} stale: {n_assets} of {len(result.assets)} assets, {n - n_assets} other output(s)"
        f"{missing}"
        if n
        else f"up to date: {len(result.assets)} assets{missing}",
        err=True,
    )
    return 1 if n or result.missing or result.removed else 0


class _ProgressBar:
    """A click progress bar, opened only when there is something to render."""

    def __init__(self) -> None:
        self._bar = None
        self._shown = 0

    def update(self, done: int, total: int, label: str) -> None:
        if self._bar is None:
            if total == 0:
                return
            self._bar = click.progressbar(
                length=total, label="rendering", file=sys.stderr, item_show_func=lambda item: item
            )
            self._bar.__enter__()
        self._bar.update(done - self._shown, label or None)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
