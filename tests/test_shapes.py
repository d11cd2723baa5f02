"""The shape core against torch (live, or the committed reference data) and against the paper.

* Oracle: every case is answered by torch (``scripts/gen_shape_reference.py`` holds the one
  definition of "ask torch") and by :mod:`convanim.core.shapes`; sizes and valid/invalid verdicts
  must agree. Live hypothesis tests run when torch is importable; the committed
  ``tests/data/shapes_reference.json`` (generated from torch 2.13.0) runs everywhere.
* The fifteen relationships of Dumoulin & Visin, their worked examples and the
  conv_arithmetic catalogue parameters.
"""

from __future__ import annotations

import doctest
import importlib.util
import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import convanim.core.shapes as shapes
from convanim.core import dims, pooling, transposed

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "shapes_reference.json"

_spec = importlib.util.spec_from_file_location(
    "gen_shape_reference", ROOT / "scripts" / "gen_shape_reference.py"
)
assert _spec and _spec.loader
oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracle)

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:  # the committed reference data stands in (test_reference_data)
    HAVE_TORCH = False

live = pytest.mark.skipif(
    not HAVE_TORCH, reason="torch absent: test_reference_data checks the committed torch answers"
)


# --------------------------------------------------------------------------------------------
# The core's answer to an oracle case
# --------------------------------------------------------------------------------------------


def _padding(value: Any) -> Any:
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [tuple(pair) for pair in value]
    if isinstance(value, list):
        return tuple(value)
    return value


def _avg_values(case: dict[str, Any]) -> list[float]:
    dims = shapes.pool_geometry(
        case["input"],
        case["kernel_size"],
        case["stride"],
        case["padding"],
        1,
        case["ceil_mode"],
        "avg",
    )
    per_dim_valid = []
    per_dim_div = []
    for g in dims:
        valid = []
        for i in range(g.output):
            start, _ = g.window(i)
            valid.append(min(start + g.kernel, g.size) - max(start, 0))
        per_dim_valid.append(valid)
        per_dim_div.append(shapes.avg_pool_divisors(g, case["count_include_pad"]))
    override = case.get("divisor_override")
    if override is not None:
        shapes.avg_pool_divisors(dims[0], divisor_override=override)  # validates D != 0
    values = []
    for index in itertools.product(*(range(g.output) for g in dims)):
        n_valid = math.prod(v[i] for v, i in zip(per_dim_valid, index, strict=True))
        divisor = (
            override
            if override is not None
            else math.prod(d[i] for d, i in zip(per_dim_div, index, strict=True))
        )
        values.append(round(n_valid / divisor, 12))
    return values


