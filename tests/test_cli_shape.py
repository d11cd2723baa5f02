"""``convanim shape`` through the real console script: the contract, JSON, teaching text, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import cli_args
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.cli import cli

CONVANIM = Path(sys.executable).with_name("convanim")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONVANIM), "shape", *args], capture_output=True, text=True, timeout=60
    )


def run_json(*args: str) -> dict:
    proc = run(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------


def test_conv_json() -> None:
    data = run_json("conv", "-i", "6x6", "-k", "3", "-s", "2", "-p", "1")
    assert data["output"] == [3, 3]
    assert data["preimage"] == [[5, 6], [5, 6]]
    assert data["preimage_output_padding"] == [[0, 1], [0, 1]]
    assert data["padding"] == [[1, 1], [1, 1]]


def test_conv_teaching_view() -> None:
    proc = run("conv", "-i", "6x6", "-k", "3", "-s", "2", "-p", "1")
    assert proc.returncode == 0 and proc.stderr == ""
    out = proc.stdout
    assert "output 3×3" in out
    assert "⌊(6 + 2·1 − 3)/2⌋ + 1 = ⌊5/2⌋ + 1 = 3" in out
    assert "5 and 6 both give 3" in out and "output_padding=1" in out
    # the floor drops a padded row and column; named as such, and known to be padding
    assert "the floor drops the last row and column (bottom/right)" in out
    assert "they are padding, so no input is lost" in out


def test_same_split_note() -> None:
    proc = run("conv", "-i", "5", "-k", "4", "-p", "same")
    assert "1 before and 2 after" in proc.stdout and "puts the odd element after" in proc.stdout
    assert run_json("conv", "-i", "5", "-k", "4", "-p", "same")["padding"] == [[1, 2]]


@pytest.mark.parametrize(
    "size,expected",
    [("6", [3]), ("6x6", [3, 3]), ("6,6", [3, 3]), ("8x6x6", [4, 3, 3]), ("7x8", [4, 4])],
)
def test_size_forms(size: str, expected: list[int]) -> None:
    assert run_json("conv", "-i", size, "-k", "3", "-s", "2", "-p", "1")["output"] == expected


def test_per_dimension_parameters_and_asymmetric_padding() -> None:
    data = run_json("conv", "-i", "6x6", "-k", "3,5", "-s", "1,2", "-p", "1:2,0:1", "-d", "1,1")
    assert data["kernel_size"] == [3, 5] and data["stride"] == [1, 2]
    assert data["padding"] == [[1, 2], [0, 1]]
    assert data["output"] == [(6 + 3 - 3) + 1, (6 + 1 - 5) // 2 + 1]
    assert run_json("conv", "-i", "5", "-k", "3", "-p", "full")["output"] == [7]


def test_conv_channels_and_params() -> None:
    data = run_json(*cli_args("conv -i 8x8 -k 3 --groups 2 --in-channels 4 --out-channels 6"))
    assert data["weight_shape"] == [6, 2, 3, 3]
    assert data["params"] == {"weights": 108, "bias": 6, "dense_weights": 8 * 8 * 4 * 6 * 6 * 6}


def test_transposed_json() -> None:
    data = run_json("transposed", "-i", "3x3", "-k", "3", "-s", "2", "-p", "1")
    assert data["output"] == [5, 5]
    # "reachable" is sizes per dimension for every framework; torch adds their output_padding
    assert data["reachable"] == [[5, 6], [5, 6]]
    assert data["reachable_output_padding"] == [[0, 1], [0, 1]]
    data = run_json(*cli_args("transposed -i 3x3 -k 3 -s 2 -p 1 --output-padding 1"))
    assert data["output"] == [6, 6]
    eq = data["equivalent_conv"][0]
    assert (eq["stretched"], eq["pad_before"], eq["pad_after"], eq["grid"]) == (5, 1, 2, 8)
    data = run_json(*cli_args("transposed -i 3x3 -k 3 -s 2 -p 1 --output-size 6x6"))
    assert data["output"] == [6, 6] and data["output_padding"] == [1, 1]


def test_transposed_teaching_view() -> None:
    out = run(*cli_args("transposed -i 3 -k 3 -s 2 -p 1 --output-padding 1")).stdout
    assert "(3 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 6" in out
    assert "5 (output_padding=0), 6 (output_padding=1)" in out
    assert "maps 5 and 6 to 3" in out


def test_pool_json() -> None:
    data = run_json("pool", "-i", "5", "-k", "2", "--ceil-mode", "--kind", "avg")
    assert data["output"] == [3] and data["divisors"] == [[2, 2, 1]]
    assert data["windows"] == [[[0, 2], [2, 4], [4, 6]]]
    assert run_json("pool", "-i", "5", "-k", "1", "-s", "3", "--ceil-mode")["output"] == [2]
    unpool = run_json("pool", "-i", "10", "-k", "3", "-s", "2", "-p", "1")["unpool"]
    assert unpool == {"default": [9], "accepted": [[8, 10]]}


def test_pool_teaching_view_shows_the_dropped_window() -> None:
    out = run("pool", "-i", "5", "-k", "1", "-s", "3", "--ceil-mode").stdout
    assert "⌈(5 − 1)/3⌉ + 1 = ⌈4/3⌉ + 1 = 3" in out and "= 2" in out and "right padding" in out


def test_adaptive_json() -> None:
    data = run_json("adaptive", "-i", "10", "--output-size", "3")
    assert data["output"] == [3]
    assert data["windows"] == [[[0, 4], [3, 7], [6, 10]]]
    data = run_json("adaptive", "-i", "5x10", "--output-size", "3,4")
    assert data["windows"][1] == [[0, 3], [2, 5], [5, 8], [7, 10]]


@pytest.mark.parametrize(("given", "torch_size"), [("3,none", (3, None)), ("-,4", (None, 4))])
def test_adaptive_output_size_none_keeps_a_dimension_as_torch_does(given, torch_size) -> None:
    """``shape adaptive`` reads ``none`` (or ``-``) as torch's None, as ``compute`` does."""
    torch = pytest.importorskip("torch")
    data = run_json("adaptive", "-i", "7x9", "--output-size", given)
    pooled = torch.nn.AdaptiveAvgPool2d(torch_size)(torch.zeros(1, 1, 7, 9))
    assert data["output"] == list(pooled.shape[2:])


