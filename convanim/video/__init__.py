"""Videos of the Manim scenes: which scenes exist, their parameters, qualities, the cache, the
renderer call and the requirements check, one module each:

- :mod:`~convanim.video.registry`: the scenes (from their own declarations) and parameters;
- :mod:`~convanim.video.formats`: qualities, formats, output paths;
- :mod:`~convanim.video.cache`: the verified content-hash cache;
- :mod:`~convanim.video.runner`: :func:`render_scene`, Manim in a subprocess;
- :mod:`~convanim.video.doctor`: what rendering needs (``convanim doctor``).

This package is light on purpose (standard library only at import time): the CLI imports it to
parse ``convanim render SCENE …`` and to answer a cached re-render without NumPy or Manim.

The public entry point is :func:`render_scene`::

    render_scene("FIRConvolution1D", Path("assets/videos/04-convolutional_layers"),
                 quality="1080p60")
    # -> assets/videos/04-convolutional_layers/1080p60/FIRConvolution1D.mp4

Re-rendering with unchanged scene, parameters, quality, format and versions (convanim's
source files and Manim's version are part of the key) copies nothing and starts nothing.
"""

from __future__ import annotations

from convanim.video.cache import cache_dir, cache_key, manim_asset_dirs, source_files
from convanim.video.doctor import (
    MissingRequirementError,
    Requirement,
    probe_requirements,
    require,
    scene_requirements,
)
from convanim.video.formats import FORMATS, QUALITIES, Quality, output_path, resolve_quality
from convanim.video.registry import (
    PARAM_SPECS,
    PARAMS_ENV,
    SCENE_MODULES,
    SCENE_NAMES,
    SCENE_SUMMARIES,
    SCENES,
    ParamSpec,
    parse_param_args,
    resolve_params,
)
from convanim.video.runner import (
    RenderError,
    render_scene,
    steps_path,
    steps_script_path,
    write_steps,
)

__all__ = [
    "SCENES",
    "SCENE_NAMES",
    "SCENE_MODULES",
    "SCENE_SUMMARIES",
    "PARAM_SPECS",
    "QUALITIES",
    "FORMATS",
    "ParamSpec",
    "Quality",
    "Requirement",
    "RenderError",
    "MissingRequirementError",
    "resolve_quality",
    "resolve_params",
    "parse_param_args",
    "output_path",
    "cache_key",
    "render_scene",
    "steps_path",
    "steps_script_path",
    "write_steps",
    "PARAMS_ENV",
    "manim_asset_dirs",
    "cache_dir",
    "probe_requirements",
    "require",
    "scene_requirements",
    "source_files",
]
