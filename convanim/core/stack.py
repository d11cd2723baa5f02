"""Stacks of layers: sizes, receptive field, jump, start, parameters and multiply-adds.

Standard library only. Sizes come from :mod:`convanim.core.shapes` (so a stack fails with the same
torch message as the single layer would); this module adds what only a stack has:

* the receptive field recurrence of Araujo, Norris & Sim (Distill 2019), per dimension, with
  the *left* padding ``p_l`` and the effective kernel ``K_l = d_l(k_l − 1) + 1``::

      j_l = j_{l−1}·s_l      r_l = r_{l−1} + (K_l − 1)·j_{l−1}
      start_l = start_{l−1} + ((K_l − 1)/2 − p_l)·j_{l−1}     (r_0 = j_0 = 1, start_0 = 0)

* parameter and multiply-add counts given channels (bias adds are not multiply-adds);
* the comparison a lecture makes: a convolution's ``M × C_in × C_out`` weights against a fully
  connected layer on the same signal, ``(L_in·C_in) × (L_out·C_out)``.

>>> s = analyse_stack((224, 224), PRESETS["vgg16"].layers(), in_channels=3)
>>> s.output, s.params
((), 138357544)
>>> analyse_stack((16000,), PRESETS["wavenet"].layers(blocks=3), 1).receptive_field
(3070,)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from convanim.core.dims import check_input_sizes
from convanim.core.shapes import (
    PaddingSpec,
    ParamComparison,
    check_groups,
    check_int64,
    conv_geometry,
    conv_vs_dense,
    effective_kernel,
    per_dim,
    pool_geometry,
)

__all__ = [
    "Layer",
    "LayerResult",
    "StackResult",
    "Preset",
    "PRESETS",
    "ParamComparison",
    "analyse_stack",
    "parse_layer",
    "parse_layers",
    "conv_params",
    "conv_multiply_adds",
    "conv_vs_dense",
    "receptive_field",
    "MAX_LAYERS",
    "check_layer_count",
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


@dataclass(frozen=True)
class LayerResult:
    """What one layer does to the running shape and to the receptive field (per dimension).

    ``receptive_field``, ``jump`` and ``start`` refer to *input* coordinates of the whole stack;
    for a ``fc`` layer the receptive field is the whole input of the stack (every output sees
    every position of the map it flattens) and jump/start are empty.
    """

    layer: Layer
    input: tuple[int, ...]
    output: tuple[int, ...]
    in_channels: int
    out_channels: int
    receptive_field: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[float, ...]
    params: int
    multiply_adds: int
    dense_params: int | None = None  # weights of a fully connected layer doing the same map

    def as_dict(self) -> dict[str, object]:
        return {
            "layer": self.layer.describe(),
            "kind": self.layer.kind,
            "input": list(self.input),
            "output": list(self.output),
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "receptive_field": list(self.receptive_field),
            "jump": list(self.jump),
            "start": list(self.start),
            "params": self.params,
            "multiply_adds": self.multiply_adds,
            "dense_params": self.dense_params,
        }


@dataclass(frozen=True)
class StackResult:
    input: tuple[int, ...]
    in_channels: int
    layers: tuple[LayerResult, ...]

    @property
    def output(self) -> tuple[int, ...]:
        return self.layers[-1].output if self.layers else self.input

    @property
    def out_channels(self) -> int:
        return self.layers[-1].out_channels if self.layers else self.in_channels

    @property
    def _last_spatial(self) -> LayerResult | None:
        spatial = [r for r in self.layers if r.layer.kind != "fc"]
        return spatial[-1] if spatial else None

    @property
    def receptive_field(self) -> tuple[int, ...]:
        """Receptive field of one output of the last convolution/pooling layer."""
        last = self._last_spatial
        return last.receptive_field if last else (1,) * len(self.input)

    @property
    def jump(self) -> tuple[int, ...]:
        last = self._last_spatial
        return last.jump if last else (1,) * len(self.input)

    @property
    def start(self) -> tuple[float, ...]:
        last = self._last_spatial
        return last.start if last else (0.0,) * len(self.input)

    @property
    def params(self) -> int:
        return sum(r.params for r in self.layers)

    @property
    def multiply_adds(self) -> int:
        return sum(r.multiply_adds for r in self.layers)


def conv_params(
    kernel_size: Sequence[int],
    in_channels: int,
    out_channels: int,
    groups: int = 1,
    bias: bool = True,
) -> int:
    """Learned numbers of a convolution: ``C_out·(C_in/g)·∏k`` weights plus ``C_out`` biases.

    >>> conv_params((3, 3), 64, 128)
    73856
    """
    return out_channels * (in_channels // groups) * math.prod(kernel_size) + (
        out_channels if bias else 0
    )


def conv_multiply_adds(
    output_size: Sequence[int],
    kernel_size: Sequence[int],
    in_channels: int,
    out_channels: int,
    groups: int = 1,
) -> int:
    """Multiply-adds of a convolution: each output value costs ``(C_in/g)·∏k`` of them.

    >>> conv_multiply_adds((55, 55), (11, 11), 3, 64)   # AlexNet's first layer
    70276800
    """
    return math.prod(output_size) * out_channels * (in_channels // groups) * math.prod(kernel_size)


def receptive_field(
    layers: Sequence[tuple[int, int, int, int]],
) -> tuple[int, int, float]:
    """``(r, jump, start)`` of a 1-D stack of ``(k, s, left_padding, d)`` layers.

    >>> receptive_field([(3, 1, 1, 1)] * 2)
    (5, 1, 0.0)
    >>> receptive_field([(7, 2, 3, 1), (3, 2, 1, 1)])       # ResNet stem
    (11, 4, 0.0)
    >>> receptive_field([(3, 2, 1, 1), (3, 2, 2, 2), (3, 1, 0, 1)])
    (19, 4, 4.0)
    """
    r, j, start = 1, 1, 0.0
    for k, s, p, d in layers:
        r, j, start = _rf_step(r, j, start, effective_kernel(k, d), s, p)
    return r, j, start


def _rf_step(r: int, j: int, start: float, K: int, s: int, p: int) -> tuple[int, int, float]:
    """One layer of the recurrence (effective kernel ``K``, stride ``s``, left padding ``p``)."""
    return r + (K - 1) * j, j * s, start + ((K - 1) / 2 - p) * j


def _resolve_padding(layer: Layer, ndim: int) -> PaddingSpec:
    if isinstance(layer.padding, str) and layer.padding.lower() == "causal":
        k = per_dim(layer.kernel_size, ndim, "kernel_size")
        d = per_dim(layer.dilation, ndim, "dilation")
        return [(effective_kernel(kk, dd) - 1, 0) for kk, dd in zip(k, d, strict=True)]
    return layer.padding


def analyse_stack(
    input_size: Sequence[int], layers: Sequence[Layer], in_channels: int = 1
) -> StackResult:
    """Run a stack through the shape core, layer by layer (torch rules, torch messages).

    >>> r = analyse_stack((32,), [Layer("conv", 3, padding=1), Layer("conv", 3, padding=1)])
    >>> [x.output for x in r.layers], r.receptive_field
    ([(32,), (32,)], (5,))
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"stacks have 1, 2 or 3 spatial dimensions, got {ndim}")
    check_input_sizes(sizes, "a stack")
    check_layer_count(len(layers))
    check_int64(in_channels, "in_channels")
    if in_channels <= 0:
        raise ValueError(f"in_channels must be a positive integer, got {in_channels}")
    r = [1] * ndim
    j = [1] * ndim
    start = [0.0] * ndim
    shape, channels = sizes, in_channels
    results: list[LayerResult] = []
    for index, layer in enumerate(layers, 1):
        where = f"layer {index} ({layer.describe()})"
        if not shape and layer.kind != "fc":
            raise ValueError(f"{where}: a {layer.kind} layer cannot follow a fully connected layer")
        try:
            result = _one_layer(layer, shape, channels, r, j, start, sizes)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        results.append(result)
        shape, channels = result.output, result.out_channels
    return StackResult(sizes, in_channels, tuple(results))


