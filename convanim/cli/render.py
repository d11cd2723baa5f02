"""``convanim list`` and ``convanim render``: the catalogue and the Pillow renderer on the command line.

``render`` takes a catalogue name (``convanim list``), an operation (``conv``, ``transposed``,
``pool``) with its parameters, or ``--all``. A Manim scene name (``FIRConvolution1D`` …) is
handed, with every argument, to the video command (:mod:`convanim.cli.video`).

Light at import: click and the shape core's parameter types only; NumPy and Pillow load when
something is drawn.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import click

from convanim._files import check_output
from convanim._procs import pool_options
from convanim.cli.options import OutputPath, option, options, stacked
from convanim.core.params import WINDOW_PARAMS
from convanim.core.specs import ConvSpec, PoolSpec, TransposedSpec, spec_params
from convanim.draw import catalogue
from convanim.draw.themes import INKS, THEMES

__all__ = ["list_cmd", "render", "RenderCommand", "scene_names"]

OPERATIONS = ("conv", "transposed", "pool")
#: Each operation's spec class: where its parameters' defaults are declared.
_SPECS = {"conv": ConvSpec, "transposed": TransposedSpec, "pool": PoolSpec}
#: Handed to :mod:`convanim.cli.network` (a stack's layers are many arguments).
NETWORK_TARGETS = ("stack", "receptive_field")


def scene_names() -> tuple[str, ...]:
    """Manim scene names the video helper registers (empty when that part is absent)."""
    try:
        video = importlib.import_module("convanim.video")
    except Exception:  # noqa: BLE001 - an optional part: no scenes, no dispatch
        return ()
    return tuple(getattr(video, "SCENE_NAMES", ()))


@click.command("list", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry, in a list.")
def list_cmd(as_json: bool) -> None:
    """The animation catalogue: conv_arithmetic's names verbatim, then the deck's figures."""
    rows = []
    for name in catalogue.names():
        entry = catalogue.get(name)
        rows.append(
            {
                "name": name,
                "kind": entry.kind,
                "source": entry.source,
                "frames": entry.frames(),
                "format": entry.ext.lstrip("."),
                "description": entry.describe(),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        click.echo(f"{r['name']:<{width}}  {r['description']}")
    scenes = scene_names()
    if scenes:
        click.echo(f"\nvideos (Manim, `convanim render SCENE`): {', '.join(scenes)}")


class RenderCommand(click.Command):
    """``render`` that forwards ``render SCENE …`` to the video command untouched."""

    def make_context(self, info_name, args, parent=None, **extra):  # noqa: ANN001, ANN201
        if args and args[0] in NETWORK_TARGETS:  # network figures take a LAYER list
            from convanim.cli import network

            command = {"stack": network.render_stack}.get(args[0], network.render_receptive_field)
            name = f"{info_name} {args[0]}"
            return command.make_context(name, list(args[1:]), parent=parent, **extra)
        # A scene alone goes to the video command; several names are rendered here.
        if args and args[0] in scene_names() and not set(args[1:]) & set(catalogue.names()):
            from convanim.cli.video import render_video

            return render_video.make_context(info_name, list(args), parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.command is not self:  # a scene: the video command's own context
            return ctx.command.invoke(ctx)
        return super().invoke(ctx)


def _array(text: str | None, name: str) -> Any:
    if text is None:
        return None
    from convanim.engine import examples
    from convanim.engine.arrays import parse_array

    key = text.strip().lower().replace("-", "_")
    if name == "--weights" and not text.strip().startswith(("[", "@")) and key:
        if key in examples.CLASSIC_KERNELS or key in ("edge_detection", "blur", "gaussian_blur"):
            return text.strip()  # a classic kernel by name
    return parse_array(text, name).tolist()


def _render_one(name: str, folder: str, overrides: dict[str, Any], quality: str = "low") -> str:
    """Worker of ``--all`` and of several names (top level so a process pool can call it). A
    scene goes to ``folder/<1080p60>/<Scene>.mp4``, as ``render SCENE -o folder`` does."""
    if name in scene_names():
        from convanim import video

        return str(video.render_scene(name, Path(folder), quality=quality))
    return str(catalogue.render_named(name, Path(folder), **overrides))


#: The look options every name of one ``render`` call shares (``--all``, several names).
LOOK = ("cell_size", "duration", "theme", "transparent", "ink", "labels", "legend")

_TARGETS = stacked(
    click.argument("targets", nargs=-1),
    click.option(
        "-o",
        "--output",
        type=OutputPath(),
        default=None,
        help="Output .gif, .png or .html (an interactive page: step, hover; a folder gets "
        "<name>.gif|png). With --all or several names: the folder.",
    ),
    click.option(
        "--all", "render_all", is_flag=True, help="Render the whole catalogue into -o DIR."
    ),
)
# The operation's parameters, from the table the shape core declares them in (None: not given).
_OPERATION = options(
    *WINDOW_PARAMS,
    "kind",
    "ceil_mode",
    "norm_type",
    **{name: {"default": None} for name in WINDOW_PARAMS[2:]},
    norm_type={"default": None, "type": click.FloatRange(min=0, min_open=True)},
)
_CONTENT = stacked(
    click.option(
        "--numbers/--no-numbers", default=None, help="Write the engine's values in cells."
    ),
    click.option("--style", type=click.Choice(["perspective", "flat"]), help="The look."),
    option(
        "mode",
        default=None,
        help="correlation (frameworks; default) or convolution (kernel flipped, shown flipped; "
        "turns --numbers on).",
    ),
    click.option(
        "--fill",
        type=click.Choice(["all", "progressive", "none"]),
        help="Output values: all from the start, appearing as computed, or none.",
    ),
    click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed of the example values."),
    click.option("--values", help="Input values: JSON literal or @file (.json/.npy/.csv)."),
    click.option("--weights", help="Kernel values: JSON, @file, or a kernel name (sobel_x, …)."),
)
_LOOK = stacked(
    click.option(
        "--cell-size", type=float, help="Pixels per cell (default 29.5, as conv_arithmetic)."
    ),
    click.option("--duration", type=click.IntRange(10, 60_000), help="Milliseconds per frame."),
    click.option(
        "--hold", type=click.IntRange(10, 600_000), help="Milliseconds on the last frame."
    ),
    click.option("--theme", type=click.Choice(tuple(THEMES)), default="solarized"),
    click.option("--transparent", is_flag=True, help="Transparent background."),
    click.option(
        "--ink",
        type=click.Choice(INKS),
        default="auto",
        show_default=True,
        help="Lines and text: light for a dark slide (with --transparent), dark for a light one.",
    ),
    click.option("--labels/--no-labels", default=True, help="Label the input and output maps."),
    click.option("--legend/--no-legend", default=True, help="Legend of padding/inserted zeros."),
)
_MORE = stacked(
    click.option("--image", type=click.Path(path_type=Path), help="vision_kernels: the picture."),
    click.option("-j", "--jobs", type=click.IntRange(1, 64), help="--all: parallel processes."),
    click.option(
        "-q",
        "--quality",
        default="low",
        show_default=True,
        help="Several names: the video quality of the scenes among them (low … 1080p60 …).",
    ),
)


@click.command(
    "render",
    cls=RenderCommand,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Videos: `convanim render SCENE …` renders a Manim scene (see `convanim list`). "
    "Networks: `convanim render stack …` and `convanim render receptive_field …` "
    "(see their --help).",
)
@_TARGETS
@_OPERATION
@_CONTENT
@_LOOK
@_MORE
def render(
    targets: tuple[str, ...],
    output: Path | None,
    render_all: bool,
    jobs: int | None,
    quality: str,
    **given: Any,
) -> None:
    """Render a catalogue animation, any conv/transposed/pool, or the whole catalogue.

    \b
    convanim render padding_strides_odd_transposed -o out.gif
    convanim render conv -i 5x5 -k 3 -s 2 -p 1 --numbers -o conv.gif
    convanim render transposed -i 3x3 -k 3 -s 2 -p 1 --output-padding 1 --numbers -o t.gif
    convanim render pool -i 4x4 -k 2 --kind max --numbers -o pool.gif
    convanim render padding_strides_transposed -o t.html   # interactive: step, hover
    convanim render dilation padding_strides 2d_maxpool -o assets/
    convanim render --all -o assets/
    """
    common = {name: given[name] for name in LOOK}
    if len(targets) > 1:
        _render_all(output, common, jobs, _several(targets, output, quality), quality)
    elif render_all:
        if targets:
            raise click.UsageError("--all renders the whole catalogue: give no NAME")
        if output is None:
            raise click.UsageError("--all needs -o DIR")
        _render_all(output, common, jobs)
    elif not targets:
        raise click.UsageError(
            "name an animation (`convanim list`), an operation (conv, transposed, pool), "
            "or use --all"
        )
    elif targets[0] in OPERATIONS:
        click.echo(str(_render_operation(targets[0], output, given, common)))
    else:
        click.echo(str(_render_entry(targets[0], output, given, common)))


def _window(given: dict[str, Any]) -> dict[str, Any]:
    """The window's parameters (``input_size``, ``kernel_size``, …)."""
    return {name: given[name] for name in WINDOW_PARAMS}