def test_stack_json() -> None:
    data = run_json("stack", "--preset", "alexnet")
    assert data["input"] == [224, 224] and data["output"] == [] and data["out_channels"] == 1000
    assert data["receptive_field"] == [195, 195] and data["params"] == 61_100_840
    assert len(data["layers"]) == 11
    assert data["layers"][0]["output"] == [55, 55]
    data = run_json("stack", "--preset", "wavenet", "--blocks", "3")
    assert data["receptive_field"] == [3070]
    data = run_json("stack", "-i", "32x32", "2*conv:k=3,p=1,c=16", "maxpool:k=2", "fc:c=10")
    assert [layer["output"] for layer in data["layers"]] == [[32, 32], [32, 32], [16, 16], []]
    assert data["receptive_field"] == [6, 6]


def test_stack_teaching_view() -> None:
    out = run("stack", "--preset", "vgg16").stdout
    assert "138,357,544 parameters" in out and "212×212" in out


@pytest.mark.parametrize(
    "args,output",
    [
        (["conv", "-i", "6x5", "-k", "3", "-s", "2", "-p", "same", "--framework", "tf"], [3, 3]),
        (["conv", "-i", "3", "-k", "6", "-s", "2", "-p", "valid", "--framework", "tf"], [0]),
        (["conv", "-i", "5", "-k", "6", "--framework", "jax"], [0]),
        (["conv", "-i", "5", "-k", "3", "-d", "2", "-p", "causal", "--framework", "keras"], [5]),
        (
            ["transposed", "-i", "5", "-k", "4", "-s", "2", "-p", "same", "--framework", "keras"],
            [10],
        ),
        (
            ["transposed", "-i", "5", "-k", "3", "-s", "2", "-p", "valid", "--framework", "jax"],
            [11],
        ),
        (["pool", "-i", "5", "-k", "6", "--framework", "keras"], [0]),
    ],
)
def test_frameworks(args: list[str], output: list[int]) -> None:
    assert run_json(*args)["output"] == output


