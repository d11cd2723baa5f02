"""``convanim doctor`` and ``convanim render SCENE …`` (videos through Manim).

Both stay light: Manim is probed or run in a subprocess, never imported here. ``render`` (owned
by :mod:`convanim.cli.render`) forwards to :data:`render_video` when its first argument is one of
:data:`convanim.video.SCENE_NAMES`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from convanim import video
from convanim.cli.options import OutputPath


def _scene_help() -> str:
    lines = ["\b", "Scenes and their options:"]
    for name in video.SCENE_NAMES:
        lines.append(f"  {name}: {video.SCENE_SUMMARIES[name]}")
        opts = ", ".join(
            f"{s.option} ({_default_text(s.default)})" for s in video.PARAM_SPECS[name]
        )
        lines.append(f"      {opts}")
    return "\n".join(lines)


def _default_text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


@click.command(
    "render",
    context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]},
    epilog=_scene_help(),
)
@click.argument("scene", type=click.Choice(video.SCENE_NAMES))
@click.option(
    "-q",
    "--quality",
    default="low",
    show_default=True,
    help="low|medium|high|1080p60|1440p60|2160p60, or Manim's -ql/-qm/-qh/-qp/-qk.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(video.FORMATS),
    default=None,
    help="mp4 (default), webm, mov, gif, or png (the last frame, a poster).",
)
@click.option("--transparent", is_flag=True, help="Transparent background (webm, mov, png).")
@click.option(
    "-o",
    "--output",
    type=OutputPath(),
    default=Path("."),
    show_default=True,
    help="A file, or a folder that gets <1080p60>/<Scene>.<format> (the deck's layout).",
)
@click.option("--force", is_flag=True, help="Render even if the cache has this video.")
@click.option(
    "--steps",
    is_flag=True,
    help="Also write the step boundaries: <Scene>.steps.json, and <Scene>.steps.js for "
    "`convanim embed SCENE --template steps` (clicker-stepped playback in reveal.js).",
)
@click.option(
    "--params",
    "params_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Scene parameters as a JSON object (options on the command line win).",
)
@click.argument("scene_options", nargs=-1, type=click.UNPROCESSED)
def render_video(
    scene: str,
    quality: str,
    fmt: str | None,
    transparent: bool,
    output: Path,
    force: bool,
    steps: bool,
    params_file: Path | None,
    scene_options: tuple[str, ...],
) -> None:
    """Render a Manim scene to a video (or a PNG poster), cached by content hash.

    Scene options follow the scene name, e.g.
    `convanim render FIRConvolution1D --signal 1,2,3,1 --kernel 1,-1 -q 1080p60 -o assets/videos/04`.
    """
    params = _scene_params(scene, params_file, scene_options)
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".")
        fmt = suffix if suffix in video.FORMATS else "mp4"
    try:
        path = video.render_scene(
            scene,
            output,
            quality=quality,
            fmt=fmt,
            params=params,
            force=force,
            transparent=transparent,
            steps=steps,
        )
    except (video.MissingRequirementError, video.RenderError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(path))


def _scene_params(scene: str, params_file: Path | None, options: tuple[str, ...]) -> dict:
    """The scene's parameters: the ``--params`` JSON object, then the options after the scene
    name (they win)."""
    params: dict = {}
    if params_file is not None:
        try:
            params = json.loads(params_file.read_text())
        except json.JSONDecodeError as exc:
            raise click.UsageError(f"--params {params_file}: not JSON ({exc.msg})") from None
        if not isinstance(params, dict):
            raise click.UsageError(f"--params {params_file}: needs a JSON object")
    params.update(video.parse_param_args(scene, options))
    return params


@click.command("doctor", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def doctor(as_json: bool) -> None:
    """Which optional parts work here (Manim, Cairo, Pango, PyAV, LaTeX, dvisvgm, fonts).

    For each missing part: what it disables and the exact command that installs it. Exit
    status 1 when something is missing.
    """
    report = video.probe_requirements(full=True)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": r.name,
                        "ok": r.ok,
                        "version": r.version,
                        "disables": r.disables,
                        "install": r.install,
                    }
                    for r in report
                ],
                indent=2,
            )
        )
    else:
        width = max(len(r.name) for r in report)
        for r in report:
            mark = "ok     " if r.ok else "MISSING"
            click.echo(f"{mark} {r.name:<{width}}  {r.version if r.ok else ''}".rstrip())
            if not r.ok:
                click.echo(f"        disables: {r.disables}")
                click.echo(f"        install:  {r.install}")
        if all(r.ok for r in report):
            click.echo(f"Everything works: convanim render {video.SCENE_NAMES[0]} can run here.")
    if not all(r.ok for r in report):
        raise click.exceptions.Exit(1)