def _content(given: dict[str, Any]) -> dict[str, Any]:
    """What the frames show: numbers, fill, mode, example or given values, the last hold."""
    numbers = given["numbers"]
    if given["mode"] == "convolution" and numbers is None:
        # The flip is only visible in the numbers (subscripts, the rotated kernel): asking for
        # convolution mode asks to see them (--no-numbers still wins).
        numbers = True
    return {
        "numbers": numbers,
        "look": given["style"],
        "fill": given["fill"],
        "mode": given["mode"],
        "seed": given["seed"],
        "values": _array(given["values"], "--values"),
        "weights": _array(given["weights"], "--weights"),
        "hold_last_ms": given["hold"],
    }


def _render_operation(
    target: str, output: Path | None, given: dict[str, Any], common: dict[str, Any]
) -> Path:
    """``render conv|transposed|pool …``: the operation's flags checked, then drawn."""
    content = _content(given)
    kind, ceil_mode, norm_type = given["kind"], given["ceil_mode"], given["norm_type"]
    if given["input_size"] is None or given["kernel_size"] is None:
        raise click.UsageError(f"`render {target}` needs -i/--input and -k/--kernel-size")
    if given["image"] is not None:
        raise click.UsageError("--image only applies to vision_kernels")
    if target != "transposed" and given["output_padding"] is not None:
        raise click.UsageError("--output-padding only applies to transposed")
    if target != "pool" and (ceil_mode or norm_type is not None):
        raise click.UsageError("--ceil-mode and --norm-type only apply to pool")
    if norm_type is not None and kind != "lp":
        raise click.UsageError("--norm-type only applies to --kind lp")
    out = output or Path(f"{target}.gif")
    if not out.suffix:
        out = out / f"{target}.gif"
    chosen = {
        **_window(given),
        **content,
        "ceil_mode": ceil_mode or None,
        "norm_type": norm_type,
    }
    # a flag not given takes the operation's default, as its spec declares it (pooling's
    # stride: None, the kernel size)
    window = _window(given)
    params = spec_params(_SPECS[target])
    defaults = {p.name: p.default for p in params if p.name in window}
    kwargs = defaults | _drop_none(chosen)
    check_output(out)  # before the rendering, not after it
    op_kind = target if target != "pool" else f"{kind}_pool"
    return catalogue.render_custom(op_kind, out, **kwargs, **_drop_none(common))


