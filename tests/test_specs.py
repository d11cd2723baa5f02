"""Operation specs (convanim.core.specs): one operation parsed from any front end is one spec,
and every spec validates itself exactly as torch does (committed torch 2.13 answers, and live
torch when it is installed)."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_args

from convanim.core import params, shapes, specs
from convanim.core.specs import (
    KINDS,
    AdaptiveSpec,
    ConvSpec,
    PoolSpec,
    TransposedSpec,
    UnpoolSpec,
    get_kind,
    spec_from_mapping,
)

REFERENCE = Path(__file__).parent / "data" / "shapes_reference.json"


def test_doctests() -> None:
    for module in (specs, params):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 3, module.__name__


# --------------------------------------------------------------------------------------------
# One operation, three front ends, one spec
# --------------------------------------------------------------------------------------------

# The same operations as `convanim shape` flags, as a deck placeholder writes them (text after
# `key=`) and as a scene's JSON parameter dict holds them (numbers and lists, the scenes' own
# key spellings).
SAME_OPERATIONS = [
    (
        "conv",
        "conv -i 6x6 -k 3 -s 2 -p 1",
        {"size": "6x6", "kernel": "3", "stride": "2", "padding": "1", "dilation": "1"},
        {"input": [6, 6], "kernel": [3, 3], "stride": [2], "padding": [1], "dilation": [1]},
    ),
    (
        "conv",
        "conv --input 7x5 -k 3,2 -p 1:2,0:1 --padding-mode reflect",
        {"input": "7x5", "k": "3,2", "padding": "1:2,0:1", "padding_mode": "reflect"},
        {
            "input_size": [7, 5],
            "kernel_size": [3, 2],
            "padding": [[1, 2], [0, 1]],
            "padding_mode": "reflect",
        },
    ),
    (
        "transposed",
        "transposed -i 3x3 -k 3 -s 2,2 -p 1 --output-padding 1",
        {"size": "3x3", "kernel": "3", "stride": "2", "padding": "1", "output_padding": "1"},
        {
            "input": [3, 3],
            "kernel": [3, 3],
            "stride": [2, 2],
            "padding": [1],
            "output_padding": [1],
        },
    ),
    (
        "max_pool",
        "pool -i 5x5 -k 2 --ceil-mode --kind max",
        {"size": "5x5", "kernel": "2", "ceil_mode": "true"},
        {"input": [5, 5], "kernel": [2, 2], "ceil_mode": True},
    ),
    (
        "avg_pool",
        "pool -i 6 -k 3 -s 2 -p 1 --kind avg --no-count-include-pad",
        {"input": "6", "k": "3", "s": "2", "p": "1", "count_include_pad": "false"},
        {"input": [6], "kernel": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    ),
    (
        "adaptive_avg_pool",
        "adaptive -i 10x7 --output-size 3,7",
        {"input": "10x7", "output_size": "3,none"},
        {"input": [10, 7], "output_size": [3, None]},
    ),
]


def cli_spec(command: str) -> specs.Spec:
    """The spec `convanim shape COMMAND` builds: click parses the flags, the command's kind
    (``pool``, ``adaptive`` …) reads them through spec_from_mapping, as the command does."""
    from convanim.cli.shape import shape

    argv = cli_args(command)
    command = shape.commands[argv[0]]
    ctx = command.make_context(argv[0], argv[1:])
    given = {
        k: v for k, v in ctx.params.items() if v is not None and k not in ("framework", "as_json")
    }
    return spec_from_mapping(argv[0], given)


@pytest.mark.parametrize(("kind", "command", "placeholder", "scene"), SAME_OPERATIONS)
def test_cli_placeholder_and_scene_dict_give_equal_specs(
    kind: str, command: str, placeholder: dict[str, str], scene: dict[str, Any]
) -> None:
    from_cli = cli_spec(command)
    from_deck = spec_from_mapping(kind, placeholder)
    from_scene = spec_from_mapping(kind, scene)
    assert from_cli == from_deck == from_scene
    assert hash(from_cli) == hash(from_deck) == hash(from_scene)
    assert from_cli.geometry() == from_deck.geometry() == from_scene.geometry()


def test_different_operations_give_different_specs() -> None:
    a = spec_from_mapping("conv", {"input": "6x6", "k": "3", "s": "2"})
    b = spec_from_mapping("conv", {"input": "6x6", "k": "3", "s": "2,1"})
    assert a != b
    assert spec_from_mapping("max_pool", {"input": "4", "k": "2"}) != spec_from_mapping(
        "avg_pool", {"input": "4", "k": "2"}
    )


def test_unknown_parameter_and_bad_text_are_refused() -> None:
    with pytest.raises(ValueError, match="lp_pool takes no parameter 'padding'"):
        spec_from_mapping("lp_pool", {"input": "6", "k": "2", "padding": "1"})
    with pytest.raises(ValueError, match="'abc' is not an integer or a list of integers"):
        spec_from_mapping("conv", {"input": "6", "k": "abc"})
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        spec_from_mapping("conv", {"input": "6", "k": "3", "padding_mode": "mirror"})
    with pytest.raises(ValueError, match="max_pool takes no parameter 'kind'"):
        spec_from_mapping("max_pool", {"input": "6", "k": "2", "kind": "avg"})


def test_specs_are_frozen() -> None:
    spec = ConvSpec((6, 6), 3)
    with pytest.raises(AttributeError):
        spec.stride = 2  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


def test_registry_names_importable_engine_functions() -> None:
    for kind in KINDS.values():
        for role in ("forward", "backward", "trace", "explain"):
            if getattr(kind, role) is not None:
                assert callable(kind.load(role)), (kind.name, role)
        assert get_kind(kind.torch_name(2)) is kind


def test_registry_lookup() -> None:
    assert get_kind("conv_transpose3d").name == "transposed"
    assert get_kind("adaptive_max_pool1d").name == "adaptive_max_pool"
    assert get_kind("pool").spec is PoolSpec
    assert [p.name for p in get_kind("lp_pool").params()] == [
        "input_size",
        "kernel_size",
        "stride",
        "ceil_mode",
        "norm_type",
    ]
    with pytest.raises(ValueError, match="unknown operation kind 'fractional'"):
        get_kind("fractional")


def test_every_spec_parameter_is_declared_once() -> None:
    for kind in KINDS.values():
        for p in kind.params():
            base = params.PARAMS[p.name]
            assert p.parse is base.parse or p.name in ("output_size",), p.name
            assert p.flags == base.flags and p.aliases == base.aliases


# --------------------------------------------------------------------------------------------
# Validation against torch (the committed answers of torch 2.13.0)
# --------------------------------------------------------------------------------------------


def _case_spec(case: dict[str, Any]) -> specs.Spec:
    """The reference case as a scene-style parameter dict, through spec_from_mapping."""
    op = case["op"]
    if op == "conv":
        keys = ("kernel_size", "stride", "padding", "dilation", "padding_mode")
        return spec_from_mapping("conv", {"input": case["input"], **{k: case[k] for k in keys}})
    if op == "conv_transpose":
        keys = ("kernel_size", "stride", "padding", "dilation", "output_padding", "output_size")
        values = {k: case.get(k) for k in keys}
        return spec_from_mapping("transposed", {"input": case["input"], **values})
    if op == "pool":
        keys = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
        values = {k: case[k] for k in keys}
        if case["kind"] != "max":  # avg/lp take no dilation: the oracle passes 1
            assert values.pop("dilation") in (1, [1], [1, 1], [1, 1, 1])
        if case["kind"] == "lp":
            assert values.pop("padding") in (0, [0], [0, 0], [0, 0, 0])
        return spec_from_mapping(f"{case['kind']}_pool", {"input": case["input"], **values})
    if op == "adaptive":
        return AdaptiveSpec((case["input"],), (case["output"],))
    if op == "unpool":
        return UnpoolSpec(
            (case["input"],),
            case["kernel_size"],
            case["stride"],
            case["padding"],
            None if case.get("output_size") is None else (case["output_size"],),
        )
    raise AssertionError(op)


def _spec_answer(case: dict[str, Any]) -> Any:
    spec = _case_spec(case)
    if case["op"] == "adaptive":
        return [list(w) for w in spec.geometry()[0].windows()]
    return list(spec.output_shape)


@pytest.mark.parametrize("op", ["conv", "conv_transpose", "pool", "adaptive", "unpool"])
def test_specs_agree_with_torch_reference(op: str) -> None:
    cases = [c for c in json.loads(REFERENCE.read_text())["cases"] if c["op"] == op]
    assert len(cases) > 100
    errors = 0
    for case in cases:
        try:
            mine: dict[str, Any] = {"result": _spec_answer(case)}
        except ValueError as exc:
            mine = {"error": str(exc)}
        assert ("error" in mine) == ("error" in case), (case, mine)
        if "result" in case:
            assert mine["result"] == case["result"], (case, mine)
        errors += "error" in case
    # The refusals are tested too, not only sizes (torch refuses no adaptive case of the data).
    assert errors > 10 or op == "adaptive"


def test_spec_messages_are_the_shape_cores() -> None:
    with pytest.raises(ValueError) as spec_error:
        TransposedSpec((5,), 3, stride=2, output_padding=2)
    with pytest.raises(ValueError) as core_error:
        shapes.transposed_geometry((5,), 3, stride=2, output_padding=2)
    assert str(spec_error.value) == str(core_error.value)
    with pytest.raises(ValueError, match="Invalid padding string 'causal'"):
        ConvSpec((6,), 3, padding="causal")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        ConvSpec((6,), 3, groups=3, in_channels=4, out_channels=6)


def test_live_torch_agrees_on_spec_geometry() -> None:
    torch = pytest.importorskip("torch")
    spec = spec_from_mapping(
        "conv", {"input": "9x7", "k": "3,2", "s": "2", "p": "1", "d": "2,1", "groups": "2"}
    )
    conv = torch.nn.Conv2d(2, 4, spec.kernel_size, spec.stride, spec.padding, spec.dilation, 2)
    y = conv(torch.zeros(1, 2, *spec.input_size))
    assert tuple(y.shape[2:]) == spec.output_shape
    spec = spec_from_mapping(
        "transposed", {"input": "3x4", "k": "3", "s": "2,3", "p": "1", "output_size": "6x12"}
    )
    deconv = torch.nn.ConvTranspose2d(1, 1, 3, spec.stride, spec.padding)
    y = deconv(torch.zeros(1, 1, *spec.input_size), output_size=list(spec.output_size))
    assert tuple(y.shape[2:]) == spec.output_shape
    assert spec.output_padding_used == (1, 2)
