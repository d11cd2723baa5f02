"""What the deck build can make, and who makes it: the renderers, called by name.

:data:`SOURCES` is the one table of renderers. A file name the deck references by hand
(``assets/images/…/dilation.gif``) or a placeholder target is looked up in the names each source
makes; adding a renderer of named figures is one line here (a module with ``names()`` and
``render_named(name, out, **params)``).

Parameters a deck gives a renderer are checked while the deck is planned (:func:`check_params`),
with the same rules as ``convanim render``'s options, so a bad value is reported with its line
before anything renders.
"""

from __future__ import annotations

import hashlib
import importlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from convanim._files import code_digest, import_closure, package_dirs
from convanim.core.params import WINDOW_PARAMS, lookup
from convanim.draw.themes import CELL_PX_RANGE
from convanim.slides.deck import DeckError


@dataclass(frozen=True)
class Source:
    """A renderer of named assets: ``module.names()`` lists them, ``module.<render>`` draws one."""

    kind: str  # "image" (GIF/PNG, drawn in-process) or "scene" (Manim video)
    module: str
    names: str = "names"
    render: str = "render_named"


# The renderers the build knows. A new module of named figures adds one line.
SOURCES: tuple[Source, ...] = (
    Source("image", "convanim.draw.catalogue"),
    Source("image", "convanim.draw.network"),  # alexnet.png, {{CONVANIM:stack preset=…}}
    Source("scene", "convanim.video", names="SCENE_NAMES", render="render_scene"),
)

# Third-party code that draws the pixels: an upgrade can change the files.
_RENDER_LIBRARIES = {"image": ("pillow", "numpy"), "scene": ("manim", "numpy")}
# Still figures among the catalogue's names, when the catalogue itself cannot say.
STILL_FIGURES = frozenset({"vision_kernels", "wavenet_before", "wavenet_after"})

_package_dirs = package_dirs  # looked up on each call, so a test can point it at a fake package


def _module(source: Source):
    return importlib.import_module(source.module)


def source_names(source: Source) -> list[str]:
    """The names ``source`` makes (none when its module or an optional requirement is missing)."""
    try:
        names = getattr(_module(source), source.names)
    except ImportError:
        return []
    return list(names() if callable(names) else names)


def _source_of(kind: str, name: str) -> Source:
    for source in SOURCES:
        if source.kind == kind and name in source_names(source):
            return source
    raise DeckError(f"no renderer makes {name!r}")


def _source_files(kind: str) -> list[Path]:
    """The source files that can change an asset of ``kind``: the import closure of its
    renderers within convanim (each module's parent packages too), not the whole package.
    """
    if kind == "scene":
        from convanim import video

        return video.source_files()  # the files its own render cache keys on
    roots = tuple(s.module for s in SOURCES if s.kind == kind)
    return import_closure(roots, _package_dirs())


def code_fingerprint(kind: str) -> str:
    """A hash of the code that renders assets of ``kind`` (``image`` or ``scene``).

    Editing a module the renderer imports (directly or not) makes every asset it drew stale;
    editing anything else (the build, the templates, the CLI, the other renderer) does not, and
    neither do snippets, which are cheap and always rewritten.
    """
    from importlib import metadata

    digest = hashlib.sha256(code_digest(_source_files(kind), _package_dirs()).encode())
    for library in _RENDER_LIBRARIES[kind]:
        try:
            digest.update(f"{library}=={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library} missing".encode())
    return digest.hexdigest()[:16]


def image_names() -> list[str]:
    return [n for s in SOURCES if s.kind == "image" for n in source_names(s)]


def scene_names() -> list[str]:
    return [n for s in SOURCES if s.kind == "scene" for n in source_names(s)]


def image_ext(name: str) -> str:
    """The renderer's own file type for ``name`` (``.gif`` for animations, ``.png`` stills)."""
    try:
        module = _module(_source_of("image", name))
        if hasattr(module, "get"):
            return module.get(name).ext
        return getattr(module, "default_ext", lambda n: ".png")(name)
    except (ImportError, AttributeError, ValueError):
        return ".png" if name in STILL_FIGURES else ".gif"


def render_image(name: str, out: Path, **params: object) -> Path:
    source = _source_of("image", name)
    return getattr(_module(source), source.render)(name, out, **params)


def render_scene(
    scene: str, out: Path, quality: str = "low", fmt: str = "mp4", params: dict | None = None
) -> Path:
    from convanim import video

    # convanim.video keeps its own content-hash cache of renders: an identical video made for
    # another deck (or an earlier build folder) is copied instead of rendered again.
    return video.render_scene(scene, out, quality=quality, fmt=fmt, params=params)


# --------------------------------------------------------------------------- parameter checks

# The window's parameters: they change an operation's sizes, so the shape core, stdlib only,
# can judge them while the deck is planned.
SHAPE_KEYS = frozenset(WINDOW_PARAMS)


