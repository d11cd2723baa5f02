"""``convanim shape``: output sizes, the arithmetic behind them, and what a student should notice.

Each subcommand parses its options (generated from :data:`convanim.core.params.PARAMS` by
:mod:`convanim.cli.options`), builds the operation's spec (:mod:`convanim.core.specs`, which
validates it with torch's rules), asks :mod:`convanim.core.explain` for the report and prints it.
Only what the subcommand needs is imported, and nothing heavier than click (json only for
``--json``), so ``convanim shape`` starts in a few tens of milliseconds.
"""

from __future__ import annotations

from typing import Any

import click

from convanim.cli.options import DIMS, PADDING, SIZE, Command, LazyChoice, option, options
from convanim.core.specs import AdaptiveSpec, ConvSpec, PoolSpec, TransposedSpec, spec_from_mapping

__all__ = ["shape", "SIZE", "DIMS", "PADDING"]


def _emit(report: Any, as_json: bool) -> None:
    """Print an explanation: its data as one JSON object, or its lines."""
    if as_json:
        import json  # only --json pays for it

        click.echo(json.dumps(report.data))
    else:
        click.echo("\n".join(report.lines))


_JSON = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object instead of the explanation."
)


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


#: The options every operation subcommand starts with, and the two it cannot do without.
_OPERATION = ("input_size", "kernel_size", "dilation", "stride", "padding")
_REQUIRED = {"input_size": {"required": True}, "kernel_size": {"required": True}}


def _given(**values: Any) -> dict[str, Any]:
    """The options the user gave (``None``: not given, the spec's default applies)."""
    return {k: v for k, v in values.items() if v is not None}


@shape.command("conv", cls=Command)
@options(
    *_OPERATION,
    "groups",
    "in_channels",
    "out_channels",
    "padding_mode",
    "framework",
    spec=ConvSpec,
    **_REQUIRED,
    padding={
        "help": "1 | 1,2 | 1:2,0:1 (before:after) | same | valid | full "
        "(tf/jax: same, valid, same_lower; keras: causal)."
    },
    groups={"default": None},
)
@_JSON
def conv_cmd(framework: str, as_json: bool, **values: Any) -> None:
    """Output size of a convolution, its preimage (the ambiguity) and its weights."""
    if framework != "torch":
        # The framework view computes sizes only: refuse, rather than silently ignore, the
        # options it would not use.
        torch_only = ("groups", "in_channels", "out_channels")
        if values["padding_mode"] != "zeros" or any(values[k] is not None for k in torch_only):
            raise click.UsageError(
                "--padding-mode, --groups and the channel counts describe torch modules; drop "
                f"them with --framework {framework}"
            )
        from convanim.core.explain import frameworks

        keys = ("input_size", "kernel_size", "stride", "padding", "dilation")
        _emit(frameworks.conv(framework, *(values[k] for k in keys)), as_json)
        return
    from convanim.core.explain.conv import conv

    if values["padding"] in ("same_lower", "causal"):
        raise ValueError(
            f"torch has no padding={values['padding']!r} (it is a "
            f"{'JAX' if values['padding'] == 'same_lower' else 'Keras'}"
            " convention): use --framework, or before:after pairs"
        )
    _emit(conv(spec_from_mapping("conv", _given(**values)), listed=as_json), as_json)


