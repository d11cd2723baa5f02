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
from convanim.core.layers import (
    LAYER_KINDS,
    MAX_LAYERS,
    Layer,
    check_layer_count,
    parse_layer,
    parse_layers,
)
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
# Presets
# --------------------------------------------------------------------------------------------


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


#: The ImageNet classifier AlexNet and VGG end with: 4096, 4096 and 1000 units.
_CLASSIFIER = tuple(Layer("fc", out_channels=c) for c in (4096, 4096, 1000))


def _identity_pool_note(size: int) -> str:
    """Why torchvision's AdaptiveAvgPool2d((size, size)) is not among a preset's layers."""
    return (
        f"torchvision puts AdaptiveAvgPool2d(({size}, {size})) before the classifier; at 224×224 "
        f"the map is already {size}×{size}, so it changes nothing and is left out"
    )


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
            *_CLASSIFIER,
        ),
        notes=(_identity_pool_note(6),),
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
            *_CLASSIFIER,
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
        + _CLASSIFIER,
        notes=(_identity_pool_note(7),),
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
