"""``convanim shape``: output sizes, the arithmetic behind them, and what a student should notice.

Thin on purpose: every size, padding split and error comes from :mod:`convanim.core.shapes`
(:mod:`convanim.core.frameworks` and :mod:`convanim.core.stack` for the TF/Keras/JAX conventions and for
stacks); this module parses the arguments, substitutes the numbers into the formula and prints.
It imports nothing heavier than click (json only for ``--json``), so ``convanim shape`` starts
in a few tens of milliseconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import click

from convanim.core import shapes
from convanim.core.frameworks import (
    FRAMEWORKS,
    framework_conv_geometry,
    framework_pool_geometry,
    framework_transposed_sizes,
)

AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
TORCH_NAMES = {1: "1d", 2: "2d", 3: "3d"}
_SEP = re.compile(r"[x×X,]")

#: --json lists at most this many windows / sizes per dimension. Any size up to torch's int64
#: is answered instantly; only the enumerations grow with the numbers, and a list of 10¹⁸
#: windows is neither printable nor useful. The text view summarises long lists instead.
LIST_LIMIT = 100_000
#: The text view writes out lists up to this long, longer ones as "first … last (N in all)".
SHOWN = 12


# --------------------------------------------------------------------------------------------
# Parameter parsing (click types, so bad values become one-line usage errors)
# --------------------------------------------------------------------------------------------


def _ints(text: str, what: str, hint: str) -> tuple[int, ...]:
    parts = [p.strip() for p in _SEP.split(text.strip())]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not {what} ({hint})") from None
    return values


class SizeType(click.ParamType):
    """``6``, ``6x6``, ``6,6``, ``8x6x6`` → a tuple of ints (validated by the shape core)."""

    name = "SIZE"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        return _ints(str(value), "a size", "examples: 6, 6x6, 6,6, 8x6x6")


class DimsType(click.ParamType):
    """``3`` → 3 (every dimension), ``3,5`` → (3, 5) (one per dimension)."""

    name = "N[,N...]"

    def convert(self, value: Any, param: Any, ctx: Any) -> int | tuple[int, ...]:
        if isinstance(value, int | tuple):
            return value
        values = _ints(
            str(value),
            "an integer or a list of integers",
            "an integer such as 3, or one per dimension: 3,5",
        )
        return values[0] if len(values) == 1 else values


class PaddingType(click.ParamType):
    """``1``, ``1,2``, ``same|valid|full`` (``same_lower``, ``causal`` for other frameworks),
    or asymmetric ``before:after`` per dimension: ``1:2,0:1``."""

    name = "PADDING"
    WORDS = ("same", "valid", "full", "same_lower", "causal")

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip().lower()
        if text in self.WORDS:
            return text
        items: list[int | tuple[int, int]] = []
        try:
            for part in _SEP.split(text):
                if ":" in part:
                    before, after = part.split(":")
                    items.append((int(before), int(after)))
                else:
                    items.append(int(part))
        except ValueError:
            self.fail(
                f"{value!r} is not a padding (an integer such as 1, one per dimension 1,2, "
                "before:after pairs 1:2,0:1, or same|valid|full)",
                param,
                ctx,
            )
        if len(items) == 1 and isinstance(items[0], int):
            return items[0]
        return items


SIZE, DIMS, PADDING = SizeType(), DimsType(), PaddingType()


def _fmt_size(values: Sequence[int]) -> str:
    return "×".join(str(v) for v in values)


def _emit(report: dict[str, Any], lines: list[str], as_json: bool) -> None:
    if as_json:
        import json  # only --json pays for it

        click.echo(json.dumps(report))
    else:
        click.echo("\n".join(lines))


def _axes_by_text(ndim: int, per_axis: Sequence[Sequence[str]]) -> dict[str, list[str]]:
    """Each distinct text (first seen first) with the axes it holds for."""
    axes: dict[str, list[str]] = {}
    for name, texts in zip(AXES[ndim], per_axis, strict=True):
        for text in texts:
            axes.setdefault(text, []).append(name)
    return axes


def _per_axis(ndim: int, texts: Sequence[str], indent: str = "  ") -> list[str]:
    """One line per distinct text, labelled with the axes it applies to (``H, W: …``)."""
    by_text = _axes_by_text(ndim, [[t] for t in texts])
    return [f"{indent}{', '.join(axes)}: {t}" for t, axes in by_text.items()]


def _notes(notes: Sequence[str]) -> list[str]:
    if not notes:
        return []
    return ["", "Notes:"] + [f"  • {n}" for n in notes]


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by conv, transposed and pool (input, kernel, dilation, json)."""
    for decorator in reversed(
        [
            click.option(
                "-i",
                "--input",
                "input_size",
                type=SIZE,
                required=True,
                help="Input size: 6, 6x6, 6,6 or 8x6x6.",
            ),
            click.option(
                "-k",
                "--kernel-size",
                type=DIMS,
                required=True,
                help="Kernel size, 3 or one per dimension (3,5).",
            ),
            click.option(
                "-d",
                "--dilation",
                type=DIMS,
                default=1,
                show_default=True,
                help="Dilation (spacing of the kernel taps).",
            ),
            click.option(
                "--json",
                "as_json",
                is_flag=True,
                help="Print one JSON object instead of the explanation.",
            ),
        ]
    ):
        func = decorator(func)
    return func


