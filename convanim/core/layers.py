"""Layers of a stack: what a layer is (in torch's terms) and how one is written on a command line
(``conv:k=3,s=2,p=1,c=64``). Standard library only; :mod:`convanim.core.stack` analyses them.

>>> parse_layer("2*conv:k=3,p=1,c=16")[0].describe()
'conv k3 p1 →16'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from convanim.core.dims import PaddingSpec
from convanim.core.params import lookup

__all__ = [
    "LAYER_KINDS",
    "LAYER_SYNTAX",
    "MAX_LAYERS",
    "Layer",
    "check_layer_count",
    "parse_layer",
    "parse_layers",
]

#: ``lrn`` is local response normalisation (AlexNet): it mixes a window of ``k`` neighbouring
#: channels at each position, so it keeps the shape, learns nothing and leaves the receptive
#: field alone.
LAYER_KINDS = ("conv", "maxpool", "avgpool", "lrn", "fc")

#: A stack is analysed layer by layer, so its length is the one number whose size costs time
#: (sizes themselves are exact integers of any size). 10 000 is ~1000 WaveNet blocks.
MAX_LAYERS = 10_000


def check_layer_count(count: int, what: str = "the stack") -> None:
    """Refuse stacks longer than :data:`MAX_LAYERS` before building them."""
    if count > MAX_LAYERS:
        raise ValueError(
            f"{what} would have {count:,} layers; convanim analyses at most {MAX_LAYERS:,}"
        )


@dataclass(frozen=True)
class Layer:
    """One layer of a stack, in torch's terms.

    ``padding`` takes everything :func:`convanim.core.shapes.resolve_conv_padding` takes plus
    ``"causal"`` (left padding ``d(k−1)``, WaveNet). ``stride=None`` means 1 for a convolution and
    the kernel for a pooling (torch's defaults). ``out_channels=None`` keeps the channel count.
    A ``fc`` layer flattens its input (``C·∏spatial`` features) to ``out_channels``.
    """

    kind: str
    kernel_size: int | tuple[int, ...] = 1
    stride: int | tuple[int, ...] | None = None
    padding: PaddingSpec = 0
    dilation: int | tuple[int, ...] = 1
    out_channels: int | None = None
    groups: int = 1
    bias: bool = True
    ceil_mode: bool = False

    def describe(self) -> str:
        """A short label such as ``conv 3×3 s2 p1 →64``."""
        if self.kind == "fc":
            return f"fc →{self.out_channels}"
        if self.kind == "lrn":
            return f"lrn n{self.kernel_size}"

        def txt(v: object) -> str:
            # per-dimension values as 3×5, asymmetric padding as 1:2, strings as =same
            if isinstance(v, str):
                return f"={v}"
            if isinstance(v, list | tuple):
                return "×".join(f"{x[0]}:{x[1]}" if isinstance(x, tuple) else str(x) for x in v)
            return str(v)

        parts = [self.kind, f"k{txt(self.kernel_size)}"]
        if self.stride not in (None, 1):
            parts.append(f"s{txt(self.stride)}")
        if self.padding not in (0, "valid"):
            parts.append(f"p{txt(self.padding)}")
        if self.dilation != 1:
            parts.append(f"d{txt(self.dilation)}")
        if self.groups != 1:
            parts.append(f"g{self.groups}")
        if self.ceil_mode:
            parts.append("ceil")
        if self.out_channels is not None and self.kind == "conv":
            parts.append(f"→{self.out_channels}")
        return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Parsing "conv:k=3,s=2,p=1,c=64"
# --------------------------------------------------------------------------------------------

_KIND_ALIASES = {
    "conv": "conv",
    "maxpool": "maxpool",
    "max": "maxpool",
    "pool": "maxpool",
    "avgpool": "avgpool",
    "avg": "avgpool",
    "lrn": "lrn",
    "norm": "lrn",
    "fc": "fc",
    "linear": "fc",
    "dense": "fc",
}
_FIELDS = frozenset(f.name for f in fields(Layer)) - {"kind"}

#: The layer syntax's own words; every other key (k, s, p, d, g, ceil, kernel_size …) is read
#: through the parameter table, :func:`convanim.core.params.lookup`.
_LAYER_WORDS = {
    "n": "kernel_size",  # lrn's channel window, as torch's LocalResponseNorm(size)
    "pad": "padding",
    "c": "out_channels",
    "out": "out_channels",
    "channels": "out_channels",
    "bias": "bias",
}


def _field(key: str) -> str | None:
    """The :class:`Layer` field a ``key=value`` word names, or ``None``."""
    word = key.strip().lower()
    if word in _LAYER_WORDS:
        return _LAYER_WORDS[word]
    if "-" in word:  # a flag's spelling (kernel-size): layer words are names
        return None
    try:
        name = lookup(word).name
    except KeyError:
        return None
    return name if name in _FIELDS else None


LAYER_SYNTAX = (
    "[N*]KIND[:key=value,...] with KIND conv|maxpool|avgpool|lrn|fc and keys k, s, p, d, c "
    "(out channels/features), g, bias=0|1, ceil=0|1, n (lrn's channel window, default 5); "
    "per-dimension values joined by x "
    "(k=3x5), asymmetric padding before:after (p=1:2), p=same|valid|full|causal; "
    "e.g. 2*conv:k=3,p=1,c=64 maxpool:k=2"
)


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not an integer") from None


def _dims(text: str, what: str) -> int | tuple[int, ...]:
    parts = text.lower().split("x")
    values = tuple(_int(p, what) for p in parts)
    return values[0] if len(values) == 1 else values


def _padding(text: str) -> PaddingSpec:
    low = text.lower()
    if low in ("same", "valid", "full", "causal"):
        return low
    items: list[int | tuple[int, int]] = []
    for part in low.split("x"):
        if ":" in part:
            before, _, after = part.partition(":")
            items.append((_int(before, "padding"), _int(after, "padding")))
        else:
            items.append(_int(part, "padding"))
    if len(items) == 1 and isinstance(items[0], int):
        return items[0]
    return items


def parse_layer(text: str) -> list[Layer]:
    """Parse one layer token (possibly ``N*`` repeated) into layers.

    >>> parse_layer("2*conv:k=3,p=1,c=64")[1]
    Layer(kind='conv', kernel_size=3, stride=None, padding=1, dilation=1, out_channels=64, groups=1, bias=True, ceil_mode=False)
    >>> parse_layer("maxpool:k=3x2,s=2,ceil=1")[0].kernel_size
    (3, 2)
    """
    spec = text.strip()
    repeat = 1
    if "*" in spec:
        count, _, spec = spec.partition("*")
        repeat = _int(count, f"repeat count in {text!r}")
        if repeat < 1:
            raise ValueError(f"repeat count in {text!r} must be at least 1")
        check_layer_count(repeat, f"{text!r}")
    kind_text, _, rest = spec.partition(":")
    kind = _KIND_ALIASES.get(kind_text.strip().lower())
    if kind is None:
        raise ValueError(f"unknown layer {kind_text!r} in {text!r}; layers are {LAYER_SYNTAX}")
    values: dict[str, object] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        name = _field(key)
        if not eq or name is None:
            raise ValueError(f"cannot read {item!r} in layer {text!r}; layers are {LAYER_SYNTAX}")
        value = value.strip()
        if name == "padding":
            values[name] = _padding(value)
        elif name in ("kernel_size", "stride", "dilation"):
            values[name] = _dims(value, name)
        elif name in ("bias", "ceil_mode"):
            if value.lower() not in ("0", "1", "true", "false", "yes", "no"):
                raise ValueError(f"{key} takes 0 or 1, got {value!r}")
            values[name] = value.lower() in ("1", "true", "yes")
        else:
            values[name] = _int(value, name)
    if kind == "lrn":
        values.setdefault("kernel_size", 5)  # AlexNet's n = 5
    if kind not in ("fc", "lrn") and "kernel_size" not in values:
        raise ValueError(f"layer {text!r} needs a kernel size (k=N)")
    layer = Layer(kind, **values)  # type: ignore[arg-type]
    return [layer] * repeat


def parse_layers(tokens: Sequence[str]) -> list[Layer]:
    """Parse a list of layer tokens (see :data:`LAYER_SYNTAX`)."""
    layers: list[Layer] = []
    for token in tokens:
        layers.extend(parse_layer(token))
        check_layer_count(len(layers))
    return layers