def spec_keys(params: dict) -> dict:
    """``params`` with each operation parameter under its spec name, whichever spelling the
    deck used: the spec's table of names and aliases (``k``, ``kernel``, ``input``) is the one
    the CLI flags come from.

    >>> spec_keys({"k": 3, "input": (6, 6), "numbers": True})
    {'kernel_size': 3, 'input_size': (6, 6), 'numbers': True}
    """
    out: dict = {}
    for key, value in params.items():
        try:
            name = lookup(key).name
        except KeyError:
            name = key
        if name not in SHAPE_KEYS:
            name = key  # not an operation parameter here: the catalogue's own keys judge it
        if name in out:
            raise DeckError(f"{name!r} given twice (as {key!r} too)")
        if name == "input_size" and isinstance(value, int) and not isinstance(value, bool):
            value = (value,)  # input=7, as -i 7: one number, squared for a 2-D entry
        out[name] = value
    return out


def _int_range(low: int, high: int) -> Callable[[str, object], None]:
    def check(key: str, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DeckError(f"{key}={value!r}: give a whole number from {low} to {high}")

    return check


def _number_range(low: float, high: float) -> Callable[[str, object], None]:
    def check(key: str, value: object) -> None:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or not low <= value <= high:
            raise DeckError(f"{key}={value!r}: give a number from {low:g} to {high:g}")

    return check


def _choice(*choices: object) -> Callable[[str, object], None]:
    def check(key: str, value: object) -> None:
        if value not in choices:
            spelled = [str(c).lower() if isinstance(c, bool) else str(c) for c in choices]
            raise DeckError(f"{key}={value!r}: use one of {', '.join(spelled)}")

    return check


def _values(key: str, value: object) -> None:
    if isinstance(value, str):
        # Decks name no files to read: '@file' would read outside the deck's folder.
        raise DeckError(f"{key}={value!r}: give the values inline as comma-separated numbers")


# The same bounds as `convanim render`'s options (cli/render.py), so a deck cannot ask for what
# the command line refuses, and nothing is silently replaced (duration=0 is an error).
CATALOGUE_CHECKS: dict[str, Callable[[str, object], None]] = {
    "duration": _int_range(10, 60_000),
    "hold_last_ms": _int_range(10, 600_000),
    "cell_size": _number_range(*CELL_PX_RANGE),
    "seed": _int_range(0, 2**32 - 1),
    "theme": _choice("solarized", "dark"),
    "look": _choice("perspective", "flat"),
    "fill": _choice("all", "progressive", "none"),
    "mode": _choice("correlation", "convolution"),
    "numbers": _choice(True, False),
    "transparent": _choice(True, False),
    "labels": _choice(True, False),
    "legend": _choice(True, False),
    "values": _values,
    "weights": _values,
}


def check_params(kind: str, name: str, params: dict) -> None:
    """Refuse parameters the renderer would refuse, before anything renders (with a line)."""
    if not params:
        return
    if kind == "scene":
        from convanim import video

        try:
            video.resolve_params(name, params)
        except ValueError as exc:
            raise DeckError(str(exc)) from None
        return
    source = _source_of("image", name)
    module = _module(source)
    if source.module != "convanim.draw.catalogue":
        if hasattr(module, "check_params"):
            try:
                module.check_params(name, params)
            except ValueError as exc:
                raise DeckError(str(exc)) from None
        return
    unknown = sorted(set(params) - set(module.OVERRIDES))
    if unknown:
        raise DeckError(
            f"unknown parameter(s) {', '.join(unknown)} for {name}; "
            f"known: {', '.join(module.OVERRIDES)}"
        )
    for key, value in params.items():
        if key in CATALOGUE_CHECKS:
            CATALOGUE_CHECKS[key](key, value)
    _check_shape(module.get(name), {k: v for k, v in params.items() if k in SHAPE_KEYS})


def _check_shape(entry: object, changes: dict) -> None:
    if not changes:
        return
    if getattr(entry, "kind", None) == "figure":
        raise DeckError(
            f"{entry.name} is a fixed figure: {', '.join(sorted(changes))} cannot be changed"
        )
    for key, value in changes.items():
        sizes = value if isinstance(value, tuple) else (value,)
        if any(isinstance(v, int) and not isinstance(v, bool) and v > 64 for v in sizes):
            raise DeckError(f"{key}={value!r}: at most 64 cells per dimension in an animation")
    # Through the operation's spec (convanim.core.specs): the same parameter parsing and
    # torch-identical checks as `convanim shape` and `render` on the command line.
    from convanim.core import specs
    from convanim.draw.catalogue import check_drawable, with_changes

    try:
        changed = with_changes(entry, changes)  # as `render NAME` applies them: size=7 is 7x7
        check_drawable(changed)
        specs.spec_from_mapping(changed.kind, changed.operation()).output_shape  # noqa: B018
    except (ValueError, TypeError) as exc:
        raise DeckError(f"{entry.name}: {exc}") from None


@dataclass(frozen=True)
class Renderers:
    """What the build calls to list and draw assets; tests inject their own."""

    image_names: Callable[[], Iterable[str]] = image_names
    render_image: Callable[..., Path] = render_image  # (name, out, **params) -> path
    scene_names: Callable[[], Iterable[str]] = scene_names
    render_scene: Callable[..., Path] = render_scene  # (scene, out, quality, fmt, params)
    fingerprint: Callable[[str], str] = code_fingerprint
    image_ext: Callable[[str], str] = image_ext  # default file type of a named image
    check_params: Callable[[str, str, dict], None] = check_params  # (kind, name, params)