@click.group(
    "shape",
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.pass_context
def shape(ctx: click.Context) -> None:
    """Output sizes, the formula with your numbers in it, and the notes a student needs.

    \b
    convanim shape conv       -i 6x6 -k 3 -s 2 -p 1
    convanim shape transposed -i 3x3 -k 3 -s 2 -p 1 --output-padding 1
    convanim shape pool       -i 5 -k 2 --ceil-mode
    convanim shape adaptive   -i 10 --output-size 3
    convanim shape stack      --preset vgg16

    Any size up to torch's 2⁶³ − 1 is answered at once. Long lists (windows, reachable
    sizes, preimages) are summarised in the text; --json lists at most 100 000 entries per
    dimension and refuses more (pool then leaves its windows out and still gives the size).
    """
    # Bare `convanim shape` shows this help (exit 0) instead of click's usage error.
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


# --------------------------------------------------------------------------------------------
# conv
# --------------------------------------------------------------------------------------------


def _conv_formula(g: shapes.ConvDim) -> str:
    if g.pad_before == g.pad_after:
        pad = f" + 2·{g.pad_before}" if g.pad_before else ""
    else:
        pad = f" + {g.pad_before} + {g.pad_after}"
    ker = f" − {g.kernel}" if g.dilation == 1 else f" − {g.dilation}·({g.kernel} − 1) − 1"
    num = g.padded - g.effective_kernel
    if g.stride == 1:
        return f"{g.size}{pad}{ker} + 1 = {num} + 1 = {g.output}"
    return f"⌊({g.size}{pad}{ker})/{g.stride}⌋ + 1 = ⌊{num}/{g.stride}⌋ + 1 = {g.output}"


def _merge_notes(ndim: int, per_axis: Sequence[Sequence[str]]) -> list[str]:
    """Notes computed per axis, each distinct text once, prefixed with the axes it holds for."""
    by_text = _axes_by_text(ndim, per_axis)
    return [t if len(axes) == ndim else f"{', '.join(axes)}: {t}" for t, axes in by_text.items()]


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _and(values: Sequence[object]) -> str:
    items = [str(v) for v in values]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _listing(count: int, item: Callable[[int], str], sep: str = " ", unit: str = "") -> str:
    """Items ``0 … count−1`` written out, or, past :data:`SHOWN`, the first few, ``…``, the last
    two and the total; ``item`` is called only for the items shown (so counts may be huge)."""
    if count <= SHOWN:
        return sep.join(item(i) for i in range(count))
    shown = [item(i) for i in range(SHOWN - 4)] + ["…"] + [item(count - 2), item(count - 1)]
    return sep.join(shown) + f"  ({count:,}{' ' + unit if unit else ''} in all)"


def _span(values: range) -> str:
    """A range of sizes for a sentence: ``5 and 6``, ``8, 9, 10 and 11`` or ``8 … 1007``."""
    if len(values) <= 6:
        return _and(list(values))
    return f"{values[0]} … {values[-1]} ({len(values):,} sizes)"


def _json_list(count: int, what: str, axis: str) -> None:
    """Refuse a --json answer whose list would be absurdly long (the text view summarises)."""
    if count > LIST_LIMIT:
        raise ValueError(
            f"--json would list {count:,} {what} along {axis}; it lists at most "
            f"{LIST_LIMIT:,} per dimension (drop --json for a summary)"
        )


#: What one index along an axis is called, and where its far end is.
UNITS = {
    "L": ("cell", "cells", "end"),
    "D": ("slice", "slices", "back"),
    "H": ("row", "rows", "bottom"),
    "W": ("column", "columns", "right"),
}


def _units(axes: Sequence[str], n: int) -> str:
    """``row``, ``3 rows``, ``row and column``: n units along the given axes."""
    names = _and([UNITS[a][0 if n == 1 else 1] for a in axes])
    return names if n == 1 else f"{n} {names}"


def _grouped(
    ndim: int, keys: Sequence[Any], make: Callable[[Any, list[str]], str]
) -> list[list[str]]:
    """One note per axis (``None`` key: none); axes with equal keys get one shared text that
    names all their units, so :func:`_merge_notes` prints it once."""
    groups: dict[Any, list[str]] = {}
    for axis, key in zip(AXES[ndim], keys, strict=True):
        if key is not None:
            groups.setdefault(key, []).append(axis)
    return [[] if key is None else [make(key, groups[key])] for key in keys]


def _dropped_note(key: tuple[int, int, int, int, bool], axes: list[str]) -> str:
    """The floor's lost cells: ``key = (dropped, real, covered, padded length, any padding)``."""
    dropped, real, covered, padded, has_pad = key
    edge = "/".join(UNITS[a][2] for a in axes)
    lost = (
        f"{real} of them {'is' if real == 1 else 'are'} real input, never read"
        if real
        else "they are padding, so no input is lost"
    )
    return (
        f"the floor drops the last {_units(axes, dropped)} ({edge}): the windows reach "
        f"{covered} of the {padded}{' padded' if has_pad else ''} "
        f"{_and([UNITS[a][1] for a in axes])}; {lost}"
    )


def _gap_note(key: tuple[int, int, int], axes: list[str]) -> str:
    """Stride longer than the window: ``key = (stride, K, skipped per gap)``."""
    stride, K, gap = key
    return (
        f"stride {stride} > K = {K}: {_units(axes, gap)} between neighbouring windows "
        f"{'is' if gap == 1 else 'are'} never read"
    )


def _conv_notes(
    dims: Sequence[shapes.ConvDim], padding: Any, symmetric: bool, ndim: int
) -> list[str]:
    edge = {1: "end", 2: "bottom/right", 3: "back/bottom/right"}[ndim]
    per_axis: list[list[str]] = []
    for g in dims:
        notes: list[str] = []
        if g.dilation > 1 and g.kernel > 1:
            notes.append(
                f"dilation {g.dilation} spreads the {g.kernel} taps over "
                f"K = {g.dilation}·({g.kernel} − 1) + 1 = {g.effective_kernel} cells"
            )
        if isinstance(padding, str) and padding == "same":
            total = g.pad_before + g.pad_after
            split = f"{g.pad_before} before and {g.pad_after} after" + (
                f" (torch puts the odd element after: {edge})" if total % 2 else ""
            )
            notes.append(f"padding='same' needs d·(k − 1) = {total} in total: {split}")
        per_axis.append(notes)
    dropped = _grouped(
        ndim,
        [
            (
                g.dropped,
                max(0, g.dropped - g.pad_after),
                g.covered,
                g.padded,
                g.padded > g.size,
            )
            if g.dropped
            else None
            for g in dims
        ],
        _dropped_note,
    )
    gaps = _grouped(
        ndim,
        [
            (g.stride, g.effective_kernel, g.stride - g.effective_kernel)
            if g.stride > g.effective_kernel and g.output > 1
            else None
            for g in dims
        ],
        _gap_note,
    )
    for notes, d_notes, gap_notes, g in zip(per_axis, dropped, gaps, dims, strict=True):
        notes += d_notes + gap_notes
        pre = _preimage(g)
        if len(pre) > 1:
            lmin = _lmin(g)
            text = (
                f"ambiguity: inputs {_span(pre)} {'both' if len(pre) == 2 else 'all'} give "
                f"{g.output} (the floor hides up to {_cells(g.stride - 1)} at the end)"
            )
            if symmetric and g.pad_before >= 0:  # ConvTranspose refuses negative padding
                if len(pre) <= 6:
                    ops = _and([f"{L} with output_padding={L - lmin}" for L in pre])
                else:
                    ops = f"L with output_padding = L − {lmin} ({pre[0] - lmin} … {pre[-1] - lmin})"
                text += (
                    f"; ConvTranspose{TORCH_NAMES[ndim]} with the same k, s, p, d maps "
                    f"{g.output} back to {ops} (or give output_size)"
                )
            notes.append(text)
    return _merge_notes(ndim, per_axis)


@shape.command("conv")
@_common
@click.option("-s", "--stride", type=DIMS, default=1, show_default=True, help="Stride.")
@click.option(
    "-p",
    "--padding",
    type=PADDING,
    default=0,
    show_default=True,
    help="1 | 1,2 | 1:2,0:1 (before:after) | same | valid | full (tf/jax: same, valid, same_lower; keras: causal).",
)
@click.option(
    "--groups",
    type=int,
    default=None,
    help="Groups (channels split into G independent convolutions).",
)
@click.option(
    "--in-channels", type=int, default=None, help="Input channels (default: groups, or 1)."
)
@click.option(
    "--out-channels", type=int, default=None, help="Output channels (default: groups, or 1)."
)
@click.option(
    "--padding-mode",
    type=click.Choice(shapes.PADDING_MODES),
    default="zeros",
    show_default=True,
    help="How torch fills the padding (limits: reflect pad < L, circular pad ≤ L).",
)
@click.option(
    "--framework",
    type=click.Choice(FRAMEWORKS),
    default="torch",
    show_default=True,
    help="Whose padding/size convention to apply.",
)
def conv_cmd(
    input_size: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int | None,
    in_channels: int | None,
    out_channels: int | None,
    padding_mode: str,
    framework: str,
    as_json: bool,
) -> None:
    """Output size of a convolution, its preimage (the ambiguity) and its weights."""
    from convanim.core.stack import conv_vs_dense

    if framework != "torch":
        # The framework view computes sizes only: refuse, rather than silently ignore, the
        # options it would not use.
        if padding_mode != "zeros" or (groups, in_channels, out_channels) != (None, None, None):
            raise click.UsageError(
                "--padding-mode, --groups and the channel counts describe torch modules; drop "
                f"them with --framework {framework}"
            )
        _framework_conv(framework, input_size, kernel_size, stride, padding, dilation, as_json)
        return
    if padding in ("same_lower", "causal"):
        raise ValueError(
            f"torch has no padding={padding!r} (it is a {'JAX' if padding == 'same_lower' else 'Keras'}"
            " convention): use --framework, or before:after pairs"
        )
    dims = shapes.conv_geometry(input_size, kernel_size, stride, padding, dilation, padding_mode)
    ndim = len(dims)
    g_count = 1 if groups is None else groups
    c_in = in_channels if in_channels is not None else g_count
    c_out = out_channels if out_channels is not None else g_count
    shapes.check_groups(c_in, c_out, g_count)
    out = [g.output for g in dims]
    k = [g.kernel for g in dims]
    symmetric = all(g.pad_before == g.pad_after for g in dims)
    pre: list[list[int]] = []
    if as_json:
        for axis, g in zip(AXES[ndim], dims, strict=True):
            _json_list(len(_preimage(g)), "preimage sizes", axis)
            pre.append(list(_preimage(g)))
    # The same counts `shape stack` reports for each convolution.
    compared = conv_vs_dense(input_size, out, k, c_in, c_out, g_count)
    weights, dense = compared.conv, compared.dense
    report = {
        "operation": "conv",
        "framework": "torch",
        "input": list(input_size),
        "output": out,
        "kernel_size": k,
        "stride": [g.stride for g in dims],
        "dilation": [g.dilation for g in dims],
        "padding": [[g.pad_before, g.pad_after] for g in dims],
        "padding_mode": padding_mode,
        "effective_kernel": [g.effective_kernel for g in dims],
        "dropped": [g.dropped for g in dims],
        "preimage": pre,
        # output_padding that makes ConvTranspose (same k, s, p, d) return each member
        "preimage_output_padding": [
            [L - _lmin(g) for L in p] for g, p in zip(dims, pre, strict=False)
        ],  # pre: --json only
        "groups": g_count,
        "in_channels": c_in,
        "out_channels": c_out,
        "weight_shape": [c_out, c_in // g_count, *k],
        "params": {"weights": weights, "bias": c_out, "dense_weights": dense},
        "formula": [_conv_formula(g) for g in dims],
    }
    lines = [
        f"Conv{TORCH_NAMES[ndim]}: input {_fmt_size(input_size)} → output {_fmt_size(out)}",
        "  ⌊(L + p_before + p_after − d·(k − 1) − 1)/s⌋ + 1   (Relationship 15)",
        *_per_axis(ndim, [_conv_formula(g) for g in dims]),
    ]
    if any(g.pad_before or g.pad_after for g in dims):
        pads = [
            f"{g.pad_before} before, {g.pad_after} after"
            if g.pad_before != g.pad_after
            else f"{g.pad_before} each side"
            if g.pad_before >= 0
            else f"{-g.pad_before} cropped each side ({padding_mode} mode crops negative padding)"
            for g in dims
        ]
        lines += ["Padding:", *_per_axis(ndim, pads)]
    lines.append(
        f"Weights: {c_out}·{c_in // g_count}·{'·'.join(map(str, k))} = {weights} (+{c_out} bias); "
        f"a fully connected layer on the same signal needs "
        f"{compared.input_length * c_in}·{compared.output_length * c_out} = {dense}"
    )
    notes = _conv_notes(dims, padding, symmetric, ndim)
    if padding_mode in ("reflect", "circular"):
        limit = "< L" if padding_mode == "reflect" else "≤ L"
        notes.append(
            f"padding_mode={padding_mode!r} mirrors/wraps real cells: each side's pad must be {limit}"
        )
    _emit(report, lines + _notes(notes), as_json)


def _preimage(g: shapes.ConvDim) -> range:
    return shapes.preimage(
        g.output, g.kernel, g.stride, (g.pad_before, g.pad_after), g.dilation, g.padding_mode
    )


def _lmin(g: shapes.ConvDim) -> int:
    """Smallest input the transposed convolution returns: ``(O−1)s + K − p_before − p_after``."""
    return g.covered - g.pad_before - g.pad_after


def _framework_formula(framework: str, g: Any, pooling: bool) -> str:
    """The size formula of one :class:`~convanim.core.frameworks.FrameworkDim`, numbers filled in."""
    if g.mode in ("same", "same_lower", "causal"):
        return f"⌈{g.size}/{g.stride}⌉ = {g.output}"
    pad = "".join(f" {'−' if v < 0 else '+'} {abs(v)}" for v in (g.pad_before, g.pad_after) if v)
    if framework == "tf":
        return f"trunc(({g.size}{pad} − {g.effective_kernel} + {g.stride})/{g.stride}) = {g.output}"
    floor = f"⌊({g.size}{pad} − {g.effective_kernel})/{g.stride}⌋ + 1"
    # JAX clips at 0; so do Keras pooling layers (Keras convolutions raise instead).
    return (
        f"max(0, {floor}) = {g.output}"
        if framework == "jax" or pooling
        else f"{floor} = {g.output}"
    )


def _framework_axis_notes(framework: str, g: Any) -> list[str]:
    """How SAME/causal split their padding, and TF's truncation, for one dimension."""
    total = g.pad_before + g.pad_after
    if g.mode == "causal":
        return [f"causal pads d·(k − 1) = {total} before and nothing after"]
    if g.mode in ("same", "same_lower"):
        where = "start" if g.mode == "same_lower" else "end: bottom/right"
        odd = f" (the odd element goes at the {where})" if total % 2 else ""
        return [
            f"{g.mode.upper()} pads max(({g.output} − 1)·{g.stride} + "
            f"{g.effective_kernel} − {g.size}, 0) = {total}: {g.pad_before} before, "
            f"{g.pad_after} after{odd}"
            + ("; it depends on the input size because stride > 1" if g.stride > 1 else "")
        ]
    num = g.padded - g.effective_kernel
    if g.output != 0:
        return []
    text = f"the kernel is longer than the input: {framework} returns an empty output, not an error"
    if framework == "tf" and num + g.stride < 0:
        # −s < num + s < 0: the floor would give −1 (an error); C++ division truncates to 0.
        text += f" (only because it truncates toward zero: ⌊−{-(num + g.stride)}/{g.stride}⌋ = −1)"
    return [text]


def _framework_conv(
    framework: str,
    input_size: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    as_json: bool,
) -> None:
    if padding == 0 and framework == "keras":
        padding = "valid"
    dims = framework_conv_geometry(framework, input_size, kernel_size, stride, padding, dilation)
    ndim = len(dims)
    out = [g.output for g in dims]
    texts = [_framework_formula(framework, g, pooling=False) for g in dims]
    notes: list[str] = []
    per_axis = [_framework_axis_notes(framework, g) for g in dims]
    notes += _merge_notes(ndim, per_axis)
    report = {
        "operation": "conv",
        "framework": framework,
        "input": list(input_size),
        "output": out,
        "kernel_size": [g.kernel for g in dims],
        "stride": [g.stride for g in dims],
        "dilation": [g.dilation for g in dims],
        "padding": [[g.pad_before, g.pad_after] for g in dims],
        "padding_names": [g.mode for g in dims],
        "effective_kernel": [g.effective_kernel for g in dims],
        "formula": texts,
    }
    if any(g.stride > 1 for g in dims) and any(g.mode == "same" for g in dims):
        notes.append(
            "torch's padding='same' refuses stride > 1; to copy this in torch, F.pad with these pads, then padding=0"
        )
    lines = [
        f"{framework} conv: input {_fmt_size(input_size)} → output {_fmt_size(out)}",
        *_per_axis(ndim, texts),
    ]
    _emit(report, lines + _notes(notes), as_json)


# --------------------------------------------------------------------------------------------
# transposed
# --------------------------------------------------------------------------------------------


def _transposed_formula(g: shapes.TransposedDim) -> str:
    pad = f" − 2·{g.padding}" if g.padding else ""
    ker = f" + ({g.kernel} − 1)" if g.dilation == 1 else f" + {g.dilation}·({g.kernel} − 1)"
    op = f" + {g.output_padding}" if g.output_padding else ""
    return f"({g.size} − 1)·{g.stride}{pad}{ker}{op} + 1 = {g.output}"


@shape.command("transposed")
@_common
@click.option(
    "-s",
    "--stride",
    type=DIMS,
    default=1,
    show_default=True,
    help="Stride (zeros inserted between inputs: s − 1).",
)
@click.option(
    "-p",
    "--padding",
    type=PADDING,
    default=0,
    show_default=True,
    help="Padding p (torch: integers; tf/keras/jax: same|valid).",
)
@click.option(
    "--output-padding",
    type=DIMS,
    default=None,
    help="Extra cells at the end (bottom/right); < max(stride, dilation).",
)
@click.option(
    "--output-size",
    type=SIZE,
    default=None,
    help="Wanted output size; torch derives output_padding from it.",
)
@click.option(
    "--framework",
    type=click.Choice(FRAMEWORKS),
    default="torch",
    show_default=True,
    help="Whose convention to apply.",
)
def transposed_cmd(
    input_size: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    output_padding: Any,
    output_size: tuple[int, ...] | None,
    framework: str,
    as_json: bool,
) -> None:
    """Output size of a transposed convolution, every reachable size, and its direct twin."""
    if output_padding is not None and output_size is not None:
        raise click.UsageError("give --output-padding or --output-size, not both")
    if framework != "torch":
        _framework_transposed(
            framework,
            input_size,
            kernel_size,
            stride,
            padding,
            dilation,
            output_padding,
            output_size,
            as_json,
        )
        return
    if isinstance(padding, list) and any(isinstance(p, tuple) for p in padding):
        raise ValueError(
            "ConvTranspose has no asymmetric padding: torch crops p from both sides "
            "(output_padding adds cells at the end)"
        )
    ndim = len(input_size)
    notes: list[str] = []
    if output_size is not None:
        op = shapes.output_padding_for_size(
            input_size, output_size, kernel_size, stride, padding, dilation
        )
        notes.append(f"output_size={_fmt_size(output_size)} means output_padding={_fmt_size(op)}")
    else:
        op = 0 if output_padding is None else output_padding
    dims = shapes.transposed_geometry(input_size, kernel_size, stride, padding, dilation, op)
    out = [g.output for g in dims]
    # Ranges, not lists: a stride of 10¹⁸ has 10¹⁸ reachable sizes (output_padding = size − low).
    reach = [
        shapes.transposed_output_sizes(g.size, g.kernel, g.stride, g.padding, g.dilation)
        for g in dims
    ]
    lows = [g.output - g.output_padding for g in dims]
    per_axis: list[list[str]] = []
    for g, r, low in zip(dims, reach, lows, strict=True):
        axis_notes: list[str] = []
        pre = range(r.start, min(r.stop, low + g.stride))
        if len(pre) > 1:
            axis_notes.append(
                f"Conv{TORCH_NAMES[ndim]} with the same k, s, p, d maps {_span(pre)} to {g.size}: "
                "output_padding (or output_size) says which one you want back"
            )
        beyond = range(max(r.start, low + g.stride), r.stop)
        if beyond:
            axis_notes.append(
                f"dilation {g.dilation} > stride {g.stride} lets output_padding reach "
                f"{_span(beyond)}, but forward(output_size=…) refuses "
                f"{'it' if len(beyond) == 1 else 'them'} and the direct convolution does not map "
                f"{'it' if len(beyond) == 1 else 'them'} back to {g.size}"
            )
        if g.pad_before < 0:
            axis_notes.append(
                f"padding {g.padding} > K − 1 = {g.effective_kernel - 1}: the equivalent direct "
                f"convolution crops {-g.pad_before} from the stretched input instead of padding"
            )
        per_axis.append(axis_notes)
    notes += _merge_notes(ndim, per_axis)
    twin = [
        f"{g.size} → {g.stretched} with {g.zeros_between} zero{'s' if g.zeros_between != 1 else ''} between inputs, "
        f"pad {g.pad_before} before and {g.pad_after} after"
        + (f" (output_padding {g.output_padding} at the end)" if g.output_padding else "")
        + f": {g.grid} cells, flipped kernel {g.kernel}"
        + (f" (dilation {g.dilation})" if g.dilation > 1 else "")
        + f", stride 1 → {g.output}"
        for g in dims
    ]
    report = {
        "operation": "transposed",
        "framework": "torch",
        "input": list(input_size),
        "output": out,
        "kernel_size": [g.kernel for g in dims],
        "stride": [g.stride for g in dims],
        "padding": [g.padding for g in dims],
        "dilation": [g.dilation for g in dims],
        "output_padding": [g.output_padding for g in dims],
        "reachable": [],
        "equivalent_conv": [
            {
                "zeros_between": g.zeros_between,
                "stretched": g.stretched,
                "pad_before": g.pad_before,
                "pad_after": g.pad_after,
                "grid": g.grid,
                "kernel": g.kernel,
                "dilation": g.dilation,
                "stride": 1,
            }
            for g in dims
        ],
        "formula": [_transposed_formula(g) for g in dims],
    }
    if as_json:
        for axis, r in zip(AXES[ndim], reach, strict=True):
            _json_list(len(r), "reachable sizes", axis)
        # Sizes, as for every framework; the output_padding of each in a parallel list
        # (like conv's preimage / preimage_output_padding).
        report["reachable"] = [list(r) for r in reach]
        report["reachable_output_padding"] = [
            [size - low for size in r] for r, low in zip(reach, lows, strict=True)
        ]
    reach_text = [
        _listing(len(r), lambda i, r=r, low=low: f"{r[i]} (output_padding={r[i] - low})", ", ")
        for r, low in zip(reach, lows, strict=True)
    ]
    lines = [
        f"ConvTranspose{TORCH_NAMES[ndim]}: input {_fmt_size(input_size)} → output {_fmt_size(out)}",
        "  (L − 1)·s − 2p + d·(k − 1) + output_padding + 1   (Relationship 14 with a = output_padding)",
        *_per_axis(ndim, [_transposed_formula(g) for g in dims]),
        "Reachable sizes:",
        *_per_axis(ndim, reach_text),
        "Equivalent direct convolution (what the animation draws):",
        *_per_axis(ndim, twin),
    ]
    _emit(report, lines + _notes(notes), as_json)


def _framework_transposed_formula(
    framework: str, mode: str, L: int, k: int, s: int, d: int, op: int | None, out: int, r: range
) -> str:
    """The size rule of a TF/Keras/JAX transposed convolution, numbers filled in."""
    K = shapes.effective_kernel(k, d)
    ker = f"{K}" if d == 1 else f"{d}·({k} − 1) + 1"
    if framework == "tf":
        rule = (
            f"[({L} − 1)·{s} + 1, {L}·{s}]"
            if mode == "same"
            else f"[({L} − 1)·{s} + {ker}, ({L} − 1)·{s} + {ker} + {s} − 1]"
        )
        return (
            f"output_shape ∈ {rule} = [{r[0]}, {r[-1]}]; Keras asks for "
            + (f"{L}·{s}" if mode == "same" else f"({L} − 1)·{s} + max({K}, {s})")
            + f" = {out}"
        )
    if framework == "jax":
        if mode == "same":
            return f"{L}·{s} = {out}"
        return f"{L}·{s} + max({K} − {s}, 0) = {out}"
    if op is None:
        if mode == "same":
            return f"{L}·{s} = {out}   (output_padding=None)"
        return f"({L} − 1)·{s} + max({K}, {s}) = {out}   (output_padding=None)"
    if mode == "same":
        return f"({L} − 1)·{s} + {K} mod 2 + {op} = {out}"
    return f"({L} − 1)·{s} + {ker} + {op} = {out}"


def _framework_transposed(
    framework: str,
    input_size: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    output_padding: Any,
    output_size: tuple[int, ...] | None,
    as_json: bool,
) -> None:
    if padding == 0:
        padding = "valid"
    out, reach = framework_transposed_sizes(
        framework, input_size, kernel_size, stride, padding, dilation, output_padding
    )
    ndim = len(input_size)
    default_out = list(out)  # what the formula gives; --output-size may pick another
    if output_size is not None:
        if len(output_size) != ndim:
            raise ValueError(f"--output-size needs {ndim} values, got {len(output_size)}")
        for axis, (want, ok) in enumerate(zip(output_size, reach, strict=True)):
            if want not in ok:
                raise ValueError(
                    f"output size {want} is not reachable in dimension {axis} with {framework} "
                    f"(accepted: {_span(ok)})"
                )
        out = list(output_size)
    mode = padding.lower()
    k = shapes.per_dim(kernel_size, ndim, "kernel_size")
    s = shapes.per_dim(stride, ndim, "stride")
    d = shapes.per_dim(dilation, ndim, "dilation")
    ops = (None,) * ndim if output_padding is None else shapes.per_dim(output_padding, ndim, "")
    texts = [
        _framework_transposed_formula(framework, mode, L, kk, ss, dd, op, o, r)
        for L, kk, ss, dd, op, o, r in zip(
            input_size, k, s, d, ops, default_out, reach, strict=True
        )
    ]
    notes = []
    if framework == "tf":
        notes.append(
            "tf.nn.conv2d_transpose accepts an output_shape iff conv2d with the same stride/padding maps it back to the input"
        )
    if framework == "keras":
        notes.append(
            "Keras output_padding must be < strides (dilation does not widen it, unlike torch)"
        )
        if mode == "same" and any(
            shapes.effective_kernel(kk, dd) % 2 == 0 for kk, dd in zip(k, d, strict=True)
        ):
            notes.append(
                "an even kernel with padding='same' loses one: output_padding = s − 1 gives "
                "L·s − 1, only output_padding=None gives L·s"
            )
    report = {
        "operation": "transposed",
        "framework": framework,
        "input": list(input_size),
        "output": out,
        "padding": padding,
        "reachable": [],
        "formula": texts,
    }
    if as_json:
        for axis, r in zip(AXES[ndim], reach, strict=True):
            _json_list(len(r), "reachable sizes", axis)
        report["reachable"] = [list(r) for r in reach]
    lines = [
        f"{framework} transposed conv: input {_fmt_size(input_size)} → output {_fmt_size(out)}",
        *_per_axis(ndim, texts),
        "Reachable sizes:",
        *_per_axis(ndim, [_listing(len(r), lambda i, r=r: str(r[i]), ", ") for r in reach]),
    ]
    _emit(report, lines + _notes(notes), as_json)


# --------------------------------------------------------------------------------------------
# pool
# --------------------------------------------------------------------------------------------


def _pool_formula(g: shapes.PoolDim) -> str:
    pad = f" + 2·{g.padding}" if g.padding else ""
    ker = f" − {g.kernel}" if g.dilation == 1 else f" − {g.dilation}·({g.kernel} − 1) − 1"
    num = g.padded - g.effective_kernel
    if not g.ceil_mode:
        return f"⌊({g.size}{pad}{ker})/{g.stride}⌋ + 1 = ⌊{num}/{g.stride}⌋ + 1 = {g.output}"
    raw = -(-num // g.stride) + 1
    text = f"⌈({g.size}{pad}{ker})/{g.stride}⌉ + 1 = ⌈{num}/{g.stride}⌉ + 1 = {raw}"
    if raw != g.output:
        text += (
            f", minus the last window (it would start at {(raw - 1) * g.stride - g.padding} ≥ "
            f"L + p = {g.size + g.padding}, in the right padding) = {g.output}"
        )
    return text


@shape.command("pool")
@_common
@click.option("--kind", type=click.Choice(("max", "avg", "lp")), default="max", show_default=True)
@click.option("-s", "--stride", type=DIMS, default=None, help="Stride (default: the kernel size).")
@click.option(
    "-p",
    "--padding",
    type=PADDING,
    default=0,
    show_default=True,
    help="Padding, at most kernel//2 (tf/keras/jax: same|valid).",
)
@click.option("--ceil-mode", is_flag=True, help="Keep a last partial window (torch's rule).")
@click.option(
    "--count-include-pad/--no-count-include-pad",
    default=True,
    show_default=True,
    help="avg: divide by padded cells too.",
)
@click.option(
    "--divisor-override", type=int, default=None, help="avg (2-D/3-D): divide every window by this."
)
@click.option(
    "--framework",
    type=click.Choice(FRAMEWORKS),
    default="torch",
    show_default=True,
    help="Whose convention to apply.",
)
def pool_cmd(
    input_size: tuple[int, ...],
    kernel_size: Any,
    kind: str,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
    framework: str,
    as_json: bool,
) -> None:
    """Output size of max/avg/lp pooling, with torch's real ceil_mode rule."""
    if framework != "torch":
        # torch-only arguments would otherwise be silently ignored.
        if dilation not in (1, (1,) * len(input_size)) or ceil_mode or divisor_override is not None:
            raise click.UsageError(
                "--dilation, --ceil-mode and --divisor-override are torch's pooling arguments; "
                f"{framework} pooling takes kernel, stride and padding same or valid"
            )
        _framework_pool(framework, input_size, kernel_size, stride, padding, as_json)
        return
    if divisor_override is not None and kind != "avg":
        raise ValueError(
            f"divisor_override belongs to average pooling ({kind}_pool{TORCH_NAMES.get(len(input_size), '')}"
            "() got an unexpected keyword argument 'divisor_override')"
        )
    if divisor_override is not None and len(input_size) == 1:
        raise ValueError(
            "divisor_override exists only for avg_pool2d/avg_pool3d "
            "(avg_pool1d() got an unexpected keyword argument 'divisor_override')"
        )
    dims = shapes.pool_geometry(input_size, kernel_size, stride, padding, dilation, ceil_mode, kind)
    ndim = len(dims)
    out = [g.output for g in dims]
    # Windows and divisors go into --json only while every dimension has at most LIST_LIMIT
    # of them: the output size of a 10⁹-long pooling is still answered, instantly.
    listed = as_json and all(g.output <= LIST_LIMIT for g in dims)
    windows = [[list(g.window(i)) for i in range(g.output)] for g in dims] if listed else []
    report: dict[str, Any] = {
        "operation": "pool",
        "kind": kind,
        "framework": "torch",
        "input": list(input_size),
        "output": out,
        "kernel_size": [g.kernel for g in dims],
        "stride": [g.stride for g in dims],
        "padding": [g.padding for g in dims],
        "dilation": [g.dilation for g in dims],
        "ceil_mode": ceil_mode,
        "formula": [_pool_formula(g) for g in dims],
    }
    if listed:
        report["windows"] = windows
    notes: list[str] = []
    if stride is None:
        notes.append("stride defaults to the kernel size for pooling")
    per_axis: list[list[str]] = []
    for g in dims:
        axis_notes: list[str] = []
        per_axis.append(axis_notes)
        last_start, last_stop = g.window(g.output - 1)
        if last_stop > g.size + g.padding:
            axis_notes.append(
                f"the last window [{last_start}, {last_stop}) hangs past the input"
                f"{' and its padding' if g.padding else ''}; only its cells up to L + p count"
            )
    # ceil_mode would add a window only where torch's last-window rule lets it start in time.
    ceil_adds = [replace(g, ceil_mode=True).output > g.output for g in dims]
    dropped = _grouped(
        ndim,
        [
            (
                g.padded - g.covered,
                max(0, g.padded - g.covered - g.padding),
                g.covered,
                g.padded,
                g.padding > 0,
                more,
            )
            if g.covered < g.padded and not g.ceil_mode
            else None
            for g, more in zip(dims, ceil_adds, strict=True)
        ],
        lambda key, axes: (
            _dropped_note(key[:5], axes)
            + (" (--ceil-mode keeps a partial window)" if key[5] else "")
        ),
    )
    gaps = _grouped(
        ndim,
        [
            (g.stride, g.effective_kernel, g.stride - g.effective_kernel)
            if g.stride > g.effective_kernel and g.output > 1
            else None
            for g in dims
        ],
        _gap_note,
    )
    for axis_notes, d_notes, gap_notes in zip(per_axis, dropped, gaps, strict=True):
        axis_notes += d_notes + gap_notes
    notes += _merge_notes(ndim, per_axis)
    divisor_lines: list[str] = []
    if kind == "avg":
        if divisor_override == 0:
            raise ValueError("divisor must be not zero")  # torch's avg_pool2d/3d check
        if listed:  # per dimension; a window's divisor is their product
            report["divisors"] = [shapes.avg_pool_divisors(g, count_include_pad) for g in dims]
        report["count_include_pad"] = count_include_pad
        report["divisor_override"] = divisor_override
        which = "real cells only" if not count_include_pad else "padding counted, overhang not"
        divisor_lines = [
            f"Divisors per window ({which}"
            + (", multiplied across dimensions" if ndim > 1 else "")
            + (f"; divisor_override={divisor_override} replaces them" if divisor_override else "")
            + "):",
            *_per_axis(
                ndim,
                [
                    _listing(
                        g.output,
                        lambda i, g=g: str(shapes.avg_pool_divisor(g, i, count_include_pad)),
                        ", ",
                    )
                    for g in dims
                ],
            ),
        ]
    if kind == "max":
        # MaxUnpool takes only kernel, stride and padding: its default size ignores dilation
        # and ceil_mode, and output_size must lie strictly within default ± stride.
        default = [
            shapes.unpool_default_size(g.output, g.kernel, g.stride, g.padding) for g in dims
        ]
        accepted = [shapes.unpool_size_range(g.output, g.kernel, g.stride, g.padding) for g in dims]
        report["unpool"] = {
            "default": default,
            "accepted": [[r.start, r.stop - 1] for r in accepted],
        }
        if default != list(input_size):
            unaware = ceil_mode or any(g.dilation > 1 for g in dims)
            ranges = ", ".join(f"{r.start}…{r.stop - 1}" for r in accepted)
            text = f"MaxUnpool{TORCH_NAMES[ndim]} gives {_fmt_size(default)} by default" + (
                " (it knows nothing of dilation or ceil_mode)" if unaware else ""
            )
            if all(L in r for L, r in zip(input_size, accepted, strict=True)):
                text += f", not {_fmt_size(input_size)}: pass output_size (accepted {ranges})"
            else:
                text += (
                    f" and accepts output_size only in {ranges}: it cannot restore "
                    f"{_fmt_size(input_size)}"
                )
            notes.append(text)
    name = {"max": "MaxPool", "avg": "AvgPool", "lp": "LPPool"}[kind]
    lines = [
        f"{name}{TORCH_NAMES[ndim]}: input {_fmt_size(input_size)} → output {_fmt_size(out)}",
        *_per_axis(ndim, report["formula"]),
        "Windows [start, stop) in input coordinates:",
        *_per_axis(
            ndim,
            [
                _listing(g.output, lambda i, g=g: "[{},{})".format(*g.window(i)), unit="windows")
                for g in dims
            ],
        ),
        *divisor_lines,
    ]
    _emit(report, lines + _notes(notes), as_json)


def _framework_pool(
    framework: str,
    input_size: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    as_json: bool,
) -> None:
    if padding == 0:
        padding = "valid"
    if not isinstance(padding, str):
        raise ValueError(f"{framework} pooling takes padding same or valid, got {padding!r}")
    dims = framework_pool_geometry(framework, input_size, kernel_size, stride, padding)
    ndim = len(dims)
    out = [g.output for g in dims]
    texts = [_framework_formula(framework, g, pooling=True) for g in dims]
    report = {
        "operation": "pool",
        "framework": framework,
        "input": list(input_size),
        "output": out,
        "kernel_size": [g.kernel for g in dims],
        "stride": [g.stride for g in dims],
        "padding": [[g.pad_before, g.pad_after] for g in dims],
        "padding_names": [g.mode for g in dims],
        "formula": texts,
    }
    notes: list[str] = []
    if stride is None:
        notes.append("stride defaults to the kernel size (pool_size), as in torch")
    notes += _merge_notes(ndim, [_framework_axis_notes(framework, g) for g in dims])
    if padding == "same":
        notes.append(
            "SAME max-pool pads with −∞; SAME avg-pool leaves the padding out of the divisor"
        )
    lines = [
        f"{framework} pool: input {_fmt_size(input_size)} → output {_fmt_size(out)}",
        *_per_axis(ndim, texts),
    ]
    _emit(report, lines + _notes(notes), as_json)


# --------------------------------------------------------------------------------------------
# adaptive
# --------------------------------------------------------------------------------------------


@shape.command("adaptive")
@click.option(
    "-i", "--input", "input_size", type=SIZE, required=True, help="Input size: 10, 10x10, …"
)
@click.option(
    "--output-size",
    type=SIZE,
    required=True,
    help="Wanted output size (one value, or one per dimension).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def adaptive_cmd(input_size: tuple[int, ...], output_size: tuple[int, ...], as_json: bool) -> None:
    """Windows of adaptive pooling: [⌊i·L/O⌋, ⌈(i+1)·L/O⌉)."""
    ndim = len(input_size)
    if ndim not in (1, 2, 3):
        raise ValueError(f"adaptive pooling has 1, 2 or 3 spatial dimensions, got {ndim}")
    if len(output_size) == 1:
        output_size = output_size * ndim
    if len(output_size) != ndim:
        raise ValueError(
            f"output_size must have 1 or {ndim} elements for a {ndim}-d input, got {len(output_size)}"
        )
    shapes.check_int64(output_size, "output_size")
    for L, out in zip(input_size, output_size, strict=True):
        shapes.adaptive_windows(L, min(out, 0))  # torch's checks on both numbers, nothing listed
    notes = []
    per_axis: list[list[str]] = []
    for L, out in zip(input_size, output_size, strict=True):
        axis_notes: list[str] = []
        per_axis.append(axis_notes)
        if out and L % out == 0:
            axis_notes.append(
                f"{L} is a multiple of {out}: the same as pooling with kernel = stride = {L // out}"
            )
        elif out:
            # Widths repeat with period O/gcd(L, O) (window i + period is window i shifted by
            # L/gcd), so one period shows them all; each is ⌊L/O⌋ + 1 or ⌊L/O⌋ + 2. Windows
            # overlap because some boundary i·L/O is not whole (O does not divide L).
            period = out // math.gcd(L, out)
            widths = sorted(
                {b - a for a, b in (shapes.adaptive_window(L, out, i) for i in range(period))}
                if period <= LIST_LIMIT
                else {L // out + 1, L // out + 2}
            )
            axis_notes.append(
                f"window sizes {', '.join(map(str, widths))}; neighbouring windows overlap"
                + ("; input cells repeat because out > L" if out > L else "")
            )
    notes += _merge_notes(ndim, per_axis)
    report: dict[str, Any] = {
        "operation": "adaptive",
        "input": list(input_size),
        "output": list(output_size),
    }
    if as_json:
        for axis, out in zip(AXES[ndim], output_size, strict=True):
            _json_list(out, "windows", axis)
        report["windows"] = [
            [list(w) for w in shapes.adaptive_windows(L, out)]
            for L, out in zip(input_size, output_size, strict=True)
        ]
    texts = [
        _listing(
            out,
            lambda i, L=L, out=out: "[{},{})".format(*shapes.adaptive_window(L, out, i)),
            unit="windows",
        )
        or "(empty)"
        for L, out in zip(input_size, output_size, strict=True)
    ]
    lines = [
        f"AdaptivePool{TORCH_NAMES[ndim]}: input {_fmt_size(input_size)} → output {_fmt_size(output_size)}",
        "  window i = [⌊i·L/O⌋, ⌈(i + 1)·L/O⌉)",
        *_per_axis(ndim, texts),
    ]
    _emit(report, lines + _notes(notes), as_json)


# --------------------------------------------------------------------------------------------
# stack
# --------------------------------------------------------------------------------------------


def _half(x: float) -> str:
    """A start coordinate (a multiple of ½) in full: ``-1534.5``, ``3``, never ``-1.2e+06``."""
    return str(int(x)) if x == int(x) else f"{x:.1f}"


def _num(n: int) -> str:
    return f"{n:,}"


@shape.command("stack")
@click.option(
    "-i",
    "--input",
    "input_size",
    type=SIZE,
    default=None,
    help="Input size (default: the preset's).",
)
@click.argument("layers", nargs=-1)
@click.option(
    "--preset",
    type=click.Choice(("alexnet", "alexnet2012", "vgg16", "wavenet")),
    default=None,
    help="A named stack.",
)
@click.option(
    "--blocks",
    type=int,
    default=1,
    show_default=True,
    help="Repeat the preset's block (wavenet) or the LAYER list.",
)
@click.option(
    "--in-channels", type=int, default=None, help="Input channels (default: the preset's, or 1)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stack_cmd(
    input_size: tuple[int, ...] | None,
    layers: tuple[str, ...],
    preset: str | None,
    blocks: int,
    in_channels: int | None,
    as_json: bool,
) -> None:
    """Sizes, receptive field, jump, parameters and multiply-adds of a stack of layers.

    \b
    LAYER: [N*]KIND[:key=value,...], KIND conv|maxpool|avgpool|lrn|fc, keys k s p d c g bias ceil n,
    per-dimension values 3x5, padding 1:2 | same | valid | full | causal. Example:
      convanim shape stack -i 32x32 2*conv:k=3,p=1,c=16 maxpool:k=2 fc:c=10
    """
    from convanim.core.stack import PRESETS, analyse_stack, check_layer_count, parse_layers

    notes: list[str] = []
    if preset is not None:
        if layers:
            raise click.UsageError("give LAYER arguments or --preset, not both")
        chosen = PRESETS[preset]
        stack_layers = chosen.layers(blocks)
        size = input_size if input_size is not None else chosen.input_size
        channels = in_channels if in_channels is not None else chosen.in_channels
        notes.append(chosen.description)
        notes.extend(chosen.notes)
    else:
        if not layers:
            raise click.UsageError("give LAYER arguments (e.g. conv:k=3,p=1,c=16) or --preset")
        if input_size is None:
            raise click.UsageError("Missing option '-i' / '--input'")
        if blocks < 1:
            raise ValueError(f"--blocks must be at least 1, got {blocks}")
        parsed = parse_layers(layers)
        check_layer_count(len(parsed) * blocks)
        stack_layers = parsed * blocks
        size = input_size
        channels = 1 if in_channels is None else in_channels
    result = analyse_stack(size, stack_layers, channels)
    ndim = len(size)
    rf = list(result.receptive_field)
    report = {
        "operation": "stack",
        "preset": preset,
        "input": list(size),
        "in_channels": channels,
        "output": list(result.output),
        "out_channels": result.out_channels,
        "receptive_field": rf,
        "jump": list(result.jump),
        "start": list(result.start),
        "params": result.params,
        "multiply_adds": result.multiply_adds,
        "layers": [r.as_dict() for r in result.layers],
    }
    rows = [("#", "layer", "output", "rf", "jump", "start", "params", "mult-adds")]
    for n, r in enumerate(result.layers, 1):
        shape_text = (
            (_fmt_size(r.output) + f"×{r.out_channels}") if r.output else str(r.out_channels)
        )
        rows.append(
            (
                str(n),
                r.layer.describe(),
                shape_text,
                _fmt_size(r.receptive_field),
                _fmt_size(r.jump) if r.jump else "",
                "×".join(_half(s) for s in r.start) if r.start else "",
                _num(r.params),
                _num(r.multiply_adds),
            )
        )
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    table = [
        "  "
        + "  ".join(
            cell.rjust(w) if c in (0, 6, 7) else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    title = preset or "stack"
    lines = [
        f"{title}: input {_fmt_size(size)}×{channels} → output "
        f"{_fmt_size(result.output) + '×' if result.output else ''}{result.out_channels}",
        *table,
        f"Receptive field {_fmt_size(rf)} (jump {_fmt_size(result.jump)}), "
        f"{_num(result.params)} parameters, {_num(result.multiply_adds)} multiply-adds",
        "  r_l = r_{l−1} + (K_l − 1)·j_{l−1},  j_l = j_{l−1}·s_l  (from the input: r = j = 1)",
    ]
    if preset is not None and PRESETS[preset].adaptive_pool is not None:
        want = PRESETS[preset].adaptive_pool
        last = [r for r in result.layers if r.layer.kind != "fc"][-1]
        if len(last.output) == len(want) and last.output != want:
            features = last.out_channels * math.prod(want)
            notes.append(
                f"at this input the last map is {_fmt_size(last.output)}, not {_fmt_size(want)}: "
                f"torchvision's AdaptiveAvgPool2d({want}) would resize it, so its first fully "
                f"connected layer takes {_num(features)} features, not "
                f"{_num(last.out_channels * math.prod(last.output))} (the counts above leave that "
                "pool out)"
            )
    big = [axis for axis, (r, L) in enumerate(zip(rf, size, strict=True)) if r > L]
    if big:
        notes.append("the receptive field is wider than the input: the padding supplies the rest")
    convs = [r for r in result.layers if r.layer.kind == "conv" and r.dense_params]
    if convs:
        dense = sum(r.dense_params or 0 for r in convs)
        weights = sum(r.params - (r.out_channels if r.layer.bias else 0) for r in convs)
        notes.append(
            f"the convolutions hold {_num(weights)} weights; fully connected layers computing maps "
            f"of the same shapes would need {_num(dense)}"
        )
    if ndim == 1 and preset == "wavenet":
        notes.append(
            f"receptive field 1 + {blocks}·1023 = {rf[0]} samples ({blocks} block{'s' if blocks > 1 else ''} of dilations 1…512)"
        )
    _emit(report, lines + _notes(notes), as_json)
