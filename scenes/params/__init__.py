"""What each scene takes, declared by the scene itself and read without Manim.

Every scene module ``convanim.scenes.<name>`` has a light twin ``convanim.scenes.params.<name>``
holding one :class:`SceneDecl` named ``SCENE``: the class name, a summary, its parameters and a
check of their combination (sizes by the shape core). The launcher (:mod:`convanim.video`)
finds them with :func:`declared_scenes`, so a new scene is one Manim module plus one
declaration, never an entry in a table elsewhere. This package is standard library only: the
CLI parses ``convanim render SCENE --option …`` and answers a cached render without NumPy or
Manim, and the scenes import it (never :mod:`convanim.video`) to resolve their parameters.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convanim.core.params import (
    lookup,
    parse_bool,
    parse_dims,
    parse_int,
    parse_padding,
    parse_size,
)
from convanim.draw.themes import INKS

__all__ = [
    "PARAMS_ENV",
    "PACES",
    "THEME_NAMES",
    "ParamSpec",
    "SceneDecl",
    "declared_scenes",
    "grid_geometry",
    "operation",
    "resolve",
    "params_from_env",
    "pair",
]

#: Environment variable through which a scene receives its parameters: JSON text, or the path
#: of a JSON file. Plain ``manim scenes/fir.py FIRConvolution1D`` works without it (defaults).
PARAMS_ENV = "CONVANIM_SCENE_PARAMS"

#: How much longer than the default speaking pace every beat lasts.
PACES: dict[str, float] = {"slow": 1.5, "normal": 1.0, "fast": 0.6}

#: The slides a scene is drawn for (``scenes._common.PALETTES`` has one palette each).
THEME_NAMES: tuple[str, ...] = ("light", "dark")


@dataclass(frozen=True)
class ParamSpec:
    """One scene parameter: how it is spelled, parsed, checked, and what it defaults to.

    ``kind`` is one of ``int``, ``float``, ``bool``, ``choice``, ``ints`` (a list of integers,
    written ``5x5`` or ``1,2,4``) and ``floats`` (a list of numbers, ``1,2,-1``).
    """

    name: str
    kind: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None

    @property
    def option(self) -> str:
        """The command-line spelling, ``--max-steps`` for ``max_steps``."""
        return "--" + self.name.replace("_", "-")

    def parse(self, value: Any) -> Any:
        """Turn a CLI string or a JSON value into the parameter's canonical Python value."""
        where = f"scene parameter {self.option}"
        try:
            out = _PARSERS[self.kind](value, self)
        except (TypeError, ValueError) as exc:
            detail = str(exc) if "must be" in str(exc) else f"cannot read {value!r}"
            raise ValueError(f"{where}: {detail}") from None
        if self.kind in ("ints", "floats") and not out:
            raise ValueError(f"{where}: needs at least one value")
        if self.minimum is not None:
            values = out if isinstance(out, list) else [out]
            if any(v < self.minimum for v in values):
                raise ValueError(
                    f"{where}: values must be at least {self.minimum:g}, got {value!r}"
                )
        return out


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    return int(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


def _choice(value: Any, spec: ParamSpec) -> str:
    out = str(value).lower()
    if out not in spec.choices:
        raise ValueError(f"must be one of {', '.join(spec.choices)}")
    return out


def _split(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [value]
    text = str(value).strip().strip("[]()")
    for sep in ("x", "×", ";", " "):
        text = text.replace(sep, ",")
    return [t for t in text.split(",") if t]


_PARSERS: dict[str, Callable[[Any, ParamSpec], Any]] = {
    "int": lambda v, _: _to_int(v),
    "float": lambda v, _: float(v),
    "bool": lambda v, _: _to_bool(v),
    "choice": _choice,
    "ints": lambda v, _: [_to_int(x) for x in _split(v)],
    "floats": lambda v, _: [float(x) for x in _split(v)],
}

# Parameters every scene takes (appended by SceneDecl, so no declaration repeats them).
STEP_TIME = ParamSpec(
    "step_time", "float", 1.0, "scale of every beat's duration (1: the pace's own)", minimum=0.05
)
MAX_STEPS = ParamSpec("max_steps", "int", 0, "animate only the first N steps (0: all)", minimum=0)
PACE = ParamSpec("pace", "choice", "normal", "speaking pace: slow, normal or fast", tuple(PACES))
SEED = ParamSpec("seed", "int", 0, "seed of the example values", minimum=0)
#: The input length of the 1-D scenes.
LENGTH = ParamSpec("length", "int", 6, "input length L_in", minimum=1)
THEME = ParamSpec(
    "theme", "choice", "light", "the slide: light (white, the deck's) or dark", THEME_NAMES
)
# The GIFs' --ink choices (draw.themes.INKS), with the same meaning.
INK = ParamSpec(
    "ink",
    "choice",
    "auto",
    "lines and text: light for a dark slide, dark for a light one; auto follows --theme "
    "(light for --transparent webm/mov)",
    INKS,
)
COMMON: tuple[ParamSpec, ...] = (PACE, STEP_TIME, MAX_STEPS, THEME, INK)


# How a scene reads an operation parameter the core parses with each of its parsers (a scene
# takes whole numbers per dimension: no padding words or before:after pairs).
_KIND_OF_PARSER: dict[Callable[[str], Any], str] = {
    parse_size: "ints",
    parse_dims: "ints",
    parse_padding: "ints",
    parse_int: "int",
    parse_bool: "bool",
}


def operation(
    key: str, default: Any, kind: str | None = None, help: str | None = None
) -> ParamSpec:
    """The scene parameter ``key`` that is an operation parameter (``input``, ``kernel``,
    ``stride``, ``padding``, ``dilation``, ``mode``, ``groups`` …), declared once in
    :data:`convanim.core.params.PARAMS`: its spelling, kind, help and choices come from there
    (a 1-D scene may read a size as one ``int``); the scene gives its own default.

    >>> operation("kernel", [3, 3]).help
    'Kernel size, 3 or one per dimension (3,5).'
    >>> operation("mode", "convolution").choices
    ('correlation', 'convolution')
    """
    param = lookup(key)
    kind = kind or ("choice" if param.choices else _KIND_OF_PARSER[param.parse])
    # Padding may be 0; every other count or size at least 1 (the shape core says the rest).
    minimum = None if kind in ("choice", "bool") else (0 if "padding" in param.name else 1)
    return ParamSpec(key, kind, default, help or param.help, param.choices, minimum)


def grid_geometry(kind: str, p: Mapping[str, Any], keys: Sequence[str], **fixed: Any) -> tuple:
    """The shape core's geometry (one record per dimension) of a 2-D scene's operation
    ``kind`` from its parameters ``keys`` (one or two values each): torch's rules and messages
    for any combination the scene cannot draw."""
    from convanim.core.specs import spec_from_mapping

    values = {k: pair(p[k], k) for k in keys}
    return spec_from_mapping(kind, {**values, **fixed}).geometry()


@dataclass(frozen=True)
class SceneDecl:
    """A scene as the launcher knows it: its class, module, summary, parameters, check.

    ``check`` receives the parsed parameters and raises ``ValueError`` for a combination the
    scene cannot draw (sizes from the shape core, limits that keep the numbers legible).
    ``order`` sorts the scene list (the deck's order).
    """

    name: str
    module: str
    summary: str
    own: tuple[ParamSpec, ...]
    check: Callable[[dict[str, Any]], None] = lambda p: None
    order: int = 100

    @property
    def params(self) -> tuple[ParamSpec, ...]:
        """The scene's own parameters, then those every scene takes."""
        return (*self.own, *COMMON)

    def resolve(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults merged with ``given``, every value parsed, the combination checked."""
        specs = {s.name: s for s in self.params}
        out = {name: spec.parse(spec.default) for name, spec in specs.items()}
        for key, value in (given or {}).items():
            name = key.lstrip("-").replace("-", "_")
            if name not in specs:
                known = ", ".join(s.option for s in specs.values())
                raise ValueError(f"{self.name} has no parameter {key!r}; it takes {known}")
            out[name] = specs[name].parse(value)
        self.check(out)
        return out


def declared_scenes() -> dict[str, SceneDecl]:
    """Every scene declared in this package, by class name, in the deck's order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        decl = getattr(module, "SCENE", None)
        if isinstance(decl, SceneDecl):
            found.append(decl)
    return {d.name: d for d in sorted(found, key=lambda d: (d.order, d.name))}


def resolve(scene: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Resolve ``scene``'s parameters (see :meth:`SceneDecl.resolve`)."""
    scenes = declared_scenes()
    if scene not in scenes:
        raise ValueError(f"unknown scene {scene!r}; scenes: {', '.join(scenes)}")
    return scenes[scene].resolve(given)


def params_from_env() -> dict[str, Any]:
    """The parameters in ``$CONVANIM_SCENE_PARAMS`` (JSON text or a JSON file), else ``{}``."""
    raw = os.environ.get(PARAMS_ENV, "").strip()
    if not raw:
        return {}
    text = raw if raw.startswith("{") else Path(raw).read_text()
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{PARAMS_ENV} must hold a JSON object")
    return data


def pair(values: Sequence[int], name: str) -> tuple[int, int]:
    """One or two values as a (rows, columns) pair."""
    if len(values) == 1:
        return (values[0], values[0])
    if len(values) == 2:
        return (values[0], values[1])
    raise ValueError(f"scene parameter --{name.replace('_', '-')}: give one or two values")