def test_tf_transposed_reachable() -> None:
    data = run_json(*cli_args("transposed -i 5 -k 3 -s 2 -p same --framework tf"))
    assert data["reachable"] == [[9, 10]]


def test_help_for_every_subcommand() -> None:
    for name in ("conv", "transposed", "pool", "adaptive", "stack"):
        proc = run(name, "--help")
        assert proc.returncode == 0 and "Usage: convanim shape" in proc.stdout
    proc = run()
    assert proc.returncode == 0 and "transposed" in proc.stdout


# --------------------------------------------------------------------------------------------
# Bad input: exit 2, one `Error:` line naming the rule, never a traceback
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command,rule",
    [
        ("conv -i 6 -k abc", "is not an integer"),
        ("conv -i 0x-3 -k 3", "must be positive"),
        ("conv -i 6 -k 3 -p same -s 2", "padding='same' is not supported for strided convolutions"),
        (
            "transposed -i 3 -k 3 -s 2 --output-padding 5",
            "output padding must be smaller than either stride or dilation",
        ),
        ("conv -i 5 -k 7", "Kernel size can't be greater than actual input size"),
        ("conv -i 6x6 -k 3,3,3", "a list of 2 values"),
        ("conv -i abc -k 3", "is not a size"),
        ("conv -i 5 -k 3 -p bogus", "is not a padding"),
        ("conv -i 5 -k 3 -s 0", "non-positive stride"),
        ("conv -i 5 -k 3 -d 0", "dilation should be greater than zero"),
        ("conv -i 5 -k 3 -p -1", "negative padding"),
        ("conv -i 5 -k 3 --groups 2 --in-channels 3", "in_channels must be divisible by groups"),
        ("conv -i 5 -k 3 --padding-mode reflect -p 5", "Padding size should be less than"),
        ("conv -i 5 -k 3 --padding-mode circular -p 6", "wrapping around more than once"),
        ("conv -i 2x3x4x5 -k 1", "1, 2 or 3 spatial dimensions"),
        ("pool -i 2x3x4x5 -k 1 --framework tf", "1, 2 or 3 spatial"),
        ("transposed -i 2x3x4x5 -k 1 -p same --framework jax", "1, 2 or 3 spatial"),
        ("conv -k 3", "Missing option"),
        ("conv -i 5 -k 3 -p causal", "torch has no padding='causal'"),
        ("transposed -i 5 -k 3 -s 2 --output-size 13", "valid sizes range from [11] to [12]"),
        ("transposed -i 3 -k 3 -p same", "integer padding"),
        ("transposed -i 1 -k 1 -p 1", "Output size is too small"),
        ("transposed -i 3 -k 3 --output-padding 1 --output-size 5", "not both"),
        ("pool -i 5 -k 3 -p 2", "at most half of effective kernel size"),
        ("pool -i 5 -k 3 -p same", "symmetric integer padding"),
        ("pool -i 5x5 -k 3 -p 1:0,1", "symmetric integer padding"),
        ("pool -i 1 -k 3 -p 0", "Output size is too small"),
        ("pool -i 5x5 -k 3 --kind avg --divisor-override 0", "divisor must be not zero"),
        ("pool -i 5 -k 3 --kind lp -p 1", "lp pooling has no padding"),
        ("pool -i 5 -k 3 --kind median", "Invalid value for '--kind'"),
        ("pool -i 5x5 -k 3 --divisor-override 2", "divisor_override belongs to average pooling"),
        ("pool -i 5 -k 3 -d 2 --framework tf", "torch's pooling arguments"),
        ("pool -i 5 -k 3 --ceil-mode --framework jax", "torch's pooling"),
        ("adaptive -i 5 --output-size -1", "greater than or equal to 0"),
        ("adaptive -i 0 --output-size 2", "non-zero size"),
        ("stack -i 8 conv:k=9", "layer 1 (conv k9)"),
        ("stack -i 8 blah", "unknown layer"),
        ("stack --preset alexnet --blocks 2", "no repeatable block"),
        ("stack conv:k=3", "Missing option '-i'"),
        ("conv -i 6 -k 3 --framework keras -p 1", "ZeroPadding1D"),
        ("conv -i 6 -k 3 --in-channels 4 --framework tf", "describe torch modules"),
        ("conv -i 6 -k 3 -s 2 -d 2 --framework keras", "strides > 1` not supported"),
        (
            "transposed -i 5 -k 3 -s 2 --output-padding 2 --framework keras -p valid",
            "strictly less than `strides`",
        ),
    ],
)
def test_bad_input_is_one_error_line(command: str, rule: str) -> None:
    proc = run(*cli_args(command))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert rule in lines[0]
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------------------------
# In-process: the JSON answer equals torch's (the CLI adds no arithmetic of its own)
# --------------------------------------------------------------------------------------------

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None


