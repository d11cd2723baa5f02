"""Click options generated from the parameter table (:data:`convanim.core.params.PARAMS`).

A parameter's name, flags, parser, default and help are declared once, in the shape core;
``shape``, ``compute`` and ``render`` ask this module for the option and may only say how their
command reads it (required, no default so "not given" is visible, a help line of their own).
A bad value becomes click's usage error (exit 2) with the parser's message.

>>> import click
>>> @click.command()
... @options("input_size", "kernel_size", "stride", stride={"default": None})
... def cmd(input_size, kernel_size, stride):
...     click.echo(f"{input_size} {kernel_size} {stride}")
>>> from click.testing import CliRunner
>>> print(CliRunner().invoke(cmd, ["-i", "6x6", "-k", "3,5"]).output.strip())
(6, 6) (3, 5) None
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from convanim.core.params import PARAMS, Param

__all__ = [
    "OutputPath",
    "ParsedType",
    "LazyChoice",
    "Command",
    "option",
    "options",
    "stacked",
    "SIZE",
    "DIMS",
    "PADDING",
]


class OutputPath(click.Path):
    """``click.Path`` for an output (``-o``) that refuses a blank name: ``-o ""`` would become
    the current folder and ``-o " "`` a folder named by a space, both silently."""

    def __init__(self, **kwargs: Any) -> None:
        from pathlib import Path  # (not on the path of `convanim shape`)

        super().__init__(path_type=Path, **kwargs)

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail(f"{value!r} is blank; name the output", param, ctx)
        return super().convert(value, param, ctx)


class ParsedType(click.ParamType):
    """A click type that runs a :class:`~convanim.core.params.Param`'s text parser."""

    def __init__(self, param: Param) -> None:
        self.param = param
        self.name = param.metavar or param.name.upper()

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):  # a default, or a value already converted
            return value
        try:
            return self.param.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class Command(click.Command):
    """A click command whose parser finds a short option (``-i``) at once.

    click tries every option word as a long option first; on a miss it builds a "did you mean"
    list with difflib before falling back to the short options, which costs more than the
    whole answer of ``convanim shape conv`` (about 1.5 ms). Registering the short spellings
    with the long ones makes ``-i 6x6`` a direct hit (``-i6x6`` still takes the old path).
    """

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        short, long = getattr(parser, "_short_opt", None), getattr(parser, "_long_opt", None)
        if isinstance(short, dict) and isinstance(long, dict):  # click's parser, as of 8.x
            for word, opt in short.items():
                long.setdefault(word, opt)
        return parser


class LazyChoice(click.Choice):
    """A ``click.Choice`` whose choices are read from their table on first use, so the command
    that offers them does not import the table (``--preset`` and ``core.stack``) until needed."""

    def __init__(self, choices: Callable[[], tuple[str, ...]], case_sensitive: bool = True) -> None:
        self._load = choices
        self._loaded: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded

    @choices.setter
    def choices(self, value: Any) -> None:  # click.Choice.__init__ would set it
        self._loaded = tuple(value)


def _type(param: Param) -> click.ParamType:
    if param.choices:
        return click.Choice(param.choices)
    return ParsedType(param)


def option(name: str | Param, **changes: Any) -> Callable[[Any], Any]:
    """The click option of one parameter; ``changes`` are click.option keywords (``default``,
    ``required``, ``help``, ``show_default``) for this command's reading of it."""
    param = PARAMS[name] if isinstance(name, str) else name
    kwargs: dict[str, Any] = {
        "default": param.default,
        "help": param.help,
        "show_default": param.default is not None and not param.switch,
    }
    if param.switch:
        kwargs["is_flag"] = True
    elif "/" in param.flags[-1]:
        pass  # a --x/--no-x pair: click makes the boolean itself
    else:
        kwargs["type"] = _type(param)
        if param.metavar and param.name != "input_size":
            kwargs["metavar"] = param.metavar
    kwargs.update(changes)
    if kwargs.get("default") is None or kwargs.get("required"):
        kwargs["show_default"] = False
    if kwargs.get("required"):
        # click 8.3 counts an explicit default=None as a value: "Missing option" would not show.
        kwargs.pop("default", None)
    return click.option(*param.flags, param.name, **kwargs)


def options(
    *names: str, spec: type | None = None, **changes: dict[str, Any]
) -> Callable[[Any], Any]:
    """Several options in the order given. With ``spec`` (a spec class), each parameter is
    read as that spec declares it (pooling's stride defaults to the kernel); ``changes`` maps
    a parameter name to this command's click keywords."""
    declared: dict[str, Param] = {}
    if spec is not None:
        from convanim.core.specs import spec_params

        declared = {p.name: p for p in spec_params(spec)}

    def decorate(func: Any) -> Any:
        for name in reversed(names):
            func = option(declared.get(name, PARAMS[name]), **changes.get(name, {}))(func)
        return func

    return decorate


def stacked(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One decorator applying ``decorators`` as if written one above the other, in this order
    (a group of click options a command shares or keeps apart from its body)."""

    def decorate(func: Any) -> Any:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return decorate


#: The three parameter types other commands spell directly.
SIZE = _type(PARAMS["input_size"])
DIMS = _type(PARAMS["kernel_size"])
PADDING = _type(PARAMS["padding"])