def _one_layer(
    layer: Layer,
    shape: tuple[int, ...],
    channels: int,
    r: list[int],
    j: list[int],
    start: list[float],
    stack_input: tuple[int, ...],
) -> LayerResult:
    ndim = len(shape)
    if layer.kind == "fc":
        if layer.out_channels is None or layer.out_channels <= 0:
            raise ValueError("a fully connected layer needs out features (c=N, N > 0)")
        check_int64(layer.out_channels, "out features")
        features = channels * math.prod(shape)
        out = layer.out_channels
        return LayerResult(
            layer=layer,
            input=shape,
            output=(),
            in_channels=features,
            out_channels=out,
            receptive_field=stack_input,
            jump=(),
            start=(),
            params=features * out + (out if layer.bias else 0),
            multiply_adds=features * out,
            dense_params=features * out,
        )
    if layer.kind == "conv":
        stride = 1 if layer.stride is None else layer.stride
        dims = conv_geometry(
            shape, layer.kernel_size, stride, _resolve_padding(layer, ndim), layer.dilation
        )
        out_channels = channels if layer.out_channels is None else layer.out_channels
        check_groups(channels, out_channels, layer.groups)
        k = tuple(g.kernel for g in dims)
        out = tuple(g.output for g in dims)
        params = conv_params(k, channels, out_channels, layer.groups, layer.bias)
        macs = conv_multiply_adds(out, k, channels, out_channels, layer.groups)
        dense = conv_vs_dense(shape, out, k, channels, out_channels, layer.groups).dense
        taps = [(g.effective_kernel, g.stride, g.pad_before) for g in dims]
    elif layer.kind in ("maxpool", "avgpool"):
        kind = "max" if layer.kind == "maxpool" else "avg"
        if layer.out_channels not in (None, channels):
            raise ValueError("a pooling layer keeps the number of channels")
        padding = 0 if layer.padding == "valid" else layer.padding
        pdims = pool_geometry(
            shape, layer.kernel_size, layer.stride, padding, layer.dilation, layer.ceil_mode, kind
        )
        out = tuple(g.output for g in pdims)
        out_channels, params, macs, dense = channels, 0, 0, None
        taps = [(g.effective_kernel, g.stride, g.padding) for g in pdims]
    elif layer.kind == "lrn":
        # torch.nn.LocalResponseNorm(size): a window across channels, none across positions.
        if layer.out_channels not in (None, channels):
            raise ValueError("a local response normalisation keeps the number of channels")
        if (layer.stride, layer.padding, layer.dilation, layer.groups) != (None, 0, 1, 1):
            raise ValueError("lrn takes only its channel window n (no s, p, d or g)")
        if not isinstance(layer.kernel_size, int) or layer.kernel_size < 1:
            raise ValueError(f"lrn takes one channel window size n ≥ 1, got {layer.kernel_size}")
        out, out_channels, params, macs, dense = shape, channels, 0, 0, None
        taps = [(1, 1, 0)] * ndim
    else:
        raise ValueError(f"unknown layer kind {layer.kind!r} (one of {', '.join(LAYER_KINDS)})")
    for axis, (K, s, p) in enumerate(taps):
        r[axis], j[axis], start[axis] = _rf_step(r[axis], j[axis], start[axis], K, s, p)
    return LayerResult(
        layer=layer,
        input=shape,
        output=out,
        in_channels=channels,
        out_channels=out_channels,
        receptive_field=tuple(r),
        jump=tuple(j),
        start=tuple(start),
        params=params,
        multiply_adds=macs,
        dense_params=dense,
    )


