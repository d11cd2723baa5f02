#!/usr/bin/env python
"""Regenerate tests/data/engine_reference.npz from PyTorch (the oracle), explicitly.

    .venv/bin/python scripts/gen_engine_reference.py [--output tests/data/engine_reference.npz]

Each case stores its inputs, torch's output and, where the engine has a backward pass,
torch's autograd gradients for a fixed grad_output, so tests/test_engine*.py can check the
engine where torch is not installed. Values are float64 except the float32 cases.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from convanim.core import shapes

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "engine_reference.npz"


def _conv_cases():
    # (ndim, n, cin, cout, groups, k, size, kwargs, bias, dtype)
    yield 2, 1, 1, 1, 1, 3, 5, dict(stride=2, padding=1), True, "float64"
    yield (
        2,
        2,
        4,
        6,
        2,
        (3, 2),
        (7, 6),
        dict(stride=(2, 1), padding=[(0, 1), (2, 0)], dilation=(1, 2), groups=2),
        True,
        "float64",
    )
    yield 1, 2, 3, 2, 1, 4, 9, dict(padding="same", dilation=3), False, "float64"
    yield 1, 1, 2, 2, 2, 3, 6, dict(padding=2, padding_mode="reflect", groups=2), True, "float64"
    yield (
        2,
        1,
        2,
        3,
        1,
        3,
        (5, 6),
        dict(padding=(1, 2), padding_mode="circular", stride=2),
        True,
        "float64",
    )
    yield (
        3,
        1,
        2,
        2,
        1,
        2,
        (4, 5, 3),
        dict(padding=1, padding_mode="replicate", dilation=(1, 2, 1)),
        True,
        "float64",
    )
    yield 2, 1, 1, 1, 1, 3, 6, dict(padding="full", mode="convolution"), True, "float64"
    yield 2, 2, 3, 4, 1, 3, 8, dict(stride=3, padding="valid"), True, "float32"
    yield (
        3,
        2,
        3,
        3,
        3,
        (2, 3, 1),
        (3, 5, 4),
        dict(stride=(1, 2, 1), padding=[(1, 0), 1, (0, 2)], groups=3),
        True,
        "float64",
    )
    yield 1, 1, 1, 1, 1, 2, 7, dict(padding="same", mode="convolution"), False, "float64"


def _transposed_cases():
    yield 2, 1, 1, 1, 1, 3, 3, dict(stride=2, padding=1, output_padding=1), True, "float64"
    yield (
        1,
        2,
        4,
        6,
        2,
        3,
        5,
        dict(stride=3, padding=1, output_padding=2, groups=2, dilation=2),
        True,
        "float64",
    )
    yield 1, 1, 1, 1, 1, 3, 5, dict(stride=1, dilation=2, output_padding=1), False, "float64"
    yield (
        3,
        1,
        2,
        2,
        1,
        2,
        (2, 3, 2),
        dict(stride=(2, 1, 3), padding=(0, 1, 0), output_padding=(1, 0, 2)),
        True,
        "float64",
    )
    yield (
        2,
        2,
        3,
        2,
        1,
        (2, 3),
        (4, 3),
        dict(stride=2, padding=(1, 0), mode="convolution"),
        True,
        "float32",
    )
    yield 2, 1, 2, 2, 2, 4, 3, dict(stride=2, padding=1, groups=2), True, "float64"


def _pool_cases():
    yield "max_pool", 2, (2, 3, 5, 5), dict(kernel_size=3, stride=1)
    yield "max_pool", 2, (1, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)
    yield "max_pool", 1, (2, 2, 9), dict(kernel_size=2, stride=1, dilation=3)
    yield (
        "max_pool",
        3,
        (1, 1, 4, 5, 6),
        dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0), ceil_mode=True),
    )
    yield "avg_pool", 2, (1, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)
    yield (
        "avg_pool",
        2,
        (1, 2, 6, 6),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    )
    yield "avg_pool", 1, (2, 1, 5), dict(kernel_size=2, stride=2, ceil_mode=True)
    yield (
        "avg_pool",
        3,
        (1, 1, 4, 4, 5),
        dict(kernel_size=(2, 2, 3), stride=1, padding=1, divisor_override=5),
    )
    yield "lp_pool", 2, (1, 2, 5, 7), dict(norm_type=2.0, kernel_size=2, stride=2, ceil_mode=True)
    yield "lp_pool", 1, (2, 1, 8), dict(norm_type=3.0, kernel_size=3, stride=2)
    yield "adaptive_max_pool", 2, (1, 2, 7, 5), dict(output_size=(3, 4))
    yield "adaptive_max_pool", 1, (2, 1, 5), dict(output_size=7)
    yield "adaptive_avg_pool", 2, (1, 2, 10, 5), dict(output_size=(4, None))
    yield "adaptive_avg_pool", 3, (1, 1, 4, 5, 6), dict(output_size=(2, 3, 4))


def _unpool_cases():
    # (ndim, shape of the pooled input, max-pool kwargs, output_size or None)
    yield 2, (1, 2, 5, 6), dict(kernel_size=2, stride=2), None
    yield 1, (2, 1, 7), dict(kernel_size=3, stride=2, padding=1), [8]
    yield (
        3,
        (1, 1, 4, 3, 5),
        dict(kernel_size=(2, 1, 2), stride=(2, 1, 3), padding=(1, 0, 1)),
        [4, 3, 5],
    )


def _torch_conv(x, w, b, kw, ndim):
    kw = dict(kw)
    mode = kw.pop("mode", "correlation")
    if mode == "convolution":
        w = torch.flip(w, dims=list(range(2, w.ndim)))
    padding_mode = kw.pop("padding_mode", "zeros")
    padding = kw.pop("padding", 0)
    stride, dilation = kw.get("stride", 1), kw.get("dilation", 1)
    pairs = shapes.resolve_conv_padding(
        [tuple(p) if isinstance(p, list) else p for p in padding]
        if isinstance(padding, list)
        else padding,
        w.shape[2:],
        shapes.per_dim(stride, ndim, "s"),
        shapes.per_dim(dilation, ndim, "d"),
    )
    flat = [v for pair in reversed(pairs) for v in pair]
    x = F.pad(x, flat, mode="constant" if padding_mode == "zeros" else padding_mode)
    return getattr(F, f"conv{ndim}d")(x, w, b, padding=0, **kw)


def _torch_conv_transpose(x, w, b, kw, ndim):
    kw = dict(kw)
    if kw.pop("mode", "") == "convolution":
        w = torch.flip(w, dims=list(range(2, w.ndim)))
    return getattr(F, f"conv_transpose{ndim}d")(x, w, b, **kw)


def build() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261126)
    arrays: dict[str, np.ndarray] = {}
    cases = []

    def tensor(shape, dtype, integers=False):
        a = rng.integers(-3, 4, shape) if integers else rng.standard_normal(shape)
        return torch.tensor(a.astype(dtype), requires_grad=True)

    def store(key, **named):
        for name, value in named.items():
            if value is not None:
                arrays[f"{key}/{name}"] = (
                    value.detach().numpy() if hasattr(value, "detach") else value
                )

    # convolution, then transposed convolution: weight layout and torch call differ, not the rest
    families = (
        ("conv", "conv", _conv_cases, lambda cin, cout, g: (cout, cin // g), _torch_conv),
        ("transposed", "conv_transpose", _transposed_cases, lambda cin, cout, g: (cin, cout // g),
         _torch_conv_transpose),
    )  # fmt: skip
    for prefix, op, family_cases, weight_lead, torch_op in families:
        for i, (ndim, n, cin, cout, groups, k, size, kw, bias, dtype) in enumerate(family_cases()):
            k = shapes.per_dim(k, ndim, "k")
            size = shapes.per_dim(size, ndim, "size")
            x = tensor((n, cin, *size), dtype)
            w = tensor((*weight_lead(cin, cout, groups), *k), dtype)
            b = tensor((cout,), dtype) if bias else None
            y = torch_op(x, w, b, kw, ndim)
            gy = torch.tensor(rng.standard_normal(tuple(y.shape)).astype(dtype))
            y.backward(gy)
            key = f"{prefix}{i}"
            gb = None if b is None else b.grad
            store(key, x=x, w=w, b=b, y=y, gy=gy, gx=x.grad, gw=w.grad, gb=gb)
            cases.append({"key": key, "op": op, "kwargs": kw})
    for i, (op, ndim, shape, kw) in enumerate(_pool_cases()):
        x = tensor(shape, "float64", integers=(op != "lp_pool"))
        if op == "lp_pool":
            x = torch.tensor(np.abs(x.detach().numpy()) + 0.25, requires_grad=True)
        fn = getattr(F, f"{op}{ndim}d")
        key = f"{op}{i}"
        extra = {}
        if op in ("max_pool", "adaptive_max_pool"):
            y, idx = fn(x, **kw, return_indices=True)
            extra["indices"] = idx.numpy()
        else:
            y = fn(x, **kw)
        if op in ("max_pool", "avg_pool"):
            gy = torch.tensor(rng.standard_normal(tuple(y.shape)))
            y.backward(gy)
            extra.update(gy=gy, gx=x.grad)
        store(key, x=x, y=y, **extra)
        ekw = dict(kw, ndim=ndim)
        if op in ("max_pool", "adaptive_max_pool"):
            ekw["return_indices"] = True
        cases.append({"key": key, "op": op, "kwargs": ekw})
    for i, (ndim, shape, kw, size) in enumerate(_unpool_cases()):
        x = tensor(shape, "float64", integers=True).detach()
        pooled, idx = getattr(F, f"max_pool{ndim}d")(x, **kw, return_indices=True)
        y = getattr(F, f"max_unpool{ndim}d")(pooled, idx, **kw, output_size=size)
        key = f"max_unpool{i}"
        store(key, x=pooled, indices=idx.numpy(), y=y)
        cases.append(
            {"key": key, "op": "max_unpool", "kwargs": dict(kw, output_size=size, ndim=ndim)}
        )
    arrays["cases"] = np.array(json.dumps(cases))
    arrays["torch_version"] = np.array(torch.__version__)
    return arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT)
    args = parser.parse_args()
    data = build()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=args.output.parent)
    os.close(fd)
    try:
        np.savez_compressed(tmp, **data)
        os.replace(tmp, args.output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    print(
        f"wrote {args.output} ({args.output.stat().st_size} bytes, {len(json.loads(str(data['cases'])))} cases, torch {torch.__version__})"
    )


if __name__ == "__main__":
    main()
