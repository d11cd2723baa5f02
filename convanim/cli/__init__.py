"""The ``convanim`` command line: a thin, lazily loaded click group.

Each subcommand lives in its own module and is imported only when it runs, so ``convanim shape``
never pays for NumPy, Pillow or Manim. Every error a user can cause ends as one ``Error:`` line
on stderr and exit status 2; nothing prints a traceback (set ``CONVANIM_DEBUG=1`` to see one).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

# name -> (module, attribute, one-line help shown by `convanim --help` without importing it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "shape": ("convanim.cli.shape", "shape", "Output sizes, the arithmetic behind them, and why."),
    "compute": ("convanim.cli.compute", "compute", "Actual values: outputs and gradients."),
    "list": ("convanim.cli.render", "list_cmd", "The animation catalogue, one line each."),
    "render": ("convanim.cli.render", "render", "Render GIFs/PNGs (Pillow) and videos (Manim)."),
    "doctor": ("convanim.cli.video", "doctor", "Which optional parts (Manim, LaTeX, …) work here."),
    "embed": ("convanim.cli.slides", "embed", "Print the slide snippet for an asset."),
    "build": ("convanim.cli.slides", "build", "Render and embed every asset a deck references."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._available(name)]

    @staticmethod
    def _available(name: str) -> bool:
        module = COMMANDS[name][0]
        return importlib.util.find_spec(module) is not None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not self._available(cmd_name):
            return None
        module, attr, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="convanim")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """convanim: convolution arithmetic, numbers and animations."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and turn every failure into one line."""
    debug = os.environ.get("CONVANIM_DEBUG") == "1"
    try:
        rv = cli.main(args=argv, prog_name="convanim", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _fail("aborted", 1)
    except click.UsageError as exc:
        _fail(exc.format_message().replace("\n", " "), 2)
    except click.ClickException as exc:
        _fail(exc.format_message().replace("\n", " "), exc.exit_code)
    except BrokenPipeError:
        sys.exit(1)
    except (ValueError, OverflowError) as exc:
        if debug:
            raise
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 2)
    except OSError as exc:
        if debug:
            raise
        _fail(str(exc), 1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks
        if debug:
            raise
        status = getattr(exc, "exit_status", None)  # an error that knows its exit status
        if status in (1, 2):  # e.g. video.MissingRequirementError: 1, with the install line
            _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, status)
        _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with CONVANIM_DEBUG=1", 1)
    if isinstance(rv, int) and rv:
        sys.exit(rv)
