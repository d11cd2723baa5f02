"""Build a reveal.js Markdown deck: every asset it references, rendered, copied or reported.

The deck's ``{{CONVANIM:…}}`` placeholders are planned and expanded into snippets
(:mod:`convanim.slides.deck`, :mod:`convanim.slides.plan`); the references it writes by hand
(``<img src>``, ``<source src>``, ``![](…)``, ``data-background-*``) are copied from the deck's
folder, rendered at their path when a renderer makes that file name, or reported missing with
their slide. The build is incremental (:mod:`convanim.slides.manifest`): a second build renders
nothing, and files it wrote and no longer needs are removed. Settings come from the command
line, the deck's front matter or ``convanim.toml`` (:mod:`convanim.slides.settings`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from convanim._files import check_output, write_atomic
from convanim.slides import page as pages
from convanim.slides.deck import (
    DeckError,
    Placeholder,
    check_size,
    expand,
    parse_placeholders,
    references,
)
from convanim.slides.embed import EmbedOptions, asset_kind, snippet
from convanim.slides.manifest import (
    CACHE_DIR,
    is_current,
    load_manifest,
    record_deck,
    remove_stale_partials,
    remove_unneeded,
    safe_target,
    unneeded,
    write_manifest,
)
from convanim.slides.page import check_theme, copy_revealjs, find_katex, find_revealjs
from convanim.slides.plan import (
    Asset,
    Missing,
    Planner,
    _digest,
    confined,
    deck_quality,
    normalize_quality,
    with_folder,
)
from convanim.slides.render import RenderFailed, poster_frame, render_all, render_asset
from convanim.slides.settings import DeckSettings, read_settings, resolve
from convanim.slides.settings import resolve as resolve_settings
from convanim.slides.sources import Renderers, code_fingerprint

__all__ = [
    "Asset",
    "BuildResult",
    "Embedding",
    "DeckError",
    "DeckSettings",
    "Missing",
    "Placeholder",
    "Planner",
    "RenderFailed",
    "Renderers",
    "build",
    "check_theme",
    "code_fingerprint",
    "confined",
    "copy_revealjs",
    "default_out_dir",
    "embedding",
    "find_katex",
    "find_revealjs",
    "normalize_quality",
    "parse_placeholders",
    "poster_frame",
    "render_asset",
    "resolve_settings",
    "with_folder",
]


@dataclass
class BuildResult:
    """What a build did (or, with ``check``, would do)."""

    deck: Path
    out_dir: Path
    deck_out: Path
    html_out: Path | None
    placeholders: int
    assets: list[Asset]
    settings: DeckSettings = field(default_factory=DeckSettings)
    stale: list[str] = field(default_factory=list)  # assets (and outputs) out of date
    rendered: list[str] = field(default_factory=list)  # drawn by a renderer
    copied: list[str] = field(default_factory=list)  # copied from the deck's folder
    missing: list[Missing] = field(default_factory=list)  # referenced, absent, not makeable
    removed: list[str] = field(default_factory=list)  # written earlier, no longer needed
    deck_changed: bool = False

    @property
    def up_to_date(self) -> int:
        return len(self.assets) - len(self.rendered) - len(self.copied)


def default_out_dir(deck: Path) -> Path:
    """Where ``convanim build DECK.md`` writes when no ``-o`` is given: ``build/`` beside it."""
    return deck.parent / "build"


@dataclass(frozen=True)
class _Job:
    """Everything a build needs to know before it plans."""

    deck: Path
    text: str
    out_dir: Path
    settings: DeckSettings
    template_dir: Path | None
    html_page: bool
    record: dict  # the settings as given (the manifest keeps these, not what was inferred)


def _prepare(deck: Path, out_dir: Path | None, given: dict, html_page: bool) -> _Job:
    deck = Path(deck)
    if not deck.is_file():
        raise ValueError(f"no deck at {deck}")
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir(deck)
    check_output(out_dir, "-o", folder=True)  # a path the OS would refuse, refused now
    if deck.stat().st_size > 4 * 4_000_000:
        raise DeckError(f"{deck.name} is too large to be a deck")
    text = deck.read_text(encoding="utf-8")
    check_size(text, deck.name)
    if (out_dir / deck.name).resolve() == deck.resolve():
        raise ValueError(f"the built deck would overwrite {deck}: choose another -o folder")
    recorded = load_manifest(out_dir).get("settings")
    settings = resolve(deck, text, given, recorded)
    record = settings.record()
    if settings.quality is None:  # placeholders' videos follow the deck's own, else low
        settings = replace(settings, quality=deck_quality(references(text)) or "low")
    normalize_quality(settings.quality)
    # Paths the deck's own files give stay inside its folder; the command line's (recorded
    # absolute in the manifest) are the user's own choice.
    from_deck = set(read_settings(deck, text)) - {k for k, v in given.items() if v is not None}
    template_dir = None
    if settings.template_dir is not None:
        template_dir = Path(settings.template_dir)
        if "template_dir" in from_deck:
            template_dir = confined(settings.template_dir, deck.parent, "template_dir")
        if not template_dir.is_dir():
            raise ValueError(f"template folder {template_dir} does not exist")
    if "css" in from_deck:
        for name in settings.css:
            confined(name, deck.parent, "css")
    if html_page:
        check_theme(settings.theme)  # before anything renders, not after
        if pages.is_theme_file(settings.theme):  # a theme of the deck's own: inside its folder
            if not confined(settings.theme, deck.parent, "theme").is_file():
                raise DeckError(f"theme {settings.theme!r}: no such file in the deck's folder")
    return _Job(deck, text, out_dir, settings, template_dir, html_page, record)


def plan_deck(
    job: _Job, renderers: Renderers | None = None
) -> tuple[Planner, list[Placeholder], str]:
    """Plan every asset of the deck; returns the planner, the placeholders and the expanded text.
    Every problem is collected and reported together with its line."""
    placeholders = parse_placeholders(job.text, job.deck.name)
    planner = Planner(job.deck, job.out_dir, job.settings, renderers, job.template_dir)
    snippets: dict[tuple[int, int], tuple[int, str]] = {}
    errors = []
    for ph in placeholders:
        try:
            _, snip = planner.plan(ph)
        except ValueError as exc:  # DeckError, and the templates' own checks (width, URLs)
            errors.append(f"{job.deck.name}:{ph.line}: {exc}")
            continue
        snippets[(ph.line, ph.start)] = (ph.end, snip)
    if errors:
        raise DeckError("; ".join(errors))
    # What the build writes itself is never copied over (a deck linking to itself, say).
    own = {job.deck.name, f"{job.deck.stem}.html"}
    for ref in references(job.text):
        top = ref.rel.split("/", 1)[0]
        if ref.rel not in own and top not in ("reveal.js", CACHE_DIR, "css"):
            planner.plan_reference(ref)
    for name in job.settings.css:
        _plan_css(planner, job, name)
    if job.html_page and pages.is_theme_file(job.settings.theme):
        _plan_css(planner, job, job.settings.theme)
    return planner, placeholders, expand(job.text, snippets)


def _plan_css(planner: Planner, job: _Job, name: str) -> None:
    path = Path(name) if Path(name).is_absolute() else job.deck.parent / name
    if not path.is_file():
        raise DeckError(f"css {name!r}: no such file")
    rel = pages.css_rel(path.name)
    stat = path.stat()
    key = _digest("copy", str(path), stat.st_size, stat.st_mtime_ns)
    planner.assets[rel] = Asset("file", path.stem, (), rel, key, source=str(path.resolve()))


def build(
    deck: Path,
    out_dir: Path | None = None,
    *,
    quality: str | None = None,
    check: bool = False,
    html_page: bool = False,
    theme: str | None = None,
    jobs: int | None = None,
    renderers: Renderers | None = None,
    executor: str = "auto",
    progress: Callable[[int, int, str], None] | None = None,
    force: bool = False,
    template_dir: Path | None = None,
    assets_dir: str | None = None,
    css: list[str] | None = None,
) -> BuildResult:
    """Render every stale asset ``deck`` references and write the expanded deck to ``out_dir``.

    Settings left ``None`` come from the deck (front matter, ``convanim.toml``) or the last
    build. With ``check`` nothing is rendered or written: the result lists what is stale and
    what is missing. With ``html_page`` a reveal.js page ``<deck>.html`` is written too, with
    reveal.js copied next to it. ``executor`` is ``"process"``, ``"thread"`` or ``"auto"``
    (processes for the built-in renderers, threads for injected ones).
    """
    if executor not in ("process", "thread", "auto"):
        raise ValueError(f"executor must be process, thread or auto, not {executor!r}")
    given = {
        "quality": quality,
        "theme": theme,
        "assets_dir": assets_dir,
        "template_dir": str(Path(template_dir).resolve()) if template_dir is not None else None,
        "css": tuple(str(Path(c).resolve()) for c in css) if css else None,
    }
    job = _prepare(deck, out_dir, given, html_page)
    planner, placeholders, expanded = plan_deck(job, renderers)
    out = _Outputs.of(job, expanded, planner)
    assets = list(planner.assets.values())
    manifest = load_manifest(job.out_dir)
    stale = [a for a in assets if force or not is_current(a, job.out_dir, manifest)]
    result = BuildResult(
        job.deck, job.out_dir, out.deck_out, out.html_out, len(placeholders), assets,
        job.settings, stale=[a.rel for a in stale], missing=list(planner.missing),
        deck_changed=out.deck_changed,
    )  # fmt: skip
    if check:
        result.stale += out.stale(job)
        result.removed = unneeded(manifest, {a.rel for a in assets}, job.deck.name)
        return result
    # a path the OS would refuse is refused now, not after the rendering
    for path in [out.deck_out, *(job.out_dir / a.rel for a in stale)]:
        check_output(path, "the output")
    processes = executor == "process" or (executor == "auto" and renderers is None)
    try:
        remove_stale_partials({(job.out_dir / a.rel).parent for a in assets})
        made = _make(job, stale, planner.renderers, manifest, jobs, processes, progress)
    except RenderFailed as exc:
        _count(result, exc.made)
        raise
    _count(result, made)
    needed = {a.rel for a in assets}
    result.removed = remove_unneeded(job.out_dir, manifest, needed, job.deck.name)
    record_deck(manifest, job.deck.name, needed)
    if made or manifest.get("dirty"):
        write_manifest(job.out_dir, manifest)
    out.write(job)
    return result


@dataclass(frozen=True)
class _Outputs:
    """The built deck and page: where they go, what they hold, whether they changed."""

    deck_out: Path
    expanded: str
    deck_changed: bool
    html_out: Path | None = None
    page: str | None = None
    page_changed: bool = False

    @classmethod
    def of(cls, job: _Job, expanded: str, planner: Planner) -> _Outputs:
        out_dir = job.out_dir
        deck_out = safe_target(out_dir, job.deck.name)
        for asset in planner.assets.values():  # no write through a planted link, before work
            safe_target(out_dir, asset.rel)
            if asset.poster_rel:
                safe_target(out_dir, asset.poster_rel)
        safe_target(out_dir, f"{CACHE_DIR}/manifest.json")
        changed = not deck_out.is_file() or deck_out.read_text(encoding="utf-8") != expanded
        if not job.html_page:
            return cls(deck_out, expanded, changed)
        safe_target(out_dir, "reveal.js/theme/x")
        html_out = safe_target(out_dir, f"{job.deck.stem}.html")
        page = _page_text(job, expanded, planner)
        page_changed = not html_out.is_file() or html_out.read_text(encoding="utf-8") != page
        return cls(deck_out, expanded, changed, html_out, page, page_changed)

    def stale(self, job: _Job) -> list[str]:
        """The outputs other than assets that a build would write."""
        names = [self.deck_out.name] if self.deck_changed else []
        names += [self.html_out.name] if self.page_changed else []
        if job.html_page and copy_revealjs(job.out_dir, job.settings.theme, dry_run=True):
            names.append("reveal.js/")
        return names

    def write(self, job: _Job) -> None:
        if self.deck_changed:
            write_atomic(self.deck_out, self.expanded.encode("utf-8"))
        if job.html_page:
            copy_revealjs(job.out_dir, job.settings.theme)
            if self.page_changed:
                write_atomic(self.html_out, self.page.encode("utf-8"))


def _make(job, stale, renderers, manifest, jobs, processes, progress) -> list[Asset]:
    """Render (or copy) the stale assets into the output folder, once it is safe to."""
    job.out_dir.mkdir(parents=True, exist_ok=True)
    if manifest.get("settings") != job.record:
        manifest["settings"] = job.record
        manifest["dirty"] = True
    if not stale:
        return []
    return render_all(
        stale, job.out_dir, renderers, manifest, jobs=jobs, processes=processes, progress=progress
    )


def _count(result: BuildResult, made: list[Asset]) -> None:
    for asset in made:
        (result.copied if asset.kind == "file" else result.rendered).append(asset.rel)


def _page_text(job: _Job, expanded: str, planner: Planner) -> str:
    math = find_katex(find_revealjs()) is not None
    theme = job.settings.theme
    own_theme = pages.css_rel(PurePosixPath(theme).name) if pages.is_theme_file(theme) else None
    css = [
        a.rel for a in planner.assets.values() if a.rel.startswith("css/") and a.rel != own_theme
    ]
    title = pages.deck_title(expanded, job.deck.stem)
    return pages.page(expanded, title, job.settings.theme, math, css, job.template_dir)


def plan_one(
    target: str,
    root: Path,
    settings: DeckSettings,
    options: tuple[tuple[str, str], ...] = (),
) -> Asset:
    """The asset ``convanim embed TARGET`` renders into ``root``: the build's own planning, for
    one name, in the folders the settings give (``assets/images/<assets_dir>/…``; a deck
    called ``slides`` without one). ``options`` are the placeholder's template options
    (``template=interactive`` picks .html)."""
    planner = Planner(Path(root) / "slides.md", Path(root), settings)
    return planner.asset_for(Placeholder(0, 0, 0, target, (), options))


def embedded_path(asset: Asset) -> str:
    """The POSIX path of an asset, as a slide references it."""
    return PurePosixPath(asset.rel).as_posix()


@dataclass(frozen=True)
class Embedding:
    """What ``convanim embed`` prints, and the asset to render into the root first (``None``:
    its files are there)."""

    text: str
    pending: Asset | None = None


def embedding(
    name_or_path: str,
    root: Path,
    options: EmbedOptions,
    *,
    quality: str | None = None,
    assets_dir: str | None = None,
) -> Embedding:
    """The slide snippet for a file under ``root``, a catalogue name or a scene.

    A name is planned as a deck in ``root`` would plan it (``convanim.toml``'s ``assets_dir``
    and ``quality``; the arguments win). When its file is not there yet, the output path and a
    scene's requirements are checked now (a missing Manim: its install line, before any work)
    and the asset is returned as ``pending``.
    """
    path = root / name_or_path
    if path.is_file():
        confined(name_or_path, root, "path")
        rel = Path(name_or_path).as_posix()
        poster = path.with_suffix(".png")  # what `convanim build` writes beside a video
        if asset_kind(rel) == "video" and poster.is_file():
            options = replace(options, poster=Path(rel).with_suffix(".png").as_posix())
        return Embedding(snippet(rel, options))
    given = {"quality": quality, "assets_dir": assets_dir}
    settings = resolve_settings(root / "slides.md", "", given)
    # An interactive figure is rendered as a page (.html) rather than the catalogue's GIF.
    interactive = (("template", "interactive"),) if options.template == "interactive" else ()
    asset = plan_one(name_or_path, root, settings, interactive)
    if settings.assets_dir is None:  # no deck: keep the folders flat
        asset = with_folder(asset, "slides", "")
    text = snippet(asset.rel, replace(options, poster=asset.poster_rel))  # bad options: now
    files = [asset.rel, *([asset.poster_rel] if asset.poster_rel else [])]
    if all((root / rel).is_file() for rel in files):
        return Embedding(text)
    check_output(root / asset.rel, "the asset")  # before the rendering, not after it
    if asset.kind == "scene":
        from convanim import video

        video.require(video.scene_requirements(asset.name, Path(asset.rel).suffix[1:]))
    return Embedding(text, asset)