def _window(case: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The input size, kernel size and stride every sized operation starts with (torch's order)."""
    return case["input"], case["kernel_size"], case["stride"]


def core_answer(case: dict[str, Any]) -> Any:
    op = case["op"]
    if op == "conv":
        padding = _padding(case["padding"])
        mode = case.get("padding_mode", "zeros")
        return list(shapes.conv_output_shape(*_window(case), padding, case["dilation"], mode))
    if op == "conv_transpose":
        op_pad = case.get("output_padding")
        if case.get("output_size") is not None:
            op_pad = shapes.output_padding_for_size(
                case["input"],
                case["output_size"],
                case["kernel_size"],
                case["stride"],
                case["padding"],
                case["dilation"],
            )
        return list(
            shapes.transposed_output_shape(
                *_window(case), case["padding"], case["dilation"], op_pad
            )
        )
    if op == "pool":
        ceil_mode, kind = case["ceil_mode"], case["kind"]
        return list(
            shapes.pool_output_shape(
                *_window(case), case["padding"], case["dilation"], ceil_mode, kind
            )
        )
    if op == "avg_values":
        return _avg_values(case)
    if op == "adaptive":
        return [list(w) for w in shapes.adaptive_windows(case["input"], case["output"])]
    if op == "unpool":
        return [shapes.unpool_output_size(*_window(case), case["padding"], case.get("output_size"))]
    raise AssertionError(op)


def core_result(case: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"result": core_answer(case)}
    except ValueError as exc:
        return {"error": f"ValueError: {exc}"}


def assert_agrees(case: dict[str, Any], torch_said: dict[str, Any]) -> None:
    mine = core_result(case)
    assert ("error" in mine) == ("error" in torch_said), (case, torch_said, mine)
    if "result" in torch_said:
        assert mine["result"] == torch_said["result"], (case, torch_said, mine)


# --------------------------------------------------------------------------------------------
# Oracle: committed data (always) and live torch (hypothesis)
# --------------------------------------------------------------------------------------------


def test_reference_data() -> None:
    data = json.loads(REFERENCE.read_text())
    cases = data["cases"]
    assert len(cases) > 1500
    assert {c["op"] for c in cases} == set(oracle.GENERATORS)
    assert sum("error" in c for c in cases) > 300  # the verdicts are tested, not only sizes
    bad = []
    for case in cases:
        said = {k: case[k] for k in ("result", "error") if k in case}
        mine = core_result(case)
        if ("error" in mine) != ("error" in said) or (
            "result" in said and mine["result"] != said["result"]
        ):
            bad.append((case, mine))
    assert not bad, f"{len(bad)} mismatches, first: {bad[:3]}"


@live
def test_reference_data_is_what_torch_says_now() -> None:
    # The committed answers must still be torch's: a torch upgrade that changes a rule shows
    # up here (regenerate with scripts/gen_shape_reference.py after checking the change).
    data = json.loads(REFERENCE.read_text())
    stale = []
    for case in data["cases"]:
        said = {k: case[k] for k in ("result", "error") if k in case}
        query = {k: v for k, v in case.items() if k not in ("result", "error")}
        now = oracle.torch_result(query)
        if ("error" in now) != ("error" in said) or now.get("result") != said.get("result"):
            stale.append((query, said, now))
    assert not stale, (
        f"{len(stale)} answers changed since torch {data['torch_version']}: {stale[:3]}"
    )


@live
@pytest.mark.parametrize("case", oracle.PINNED, ids=lambda c: c["op"])
def test_pinned_cases_live(case: dict[str, Any]) -> None:
    assert_agrees(case, oracle.torch_result(case))


# Random cases, drawn by each generator through hypothesis' Random (so a failure shrinks and is
# replayed); the counts reflect how many parameter combinations each operation has.
@live
@pytest.mark.parametrize(
    ("make", "examples"),
    [
        (oracle.random_conv, 2500),
        (oracle.random_transposed, 2000),
        (oracle.random_pool, 2500),
        (oracle.random_avg_values, 300),
        (oracle.random_unpool, 300),
    ],
    ids=lambda v: v.__name__.removeprefix("random_") if callable(v) else str(v),
)
def test_random_cases_match_torch(make, examples: int) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(st.randoms(use_true_random=False))
    def check(rng) -> None:
        case = make(rng)
        assert_agrees(case, oracle.torch_result(case))

    check()


@live
@settings(max_examples=300, deadline=None)
@given(st.integers(1, 19), st.integers(0, 24))
@example(5, 7)
@example(10, 4)
def test_adaptive_windows_match_torch(size: int, out: int) -> None:
    case = {"op": "adaptive", "input": size, "output": out}
    if out == 0:
        assert shapes.adaptive_windows(size, 0) == []
        return
    assert_agrees(case, oracle.torch_result(case))


@live
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_groups_match_torch_module_construction() -> None:
    import torch

    for c_in, c_out, g in itertools.product(range(0, 7), range(1, 7), range(-1, 5)):
        try:
            torch.nn.Conv1d(c_in, c_out, 3, groups=g)
            torch_ok = c_in > 0  # torch builds a 0-channel conv; convanim refuses it
        except ValueError:
            torch_ok = False
        try:
            shapes.check_groups(c_in, c_out, g)
            ok = True
        except ValueError:
            ok = False
        assert ok == torch_ok, (c_in, c_out, g)


@live
def test_preimage_matches_real_convolutions() -> None:
    import torch
    import torch.nn.functional as F

    for k, s, p, d in itertools.product((1, 2, 3, 4), (1, 2, 3), (0, 1, 2), (1, 2)):
        w = torch.zeros(1, 1, k)
        outputs: dict[int, list[int]] = {}
        for L in range(1, 40):
            if L + 2 * p < d * (k - 1) + 1:
                continue
            o = F.conv1d(torch.zeros(1, 1, L), w, stride=s, padding=p, dilation=d).shape[-1]
            outputs.setdefault(o, []).append(L)
        for o, inputs in outputs.items():
            if max(inputs) < 39 - s:  # the scan is complete for this output
                assert list(shapes.preimage(o, k, s, p, d)) == inputs, (k, s, p, d, o)


# --------------------------------------------------------------------------------------------
# The fifteen relationships of "A guide to convolution arithmetic" (arXiv 1603.07285 v2)
# --------------------------------------------------------------------------------------------


def conv(i: int, k: int, s: int = 1, p: int | str = 0, d: int = 1) -> int:
    return shapes.conv_output_size(i, k, s, p, d)


def convT(i: int, k: int, s: int = 1, p: int = 0, a: int = 0, d: int = 1) -> int:
    return shapes.transposed_output_size(i, k, s, p, d, a)


SMALL = [(i, k) for i in range(1, 12) for k in range(1, 8) if k <= i]


def test_relationship_1_no_padding_unit_strides() -> None:
    for i, k in SMALL:
        assert conv(i, k) == (i - k) + 1
    assert conv(4, 3) == 2  # Fig 2.1
    assert shapes.conv_output_shape((5, 5), 3) == (3, 3)  # Fig 2.8a


def test_relationship_2_zero_padding_unit_strides() -> None:
    for (i, k), p in itertools.product(SMALL, range(4)):
        assert conv(i, k, p=p) == (i - k) + 2 * p + 1
    assert conv(5, 4, p=2) == 6  # Fig 2.2


def test_relationship_3_half_padding() -> None:
    for i, n in itertools.product(range(1, 12), range(4)):
        k = 2 * n + 1
        if k + 0 <= i + 2 * n:
            assert conv(i, k, p=k // 2) == i
            assert conv(i, k, p="same") == i
    assert conv(5, 3, p=1) == 5  # Fig 2.3


def test_relationship_4_full_padding() -> None:
    for i, k in SMALL:
        assert conv(i, k, p=k - 1) == i + (k - 1)
        assert shapes.conv_output_shape((i,), k, padding="full") == (i + k - 1,)
    assert conv(5, 3, p=2) == 7  # Fig 2.4


def test_relationship_5_no_padding_strides() -> None:
    for (i, k), s in itertools.product(SMALL, range(1, 5)):
        assert conv(i, k, s) == (i - k) // s + 1
    assert conv(5, 3, 2) == 2  # Fig 2.5, Fig 2.8b


def test_relationship_6_general() -> None:
    for (i, k), s, p in itertools.product(SMALL, range(1, 5), range(3)):
        assert conv(i, k, s, p) == (i + 2 * p - k) // s + 1
    assert conv(5, 3, 2, 1) == 3  # Fig 2.6 and Fig 1.2
    assert conv(6, 3, 2, 1) == 3  # Fig 2.7
    # The ambiguity right after Relationship 6: i = 5 and i = 6 both give 3.
    assert list(shapes.preimage(3, 3, 2, 1)) == [5, 6]


def test_relationship_7_pooling() -> None:
    for (i, k), s in itertools.product(SMALL, range(1, 5)):
        assert shapes.pool_output_shape((i,), k, s) == ((i - k) // s + 1,)
    assert shapes.pool_output_shape((5, 5), 3, 1) == (3, 3)  # Figs 1.5/1.6


def test_relationship_8_transposed_no_padding_unit_strides() -> None:
    for i, k in SMALL:
        o = conv(i, k)
        assert convT(o, k) == o + (k - 1) == i
        # ... which is a fully padded convolution with unit strides: p' = k − 1
        assert conv(o, k, p=k - 1) == i
    assert convT(2, 3) == 4  # Fig 4.1


def test_relationship_9_transposed_padding_unit_strides() -> None:
    for (i, k), p in itertools.product(SMALL, range(3)):
        o = conv(i, k, p=p)
        assert convT(o, k, p=p) == o + (k - 1) - 2 * p == i
        g = shapes.transposed_geometry((o,), k, padding=p)[0]
        assert g.pad_before == k - p - 1  # p' = k − p − 1
    assert convT(6, 4, p=2) == 5  # Fig 4.2


def test_relationship_10_transposed_half_padding() -> None:
    for i, n in itertools.product(range(1, 12), range(4)):
        k = 2 * n + 1
        g = shapes.transposed_geometry((i,), k, padding=n)[0]
        assert g.output == i and g.pad_before == n  # p' = p
    assert convT(5, 3, p=1) == 5  # Fig 4.3


def test_relationship_11_transposed_full_padding() -> None:
    for i, k in SMALL:
        o = conv(i, k, p=k - 1)
        g = shapes.transposed_geometry((o,), k, padding=k - 1)[0]
        assert g.output == o - (k - 1) == i and g.pad_before == 0  # p' = 0
    assert convT(7, 3, p=2) == 5  # Fig 4.4


def test_relationship_12_transposed_no_padding_strides() -> None:
    for (i, k), s in itertools.product(SMALL, range(1, 5)):
        if (i - k) % s:
            continue
        o = conv(i, k, s)
        g = shapes.transposed_geometry((o,), k, s)[0]
        assert g.output == s * (o - 1) + k == i
        assert g.stretched == o + (s - 1) * (o - 1) and g.pad_before == k - 1
    assert convT(2, 3, 2) == 5  # Fig 4.5
    assert shapes.transposed_geometry((2,), 3, 2)[0].stretched == 3


def test_relationship_13_transposed_padding_strides() -> None:
    for (i, k), s, p in itertools.product(SMALL, range(1, 5), range(3)):
        if (i + 2 * p - k) % s:
            continue
        o = conv(i, k, s, p)
        g = shapes.transposed_geometry((o,), k, s, p)[0]
        assert g.output == s * (o - 1) + k - 2 * p == i
        assert g.pad_before == k - p - 1
    assert convT(3, 3, 2, 1) == 5  # Fig 4.6


def test_relationship_14_transposed_odd() -> None:
    for (i, k), s, p in itertools.product(SMALL, range(1, 5), range(3)):
        o = conv(i, k, s, p)
        a = (i + 2 * p - k) % s
        g = shapes.transposed_geometry((o,), k, s, p, output_padding=a)[0]
        assert g.output == s * (o - 1) + a + k - 2 * p == i
        # a extra zeros at the bottom/right (pad_after), p' on every side
        assert (g.pad_before, g.pad_after) == (k - p - 1, k - p - 1 + a)
        assert (i, a) in shapes.transposed_output_range(o, k, s, p)
    assert convT(3, 3, 2, 1, a=1) == 6  # Fig 4.7 (a 3×3 input, despite the caption)
    assert shapes.transposed_output_size(3, 4, 2, 0, 1, 1) == 9  # Theano quick reference


def test_relationship_15_dilation() -> None:
    for (i, k), s, p, d in itertools.product(SMALL, range(1, 4), range(3), range(1, 4)):
        khat = k + (k - 1) * (d - 1)
        if i + 2 * p < khat:
            with pytest.raises(ValueError, match="Kernel size can't be greater"):
                conv(i, k, s, p, d)
            continue
        assert conv(i, k, s, p, d) == (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1
    assert shapes.effective_kernel(3, 2) == 5 and conv(7, 3, d=2) == 3  # Fig 5.1


def test_stride_is_subsampling() -> None:
    # Fig 1.4: k3 s2 on 5×5 keeps every second output of k3 s1.
    full = shapes.conv_geometry((5, 5), 3)[0]
    strided = shapes.conv_geometry((5, 5), 3, stride=2)[0]
    assert [strided.window_start(i) for i in range(strided.output)] == [
        full.window_start(i) for i in range(0, full.output, 2)
    ]


# --------------------------------------------------------------------------------------------
# The conv_arithmetic catalogue (bin/generate_makefile), reference/conv_arithmetic.md §1
# --------------------------------------------------------------------------------------------

# name: (i, k, p, s, d, o, padded)
DIRECT = {
    "no_padding_no_strides": (4, 3, 0, 1, 1, 2, 4),
    "arbitrary_padding_no_strides": (5, 4, 2, 1, 1, 6, 9),
    "same_padding_no_strides": (5, 3, 1, 1, 1, 5, 7),
    "full_padding_no_strides": (5, 3, 2, 1, 1, 7, 9),
    "no_padding_strides": (5, 3, 0, 2, 1, 2, 5),
    "padding_strides": (5, 3, 1, 2, 1, 3, 7),
    "padding_strides_odd": (6, 3, 1, 2, 1, 3, 8),
    "dilation": (7, 3, 0, 1, 2, 3, 7),
}

# name: (direct i, k, p, s), i', zeros between, stretched, p', a, grid, o'
TRANSPOSED = {
    "no_padding_no_strides_transposed": ((4, 3, 0, 1), 2, 0, 2, 2, 0, 6, 4),
    "arbitrary_padding_no_strides_transposed": ((5, 4, 2, 1), 6, 0, 6, 1, 0, 8, 5),
    "same_padding_no_strides_transposed": ((5, 3, 1, 1), 5, 0, 5, 1, 0, 7, 5),
    "full_padding_no_strides_transposed": ((5, 3, 2, 1), 7, 0, 7, 0, 0, 7, 5),
    "no_padding_strides_transposed": ((5, 3, 0, 2), 2, 1, 3, 2, 0, 7, 5),
    "padding_strides_transposed": ((5, 3, 1, 2), 3, 1, 5, 1, 0, 7, 5),
    "padding_strides_odd_transposed": ((6, 3, 1, 2), 3, 1, 5, 1, 1, 8, 6),
}


@pytest.mark.parametrize("name", DIRECT)
def test_catalogue_direct(name: str) -> None:
    i, k, p, s, d, o, padded = DIRECT[name]
    g = shapes.conv_geometry((i, i), k, s, p, d)
    assert [x.output for x in g] == [o, o]
    assert g[0].padded == padded
    frames = math.prod(x.output for x in g)
    assert frames == o * o
    if name == "padding_strides_odd":  # the bottom row/right column are never covered
        assert g[0].dropped == 1


@pytest.mark.parametrize("name", TRANSPOSED)
def test_catalogue_transposed(name: str) -> None:
    (i, k, p, s), i_t, zeros, stretched, p_t, a, grid, o_t = TRANSPOSED[name]
    assert conv(i, k, s, p) == i_t
    assert a == (i + 2 * p - k) % s
    g = shapes.transposed_geometry((i_t, i_t), k, s, p, output_padding=a)[0]
    assert (g.output, g.zeros_between, g.stretched) == (o_t, zeros, stretched)
    assert (g.pad_before, g.pad_after - g.pad_before, g.grid) == (p_t, a, grid)
    assert g.grid == g.output + k - 1
    assert [g.input_position(j) for j in range(i_t)] == [p_t + s * j for j in range(i_t)]


@pytest.mark.parametrize(
    "i,k,p,s,o", [(5, 3, 0, 1, 3), (5, 3, 1, 2, 3)], ids=["numerical_conv", "numerical_strides"]
)
def test_catalogue_numerical(i: int, k: int, p: int, s: int, o: int) -> None:
    assert shapes.conv_output_shape((i, i), k, s, p) == (o, o)
    assert shapes.pool_output_shape((5, 5), 3, 1) == (3, 3)


# --------------------------------------------------------------------------------------------
# Details from reference/shapes.md
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "k,d,pair", [(3, 1, (1, 1)), (2, 1, (0, 1)), (4, 1, (1, 2)), (4, 2, (3, 3)), (4, 3, (4, 5))]
)
def test_same_split_puts_the_odd_element_after(k: int, d: int, pair: tuple[int, int]) -> None:
    assert shapes.resolve_conv_padding("same", (k,), (1,), (d,)) == (pair,)
    assert shapes.conv_output_size(9, k, padding="same", dilation=d) == 9


def test_same_2d_reversed_padding() -> None:
    # Conv2d(k=(2,4), d=(5,1), padding='same') -> F.pad order [1, 2, 2, 3]
    pairs = shapes.resolve_conv_padding("same", (2, 4), (1, 1), (5, 1))
    assert [v for pair in reversed(pairs) for v in pair] == [1, 2, 2, 3]


def test_conv_has_no_half_kernel_padding_rule() -> None:
    assert shapes.conv_output_size(1, 1, padding=3) == 7
    assert shapes.conv_output_size(5, 20, padding="same") == 5


@pytest.mark.parametrize(
    "mode,pad,ok",
    [
        ("reflect", 4, 11),
        ("reflect", 5, None),
        ("circular", 5, 13),
        ("circular", 6, None),
        ("replicate", 10, 23),
    ],
)
def test_padding_mode_limits(mode: str, pad: int, ok: int | None) -> None:
    if ok is None:
        with pytest.raises(ValueError):
            shapes.conv_output_shape((5,), 3, padding=pad, padding_mode=mode)
    else:
        assert shapes.conv_output_shape((5,), 3, padding=pad, padding_mode=mode) == (ok,)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (
            dict(input_size=(5,), kernel_size=7),
            "Kernel size can't be greater than actual input size",
        ),
        (dict(input_size=(5, 5), kernel_size=7), r"\(5 x 5\)\. Kernel size: \(7 x 7\)"),
        (dict(input_size=(5,), kernel_size=3, stride=0), "non-positive stride is not supported"),
        (dict(input_size=(5,), kernel_size=3, padding=-1), "negative padding is not supported"),
        (dict(input_size=(5,), kernel_size=3, dilation=0), "dilation should be greater than zero"),
        (dict(input_size=(5,), kernel_size=0), "kernel size should be greater than zero"),
        (
            dict(input_size=(5,), kernel_size=3, stride=2, padding="same"),
            "padding='same' is not supported for strided convolutions",
        ),
        (dict(input_size=(5,), kernel_size=3, padding="bogus"), "Invalid padding string 'bogus'"),
        (
            dict(input_size=(5,), kernel_size=3, padding=(1, 2)),
            r"a list of 1 values to match the convolution dimensions, but got padding=\[1, 2\]",
        ),
        (dict(input_size=(5,), kernel_size=3, padding_mode="bogus"), "padding_mode must be one of"),
        (dict(input_size=(0,), kernel_size=1), "must be positive"),
    ],
)
def test_conv_errors_use_torch_terms(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        shapes.conv_geometry(**kwargs)


def test_transposed_output_padding_rule() -> None:
    assert shapes.transposed_output_size(5, 3, 1, 0, 2, 1) == 10  # op < d is enough
    assert shapes.transposed_output_size(5, 3, 2, 0, 3, 2) == 17
    with pytest.raises(ValueError, match="smaller than either stride or dilation"):
        shapes.transposed_output_size(5, 3, 1, 0, 1, 1)
    with pytest.raises(ValueError, match="negative output_padding"):
        shapes.transposed_output_size(5, 3, 2, 0, 1, -1)
    with pytest.raises(ValueError, match="Output size is too small"):
        shapes.transposed_output_size(1, 1, 1, 1)


def test_output_size_range_ignores_dilation() -> None:
    assert shapes.output_padding_for_size((5,), (9,), 3, 1, 0, 2) == (0,)
    with pytest.raises(ValueError, match=r"valid sizes range from \[9\] to \[9\]"):
        shapes.output_padding_for_size((5,), (10,), 3, 1, 0, 2)
    # ... although output_padding=1 reaches 10, which the direct conv does not map back to 5.
    assert (10, 1) in shapes.transposed_output_range(5, 3, 1, 0, 2)
    assert shapes.conv_output_size(10, 3, dilation=2) == 6


@pytest.mark.parametrize(
    "k,s,p,d,o,expected",
    [
        (3, 2, 1, 1, 5, [9, 10]),
        (3, 3, 0, 1, 4, [12, 13, 14]),
        (4, 2, 1, 1, 1, [2, 3]),
        (3, 2, 0, 2, 3, [9, 10]),
        (1, 1, 3, 1, 1, []),
    ],
)
def test_preimage_table(k: int, s: int, p: int, d: int, o: int, expected: list[int]) -> None:
    assert list(shapes.preimage(o, k, s, p, d)) == expected
    lmin = (o - 1) * s + shapes.effective_kernel(k, d) - 2 * p
    for L in expected:  # output_padding L − Lmin recovers each member
        assert shapes.transposed_output_size(o, k, s, p, d, L - lmin) == L


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 4),
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(1, 3),
    st.integers(1, 8),
)
def test_preimage_brute_force(k: int, s: int, pb: int, pa: int, d: int, o: int) -> None:
    found = []
    for L in range(1, (o + 2) * s + d * k + 2):
        try:
            if shapes.conv_output_size(L, k, s, (pb, pa), d) == o:
                found.append(L)
        except ValueError:
            pass
    assert list(shapes.preimage(o, k, s, (pb, pa), d)) == found


@pytest.mark.parametrize(
    "L,k,s,p,floor,ceil",
    [
        (5, 2, 2, 0, 2, 3),
        (5, 1, 3, 0, 2, 2),
        (4, 2, 3, 1, 2, 2),
        (3, 1, 3, 0, 1, 1),
        (6, 3, 2, 1, 3, 4),
    ],
)
def test_pool_ceil_mode_edge_cases(L: int, k: int, s: int, p: int, floor: int, ceil: int) -> None:
    assert shapes.pool_output_shape((L,), k, s, p) == (floor,)
    assert shapes.pool_output_shape((L,), k, s, p, ceil_mode=True) == (ceil,)


def test_pool_rules() -> None:
    assert shapes.pool_output_shape((9,), 4, 1, 2) == (10,)  # k = 4, p = 2 allowed
    with pytest.raises(ValueError, match="at most half"):
        shapes.pool_output_shape((9,), 3, 1, 2, dilation=2)  # the raw kernel's half binds
    with pytest.raises(ValueError, match="smaller than kernel size"):
        shapes.pool_output_shape((2, 2, 2), 3, 1, 1, kind="avg")  # avg_pool3d quirk
    assert shapes.pool_output_shape((2, 2), 3, 1, 1, kind="avg") == (2, 2)
    assert shapes.pool_output_shape((2, 2, 2), 3, 1, 1, kind="max") == (2, 2, 2)
    assert shapes.pool_output_shape((7,), 3) == (2,)  # stride defaults to the kernel
    # torch pooling has no padding words and no (before, after) pairs: one clear refusal
    for padding in ("same", [(0, 1)], [1, (0, 1)]):
        with pytest.raises(ValueError, match="symmetric integer padding"):
            shapes.pool_output_shape((7, 7), 3, padding=padding)


def test_pool_dim_padded_and_covered() -> None:
    floor, ceil = (
        shapes.pool_geometry((6,), 3, 2, 1)[0],
        shapes.pool_geometry((6,), 3, 2, 1, ceil_mode=True)[0],
    )
    assert (floor.padded, floor.output, floor.covered) == (8, 3, 7)  # the floor drops one cell
    assert (ceil.padded, ceil.output, ceil.covered) == (8, 4, 9)  # ceil mode overhangs by one


def test_avg_divisors_examples() -> None:
    g = shapes.pool_geometry((6,), 3, 2, 1, ceil_mode=True, kind="avg")[0]
    ones = [
        (min(g.window(i)[0] + 3, 6) - max(g.window(i)[0], 0)) / dv
        for i, dv in enumerate(shapes.avg_pool_divisors(g))
    ]
    assert ones == [2 / 3, 1, 1, 0.5]
    g = shapes.pool_geometry((5,), 2, 2, ceil_mode=True, kind="avg")[0]
    assert shapes.avg_pool_divisors(g) == [2, 2, 1]
    with pytest.raises(ValueError, match="divisor must be not zero"):
        shapes.avg_pool_divisors(g, divisor_override=0)


def test_adaptive_examples() -> None:
    assert shapes.adaptive_windows(5, 7) == [(0, 1), (0, 2), (1, 3), (2, 3), (2, 4), (3, 5), (4, 5)]
    assert shapes.adaptive_windows(5, 3) == [(0, 2), (1, 4), (3, 5)]
    assert shapes.adaptive_windows(10, 4) == [(0, 3), (2, 5), (5, 8), (7, 10)]
    assert shapes.adaptive_windows(10, 0) == []
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        shapes.adaptive_windows(5, -1)


def test_unpool() -> None:
    assert shapes.pool_output_shape((10,), 3, 2, 1) == (5,)
    assert shapes.unpool_default_size(5, 3, 2, 1) == 9  # does not recover 10
    assert shapes.unpool_output_size(5, 3, 2, 1, 10) == 10
    # MaxUnpool2d(2) on a 5×5 map pooled to 2×2: default 4×4, output_size 5×5 restores it
    assert shapes.unpool_default_size(2, 2) == 4 and 5 in shapes.unpool_size_range(2, 2)
    with pytest.raises(ValueError, match="must be between 7 and 11"):
        shapes.unpool_output_size(5, 3, 2, 1, 11)


def test_int64_rule_like_torch() -> None:
    # torch refuses Python ints beyond int64 ("Overflow when unpacking long long"); so does
    # the core, for every parameter, before any arithmetic. 2**63 − 1 itself is accepted.
    big = 2**63
    assert shapes.conv_output_shape((5,), 3, stride=big - 1) == (1,)
    for kwargs in (
        {"input_size": (big,), "kernel_size": 3},
        {"input_size": (5,), "kernel_size": 3, "stride": big},
        {"input_size": (5, 5), "kernel_size": 3, "padding": [(0, big), 0]},
        {"input_size": (5,), "kernel_size": 3, "dilation": (big,)},
    ):
        with pytest.raises(ValueError, match="does not fit in a 64-bit integer"):
            shapes.conv_geometry(**kwargs)
    with pytest.raises(ValueError, match="does not fit in a 64-bit integer"):
        shapes.check_groups(big, big, big)
    with pytest.raises(ValueError, match="does not fit in a 64-bit integer"):
        shapes.pool_geometry((5,), 3, stride=big)
    with pytest.raises(ValueError, match="does not fit in a 64-bit integer"):
        shapes.transposed_geometry((5,), 3, stride=2**62)  # the output 2**64 + 3 overflows


def test_enumerations_are_lazy_for_huge_parameters() -> None:
    # A stride of 2**62 has 2**62 reachable sizes and preimage members: ranges, not lists.
    s = 2**62
    sizes = shapes.transposed_output_sizes(5, 3, stride=s)
    assert (sizes[0], sizes[-1], len(sizes)) == (4 * s + 3, 5 * s + 2, s)
    assert len(shapes.preimage(1, 3, stride=s)) == s
    g = shapes.pool_geometry((s,), 3, stride=2, padding=1, ceil_mode=True, kind="avg")[0]
    assert shapes.avg_pool_divisor(g, g.output - 1) == 2  # clipped at the padding edge
    assert shapes.adaptive_window(10, s, s - 1) == (9, 10)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 9), st.integers(1, 5), st.integers(1, 5), st.integers(0, 4), st.integers(1, 4)
)
def test_transposed_sizes_range_is_the_list(L: int, k: int, s: int, p: int, d: int) -> None:
    listed = shapes.transposed_output_range(L, k, s, p, d)
    sizes = shapes.transposed_output_sizes(L, k, s, p, d)
    assert [size for size, _ in listed] == list(sizes)
    for size, op in listed:  # each size is what torch's formula gives with that output_padding
        assert size == (L - 1) * s - 2 * p + d * (k - 1) + op + 1 and 0 <= op < max(s, d)


@pytest.mark.parametrize("module", [shapes, transposed, pooling, dims])
def test_doctests(module: Any) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 1 and result.failed == 0
