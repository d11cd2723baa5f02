"""User-supplied arrays: parsing (JSON literal, ``@file`` .json/.npy/.csv), validation, ranks.

Every problem a user can cause is a ``ValueError`` whose message names the argument:
ragged nesting, non-numeric entries, NaN/inf, arrays beyond a sane size. Sizes are checked
before memory is spent: a file's length before it is read, its separators (an upper bound on
its entries) while it is read, a ``.npy`` file's shape from its header before its data.

The rank rule of ``convanim compute``: an array whose rank equals the operation's spatial
rank is one channel; one more rank is ``(C, …)``; two more is ``(N, C, …)``.

>>> parse_array("[[1, 2], [3, 4]]", "--input").shape
(2, 2)
>>> parse_array("[[1, 2], [3]]", "--input")
Traceback (most recent call last):
...
ValueError: --input is ragged: the rows at [1] have different lengths (2 and 1)
>>> as_batched(np.zeros((5, 5)), 2, "--input").shape
(1, 1, 5, 5)
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from array import array
from pathlib import Path

import numpy as np

from convanim.core import budget

__all__ = [
    "MAX_ELEMENTS",
    "MAX_TEXT",
    "MAX_NPY_HEADER",
    "parse_array",
    "load_array",
    "check_finite",
    "as_batched",
    "as_conv_weight",
    "as_transposed_weight",
]

# The limits on user arrays live in the budget module (elements of an array, bytes of an
# @file or characters of a literal, bytes of a .npy header); read here as module names so a
# test can lower them.
MAX_ELEMENTS = budget.MAX_ELEMENTS
MAX_TEXT = budget.MAX_TEXT
MAX_NPY_HEADER = budget.MAX_NPY_HEADER
_MAX_DEPTH = 6  # nesting levels of a JSON array: (N, C, D, H, W) and one more
_CHUNK = 1 << 20
# A text made only of these characters holds numbers and brackets: NumPy can shape it directly.
_PLAIN_JSON = re.compile(r"[\[\]0-9.,+\-eE\s]*")


def _shape_of(value: object, name: str, path: tuple[int, ...] = ()) -> tuple[int, ...]:
    """Shape of a nested list, checking that it is rectangular and numeric."""
    if len(path) > _MAX_DEPTH:
        raise ValueError(f"{name} is nested too deeply (more than {_MAX_DEPTH} levels)")
    if isinstance(value, list):
        if not value:
            return (0,)
        shapes = [_shape_of(v, name, (*path, i)) for i, v in enumerate(value)]
        first = shapes[0]
        for i, s in enumerate(shapes[1:], start=1):
            if s != first:
                where = list(path) if path else []
                if len(s) != len(first):
                    raise ValueError(
                        f"{name} is ragged: entries {where + [0]} and {where + [i]} have different depths"
                    )
                raise ValueError(
                    f"{name} is ragged: the rows at {where + [i]} have different lengths "
                    f"({first[0]} and {s[0]})"
                )
        return (len(value), *first)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} has a non-numeric entry at {list(path)}: {value!r}")
    if isinstance(value, int) and abs(value) > 10**300:
        raise ValueError(f"{name} has an entry too large for a float at {list(path)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} has a non-finite entry at {list(path)}: {value!r}")
    return ()


def check_finite(array: np.ndarray, name: str) -> np.ndarray:
    """``array`` as a float64 array, refusing NaN/inf, non-numbers and sizes beyond the limit."""
    a = np.asarray(array)
    if a.dtype == object or not (
        np.issubdtype(a.dtype, np.number) and not np.issubdtype(a.dtype, np.complexfloating)
    ):
        raise ValueError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if a.size > MAX_ELEMENTS:
        raise ValueError(f"{name} has {a.size} elements; the limit is {MAX_ELEMENTS}")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"{name} has a non-finite entry at {list(bad)}: {a[bad]}")
    return a


def _from_nested(value: object, name: str) -> np.ndarray:
    shape = _shape_of(value, name)
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueError(f"{name} has {math.prod(shape)} elements; the limit is {MAX_ELEMENTS}")
    return check_finite(np.array(value, dtype=np.float64).reshape(shape), name)


class _EntryCounter:
    """Upper bounds on a text's entries, counted chunk by chunk before anything is parsed.

    In a JSON array every number but the first follows a comma and every list opens with a
    bracket; a CSV cell ends at a comma or a line end. So ``commas + 1`` bounds the numbers
    (and ``[`` the lists), ``commas + newlines`` the cells: far too many is refused at once.
    """

    def __init__(self, name: str, csv_text: bool) -> None:
        self.name, self.csv = name, csv_text
        self.commas = self.brackets = self.lines = 0

    def add(self, chunk: bytes | str) -> None:
        comma, bracket, newline = (b",", b"[", b"\n") if isinstance(chunk, bytes) else ",[\n"
        self.commas += chunk.count(comma)
        if self.csv:
            self.lines += chunk.count(newline)
            # a last line without its newline adds one cell more: check_finite counts it
            entries, what = self.commas + self.lines, "cells"
        else:
            self.brackets += chunk.count(bracket)
            entries, what = max(self.commas + 1, self.brackets - 1), "values"
        if entries > MAX_ELEMENTS:
            raise ValueError(
                f"{self.name} has more than {MAX_ELEMENTS} {what}; the limit is {MAX_ELEMENTS} "
                "elements"
            )


def _parse_json(text: str, name: str) -> np.ndarray:
    if len(text) > MAX_TEXT:
        raise ValueError(f"{name} is too long ({len(text)} characters; the limit is {MAX_TEXT})")
    _EntryCounter(name, csv_text=False).add(text)
    try:
        # integers read as floats: a 5000-digit integer is a number too large, not a
        # conversion limit of Python's int
        value = json.loads(text, parse_constant=float, parse_int=float)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{name} is not a JSON array: {exc.msg} (at character {exc.pos})"
        ) from None
    except RecursionError:
        raise ValueError(f"{name} is nested too deeply") from None
    if isinstance(value, list) and _PLAIN_JSON.fullmatch(text):
        # numbers and brackets only: NumPy shapes it in C; a ragged list falls through to
        # _from_nested, which names the offending rows
        try:
            plain = np.array(value, dtype=np.float64)
        except (ValueError, OverflowError):
            pass
        else:
            if plain.ndim > _MAX_DEPTH:
                raise ValueError(f"{name} is nested too deeply (more than {_MAX_DEPTH} levels)")
            return check_finite(plain, name)
    return _from_nested(value, name)


def _parse_csv(text: str, name: str) -> np.ndarray:
    _EntryCounter(name, csv_text=True).add(text)
    rows: list[array] = []
    for r, row in enumerate(csv.reader(io.StringIO(text))):
        if not row or not any(c.strip() for c in row):
            continue
        try:
            parsed = array("d", map(float, row))
        except ValueError:
            for c, cell in enumerate(row):
                try:
                    float(cell)
                except ValueError:
                    raise ValueError(
                        f"{name} has a non-numeric entry at row {r + 1}, column {c + 1}: "
                        f"{cell.strip()!r}"
                    ) from None
            raise
        if rows and len(parsed) != len(rows[0]):
            raise ValueError(
                f"{name} is ragged: the rows at [{len(rows)}] have different lengths "
                f"({len(rows[0])} and {len(parsed)})"
            )
        rows.append(parsed)
    if not rows:
        raise ValueError(f"{name}: the CSV file is empty")
    values = np.array(rows, dtype=np.float64).reshape(len(rows), len(rows[0]))
    if not np.isfinite(values).all():
        r, c = (int(i) for i in np.argwhere(~np.isfinite(values))[0])
        raise ValueError(f"{name} has a non-finite entry at row {r + 1}, column {c + 1}")
    return check_finite(values[0] if values.shape[0] == 1 else values, name)


def _read_text(p: Path, name: str, csv_text: bool) -> str:
    """The file's text, read in chunks: refused as soon as it is too long or too many entries."""
    counter = _EntryCounter(name, csv_text)
    chunks: list[bytes] = []
    total = 0
    with p.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            total += len(chunk)
            if total > MAX_TEXT:  # the file grew, or is not what stat said (a /proc file)
                raise ValueError(f"{name}: {p} is too large (more than {MAX_TEXT} bytes)")
            counter.add(chunk)
            chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{name}: {p} is not UTF-8 text") from None


def _load_npy(p: Path, name: str) -> np.ndarray:
    """A ``.npy`` file, its header checked before its data is read: never a pickle."""
    fmt = np.lib.format
    try:
        with p.open("rb") as fh:
            major, _ = fmt.read_magic(fh)
            # the header's length comes first (2 bytes in version 1, 4 after): refuse a huge
            # one before NumPy reads it
            width = 2 if major == 1 else 4
            length = int.from_bytes(fh.read(width), "little")
            if length > MAX_NPY_HEADER:
                raise ValueError(
                    f"{name}: {p} has a {length}-byte header; the limit is {MAX_NPY_HEADER}"
                )
            fh.seek(-width, os.SEEK_CUR)
            read_header = fmt.read_array_header_1_0 if major == 1 else fmt.read_array_header_2_0
            shape, _, dtype = read_header(fh, max_header_size=MAX_NPY_HEADER)
            offset = fh.tell()
    except (OSError, SyntaxError, TypeError, ValueError) as exc:
        if str(exc).startswith(f"{name}: "):
            raise
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{name}: cannot read {p} as .npy: {reason}") from None
    if dtype.hasobject or dtype.kind not in "biuf":
        raise ValueError(f"{name}: {p} holds {dtype} values; it must hold real numbers")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise ValueError(
            f"{name}: {p} declares shape {list(shape)} ({count} elements); the limit is "
            f"{MAX_ELEMENTS}"
        )
    if p.stat().st_size < offset + count * dtype.itemsize:
        raise ValueError(f"{name}: {p} is shorter than its header's shape {list(shape)} needs")
    try:
        array = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{name}: cannot read {p} as .npy ({exc})") from None
    return check_finite(array, name)


def load_array(path: str | os.PathLike[str], name: str = "array") -> np.ndarray:
    """Read an array file: ``.json`` (nested lists), ``.npy`` (no pickles) or ``.csv`` (2-D)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".json", ".npy", ".csv"):
        raise ValueError(f"{name}: {p} should be a .json, .npy or .csv file")
    if not p.is_file():
        raise ValueError(f"{name}: no such file {p}")
    if p.stat().st_size > MAX_TEXT:
        raise ValueError(f"{name}: {p} is too large ({p.stat().st_size} bytes)")
    if suffix == ".npy":
        return _load_npy(p, name)
    text = _read_text(p, name, csv_text=suffix == ".csv")
    return _parse_json(text, name) if suffix == ".json" else _parse_csv(text, name)


def parse_array(text: str, name: str = "array") -> np.ndarray:
    """A JSON literal (``'[[1, 2], [3, 4]]'``, or a bare number) or ``@path`` to a file."""
    text = text.strip()
    if text.startswith("@"):
        return load_array(text[1:], name)
    return _parse_json(text, name)


def as_batched(array: np.ndarray, ndim: int, name: str) -> np.ndarray:
    """Apply the rank rule to an input: ``ndim`` → (1, 1, …), ``ndim+1`` → (1, C, …), ``ndim+2`` as is."""
    a = np.asarray(array)
    extra = a.ndim - ndim
    if extra == 0:
        return a[None, None]
    if extra == 1:
        return a[None]
    if extra == 2:
        return a
    raise ValueError(
        f"{name} has {a.ndim} dimensions; a {ndim}-d operation takes {ndim} (one channel), "
        f"{ndim + 1} (C, …) or {ndim + 2} (N, C, …)"
    )


def as_conv_weight(
    array: np.ndarray, ndim: int, in_channels: int, groups: int, name: str
) -> np.ndarray:
    """Apply the rank rule to a convolution weight ``(C_out, C_in/groups, *k)``.

    ``ndim`` dims: one filter on one channel. ``ndim+1`` dims ``(A, *k)``: one filter over the
    ``A`` input channels of a group when ``A == C_in/groups > 1``; otherwise (one channel per
    group) ``A`` filters, i.e. ``(A, 1, *k)``. ``ndim+2``: as torch.
    """
    a = np.asarray(array)
    extra = a.ndim - ndim
    per_group = in_channels // groups if groups > 0 and in_channels % groups == 0 else None
    if extra == 0:
        return a[None, None]
    if extra == 1:
        if per_group is not None and per_group > 1:
            if a.shape[0] != per_group:
                raise ValueError(
                    f"{name} of shape {list(a.shape)} is read as one filter over C_in/groups = "
                    f"{per_group} channels, but its first dimension is {a.shape[0]}; give the full "
                    f"(C_out, C_in/groups, *k) shape"
                )
            return a[None]
        return a[:, None]
    if extra == 2:
        return a
    raise ValueError(
        f"{name} has {a.ndim} dimensions; a {ndim}-d convolution takes {ndim}, {ndim + 1} "
        f"or {ndim + 2} ((C_out, C_in/groups, *k))"
    )


def as_transposed_weight(array: np.ndarray, ndim: int, in_channels: int, name: str) -> np.ndarray:
    """Rank rule for a transposed-conv weight ``(C_in, C_out/groups, *k)``.

    ``ndim`` dims: one channel in, one out. ``ndim+1`` dims ``(C_in, *k)``: one output channel
    per group. ``ndim+2``: as torch.
    """
    a = np.asarray(array)
    extra = a.ndim - ndim
    if extra == 0:
        return a[None, None]
    if extra == 1:
        if a.shape[0] != in_channels:
            raise ValueError(
                f"{name} of shape {list(a.shape)} is read as (C_in, *k), but the input has "
                f"{in_channels} channels; give the full (C_in, C_out/groups, *k) shape"
            )
        return a[:, None]
    if extra == 2:
        return a
    raise ValueError(
        f"{name} has {a.ndim} dimensions; a {ndim}-d transposed convolution takes {ndim}, "
        f"{ndim + 1} or {ndim + 2} ((C_in, C_out/groups, *k))"
    )