# --------------------------------------------------------------------------------------------
# Parsing "conv:k=3,s=2,p=1,c=64" and presets
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
_KEY_ALIASES = {
    "k": "kernel_size",
    "n": "kernel_size",  # lrn's channel window, as torch's LocalResponseNorm(size)
    "kernel": "kernel_size",
    "kernel_size": "kernel_size",
    "s": "stride",
    "stride": "stride",
    "p": "padding",
    "pad": "padding",
    "padding": "padding",
    "d": "dilation",
    "dilation": "dilation",
    "c": "out_channels",
    "out": "out_channels",
    "channels": "out_channels",
    "out_channels": "out_channels",
    "g": "groups",
    "groups": "groups",
    "bias": "bias",
    "ceil": "ceil_mode",
    "ceil_mode": "ceil_mode",
}

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
        name = _KEY_ALIASES.get(key.strip().lower())
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


@dataclass(frozen=True)
class Preset:
    """A named stack: ``prefix + block × blocks + suffix`` (only WaveNet repeats its block)."""

    name: str
    description: str
    input_size: tuple[int, ...]
    in_channels: int
    prefix: tuple[Layer, ...] = ()
    block: tuple[Layer, ...] = ()
    suffix: tuple[Layer, ...] = ()
    repeatable: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: torchvision's AdaptiveAvgPool2d size before the classifier (left out of the stack: at
    #: the preset's input it is the identity; at another input it resizes the last map).
    adaptive_pool: tuple[int, ...] | None = None

    def layers(self, blocks: int = 1) -> list[Layer]:
        if blocks < 1:
            raise ValueError(f"--blocks must be at least 1, got {blocks}")
        if blocks != 1 and not self.repeatable:
            raise ValueError(f"preset {self.name} has no repeatable block (only wavenet has)")
        check_layer_count(len(self.prefix) + blocks * len(self.block) + len(self.suffix))
        return [*self.prefix, *(self.block * blocks), *self.suffix]


