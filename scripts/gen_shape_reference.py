#!/usr/bin/env python3
"""Generate tests/data/shapes_reference.json: shape cases answered by real torch.

The shape tests compare :mod:`convanim.core.shapes` with torch live when torch is importable and with
this committed file otherwise, so the checks also run where torch is absent. Each case is a
plain dict (see ``torch_result``); the answer is ``{"result": …}`` or ``{"error": "Type: text"}``.

Usage: ``.venv/bin/python scripts/gen_shape_reference.py [--out PATH] [--seed N]``
(deterministic for a given seed and torch version). The tests import ``torch_result`` and the
case generators from here, so there is one definition of "what torch says".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import warnings
from typing import Any

DEFAULT_OUT = os.path.join(
    os.path.dirname(__file__), "..", "tests", "data", "shapes_reference.json"
)


# --------------------------------------------------------------------------------------------
# Asking torch (imported lazily: the module is importable without torch)
# --------------------------------------------------------------------------------------------


def _torch():
    import torch
    import torch.nn.functional as F

    return torch, F


def _conv_padding_arg(padding: Any) -> tuple[Any, list[int] | None]:
    """Split a case's padding into torch's ``padding`` argument and an ``F.pad`` list (asymmetric)."""
    if isinstance(padding, list) and padding and isinstance(padding[0], list):
        pads: list[int] = []
        for before, after in reversed(padding):  # F.pad wants the last dimension first
            pads += [before, after]
        return 0, pads
    if isinstance(padding, list):
        return tuple(padding), None
    return padding, None


def torch_result(case: dict[str, Any]) -> dict[str, Any]:
    """Run one case through torch and report its output (spatial sizes etc.) or its error.

    oneDNN is switched off: its CPU ConvTranspose2d/3d kernel skips torch's shape check and
    returns an empty tensor when one output dimension is 0 (and fails with "could not construct
    a memory descriptor" when it is negative), depending on tensor sizes. The reference kernels
    apply torch's documented rule (every output size >= 1), which is the rule convanim teaches.
    """
    torch, F = _torch()
    was_enabled = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False  # restored below: other tests share the process
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {"result": _run(case, torch, F)}
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
    finally:
        torch.backends.mkldnn.enabled = was_enabled


def _run(case: dict[str, Any], torch: Any, F: Any) -> Any:
    op = case["op"]
    if op == "conv":
        sizes = case["input"]
        n = len(sizes)
        x = torch.zeros(1, 1, *sizes)
        padding, pads = _conv_padding_arg(case["padding"])
        mode = case.get("padding_mode", "zeros")
        if mode != "zeros" or pads is not None:
            if pads is not None and mode == "zeros":
                # torch has no asymmetric conv padding: F.pad first (what 'same' does inside).
                x = F.pad(x, pads)
                padding = 0
            module = getattr(torch.nn, f"Conv{n}d")(
                1,
                1,
                tuple(case["kernel_size"]),
                stride=tuple(case["stride"]),
                padding=padding,
                dilation=tuple(case["dilation"]),
                padding_mode=mode,
                bias=False,
            )
            if pads is not None and mode != "zeros":
                module._reversed_padding_repeated_twice = pads
            return list(module(x).shape[2:])
        w = torch.zeros(1, 1, *case["kernel_size"])
        conv = getattr(F, f"conv{n}d")
        y = conv(
            x, w, stride=tuple(case["stride"]), padding=padding, dilation=tuple(case["dilation"])
        )
        return list(y.shape[2:])
    if op == "conv_transpose":
        sizes = case["input"]
        n = len(sizes)
        x = torch.zeros(1, 1, *sizes)
        if case.get("output_size") is not None:
            module = getattr(torch.nn, f"ConvTranspose{n}d")(
                1,
                1,
                tuple(case["kernel_size"]),
                stride=tuple(case["stride"]),
                padding=tuple(case["padding"]),
                dilation=tuple(case["dilation"]),
                bias=False,
            )
            return list(module(x, output_size=case["output_size"]).shape[2:])
        w = torch.zeros(1, 1, *case["kernel_size"])
        y = getattr(F, f"conv_transpose{n}d")(
            x,
            w,
            stride=tuple(case["stride"]),
            padding=tuple(case["padding"]),
            output_padding=tuple(case["output_padding"]),
            dilation=tuple(case["dilation"]),
        )
        return list(y.shape[2:])
    if op == "pool":
        sizes = case["input"]
        n = len(sizes)
        x = torch.zeros(1, 1, *sizes)
        k = tuple(case["kernel_size"])
        s = None if case["stride"] is None else tuple(case["stride"])
        kind = case["kind"]
        if kind == "max":
            y = getattr(F, f"max_pool{n}d")(
                x, k, s, tuple(case["padding"]), tuple(case["dilation"]), case["ceil_mode"]
            )
        elif kind == "avg":
            y = getattr(F, f"avg_pool{n}d")(x, k, s, tuple(case["padding"]), case["ceil_mode"])
        else:
            # lp_pool1d multiplies by kernel_size, so it needs an int there (a tuple fails).
            y = getattr(F, f"lp_pool{n}d")(x, 2.0, k[0] if n == 1 else k, s, case["ceil_mode"])
        return list(y.shape[2:])
    if op == "avg_values":
        # avg-pool a map of ones: each output is (real cells in the window) / divisor.
        sizes = case["input"]
        n = len(sizes)
        x = torch.ones(1, 1, *sizes, dtype=torch.float64)
        kwargs = {"count_include_pad": case["count_include_pad"]}
        if case.get("divisor_override") is not None:
            kwargs["divisor_override"] = case["divisor_override"]
        y = getattr(F, f"avg_pool{n}d")(
            x,
            tuple(case["kernel_size"]),
            tuple(case["stride"]),
            tuple(case["padding"]),
            case["ceil_mode"],
            **kwargs,
        )
        return [round(v, 12) for v in y.flatten().tolist()]
    if op == "adaptive":
        L, out = case["input"], case["output"]
        up = torch.arange(L, dtype=torch.float64).reshape(1, 1, L)
        _, last = F.adaptive_max_pool1d(up, out, return_indices=True)
        _, first = F.adaptive_max_pool1d(-up, out, return_indices=True)
        return [
            [a, b + 1]
            for a, b in zip(first.flatten().tolist(), last.flatten().tolist(), strict=True)
        ]
    if op == "unpool":
        L = case["input"]
        x = torch.zeros(1, 1, L)
        idx = torch.zeros(1, 1, L, dtype=torch.long)
        kwargs = {} if case.get("output_size") is None else {"output_size": [case["output_size"]]}
        y = F.max_unpool1d(x, idx, case["kernel_size"], case["stride"], case["padding"], **kwargs)
        return list(y.shape[2:])
    raise ValueError(f"unknown op {op!r}")


# --------------------------------------------------------------------------------------------
# Random cases (also used by the hypothesis tests through their own strategies)
# --------------------------------------------------------------------------------------------


def random_conv(rng: random.Random) -> dict[str, Any]:
    n = rng.choice((1, 1, 2, 2, 3))

    def pick(valid: tuple[int, ...], invalid: int) -> int:
        return invalid if rng.random() < 0.03 else rng.choice(valid)

    k = [pick((1, 1, 2, 3, 3, 4, 5), 0) for _ in range(n)]
    form = rng.choice(("int", "tuple", "pairs", "same", "same", "valid"))
    strides = (1, 1, 1, 1, 2) if form == "same" else (1, 1, 2, 2, 3)
    s = [pick(strides, 0) for _ in range(n)]
    d = [pick((1, 1, 1, 2, 3), 0) for _ in range(n)]
    modes = ("zeros", "zeros", "zeros", "reflect", "replicate", "circular")
    if form == "int":
        padding: Any = pick((0, 0, 1, 2, 3), -1)
        if padding < 0:
            # nn.ConvNd with a non-zeros padding_mode hands negative padding to F.pad, which
            # crops; convanim refuses negative padding everywhere (torch's functional rule).
            modes = ("zeros",)
    elif form == "tuple":
        padding = [rng.choice((0, 1, 2, 3)) for _ in range(n)]
    elif form == "pairs":
        padding = [[rng.randint(0, 3), rng.randint(0, 3)] for _ in range(n)]
    else:
        padding = form
    mode = rng.choice(modes)
    if form == "pairs" and mode != "zeros" and mode != "circular":
        mode = "zeros"
    if n == 3 and mode == "reflect":
        mode = "replicate"
    if mode != "zeros" and (0 in k or 0 in s or 0 in d):
        mode = "zeros"
    return {
        "op": "conv",
        # torch has no asymmetric padding: F.pad would make an empty input non-empty first.
        "input": [
            rng.randint(0 if mode == "zeros" and form != "pairs" else 1, 9) for _ in range(n)
        ],
        "kernel_size": k,
        "stride": s,
        "padding": padding,
        "dilation": d,
        "padding_mode": mode,
    }


def random_transposed(rng: random.Random) -> dict[str, Any]:
    n = rng.choice((1, 1, 2, 3))
    case: dict[str, Any] = {
        "op": "conv_transpose",
        "input": [rng.randint(1, 6) for _ in range(n)],
        "kernel_size": [rng.randint(1, 5) for _ in range(n)],
        "stride": [rng.randint(1, 4) for _ in range(n)],
        "padding": [rng.randint(0, 4) for _ in range(n)],
        "dilation": [rng.randint(1, 3) for _ in range(n)],
    }
    if rng.random() < 0.3:
        case["output_size"] = [rng.randint(-1, 25) for _ in range(n)]
    else:
        case["output_padding"] = [
            rng.randint(0, max(ss, dd))
            for ss, dd in zip(case["stride"], case["dilation"], strict=True)
        ]
    return case


def random_pool(rng: random.Random) -> dict[str, Any]:
    n = rng.choice((1, 1, 2, 3))
    kind = rng.choice(("max", "max", "avg", "avg", "lp"))
    k = [rng.randint(1, 5) for _ in range(n)]
    return {
        "op": "pool",
        "kind": kind,
        "input": [rng.randint(1, 9) for _ in range(n)],
        "kernel_size": k,
        "stride": None if rng.random() < 0.3 else [rng.randint(1, 4) for _ in range(n)],
        "padding": [0] * n if kind == "lp" else [rng.randint(0, kk // 2 + 1) for kk in k],
        "dilation": [rng.randint(1, 3) for _ in range(n)] if kind == "max" else [1] * n,
        "ceil_mode": rng.random() < 0.5,
    }


def random_avg_values(rng: random.Random) -> dict[str, Any]:
    n = rng.choice((1, 2))
    k = [rng.randint(1, 5) for _ in range(n)]
    return {
        "op": "avg_values",
        "input": [rng.randint(max(1, kk), 9) for kk in k],
        "kernel_size": k,
        "stride": [rng.randint(1, 4) for _ in range(n)],
        "padding": [rng.randint(0, kk // 2) for kk in k],
        "ceil_mode": rng.random() < 0.5,
        "count_include_pad": rng.random() < 0.5,
        "divisor_override": rng.choice((None, None, 2, 5)) if n == 2 else None,
    }


def random_adaptive(rng: random.Random) -> dict[str, Any]:
    return {"op": "adaptive", "input": rng.randint(1, 19), "output": rng.randint(1, 24)}


def random_unpool(rng: random.Random) -> dict[str, Any]:
    k = rng.randint(1, 4)
    s = rng.randint(1, 4)
    case = {
        "op": "unpool",
        "input": rng.randint(1, 6),
        "kernel_size": k,
        "stride": s,
        "padding": rng.randint(0, k // 2),
    }
    default = (case["input"] - 1) * s + k - 2 * case["padding"]
    case["output_size"] = (
        None if rng.random() < 0.2 else rng.randint(max(0, default - s - 1), default + s + 1)
    )
    return case


def _table(op: str, columns: tuple[str, ...], *rows: tuple) -> list[dict[str, Any]]:
    """One case per row: ``{"op": op, column: value, …}``."""
    return [{"op": op, **dict(zip(columns, row, strict=True))} for row in rows]


# Edge cases from reference/shapes.md, kept verbatim so they are always in the file.
PINNED: list[dict[str, Any]] = [
    *_table(
        "conv",
        ("input", "kernel_size", "stride", "padding", "dilation", "padding_mode"),
        ([8], [3], [2], 1, [1], "zeros"),
        ([7], [3], [2], 1, [1], "zeros"),
        ([1], [1], [1], 3, [1], "zeros"),
        ([5], [20], [1], "same", [1], "zeros"),
        ([5], [3], [1], 4, [1], "reflect"),
        ([5], [3], [1], 5, [1], "reflect"),
        ([5], [3], [1], 5, [1], "circular"),
        ([5], [3], [1], 6, [1], "circular"),
        ([5], [3], [1], 10, [1], "replicate"),
        ([1], [3], [1], "same", [1], "reflect"),
        ([5], [3], [2], "same", [1], "zeros"),
    ),
    *_table(
        "conv_transpose",
        ("input", "kernel_size", "stride", "padding", "dilation", "output_padding"),
        ([5], [3], [1], [0], [2], [1]),
        ([5], [3], [1], [0], [1], [1]),
        ([5], [3], [2], [0], [3], [2]),
    ),
    *_table(
        "conv_transpose",
        ("input", "kernel_size", "stride", "padding", "dilation", "output_size"),
        ([5], [3], [1], [0], [2], [10]),
        ([5], [3], [2], [0], [1], [13]),
    ),
    *_table(
        "pool",
        ("kind", "input", "kernel_size", "stride", "padding", "dilation", "ceil_mode"),
        ("max", [5], [2], [2], [0], [1], True),
        ("max", [5], [1], [3], [0], [1], True),
        ("max", [4], [2], [3], [1], [1], True),
        ("max", [3], [1], [3], [0], [1], True),
        ("max", [6], [3], [2], [1], [1], True),
        ("max", [9], [3], [1], [2], [2], False),
        ("avg", [2, 2, 2], [3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1], False),
        ("max", [2, 2, 2], [3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1], False),
    ),
    *_table(
        "avg_values",
        (
            "input",
            "kernel_size",
            "stride",
            "padding",
            "ceil_mode",
            "count_include_pad",
            "divisor_override",
        ),
        ([6], [3], [2], [1], True, True, None),
        ([5], [2], [2], [0], True, True, None),
    ),
    *_table(
        "adaptive",
        ("input", "output"),
        (5, 7),
        (10, 4),
    ),
    *_table(
        "unpool",
        ("input", "kernel_size", "stride", "padding", "output_size"),
        (5, 3, 2, 1, None),
        (5, 3, 2, 1, 11),
    ),
]

GENERATORS = {
    "conv": (random_conv, 700),
    "conv_transpose": (random_transposed, 400),
    "pool": (random_pool, 500),
    "avg_values": (random_avg_values, 150),
    "adaptive": (random_adaptive, 100),
    "unpool": (random_unpool, 100),
}


def build(seed: int) -> dict[str, Any]:
    torch, _ = _torch()
    rng = random.Random(seed)
    cases = [dict(c) for c in PINNED]
    for make, count in GENERATORS.values():
        cases.extend(make(rng) for _ in range(count))
    for case in cases:
        case.update(torch_result(case))
    return {"torch_version": torch.__version__, "seed": seed, "cases": cases}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=20260)
    args = parser.parse_args(argv)
    data = build(args.seed)
    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(out), suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write("{\n")
        fh.write(
            f'"torch_version": {json.dumps(data["torch_version"])},\n"seed": {data["seed"]},\n'
        )
        fh.write('"cases": [\n')
        fh.write(",\n".join(json.dumps(c, sort_keys=True) for c in data["cases"]))
        fh.write("\n]\n}\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    errors = sum("error" in c for c in data["cases"])
    print(f"wrote {len(data['cases'])} cases ({errors} torch errors) to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
