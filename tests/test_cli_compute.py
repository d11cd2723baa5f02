"""``convanim compute``: the issue's examples, the rank rule, files, gradients, --explain, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import cli_args, run_main
from numpy.testing import assert_allclose

from convanim import engine as E

X = "[[3,3,2,1,0],[0,0,1,3,1],[3,1,2,2,3],[2,0,0,2,2],[2,0,0,0,1]]"
W = "[[0,1,2],[2,2,0],[0,1,2]]"


def run(capsys, *args):
    """``convanim compute ARGS`` in this process: (exit status, stdout, stderr)."""
    return run_main(["compute", *args], capsys)


def run_json(capsys, *args):
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_issue_example(capsys):
    data = run_json(capsys, "conv2d", "--input", X, "--weight", W, "-s", "2", "-p", "1")
    assert data["output"] == [[6, 17, 3], [8, 17, 13], [6, 4, 4]]
    assert data["mode"] == "correlation"
    assert "grad_input" not in data


def test_human_view_is_aligned_and_names_the_convention(capsys):
    code, out, _ = run(capsys, "conv2d", "--input", X, "--weight", W, "-s", "2", "-p", "1")
    assert code == 0
    assert "correlation" in out.splitlines()[0]
    assert "   6 17  3\n   8 17 13\n   6  4  4" in out
    code, out, _ = run(capsys, "conv2d", "--input", X, "--weight", W, "--mode", "convolution")
    assert "convolution" in out.splitlines()[0] and "flipped" in out.splitlines()[0]


def test_modes_differ_by_the_flip(capsys):
    corr = run_json(capsys, "conv2d", "--input", X, "--weight", W)["output"]
    conv = run_json(capsys, "conv2d", "--input", X, "--weight", W, "--mode", "convolution")[
        "output"
    ]
    assert corr == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]  # conv_arithmetic Figure 1.1
    flipped = json.dumps(np.array(json.loads(W))[::-1, ::-1].tolist())
    assert conv == run_json(capsys, "conv2d", "--input", X, "--weight", flipped)["output"]


def test_gradients(capsys):
    gy = [[1, 0, -1], [2, 0, 0], [0, 1, 1]]
    data = run_json(
        capsys,
        "conv2d",
        "--input",
        X,
        "--weight",
        W,
        "-s",
        "2",
        "-p",
        "1",
        "--bias",
        "0.5",
        "--grad-output",
        json.dumps(gy),
    )
    x, w = np.array(json.loads(X), float), np.array(json.loads(W), float)
    g = E.conv_backward(x[None, None], w[None, None], np.array(gy, float)[None, None], 2, 1)
    assert data["output"][0][0] == 6.5
    assert_allclose(data["grad_input"], g.grad_input[0, 0])
    assert_allclose(data["grad_weight"], g.grad_weight[0, 0])
    assert data["grad_bias"] == [4.0]
    assert np.array(data["grad_input"]).shape == (5, 5)  # in the user's ranks


def test_explain(capsys):
    code, out, _ = run(
        capsys, *cli_args(f"conv2d --input {X} --weight {W} -s 2 -p 1 --explain 1,2")
    )
    assert code == 0
    tail = out[out.index("output[1, 2]") :]
    assert "x[1, 3] · w[0, 0]" in tail and "3 · 0 = 0" in tail
    assert "0 (padding)" in tail
    assert "sum = 13 → 13" in tail
    data = run_json(capsys, "conv2d", "--input", X, "--weight", W, "--explain", "0,0")
    assert data["explain"]["value"] == 12 and len(data["explain"]["terms"]) == 9
    code, _, err = run(capsys, "conv2d", "--input", X, "--weight", W, "--explain", "5,5")
    assert code == 2 and "outside the output" in err


def test_rank_rule(capsys):
    rgb = np.arange(3 * 4 * 4, dtype=float).reshape(3, 4, 4)
    k = np.ones((3, 2, 2))
    data = run_json(
        capsys, "conv2d", "--input", json.dumps(rgb.tolist()), "--weight", json.dumps(k.tolist())
    )
    expected = E.conv2d(rgb[None], k[None])[0]
    # one filter over three channels: one map, in the input's rank (C_out, H, W)
    assert_allclose(data["output"], expected)
    assert np.array(data["output"]).shape == (1, 3, 3)
    # two filters on one channel: (C_out, H, W)
    data = run_json(
        capsys, "conv2d", "--input", X, "--weight", json.dumps([json.loads(W), json.loads(W)])
    )
    assert np.array(data["output"]).shape == (2, 3, 3)
    # full (N, C, …) layouts pass through
    data = run_json(
        capsys, *cli_args("conv1d --input [[[1,2,3,4]],[[4,3,2,1]]] --weight [[[1,-1]]]")
    )
    assert data["output"] == [[[-1, -1, -1]], [[1, 1, 1]]]


def test_array_files(capsys, tmp_path):
    x = np.array(json.loads(X), float)
    np.save(tmp_path / "x.npy", x)
    (tmp_path / "w.csv").write_text("0,1,2\n2,2,0\n0,1,2\n")
    (tmp_path / "x.json").write_text(X)
    for source in (f"@{tmp_path / 'x.npy'}", f"@{tmp_path / 'x.json'}"):
        data = run_json(capsys, "conv2d", "--input", source, "--weight", f"@{tmp_path / 'w.csv'}")
        assert data["output"][0] == [12, 12, 17]


def test_classic_kernel_by_name(capsys):
    data = run_json(capsys, "conv2d", "--input", X, "--weight", "identity", "-p", "same")
    assert data["output"] == json.loads(X)


def test_transposed(capsys):
    args = f"--input [[1,2,3],[4,5,6],[7,8,9]] --weight {W} -s 2 -p 1 --output-padding 1"
    data = run_json(capsys, *cli_args(f"conv_transpose2d {args}"))
    assert np.array(data["output"]).shape == (6, 6)  # the 5×5-or-6×6 slide, resolved
    code, out, _ = run(
        capsys, *cli_args(f"conv_transpose2d --input [[1,2],[3,4]] --weight {W} -s 2 --explain 0,1")
    )
    assert code == 0 and "0 (inserted)" in out and "rotated 180°" in out


def test_pooling(capsys):
    data = run_json(capsys, "max_pool2d", "--input", X, "-k", "3", "-s", "1")
    assert data["output"] == [[3, 3, 3], [3, 3, 3], [3, 2, 3]]  # Figure 1.6
    assert data["indices"][0] == [0, 1, 8]
    data = run_json(capsys, "avg_pool2d", "--input", X, "-k", "3", "-s", "1")
    assert_allclose(data["output"][1], [1, 11 / 9, 16 / 9])  # Figure 1.5
    data = run_json(
        capsys, *cli_args("avg_pool1d --input [1,1,1,1,1,1] -k 3 -s 2 -p 1 --ceil-mode")
    )
    assert_allclose(data["output"], [2 / 3, 1, 1, 0.5])
    data = run_json(
        capsys,
        *cli_args(
            "avg_pool1d --input [1,1,1,1,1,1] -k 3 -s 2 -p 1 --ceil-mode --no-count-include-pad"
        ),
    )
    assert_allclose(data["output"], [1, 1, 1, 1])
    data = run_json(capsys, "lp_pool1d", "--input", "[3,4,6,8]", "-k", "2", "--norm-type", "2")
    assert_allclose(data["output"], [5, 10])
    data = run_json(
        capsys, *cli_args("adaptive_avg_pool1d --input [0,1,2,3,4,5,6,7,8,9] --output-size 4")
    )
    assert_allclose(data["output"], [1, 3, 6, 8])
    data = run_json(capsys, *cli_args("max_pool1d --input [1,5,2,2] -k 2 --grad-output [10,20]"))
    assert data["grad_input"] == [0, 10, 20, 0]
    data = run_json(capsys, "max_unpool1d", "--input", "[5,2]", "--indices", "[1,2]", "-k", "2")
    assert data["output"] == [0, 5, 2, 0]
    code, out, _ = run(capsys, "max_pool2d", "--input", X, "-k", "3", "-s", "1", "--explain", "2,1")
    assert "max = 2" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["conv2d", "--input", "[[1,2],[3]]", "--weight", "[[1]]"], "ragged"),
        (["conv2d", "--input", '[[1,"a"]]', "--weight", "[[1]]"], "non-numeric"),
        (["conv2d", "--input", "[[NaN, 1]]", "--weight", "[[1]]"], "non-finite"),
        (["conv2d", "--input", "[[Infinity]]", "--weight", "[[1]]"], "non-finite"),
        (["conv2d", "--input", "[[1,2]", "--weight", "[[1]]"], "not a JSON array"),
        (["conv2d", "--input", "[1,2,3]", "--weight", "[[1]]"], "dimensions"),
        (["conv2d", "--input", "[[[1,2]],[[3,4]]]", "--weight", "[[[[1]]]]"], "channels"),
        (
            cli_args(
                "conv2d --input [[[1,2]],[[3,4]]] --weight [[[[1]]],[[[1]]],[[[1]]]] --groups 2"
            ),
            "divisible",
        ),
        (["conv2d", "--input", "[[1,2]]", "--weight", "[[1,2,3]]"], "Kernel size"),
        (["conv2d", "--input", X, "--weight", W, "-s", "2", "-p", "same"], "strided"),
        (["conv2d", "--input", X, "--weight", "blurry"], "unknown kernel"),
        (["conv2d", "--input", X], "needs --weight"),
        (["conv2d", "--input", X, "--weight", W, "-k", "3"], "does not take --kernel-size"),
        (["max_pool2d", "--input", X], "needs --kernel-size"),
        (["max_pool2d", "--input", X, "-k", "3", "-p", "2"], "half"),
        (["avg_pool2d", "--input", X, "-k", "3", "-p", "same"], "symmetric integer padding"),
        (["avg_pool1d", "--input", "[1,2]", "-k", "2", "--divisor-override", "2"], "does not take"),
        (["conv2d", "--input", X, "--weight", W, "--grad-output", "[[1]]"], "grad-output"),
        (["conv2d", "--input", "@/no/such.json", "--weight", W], "no such file"),
        (
            cli_args("conv_transpose1d --input [1,2] --weight [1,1] -s 2 --output-padding 2"),
            "output padding",
        ),
        (
            ["max_unpool1d", "--input", "[5,2]", "--indices", "[1,9]", "-k", "2"],
            "invalid max index",
        ),
        (["conv2d", "--input", "[" * 5000 + "]" * 5000, "--weight", W], "nested too deeply"),
        (["conv2d", "--input", X, "--weight", W, "--explain", "a,b"], "--explain"),
        (["lp_pool1d", "--input", "[1,2]", "-k", "2", "--grad-output", "[1, 2]"], "grad-output"),
        # finite inputs, non-finite results (torch: inf / nan): one error, no NumPy warning
        (["conv1d", "--input", "[1e308,1e308]", "--weight", "[10]"], "overflows float64"),
        (["avg_pool1d", "--input", "[1e308,1e308]", "-k", "2"], "overflows float64"),
        (
            ["conv1d", "--input", "[1,2]", "--weight", "[1]", "--grad-output", "[1e308,1e308]"],
            "overflows float64",
        ),
        (["lp_pool1d", "--input", "[-1,-2,3,-4]", "-k", "2", "--norm-type", "3"], "not real"),
        # small arrays, absurd work: refused before anything is allocated
        (["conv_transpose1d", "--input", "[1,2]", "--weight", "[1]", "-s", "1000000000"], "limit"),
        (["conv2d", "--input", "[[1,2],[3,4]]", "--weight", "[[1]]", "-p", "100000"], "limit"),
        (["adaptive_avg_pool2d", "--input", "[[1,2]]", "--output-size", "100000"], "positions"),
        # huge padding cancelled by huge dilation: a tiny output over a 10^10-cell grid
        (
            ["conv2d", "--input", "[[1,2],[3,4]]", "--weight", "[[1,1],[1,1]]"]
            + ["-p", "100000", "-d", "200000"],
            "working grid",
        ),
        (
            ["conv_transpose2d", "--input", "[[1,2],[3,4]]", "--weight", "[[1,1],[1,1]]"]
            + ["-d", "100000", "-p", "49999"],
            "working grid",
        ),
        # --explain builds Python objects per tap: a big output is refused, not traced for minutes
        (
            cli_args("conv2d --input [[1,2],[3,4]] --weight [[1]] -p 300 --explain 0,0"),
            "smaller example",
        ),
        (
            ["max_unpool1d", "--input", "[5,2]", "--indices", "[1,2]", "-k", "2", "-s", "99999999"],
            "limit",
        ),
    ],
)
def test_bad_input_is_one_error_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), err
    assert message in lines[0]
    assert "Traceback" not in err


def test_size_limit(capsys, monkeypatch):
    from convanim.engine import arrays

    monkeypatch.setattr(arrays, "MAX_ELEMENTS", 100)
    code, _, err = run(capsys, "conv1d", "--input", json.dumps(list(range(101))), "--weight", "[1]")
    assert code == 2 and "limit" in err


def test_subprocess_exit_status_and_no_numpy_for_other_commands():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "convanim",
            "compute",
            "conv2d",
            "--input",
            "[[1, 2]]",
            "--weight",
            "[[1, 2, 3]]",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (
        proc.returncode == 2 and proc.stderr.startswith("Error:") and "Traceback" not in proc.stderr
    )
    code = "import sys, convanim, convanim.cli, convanim.cli.compute; print('numpy' in sys.modules)"
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "False"  # numpy loads only when a computation runs


def test_max_pool_window_of_padding_only(capsys):
    # k2, p1, d2 over one cell: both taps are padding. torch says -inf; strict JSON has no
    # -Infinity, so the value is null, and --explain names no winner instead of failing.
    args = ("max_pool1d", "--input", "[2]", "-k", "2", "-p", "1", "-d", "2", "--explain", "0")
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    assert data["output"] == [None] and data["explain"]["winner"] is None
    code, out, err = run(capsys, *args)
    assert code == 0 and err == ""
    assert "-inf" in out and "every tap is padding" in out


def test_explain_names_cells_in_the_arrays_as_given(capsys):
    # 4 channels, 2 groups: output channel 1 reads input channels 2 and 3 through its own filter
    x = "[[[1,2],[3,4]],[[5,6],[7,8]],[[1,1],[1,1]],[[2,2],[2,2]]]"
    w = "[[[[1]],[[2]]],[[[3]],[[4]]]]"
    code, out, err = run(
        capsys, "conv2d", "--input", x, "--weight", w, "--groups", "2", "--explain", "1,0,1"
    )
    assert code == 0, err
    assert "output[1, 0, 1] (correlation):" in out
    assert "x[2, 0, 1] · w[1, 0, 0, 0] = 1 · 3 = 3" in out
    assert "x[3, 0, 1] · w[1, 1, 0, 0] = 2 · 4 = 8" in out
    # several filters typed as (C_out, *k) on a one-channel input: w keeps that rank
    code, out, _ = run(
        capsys, *cli_args("conv1d --input [1,2,3] --weight [[1,1],[2,0]] --explain 1,1")
    )
    assert "x[1] · w[1, 0] = 2 · 2 = 4" in out
    data = run_json(
        capsys, *cli_args("max_pool2d --input [[[1,2],[3,4]],[[8,6],[7,5]]] -k 2 --explain 1,0,0")
    )
    assert data["explain"]["winner"] == [1, 0, 0] and data["explain"]["coordinate"] == [1, 0, 0]


def test_explain_lp_pool_window_cut_short_by_ceil_mode(capsys):
    # torch: lp_pool = (avg_pool(x^p) · k)^(1/p), and avg_pool divides the last window (one real
    # cell) by 1, so that window's sum counts twice: (5 · 2/1)^(1/1) = 10, not 5
    args = ("lp_pool1d", "--input", "[1,2,3,4,5]", "-k", "2", "--ceil-mode", "--norm-type", "1")
    data = run_json(capsys, *args, "--explain", "2")
    assert data["output"] == [3, 7, 10]
    assert data["explain"]["sum"] == 5 and data["explain"]["scale"] == 2
    code, out, _ = run(capsys, *args, "--explain", "2")
    assert "Σ x^p = 5, × 2/1" in out and "→ 10" in out