def _conv(k: int, c: int, s: int = 1, p: int = 0, g: int = 1) -> Layer:
    return Layer("conv", k, s, p, out_channels=c, groups=g)


_VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]

PRESETS: dict[str, Preset] = {
    "alexnet": Preset(
        "alexnet",
        "AlexNet as in torchvision (single-GPU, 64/192/384/256/256 channels)",
        (224, 224),
        3,
        prefix=(
            _conv(11, 64, 4, 2),
            Layer("maxpool", 3, 2),
            _conv(5, 192, p=2),
            Layer("maxpool", 3, 2),
            _conv(3, 384, p=1),
            _conv(3, 256, p=1),
            _conv(3, 256, p=1),
            Layer("maxpool", 3, 2),
            Layer("fc", out_channels=4096),
            Layer("fc", out_channels=4096),
            Layer("fc", out_channels=1000),
        ),
        notes=(
            "torchvision puts AdaptiveAvgPool2d((6, 6)) before the classifier; at 224×224 the "
            "map is already 6×6, so it changes nothing and is left out",
        ),
        adaptive_pool=(6, 6),
    ),
    "alexnet2012": Preset(
        "alexnet2012",
        "AlexNet as in the 2012 paper (Krizhevsky, Sutskever & Hinton): 96/256/384/384/256 "
        "kernels split over two GPUs, response normalisation, overlapping pooling",
        (227, 227),
        3,
        prefix=(
            _conv(11, 96, 4),
            Layer("lrn", 5),
            Layer("maxpool", 3, 2),
            _conv(5, 256, p=2, g=2),
            Layer("lrn", 5),
            Layer("maxpool", 3, 2),
            _conv(3, 384, p=1),
            _conv(3, 384, p=1, g=2),
            _conv(3, 256, p=1, g=2),
            Layer("maxpool", 3, 2),
            Layer("fc", out_channels=4096),
            Layer("fc", out_channels=4096),
            Layer("fc", out_channels=1000),
        ),
        notes=(
            "the paper says 224×224 inputs, but an 11×11 kernel at stride 4 without padding "
            "gives its 55×55 only from 227 (⌊(224 − 11)/4⌋ + 1 = 54); 227 is what the "
            "arithmetic (and Caffe's reference model) uses",
            "groups=2 is the two-GPU split: conv2, conv4 and conv5 read only the half of the "
            "channels on their own GPU; conv3 and the fully connected layers read both",
            "lrn n5 is local response normalisation over 5 neighbouring channels (k=2, "
            "α=10⁻⁴, β=0.75): same shape, no parameters; the max-pools overlap (3×3, stride 2)",
        ),
    ),
    "vgg16": Preset(
        "vgg16",
        "VGG-16 (configuration D): 13 convolutions 3×3 p1, 5 max-pools 2×2, 3 fully connected",
        (224, 224),
        3,
        prefix=tuple(Layer("maxpool", 2, 2) if v == "M" else _conv(3, int(v), p=1) for v in _VGG16)
        + (
            Layer("fc", out_channels=4096),
            Layer("fc", out_channels=4096),
            Layer("fc", out_channels=1000),
        ),
        notes=(
            "torchvision puts AdaptiveAvgPool2d((7, 7)) before the classifier; at 224×224 the "
            "map is already 7×7, so it changes nothing and is left out",
        ),
        adaptive_pool=(7, 7),
    ),
    "wavenet": Preset(
        "wavenet",
        "WaveNet's dilated causal stack: kernel 2, dilations 1, 2, 4, …, 512 per block",
        (16000,),
        1,
        block=tuple(Layer("conv", 2, 1, "causal", 2**i, out_channels=32) for i in range(10)),
        repeatable=True,
        notes=(
            "only the dilated causal convolutions (32 channels): the gates, 1×1 residual and "
            "skip convolutions do not change sizes or the receptive field",
            "an initial causal convolution with k = 2, which some implementations add, would "
            "widen the receptive field by 1",
        ),
    ),
}