def _render_entry(
    target: str, output: Path | None, given: dict[str, Any], common: dict[str, Any]
) -> Path:
    """``render NAME …``: a catalogue entry, with the flags given as its overrides."""
    content = _content(given)
    entry = catalogue.get(target)
    out = output or Path(f"{target}{entry.ext}")
    check_output(out if out.suffix else out / f"{target}{entry.ext}")
    overrides = {**_window(given), **content, **common, "image": given["image"]}
    return catalogue.render_named(target, out, **_drop_none(overrides))


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _several(targets: tuple[str, ...], output: Path | None, quality: str) -> list[str]:
    """The catalogue names and scenes of ``render NAME NAME … -o DIR``, checked before anything
    renders (a scene's requirements too: Manim missing is said once, up front)."""
    if output is None or output.suffix:
        raise click.UsageError("several names render into a folder: give -o DIR")
    scenes = [t for t in targets if t in scene_names()]
    unknown = [t for t in targets if t not in catalogue.names() and t not in scenes]
    if unknown:
        raise click.UsageError(f"not catalogue names or scenes: {', '.join(unknown)}")
    if scenes:
        from convanim import video

        try:
            video.resolve_quality(quality)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--quality'") from None
        for scene in scenes:
            video.require(video.scene_requirements(scene, "mp4"))
    return list(dict.fromkeys(targets))


def _render_all(
    folder: Path,
    common: dict[str, Any],
    jobs: int | None,
    names: list[str] | None = None,
    quality: str = "low",
) -> None:
    """Catalogue entries (all of them by default) into ``folder``, in parallel, with one
    progress bar."""
    from convanim.draw import gif

    check_output(folder, folder=True)
    # the look every entry shares is checked once, before the progress bar and the folder
    cell = common.get("cell_size")
    theme = {"theme": common["theme"]} if common.get("theme") else {}
    gif.RenderOptions(cell_px=gif.DEFAULT_CELL_PX if cell is None else float(cell), **theme)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(names or catalogue.names())
    # Biggest first, so the slowest animation does not start last.
    names.sort(key=lambda n: -catalogue.get(n).frames() if n in catalogue.names() else -1e9)
    overrides = _drop_none(common)
    workers = jobs or min(len(names), os.cpu_count() or 1)
    done: list[str] = []
    with click.progressbar(length=len(names), label="rendering", file=sys.stderr) as bar:
        if workers == 1:
            for name in names:
                done.append(_render_one(name, str(folder), overrides, quality))
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=workers, **pool_options()) as pool:
                futures = [
                    pool.submit(_render_one, n, str(folder), overrides, quality) for n in names
                ]
                for fut in as_completed(futures):  # the bar moves as files land, in any order
                    done.append(fut.result())
                    bar.update(1)
    for path in sorted(done):
        click.echo(path)
