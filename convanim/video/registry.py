"""The scenes convanim can render, found from their own declarations, and their parameters.

Each scene declares itself in :mod:`convanim.scenes.params` (name, module, summary, parameters,
check); this module only reads those declarations, so the launcher imports the scenes and never
the reverse. Standard library only: the CLI parses scene options without NumPy or Manim.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from convanim.scenes.params import PARAMS_ENV, ParamSpec, SceneDecl, declared_scenes

__all__ = [
    "PARAMS_ENV",
    "SCENES",
    "SCENE_NAMES",
    "SCENE_MODULES",
    "SCENE_SUMMARIES",
    "PARAM_SPECS",
    "ParamSpec",
    "SceneDecl",
    "check_scene",
    "resolve_params",
    "parse_param_args",
]

#: Scene class name -> its declaration, in the deck's order.
SCENES: dict[str, SceneDecl] = declared_scenes()
SCENE_NAMES: tuple[str, ...] = tuple(SCENES)
#: Views of :data:`SCENES` kept for callers that read one aspect (the deck build, the CLI help).
SCENE_MODULES: dict[str, str] = {n: d.module for n, d in SCENES.items()}
SCENE_SUMMARIES: dict[str, str] = {n: d.summary for n, d in SCENES.items()}
PARAM_SPECS: dict[str, tuple[ParamSpec, ...]] = {n: d.params for n, d in SCENES.items()}


def check_scene(scene: str) -> str:
    """``scene`` if it is a declared scene, else a ``ValueError`` listing them."""
    if scene not in SCENES:
        raise ValueError(f"unknown scene {scene!r}; scenes: {', '.join(SCENE_NAMES)}")
    return scene


def resolve_params(scene: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults merged with ``params``, every value parsed and checked; sizes by the shape core.

    >>> resolve_params("FIRConvolution1D", {"kernel": "1,2", "max-steps": 2})["kernel"]
    [1.0, 2.0]
    >>> resolve_params("Conv2D", {"kernel": 9})
    Traceback (most recent call last):
    ...
    ValueError: Calculated padded input size per channel: (7 x 7). Kernel size: (9 x 9). Kernel size can't be greater than actual input size
    """
    return SCENES[check_scene(scene)].resolve(params)


def parse_param_args(scene: str, args: Sequence[str]) -> dict[str, Any]:
    """Scene options from the command line (``--signal 1,2,3 --max-steps=2 --ceil-mode``).

    >>> parse_param_args("MaxPool2D", ["--input", "6x6", "--ceil-mode"])
    {'input': '6x6', 'ceil_mode': 'true'}
    """
    specs = {s.option: s for s in PARAM_SPECS[check_scene(scene)]}
    out: dict[str, Any] = {}
    items = list(args)
    while items:
        token = items.pop(0)
        if not token.startswith("--"):
            raise ValueError(
                f"unexpected argument {token!r} (scene options look like --name value)"
            )
        option, eq, value = token.partition("=")
        spec = specs.get(option)
        if spec is None:
            known = ", ".join(specs)
            raise ValueError(f"{scene} has no option {option}; it takes {known}")
        if not eq:
            if spec.kind == "bool":
                value = "true"
            elif not items:
                raise ValueError(f"option {option} needs a value")
            else:
                value = items.pop(0)
        out[spec.name] = value
    return out
