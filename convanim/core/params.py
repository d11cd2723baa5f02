"""Operation parameters, each declared once: name, parser, default, help, CLI flags, aliases.

Standard library only. :data:`PARAMS` is the one table every front end reads: the click options
(:mod:`convanim.cli.options`), the deck's placeholder keys and the scenes' parameter dicts (both
through :func:`convanim.core.specs.spec_from_mapping`). A value arrives either as text (a flag,
a placeholder ``stride=2``) and goes through the parameter's parser, or as a Python value (a
scene's JSON dict) and is only normalised (lists become tuples, so specs stay hashable).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from convanim.core.dims import PADDING_MODES
from convanim.core.pooling import POOL_KINDS
from convanim.core.record import Record, record

__all__ = [
    "Param",
    "PARAMS",
    "lookup",
    "parse_size",
    "parse_dims",
    "parse_padding",
    "parse_bool",
    "parse_int",
    "parse_float",
    "parse_optional_size",
    "PADDING_WORDS",
    "POOL_KINDS",
    "MODES",
    "FRAMEWORKS",
    "WINDOW_PARAMS",
]

_SEP = re.compile(r"[x×X,]")

#: Padding words the parser accepts; torch takes the first three, the frameworks the rest.
PADDING_WORDS = ("same", "valid", "full", "same_lower", "causal")


# --------------------------------------------------------------------------------------------
# Text parsers: one message per kind of mistake, the same wherever the text came from
# --------------------------------------------------------------------------------------------


def _ints(text: str, what: str, hint: str) -> tuple[int, ...]:
    parts = [p.strip() for p in _SEP.split(text.strip())]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not {what} ({hint})") from None


def parse_size(text: str) -> tuple[int, ...]:
    """``6``, ``6x6``, ``6,6``, ``8x6x6`` → a tuple of ints (the shape core validates them).

    >>> parse_size("8x6×6")
    (8, 6, 6)
    """
    return _ints(str(text), "a size", "examples: 6, 6x6, 6,6, 8x6x6")


def parse_dims(text: str) -> int | tuple[int, ...]:
    """``3`` → 3 (every dimension), ``3,5`` → (3, 5) (one per dimension).

    >>> parse_dims("3"), parse_dims("3,5")
    (3, (3, 5))
    """
    values = _ints(
        str(text),
        "an integer or a list of integers",
        "an integer such as 3, or one per dimension: 3,5",
    )
    return values[0] if len(values) == 1 else values


def parse_padding(text: str) -> int | str | list[int | tuple[int, int]]:
    """``1``, ``1,2``, a word (``same``, ``valid``, ``full``; ``same_lower``, ``causal`` for other
    frameworks), or asymmetric ``before:after`` per dimension (``1:2,0:1``).

    >>> parse_padding("same"), parse_padding("2"), parse_padding("1,0:1")
    ('same', 2, [1, (0, 1)])
    """
    word = str(text).strip().lower()
    if word in PADDING_WORDS:
        return word
    items: list[int | tuple[int, int]] = []
    try:
        for part in _SEP.split(word):
            if ":" in part:
                before, after = part.split(":")
                items.append((int(before), int(after)))
            else:
                items.append(int(part))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a padding (an integer such as 1, one per dimension 1,2, "
            "before:after pairs 1:2,0:1, or same|valid|full)"
        ) from None
    if len(items) == 1 and isinstance(items[0], int):
        return items[0]
    return items


def parse_optional_size(text: str) -> tuple[int | None, ...]:
    """An output size where ``none`` (or ``-``) keeps that dimension: ``3,none`` → (3, None).

    >>> parse_optional_size("3,none")
    (3, None)
    """
    parts = [p.strip().lower() for p in re.split(r"[,x×]", str(text).strip())]
    try:
        return tuple(None if p in ("none", "-") else int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not an output size (e.g. 3, 3,4 or 3,none)") from None


def parse_bool(text: str) -> bool:
    """``true``/``false`` and the usual spellings (``1 0 yes no on off``).

    >>> parse_bool("Yes"), parse_bool("0")
    (True, False)
    """
    word = str(text).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not a boolean (true or false)")


def parse_int(text: str) -> int:
    """A whole number (``2``; ``2.0`` is refused as text)."""
    try:
        return int(str(text).strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a valid integer.") from None


def parse_float(text: str) -> float:
    """A number (``2``, ``1.5``)."""
    try:
        return float(str(text).strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a valid float.") from None


def _tuples(value: Any) -> Any:
    """Lists (JSON's only sequence) as tuples, all the way down, so specs stay hashable."""
    if isinstance(value, list | tuple):
        return tuple(_tuples(v) for v in value)
    return value


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


@record
class Param(Record):
    """One operation parameter, declared once.

    ``name`` is the spec field and torch keyword; ``flags`` the CLI spellings (the first long one
    is the canonical option); ``aliases`` the other keys a deck placeholder or a scene dict may
    use (``kernel`` for ``kernel_size``). ``switch`` marks a boolean flag (``--ceil-mode``).
    """

    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str
    flags: tuple[str, ...] = ()
    metavar: str | None = None  # default: its parser's (N[,N...] for parse_dims)
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    switch: bool = False

    def __post_init__(self) -> None:
        if self.metavar is None:  # the parser's text form: one spelling for every -s, -d …
            object.__setattr__(self, "metavar", _METAVARS.get(self.parse))

    @property
    def keys(self) -> tuple[str, ...]:
        """Every spelling that names this parameter in a mapping (name, aliases, long flags)."""
        longs = tuple(
            f.split("/")[0].lstrip("-").replace("-", "_") for f in self.flags if f[:2] == "--"
        )
        return (self.name, *self.aliases, *longs)

    def convert(self, value: Any) -> Any:
        """Text through the parser, anything else normalised (lists → tuples); choices checked.

        >>> PARAMS["padding"].convert("1:2,0:1")
        ((1, 2), (0, 1))
        >>> PARAMS["kernel_size"].convert([3, 5]), PARAMS["kernel_size"].convert("3")
        ((3, 5), 3)
        """
        out = _tuples(self.parse(value) if isinstance(value, str) else value)
        if self.choices and out not in self.choices:
            raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, got {value!r}")
        return out

    def but(self, **changes: Any) -> Param:
        """This parameter with another default or help (one operation's reading of it)."""
        return replace(self, **changes)


#: How each text parser's input is written in ``--help`` (a Param's default metavar).
_METAVARS: dict[Callable[[str], Any], str] = {
    parse_size: "SIZE",
    parse_optional_size: "SIZE",
    parse_dims: "N[,N...]",
    parse_padding: "PADDING",
    parse_int: "INTEGER",
    parse_float: "FLOAT",
}


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        return str(text).strip().lower()

    parse.__doc__ = f"One of {', '.join(choices)}."
    return parse


def _str(text: str) -> str:
    return str(text).strip()


#: How a kernel is applied: as stored (what frameworks compute) or flipped (the textbook's).
MODES = ("correlation", "convolution")
#: Whose size conventions ``convanim shape`` applies (see :mod:`convanim.core.frameworks`).
FRAMEWORKS = ("torch", "tf", "keras", "jax")

_PARAMS = (
    Param(
        "input_size",
        parse_size,
        None,
        "Input size: 6, 6x6, 6,6 or 8x6x6.",
        ("-i", "--input"),
        aliases=("input", "size"),
    ),
    Param(
        "kernel_size",
        parse_dims,
        None,
        "Kernel size, 3 or one per dimension (3,5).",
        ("-k", "--kernel-size"),
        aliases=("kernel", "k"),
    ),
    Param("stride", parse_dims, 1, "Stride.", ("-s", "--stride"), aliases=("s",)),
    Param(
        "padding",
        parse_padding,
        0,
        "1 | 1,2 | 1:2,0:1 (before:after) | same | valid | full.",
        ("-p", "--padding"),
        aliases=("p",),
    ),
    Param(
        "dilation",
        parse_dims,
        1,
        "Dilation (spacing of the kernel taps).",
        ("-d", "--dilation"),
        aliases=("d",),
    ),
    Param(
        "output_padding",
        parse_dims,
        0,
        "Extra cells at the end (bottom/right); < max(stride, dilation).",
        ("--output-padding",),
    ),
    Param(
        "groups",
        parse_int,
        1,
        "Groups (channels split into G independent convolutions).",
        ("--groups",),
        aliases=("g",),
    ),
    Param(
        "in_channels",
        parse_int,
        None,
        "Input channels (default: groups, or 1).",
        ("--in-channels",),
        aliases=("c_in",),
    ),
    Param(
        "out_channels",
        parse_int,
        None,
        "Output channels (default: groups, or 1).",
        ("--out-channels",),
        aliases=("c_out",),
    ),
    Param(
        "padding_mode",
        _choice(*PADDING_MODES),
        "zeros",
        "How torch fills the padding (limits: reflect pad < L, circular pad ≤ L).",
        ("--padding-mode",),
        choices=PADDING_MODES,
    ),
    Param(
        "output_size",
        parse_optional_size,
        None,
        "Wanted output size (one value, or one per dimension).",
        ("--output-size",),
    ),
    Param(
        "kind",
        _choice(*POOL_KINDS),
        "max",
        "Pooling kind.",
        ("--kind",),
        choices=POOL_KINDS,
    ),
    Param(
        "ceil_mode",
        parse_bool,
        False,
        "Keep a last partial window (torch's rule).",
        ("--ceil-mode",),
        aliases=("ceil",),
        switch=True,
    ),
    Param(
        "count_include_pad",
        parse_bool,
        True,
        "avg: divide by padded cells too.",
        ("--count-include-pad/--no-count-include-pad",),
    ),
    Param(
        "divisor_override",
        parse_int,
        None,
        "avg (2-D/3-D): divide every window by this.",
        ("--divisor-override",),
    ),
    Param("norm_type", parse_float, 2.0, "lp pool: the power p.", ("--norm-type",)),
    Param(
        "mode",
        _choice(*MODES),
        "correlation",
        "correlation (the kernel as stored, what frameworks compute) or convolution (kernel "
        "flipped).",
        ("--mode",),
        choices=MODES,
    ),
    Param(
        "framework",
        _choice(*FRAMEWORKS),
        "torch",
        "Whose padding/size convention to apply.",
        ("--framework",),
        choices=FRAMEWORKS,
    ),
)

#: Every operation parameter by its spec/torch name.
PARAMS: dict[str, Param] = {p.name: p for p in _PARAMS}

#: The parameters that place a sliding window and so decide the sizes (what the shape core can
#: judge before anything is drawn).
WINDOW_PARAMS = ("input_size", "kernel_size", "stride", "padding", "dilation", "output_padding")


def lookup(key: str) -> Param:
    """The parameter a mapping key names (``kernel``, ``k``, ``kernel-size``, ``kernel_size``).

    >>> lookup("k").name, lookup("output-padding").name
    ('kernel_size', 'output_padding')
    """
    wanted = key.strip().replace("-", "_")
    for param in _PARAMS:
        if wanted in param.keys:
            return param
    raise KeyError(key)