@pytest.mark.skipif(torch is None, reason="needs torch for the live check")
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 9), min_size=1, max_size=3),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(1, 2),
)
def test_conv_json_matches_torch(sizes: list[int], k: int, s: int, p: int, d: int) -> None:
    args = ["shape", "conv", "-i", "x".join(map(str, sizes)), "-k", str(k), "-s", str(s)]
    args += ["-p", str(p), "-d", str(d), "--json"]
    result = CliRunner().invoke(cli, args)
    x = torch.zeros(1, 1, *sizes)
    conv = getattr(F, f"conv{len(sizes)}d")
    try:
        expected = list(
            conv(x, torch.zeros(1, 1, *[k] * len(sizes)), stride=s, padding=p, dilation=d).shape[2:]
        )
    except RuntimeError:
        assert isinstance(result.exception, ValueError)
        return
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["output"] == expected


# --------------------------------------------------------------------------------------------
# The teaching view says what a student would otherwise miss (in-process: fast)
# --------------------------------------------------------------------------------------------


def show(*args: str) -> str:
    result = CliRunner().invoke(cli, ["shape", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_floor_drop_names_rows_columns_and_real_input() -> None:
    out = show("conv", "-i", "8x9", "-k", "3", "-s", "2")
    assert "H: the floor drops the last row (bottom): the windows reach 7 of the 8 rows" in out
    assert "1 of them is real input, never read" in out
    assert "W: the floor" not in out  # (9 − 3)/2 is whole: nothing dropped along W


def test_stride_longer_than_the_window_skips_cells() -> None:
    out = show("conv", "-i", "9x9", "-k", "2", "-s", "4", "-p", "1")
    assert "stride 4 > K = 2: 2 rows and columns between neighbouring windows are never read" in out
    assert "stride 3 > K = 1: 2 cells between" in show("pool", "-i", "5", "-k", "1", "-s", "3")
    one = show("conv", "-i", "9", "-k", "3", "-s", "4", "-p", "1")
    assert "stride 4 > K = 3: one cell between neighbouring windows is never read" in one
    assert "never read" not in show("conv", "-i", "9", "-k", "3", "-s", "2", "-d", "2")


def test_dilation_note_only_where_it_spreads_taps() -> None:
    out = show("conv", "-i", "8x6", "-k", "3,1", "-d", "2")
    assert "H: dilation 2 spreads the 3 taps over K = 2·(3 − 1) + 1 = 5 cells" in out
    assert "spreads the 1 taps" not in out


def test_pool_ceil_mode_hint_only_when_it_adds_a_window() -> None:
    assert "--ceil-mode keeps a partial window" in show("pool", "-i", "5", "-k", "2")
    # torch's ceil_mode would start the extra window at 6 ≥ L + p = 5 and drop it again
    assert "--ceil-mode keeps" not in show("pool", "-i", "5", "-k", "1", "-s", "3")


def test_max_unpool_note_with_dilation() -> None:
    out = show("pool", "-i", "11", "-k", "2", "-d", "4")
    assert "knows nothing of dilation or ceil_mode" in out and "cannot restore 11" in out


def test_long_window_lists_are_summarised() -> None:
    out = show("pool", "-i", "224x224", "-k", "2")
    assert "[0,2) [2,4)" in out and "[222,224)  (112 windows in all)" in out
    assert "[100,102)" not in out


def test_framework_views_show_the_formula() -> None:
    assert "trunc((5 − 6 + 6)/6) = 0" in show("pool", "-i", "5", "-k", "6", "--framework", "tf")
    assert "max(0, ⌊(5 − 6)/6⌋ + 1) = 0" in show(
        "pool", "-i", "5", "-k", "6", "--framework", "keras"
    )
    out = show("transposed", "-i", "5", "-k", "3", "-s", "2", "-p", "same", "--framework", "tf")
    assert "output_shape ∈ [(5 − 1)·2 + 1, 5·2] = [9, 10]" in out
    out = show("transposed", "-i", "5", "-k", "4", "-s", "2", "-p", "same", "--framework", "keras")
    assert "5·2 = 10   (output_padding=None)" in out and "an even kernel" in out
    out = show("conv", "-i", "3", "-k", "6", "-s", "2", "--framework", "tf")
    assert "only because it truncates toward zero: ⌊−1/2⌋ = −1" in out


def test_stack_start_is_written_in_full() -> None:
    out = show("stack", "-i", "100000000", "conv:k=2,p=causal,d=12345677", "maxpool:k=2")
    assert " -6172838.5 " in out and " -6172838 " in out and "e+06" not in out


def test_preset_at_another_input_mentions_torchvision_adaptive_pool() -> None:
    out = show("stack", "--preset", "alexnet", "-i", "100x100")
    assert "takes 9,216 features, not 1,024" in out
    assert "would resize" not in show("stack", "--preset", "alexnet")
    assert "would resize" not in show("stack", "--preset", "alexnet", "-i", "224")  # 1-D: n/a


# --------------------------------------------------------------------------------------------
# Absurd numbers: answered at once or refused in one line, never a hang or a huge allocation
# --------------------------------------------------------------------------------------------

HUGE = str(2**62)  # fits torch's int64: sizes are answered, enumerations summarised
BIG = str(2**60)  # for transposed convolutions, whose output must fit int64 too
TOO_BIG = str(10**26)  # does not fit: refused as torch refuses it


ABSURD = [
    (
        ["conv", "-i", HUGE, "-k", "3", "-s", HUGE, "-p", "1"],
        "(4,611,686,018,427,387,904 sizes)",
    ),
    (["conv", "-i", HUGE, "-k", "3", "-s", HUGE, "--json"], "--json would list"),
    (["conv", "-i", "5", "-k", "3", "-s", TOO_BIG], "does not fit in a 64-bit integer"),
    (["conv", "-i", "5", "-k", "3", "--groups", TOO_BIG], "does not fit in a 64-bit integer"),
    (["transposed", "-i", "5", "-k", "3", "-s", BIG], "in all)"),
    (["transposed", "-i", "5", "-k", "3", "-s", "2", "-d", BIG], "in all)"),
    (["transposed", "-i", "5", "-k", "3", "-s", BIG, "--json"], "--json would list"),
    (["transposed", "-i", HUGE, "-k", "3", "-s", HUGE], "does not fit in a 64-bit integer"),
    (
        ["transposed", "-i", "5", "-k", "3", "-s", HUGE, "-p", "same", "--framework", "keras"],
        "in all)",
    ),
    (
        [
            "transposed",
            "-i",
            "5",
            "-k",
            "3",
            "-s",
            HUGE,
            "-p",
            "same",
            "--framework",
            "tf",
            "--json",
        ],
        "--json would list",
    ),
    (
        ["pool", "-i", HUGE, "-k", "3", "-s", "1", "--kind", "avg", "-p", "1", "--ceil-mode"],
        "windows in all)",
    ),
    (["pool", "-i", HUGE, "-k", "3", "-s", "1", "--json"], '"output": [4611686018427387902]'),
    (["adaptive", "-i", "10", "--output-size", HUGE], "windows in all)"),
    (["adaptive", "-i", "10", "--output-size", HUGE, "--json"], "--json would list"),
    (["adaptive", "-i", HUGE, "--output-size", "3", "--json"], '"output": [3]'),
    (["adaptive", "-i", "10", "--output-size", TOO_BIG], "does not fit in a 64-bit integer"),
    (["stack", "--preset", "wavenet", "--blocks", TOO_BIG], "analyses at most 10,000"),
    (["stack", "--preset", "wavenet", "--blocks", "100000"], "analyses at most 10,000"),
    (["stack", "-i", "5", "1000000000*conv:k=1"], "analyses at most 10,000"),
    (["stack", "-i", "5", "conv:k=1", "--blocks", "1000000000"], "analyses at most 10,000"),
    (["stack", "-i", HUGE, "conv:k=3,s=2", "fc:c=10"], "multiply-adds"),
]


@pytest.mark.parametrize(
    "args,outcome", ABSURD, ids=lambda a: " ".join(a) if isinstance(a, list) else None
)
def test_absurd_numbers_are_instant_or_refused(args: list[str], outcome: str) -> None:
    proc = run_limited([args])[0]
    assert proc["code"] in (0, 2), proc
    if proc["code"] == 2:
        assert proc["out"] == "" and len(proc["err"].splitlines()) == 1, proc
        assert proc["err"].startswith("Error: ")
    assert outcome in proc["out"] + proc["err"]


# All cases run in one child process (one interpreter start, not twenty) with 1 GiB of address
# space and a time limit: a runaway list fails fast instead of taking the machine down.
_DRIVER = """
import contextlib, io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from convanim.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["shape", *argv])
        except SystemExit as exc:
            code = exc.code or 0
    results.append({"code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(results))
"""
_ABSURD_RESULTS: dict[str, dict] = {}


def run_limited(cases: list[list[str]]) -> list[dict]:
    """Run ``convanim shape`` argument lists in one limited child; results cached per argv."""
    if not _ABSURD_RESULTS:
        every = [case for case, _ in ABSURD]
        proc = subprocess.run(
            [sys.executable, "-c", _DRIVER, json.dumps(every)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        for case, result in zip(every, json.loads(proc.stdout), strict=True):
            _ABSURD_RESULTS[json.dumps(case)] = result
    return [_ABSURD_RESULTS[json.dumps(case)] for case in cases]


@pytest.mark.skipif(torch is None, reason="needs torch for the live check")
@settings(max_examples=80, deadline=None)
@given(st.data())
def test_transposed_and_pool_json_match_torch(data: st.DataObject) -> None:
    # Per-dimension parameters through the CLI's parsing (N,N,N) into torch's functions.
    n = data.draw(st.integers(1, 3))
    dims = lambda lo, hi: data.draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))  # noqa: E731
    sizes, k, s = dims(1, 7), dims(1, 4), dims(1, 3)
    x = torch.zeros(1, 1, *sizes)
    join = lambda v: ",".join(map(str, v))  # noqa: E731
    base = ["shape", "-i", "x".join(map(str, sizes)), "-k", join(k), "-s", join(s)]
    if data.draw(st.booleans()):
        p, d = dims(0, 3), dims(1, 3)
        op = [data.draw(st.integers(0, max(a, b) - 1)) for a, b in zip(s, d, strict=True)]
        args = base[:1] + ["transposed"] + base[1:]
        args += ["-p", join(p), "-d", join(d), "--output-padding", join(op), "--json"]
        # oneDNN's ConvTranspose2d/3d skips torch's "output size too small" check
        # (scripts/gen_shape_reference.py): ask the reference kernels.
        was, torch.backends.mkldnn.enabled = torch.backends.mkldnn.enabled, False
        try:
            f = getattr(F, f"conv_transpose{n}d")
            y = f(x, torch.zeros(1, 1, *k), stride=s, padding=p, output_padding=op, dilation=d)
            expected = list(y.shape[2:])
        except RuntimeError:
            expected = None
        finally:
            torch.backends.mkldnn.enabled = was
    else:
        kind = data.draw(st.sampled_from(["max", "avg"]))
        p = [data.draw(st.integers(0, kk // 2)) for kk in k]
        d = dims(1, 2) if kind == "max" else [1] * n
        ceil = data.draw(st.booleans())
        args = base[:1] + ["pool"] + base[1:] + ["-p", join(p), "-d", join(d), "--kind", kind]
        args += ["--json"] + (["--ceil-mode"] if ceil else [])
        try:
            if kind == "max":
                y = getattr(F, f"max_pool{n}d")(x, k, s, p, d, ceil)
            else:
                y = getattr(F, f"avg_pool{n}d")(x, k, s, p, ceil)
            expected = list(y.shape[2:])
        except RuntimeError:
            expected = None
    result = CliRunner().invoke(cli, args)
    if expected is None:
        assert isinstance(result.exception, ValueError), (args, result.output)
    else:
        assert result.exit_code == 0, (args, result.output, result.exception)
        assert json.loads(result.output)["output"] == expected, args