@shape.command("transposed", cls=Command)
@options(
    *_OPERATION,
    "output_padding",
    "output_size",
    "framework",
    spec=TransposedSpec,
    **_REQUIRED,
    stride={"help": "Stride (zeros inserted between inputs: s − 1)."},
    padding={"help": "Padding p (torch: integers; tf/keras/jax: same|valid)."},
    output_padding={"default": None},
    framework={"help": "Whose convention to apply."},
)
@_JSON
def transposed_cmd(framework: str, as_json: bool, **values: Any) -> None:
    """Output size of a transposed convolution, every reachable size, and its direct twin."""
    if values["output_padding"] is not None and values["output_size"] is not None:
        raise click.UsageError("give --output-padding or --output-size, not both")
    if framework != "torch":
        from convanim.core.explain import frameworks

        keys = ("input_size", "kernel_size", "stride", "padding", "dilation", "output_padding")
        args = [values[k] for k in keys]
        _emit(frameworks.transposed(framework, *args, values["output_size"], as_json), as_json)
        return
    from convanim.core.explain.conv import transposed

    spec = spec_from_mapping("transposed", _given(**values))
    _emit(transposed(spec, listed=as_json), as_json)


@shape.command("pool", cls=Command)
@options(
    *_OPERATION,
    "kind",
    "ceil_mode",
    "count_include_pad",
    "divisor_override",
    "framework",
    spec=PoolSpec,
    **_REQUIRED,
    kind={"help": None},
    padding={"help": "Padding, at most kernel//2 (tf/keras/jax: same|valid)."},
    framework={"help": "Whose convention to apply."},
)
@_JSON
def pool_cmd(framework: str, as_json: bool, **values: Any) -> None:
    """Output size of max/avg/lp pooling, with torch's real ceil_mode rule."""
    if framework != "torch":
        # torch-only arguments would otherwise be silently ignored.
        ndim = len(values["input_size"])
        if (
            values["dilation"] not in (1, (1,) * ndim)
            or values["ceil_mode"]
            or values["divisor_override"] is not None
        ):
            raise click.UsageError(
                "--dilation, --ceil-mode and --divisor-override are torch's pooling arguments; "
                f"{framework} pooling takes kernel, stride and padding same or valid"
            )
        from convanim.core.explain import frameworks

        keys = ("input_size", "kernel_size", "stride", "padding")
        _emit(frameworks.pool(framework, *(values[k] for k in keys)), as_json)
        return
    from convanim.core.explain.pool import pool

    _emit(pool(spec_from_mapping("pool", _given(**values)), listed=as_json), as_json)


@shape.command("adaptive", cls=Command)
@options(
    "input_size",
    "output_size",
    spec=AdaptiveSpec,
    input_size={"required": True, "help": "Input size: 10, 10x10, …"},
    output_size={"required": True},
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def adaptive_cmd(input_size: tuple[int, ...], output_size: tuple[int, ...], as_json: bool) -> None:
    """Windows of adaptive pooling: [⌊i·L/O⌋, ⌈(i+1)·L/O⌉)."""
    from convanim.core.explain.pool import adaptive

    _emit(adaptive(AdaptiveSpec(input_size, output_size), listed=as_json), as_json)


def _presets() -> tuple[str, ...]:
    from convanim.core.stack import PRESETS

    return tuple(PRESETS)


@shape.command("stack", cls=Command)
@option("input_size", default=None, help="Input size (default: the preset's).")
@click.argument("layers", nargs=-1)
@click.option("--preset", type=LazyChoice(_presets), default=None, help="A named stack.")
@click.option(
    "--blocks",
    type=int,
    default=1,
    show_default=True,
    help="Repeat the preset's block (wavenet) or the LAYER list.",
)
@option("in_channels", help="Input channels (default: the preset's, or 1).")
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
    from convanim.core.explain.stack import stack
    from convanim.core.stack import PRESETS, analyse_stack, check_layer_count, parse_layers

    notes: list[str] = []
    chosen = None
    if preset is not None:
        if layers:
            raise click.UsageError("give LAYER arguments or --preset, not both")
        chosen = PRESETS[preset]
        stack_layers = chosen.layers(blocks)
        size = input_size if input_size is not None else chosen.input_size
        channels = in_channels if in_channels is not None else chosen.in_channels
        notes = [chosen.description, *chosen.notes]
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
    report = stack(result, size, channels, preset, chosen, blocks, notes)
    _emit(report, as_json)
