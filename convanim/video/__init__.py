"""Videos of the Manim scenes: names, parameters, qualities, the cache and the renderer call.

This module is light on purpose (standard library only at import time): the CLI imports it to
parse ``convanim render SCENE …`` and to answer a cached re-render without loading NumPy or
Manim. Manim itself only ever runs in a subprocess (:mod:`convanim.scenes._render`), with its
own caching disabled, so one render cannot leak configuration into the next.

The public entry point is :func:`render_scene`::

    render_scene("FIRConvolution1D", Path("assets/videos/04-convolutional_layers"),
                 quality="1080p60")
    # -> assets/videos/04-convolutional_layers/1080p60/FIRConvolution1D.mp4

Re-rendering with unchanged scene, parameters, quality, format and versions (convanim's
source files and Manim's version are part of the key) copies nothing and starts nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convanim._files import (
    code_digest,
    copy_atomic,
    file_digest,
    import_closure,
    package_dirs,
    scene_modules,
)

__all__ = [
    "SCENE_NAMES",
    "SCENE_MODULES",
    "SCENE_SUMMARIES",
    "PARAM_SPECS",
    "QUALITIES",
    "FORMATS",
    "ParamSpec",
    "Quality",
    "RenderError",
    "MissingRequirementError",
    "resolve_quality",
    "resolve_params",
    "parse_param_args",
    "output_path",
    "cache_key",
    "render_scene",
    "PARAMS_ENV",
    "manim_asset_dirs",
    "cache_dir",
    "probe_requirements",
]

#: Environment variable through which a scene receives its parameters: JSON text, or the path
#: of a JSON file. Plain ``manim scenes/fir.py FIRConvolution1D`` works without it (defaults).
PARAMS_ENV = "CONVANIM_SCENE_PARAMS"

#: Scene class name -> module in :mod:`convanim.scenes` that defines it.
SCENE_MODULES: dict[str, str] = {
    "FIRConvolution1D": "fir",
    "Conv2D": "conv2d",
    "TransposedConv2D": "transposed",
    "MaxPool2D": "pool",
    "MultiChannelConv": "multichannel",
    "DilatedCausalStack": "wavenet",
    "ConvBackward": "backward",
    "TransposedAmbiguity": "ambiguity",
}
SCENE_NAMES: tuple[str, ...] = tuple(SCENE_MODULES)

SCENE_SUMMARIES: dict[str, str] = {
    "FIRConvolution1D": "1-D FIR filter: flipped h[k] slides over x[n], y[n] grows stem by stem",
    "Conv2D": "2-D convolution with numbers: padding, stride, dilation",
    "TransposedConv2D": "transposed convolution: zero insertion + padding, then scatter-add",
    "MaxPool2D": "2-D max pooling, the winner of each window marked",
    "MultiChannelConv": "C_in channels, one kernel stack per head, channel products summed",
    "DilatedCausalStack": "WaveNet causal stack, dilations 1, 2, 4, 8: the receptive field",
    "ConvBackward": "the three gradients of a 1-D convolution, each as a convolution",
    "TransposedAmbiguity": "6x6 and 5x5 both give 3x3; output_padding picks one back",
}


# --------------------------------------------------------------------------------------------
# Scene parameters
# --------------------------------------------------------------------------------------------


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
        return "--" + self.name.replace("_", "-")

    def parse(self, value: Any) -> Any:
        """Turn a CLI string or a JSON value into the parameter's canonical Python value."""
        where = f"scene parameter {self.option}"
        try:
            if self.kind == "int":
                out: Any = _to_int(value)
            elif self.kind == "float":
                out = float(value)
            elif self.kind == "bool":
                out = _to_bool(value)
            elif self.kind == "choice":
                out = str(value).lower()
                if out not in self.choices:
                    raise ValueError(f"must be one of {', '.join(self.choices)}")
            elif self.kind == "ints":
                out = [_to_int(v) for v in _split(value)]
            elif self.kind == "floats":
                out = [float(v) for v in _split(value)]
            else:  # pragma: no cover - a typo in PARAM_SPECS
                raise AssertionError(self.kind)
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


def _split(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [value]
    text = str(value).strip().strip("[]()")
    for sep in ("x", "×", ";", " "):
        text = text.replace(sep, ",")
    return [t for t in text.split(",") if t]


_STEP_TIME = ParamSpec("step_time", "float", 0.8, "seconds per step", minimum=0.05)
_MAX_STEPS = ParamSpec("max_steps", "int", 0, "animate only the first N steps (0: all)", minimum=0)
_SEED = ParamSpec("seed", "int", 0, "seed of the example values", minimum=0)
_MODE_CONV = ParamSpec(
    "mode",
    "choice",
    "correlation",
    "correlation (what frameworks compute) or convolution (kernel flipped)",
    ("correlation", "convolution"),
)

PARAM_SPECS: dict[str, tuple[ParamSpec, ...]] = {
    "FIRConvolution1D": (
        ParamSpec("signal", "floats", [1, 2, 3, 1, 0, -1, 2, 1], "input samples x[n]"),
        ParamSpec("kernel", "floats", [1, 0.5, -1], "impulse response h[k]"),
        ParamSpec(
            "mode",
            "choice",
            "convolution",
            "convolution (h flipped, the FIR filter) or correlation",
            ("convolution", "correlation"),
        ),
        _STEP_TIME,
        _MAX_STEPS,
    ),
    "Conv2D": (
        ParamSpec("input", "ints", [5, 5], "input size H x W", minimum=1),
        ParamSpec("kernel", "ints", [3, 3], "kernel size", minimum=1),
        ParamSpec("stride", "ints", [1], "stride", minimum=1),
        ParamSpec("padding", "ints", [1], "zero padding", minimum=0),
        ParamSpec("dilation", "ints", [1], "dilation", minimum=1),
        _MODE_CONV,
        _SEED,
        _STEP_TIME,
        _MAX_STEPS,
    ),
    "TransposedConv2D": (
        ParamSpec("input", "ints", [2, 2], "input size H x W", minimum=1),
        ParamSpec("kernel", "ints", [3, 3], "kernel size", minimum=1),
        ParamSpec("stride", "ints", [2], "stride", minimum=1),
        ParamSpec("padding", "ints", [0], "padding", minimum=0),
        ParamSpec("output_padding", "ints", [1], "output_padding", minimum=0),
        ParamSpec(
            "view", "choice", "both", "direct, scatter or both", ("both", "direct", "scatter")
        ),
        _SEED,
        _STEP_TIME,
        _MAX_STEPS,
    ),
    "MaxPool2D": (
        ParamSpec("input", "ints", [4, 4], "input size H x W", minimum=1),
        ParamSpec("kernel", "ints", [2, 2], "pool size", minimum=1),
        ParamSpec("stride", "ints", [2], "stride", minimum=1),
        ParamSpec("padding", "ints", [0], "padding (-inf)", minimum=0),
        ParamSpec("ceil_mode", "bool", False, "ceil instead of floor"),
        _SEED,
        _STEP_TIME,
        _MAX_STEPS,
    ),
    "MultiChannelConv": (
        ParamSpec("length", "int", 6, "input length L_in", minimum=1),
        ParamSpec("in_channels", "int", 3, "C_in", minimum=1),
        ParamSpec("out_channels", "int", 2, "C_out (heads)", minimum=1),
        ParamSpec("kernel", "int", 3, "kernel size M", minimum=1),
        ParamSpec("groups", "int", 1, "groups (grouped convolution when > 1)", minimum=1),
        ParamSpec(
            "mode",
            "choice",
            "convolution",
            "convolution (the deck's x_i[n-k]) or correlation (what frameworks compute)",
            ("convolution", "correlation"),
        ),
        _SEED,
        _STEP_TIME,
        _MAX_STEPS,
    ),
    "DilatedCausalStack": (
        ParamSpec("dilations", "ints", [1, 2, 4, 8], "dilation of each layer", minimum=1),
        ParamSpec("kernel", "int", 2, "kernel size of every layer", minimum=1),
        ParamSpec("length", "int", 16, "time steps drawn", minimum=1),
        _STEP_TIME,
        _MAX_STEPS,
    ),
    "ConvBackward": (
        ParamSpec("length", "int", 6, "input length L_in", minimum=1),
        ParamSpec("kernel", "int", 3, "kernel size M", minimum=1),
        _SEED,
        _STEP_TIME,
        _MAX_STEPS,
    ),
    "TransposedAmbiguity": (
        ParamSpec("sizes", "ints", [6, 5], "input sizes that collapse to one output", minimum=1),
        ParamSpec("kernel", "int", 3, "kernel size", minimum=1),
        ParamSpec("stride", "int", 2, "stride", minimum=1),
        ParamSpec("padding", "int", 1, "padding", minimum=0),
        _STEP_TIME,
        _MAX_STEPS,
    ),
}


def _check_scene(scene: str) -> str:
    if scene not in SCENE_MODULES:
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
    specs = {s.name: s for s in PARAM_SPECS[_check_scene(scene)]}
    out = {name: spec.parse(spec.default) for name, spec in specs.items()}
    for key, value in (params or {}).items():
        name = key.lstrip("-").replace("-", "_")
        if name not in specs:
            known = ", ".join(s.option for s in specs.values())
            raise ValueError(f"{scene} has no parameter {key!r}; it takes {known}")
        out[name] = specs[name].parse(value)
    _VALIDATORS.get(scene, lambda p: None)(out)
    return out


def _validate_fir(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    if len(p["signal"]) > 24 or len(p["kernel"]) > 8:
        raise ValueError("FIRConvolution1D draws at most 24 samples and 8 taps")
    shapes.conv_geometry((len(p["signal"]),), len(p["kernel"]))


def _validate_conv2d(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    dims = shapes.conv_geometry(
        _pair(p["input"], "input"),
        _pair(p["kernel"], "kernel"),
        _pair(p["stride"], "stride"),
        _pair(p["padding"], "padding"),
        _pair(p["dilation"], "dilation"),
    )
    if max(g.padded for g in dims) > 9:
        raise ValueError("Conv2D draws padded inputs up to 9x9 (the numbers must stay legible)")


def _validate_transposed(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    dims = shapes.transposed_geometry(
        _pair(p["input"], "input"),
        _pair(p["kernel"], "kernel"),
        _pair(p["stride"], "stride"),
        _pair(p["padding"], "padding"),
        1,
        _pair(p["output_padding"], "output_padding"),
    )
    if max(g.grid for g in dims) > 10:
        raise ValueError("TransposedConv2D draws grids up to 10x10 (the numbers must stay legible)")


def _validate_pool(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    dims = shapes.pool_geometry(
        _pair(p["input"], "input"),
        _pair(p["kernel"], "kernel"),
        _pair(p["stride"], "stride"),
        _pair(p["padding"], "padding"),
        ceil_mode=p["ceil_mode"],
    )
    if max(g.size for g in dims) > 9:
        raise ValueError("MaxPool2D draws inputs up to 9x9")


def _validate_multichannel(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    shapes.check_groups(p["in_channels"], p["out_channels"], p["groups"])
    shapes.conv_geometry((p["length"],), p["kernel"])
    if p["in_channels"] > 4 or p["out_channels"] > 4 or p["length"] > 10:
        raise ValueError("MultiChannelConv draws up to 4 channels each way and 10 samples")


def _validate_wavenet(p: dict[str, Any]) -> None:
    if len(p["dilations"]) > 6 or p["length"] > 32:
        raise ValueError("DilatedCausalStack draws up to 6 layers and 32 time steps")


def _validate_backward(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    shapes.conv_geometry((p["length"],), p["kernel"])
    if p["length"] > 10:
        raise ValueError("ConvBackward draws up to 10 samples")


def _validate_ambiguity(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    outs = {shapes.conv_output_size(n, p["kernel"], p["stride"], p["padding"]) for n in p["sizes"]}
    if len(outs) != 1:
        raise ValueError(
            f"the sizes {p['sizes']} do not all give the same output ({sorted(outs)}); "
            "choose sizes from one preimage, e.g. `convanim shape transposed`"
        )
    if max(p["sizes"]) > 9:
        raise ValueError("TransposedAmbiguity draws inputs up to 9x9")


def _pair(values: Sequence[int], name: str) -> tuple[int, int]:
    if len(values) == 1:
        return (values[0], values[0])
    if len(values) == 2:
        return (values[0], values[1])
    raise ValueError(f"scene parameter --{name.replace('_', '-')}: give one or two values")


_VALIDATORS: dict[str, Callable[[dict[str, Any]], None]] = {
    "FIRConvolution1D": _validate_fir,
    "Conv2D": _validate_conv2d,
    "TransposedConv2D": _validate_transposed,
    "MaxPool2D": _validate_pool,
    "MultiChannelConv": _validate_multichannel,
    "DilatedCausalStack": _validate_wavenet,
    "ConvBackward": _validate_backward,
    "TransposedAmbiguity": _validate_ambiguity,
}


def parse_param_args(scene: str, args: Sequence[str]) -> dict[str, Any]:
    """Scene options from the command line (``--signal 1,2,3 --max-steps=2 --ceil-mode``).

    >>> parse_param_args("MaxPool2D", ["--input", "6x6", "--ceil-mode"])
    {'input': '6x6', 'ceil_mode': 'true'}
    """
    specs = {s.option: s for s in PARAM_SPECS[_check_scene(scene)]}
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


# --------------------------------------------------------------------------------------------
# Qualities, formats, output paths
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quality:
    """A Manim quality: pixel size and frame rate; ``folder`` is Manim's ``1080p60`` naming."""

    name: str
    width: int
    height: int
    fps: int

    @property
    def folder(self) -> str:
        return f"{self.height}p{self.fps}"


QUALITIES: dict[str, Quality] = {
    "low": Quality("low", 854, 480, 15),
    "medium": Quality("medium", 1280, 720, 30),
    "high": Quality("high", 1920, 1080, 60),
    "production": Quality("production", 2560, 1440, 60),
    "fourk": Quality("fourk", 3840, 2160, 60),
}
_QUALITY_ALIASES = {
    "low": ("l", "-ql", "ql", "480p15", "low_quality"),
    "medium": ("m", "-qm", "qm", "720p30", "medium_quality"),
    "high": ("h", "-qh", "qh", "1080p60", "high_quality"),
    "production": ("p", "-qp", "qp", "1440p60", "production_quality"),
    "fourk": ("k", "-qk", "qk", "2160p60", "4k", "fourk_quality"),
}
_QUALITY_LOOKUP = {
    alias: name for name, aliases in _QUALITY_ALIASES.items() for alias in (name, *aliases)
}

#: mp4/webm/mov/gif are videos; png is the last frame (a poster for the slide's ``<video>``).
FORMATS: tuple[str, ...] = ("mp4", "webm", "mov", "gif", "png")


def resolve_quality(quality: str) -> Quality:
    """Accept ``low``, ``480p15``, ``l`` and Manim's ``-ql`` alike.

    >>> resolve_quality("-qh").folder
    '1080p60'
    >>> resolve_quality("1440p60").name
    'production'
    """
    name = _QUALITY_LOOKUP.get(str(quality).strip().lower())
    if name is None:
        raise ValueError(
            f"unknown quality {quality!r}; use low|medium|high|1080p60|1440p60|2160p60 "
            "or Manim's -ql/-qm/-qh/-qp/-qk"
        )
    return QUALITIES[name]


def _check_format(fmt: str, transparent: bool) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if transparent and fmt == "mp4":
        raise ValueError("MP4 has no alpha channel: use --format webm (or mov) with --transparent")
    return fmt


def output_path(scene: str, out: Path, quality: Quality, fmt: str) -> Path:
    """Where a render goes: ``out`` itself if it names a file, else the deck's layout.

    A folder (existing, or a path without a suffix) gets ``<folder>/<1080p60>/<Scene>.<fmt>``,
    the convention the deck uses (``assets/videos/…/1080p60/FIRConvolution1D.mp4``).

    >>> output_path("FIRConvolution1D", Path("assets/videos/04"), QUALITIES["high"], "mp4")
    PosixPath('assets/videos/04/1080p60/FIRConvolution1D.mp4')
    """
    out = Path(out)
    if out.is_dir() or not out.suffix:
        return out / quality.folder / f"{scene}.{fmt}"
    if out.suffix.lower().lstrip(".") != fmt:
        raise ValueError(
            f"-o {out} does not end in .{fmt} (the format); rename it or pass --format"
        )
    return out


# --------------------------------------------------------------------------------------------
# The content-hash cache
# --------------------------------------------------------------------------------------------


def source_files() -> list[Path]:
    """The convanim source files that decide what a scene looks like: this module, every scene
    (loaded by name, so no import leads to them) and what they import within convanim. Editing
    the GIF renderer, the build or the CLI keeps videos cached.
    """
    dirs = package_dirs()
    return import_closure(["convanim.video", *scene_modules(dirs)], dirs)


def _source_digest() -> str:
    return code_digest(source_files(), package_dirs())


def _manim_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("manim")
    except metadata.PackageNotFoundError:
        return "missing"


def cache_dir() -> Path:
    """``$CONVANIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/convanim``, else ``~/.cache/convanim``."""
    env = os.environ.get("CONVANIM_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "convanim"


def manim_asset_dirs() -> dict[str, str]:
    """Where Manim keeps the SVGs of typeset formulas and Pango text, shared by every render.

    This is not Manim's animation cache (that one stays disabled): compiling ``MathTex`` and
    laying out ``Text`` are the slow part of building a scene, and their files depend only on
    the string, so one folder serves every scene and every run.
    """
    root = cache_dir() / "manim"
    return {"tex_dir": str(root / "Tex"), "text_dir": str(root / "texts")}


def cache_key(
    scene: str, params: Mapping[str, Any], quality: Quality, fmt: str, transparent: bool
) -> str:
    """The content hash of a render: everything that can change a pixel of the output."""
    from convanim import __version__

    record = {
        "scene": scene,
        "params": params,
        "quality": [quality.width, quality.height, quality.fps],
        "format": fmt,
        "transparent": transparent,
        "convanim": __version__,
        "manim": _manim_version(),
        "source": _source_digest(),
    }
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _same_file(a: Path, b: Path) -> bool:
    if not (a.is_file() and b.is_file()) or a.stat().st_size != b.stat().st_size:
        return False
    return file_digest(a) == file_digest(b)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


class RenderError(RuntimeError):
    """Manim failed; the message is the last meaningful line of its output."""


class MissingRequirementError(RuntimeError):
    """A system requirement (LaTeX, Cairo, …) is missing; the message says how to install it."""

    exit_status = 1  # the CLI prints the message (with the install line) and exits 1


def render_scene(
    scene: str,
    out: Path,
    quality: str = "low",
    fmt: str = "mp4",
    params: dict | None = None,
    force: bool = False,
    transparent: bool = False,
) -> Path:
    """Render ``scene`` into ``out`` (a file, or a folder getting ``<1080p60>/<Scene>.<fmt>``).

    Returns the written path. Unchanged inputs are a no-op (the content-hash cache); ``force``
    renders again. Raises ``ValueError`` for bad parameters, :class:`MissingRequirementError`
    when this machine cannot render (with the install command) and :class:`RenderError` when
    Manim fails.
    """
    scene = _check_scene(scene)
    q = resolve_quality(quality)
    fmt = _check_format(fmt, transparent)
    resolved = resolve_params(scene, params)
    target = output_path(scene, Path(out), q, fmt)
    key = cache_key(scene, resolved, q, fmt, transparent)
    entry = cache_dir() / "video" / f"{scene}-{key}.{fmt}"
    if not force and entry.is_file():
        if not _same_file(entry, target):
            copy_atomic(entry, target)
        return target

    require(scene_requirements(scene, fmt))
    try:
        job_dir, produced = _run_manim(scene, resolved, q, fmt, transparent, entry.parent)
    except RenderError:
        # The shared formula/text folders are written by concurrent renders too (a deck build
        # renders in parallel); a half-written SVG read by another process is the one failure
        # a second attempt with private folders cures.
        job_dir, produced = _run_manim(
            scene, resolved, q, fmt, transparent, entry.parent, shared_assets=False
        )
    try:
        copy_atomic(produced, entry)
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    copy_atomic(entry, target)
    return target


def _run_manim(
    scene: str,
    params: dict[str, Any],
    q: Quality,
    fmt: str,
    transparent: bool,
    workdir: Path,
    shared_assets: bool = True,
) -> tuple[Path, Path]:
    """Run :mod:`convanim.scenes._render` in a fresh interpreter: (its folder, the file)."""
    workdir.mkdir(parents=True, exist_ok=True)
    job_dir = Path(tempfile.mkdtemp(prefix="job-", dir=workdir))
    job = {
        "scene": scene,
        "module": f"convanim.scenes.{SCENE_MODULES[scene]}",
        "params": params,
        "width": q.width,
        "height": q.height,
        "fps": q.fps,
        "format": fmt,
        "transparent": transparent,
        "media_dir": str(job_dir / "media"),
        **(manim_asset_dirs() if shared_assets else {}),
    }
    job_file = job_dir / "job.json"
    job_file.write_text(json.dumps(job))
    env = dict(os.environ)
    env.pop(PARAMS_ENV, None)
    proc = subprocess.run(
        [sys.executable, "-m", "convanim.scenes._render", str(job_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=job_dir,
    )
    result_file = job_dir / "result.json"
    if proc.returncode != 0 or not result_file.is_file():
        shutil.rmtree(job_dir, ignore_errors=True)
        raise RenderError(f"Manim failed to render {scene}: {_last_line(proc.stderr)}")
    produced = Path(json.loads(result_file.read_text())["path"])
    if not produced.is_file():
        shutil.rmtree(job_dir, ignore_errors=True)
        raise RenderError(f"Manim reported {produced} but did not write it")
    return job_dir, produced


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.startswith(("convanim-render-error:", "Error:")):
            return line.split(":", 1)[1].strip()
    return lines[-1] if lines else "no output"


# --------------------------------------------------------------------------------------------
# Requirements (what `convanim doctor` reports and what rendering checks first)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One optional part: found or not, its version, what its absence disables, the fix."""

    name: str
    ok: bool
    version: str
    disables: str
    install: str


def _apt(*packages: str) -> str:
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get install -y {' '.join(packages)}"


def _pip(spec: str) -> str:
    return f"{sys.executable} -m pip install {spec}"


def _command_version(*argv: str) -> str | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0].strip() if proc.returncode == 0 and lines else None


def _module_version(module: str, attr: Callable[[Any], str]) -> str | None:
    import importlib

    try:
        mod = importlib.import_module(module)
        return attr(mod)
    except Exception:  # noqa: BLE001 - a broken C extension is "missing" too
        return None


def _probe_latex(full: bool) -> tuple[str | None, str | None]:
    """(latex version, dvisvgm version); with ``full`` also typeset Manim's preamble once."""
    latex = _command_version("latex", "--version")
    dvisvgm = _command_version("dvisvgm", "--version")
    if latex and full:
        with tempfile.TemporaryDirectory() as tmp:
            tex = Path(tmp) / "probe.tex"
            tex.write_text(
                "\\documentclass[preview]{standalone}\n\\usepackage[english]{babel}\n"
                "\\usepackage{amsmath}\n\\usepackage{amssymb}\n\\begin{document}\n"
                "$y[n] = \\sum_{k=0}^{M-1} h[k] x[n-k]$\n\\end{document}\n"
            )
            try:
                proc = subprocess.run(
                    ["latex", "-interaction=batchmode", "-halt-on-error", tex.name],
                    cwd=tmp,
                    capture_output=True,
                    timeout=60,
                )
            except (OSError, subprocess.SubprocessError):
                proc = None
            if proc is None or proc.returncode != 0:
                latex = None
            elif dvisvgm:
                try:
                    ok = subprocess.run(
                        ["dvisvgm", "--no-fonts", "probe.dvi", "-o", "probe.svg"],
                        cwd=tmp,
                        capture_output=True,
                        timeout=60,
                    ).returncode
                except (OSError, subprocess.SubprocessError):
                    ok = 1
                if ok != 0:
                    dvisvgm = None
    return latex, dvisvgm


def probe_requirements(full: bool = False) -> list[Requirement]:
    """Probe every optional part. ``full`` also typesets a formula (what ``doctor`` does)."""
    manim = _manim_version()
    manim = None if manim == "missing" else manim
    cairo = _module_version(
        "cairo", lambda m: f"cairo {m.cairo_version_string()}, pycairo {m.version}"
    )
    pango = _module_version(
        "manimpango", lambda m: f"pango {m.pango_version()}, manimpango {m.__version__}"
    )
    pyav = _module_version(
        "av",
        lambda m: (
            f"PyAV {m.__version__}, libavcodec "
            + ".".join(str(v) for v in m.library_versions["libavcodec"])
        ),
    )
    latex, dvisvgm = _probe_latex(full)
    font = _command_version("fc-match", "sans")
    has_font = bool(font) and ("DejaVu" in font or "Liberation" in font or "Noto" in font)
    return [
        Requirement(
            "manim",
            manim is not None,
            manim or "",
            "every video (convanim render SCENE)",
            _pip("'convanim[manim]'  # or: pip install 'manim>=0.19' av"),
        ),
        Requirement(
            "Cairo",
            cairo is not None,
            cairo or "",
            "every video (Manim draws with Cairo)",
            _apt("libcairo2-dev", "pkg-config") + " && " + _pip("--force-reinstall pycairo"),
        ),
        Requirement(
            "Pango",
            pango is not None,
            pango or "",
            "the numbers and labels in every scene (Manim's Text)",
            _apt("libpango1.0-dev") + " && " + _pip("--force-reinstall manimpango"),
        ),
        Requirement(
            "PyAV/ffmpeg",
            pyav is not None,
            pyav or "",
            "writing mp4/webm/mov/gif files",
            _pip("av"),
        ),
        Requirement(
            "LaTeX",
            latex is not None,
            latex or "",
            "the formulas (MathTex) in every scene",
            _apt("texlive-latex-extra", "texlive-fonts-recommended"),
        ),
        Requirement(
            "dvisvgm",
            dvisvgm is not None,
            dvisvgm or "",
            "the formulas (MathTex turns LaTeX output into shapes with dvisvgm)",
            _apt("dvisvgm"),
        ),
        Requirement(
            "fonts",
            has_font,
            font or "",
            "legible numbers (Pango falls back to a bitmap or missing font)",
            _apt("fonts-dejavu-core"),
        ),
    ]


def scene_requirements(scene: str, fmt: str) -> list[Requirement]:
    """What rendering ``scene`` as ``fmt`` needs: everything but PyAV for a PNG poster."""
    _check_scene(scene)
    needed = [r for r in probe_requirements(full=False) if r.name != "fonts"]
    if fmt == "png":
        needed = [r for r in needed if r.name != "PyAV/ffmpeg"]
    return needed


def require(requirements: Sequence[Requirement]) -> None:
    """Raise :class:`MissingRequirementError` naming the first missing part and its fix."""
    missing = [r for r in requirements if not r.ok]
    if missing:
        parts = "; ".join(f"{r.name} is missing ({r.disables}): run `{r.install}`" for r in missing)
        raise MissingRequirementError(f"cannot render: {parts} (details: convanim doctor)")
