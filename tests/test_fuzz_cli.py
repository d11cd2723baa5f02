"""Fuzzing the command line: random and hostile arguments to shape, compute, render, embed, build.

Every call runs in-process through :func:`convanim.cli.main` and must:

* exit 0, 1 or 2, with no traceback and no "internal error";
* on exit 2 (a user error) print exactly one line on stderr, ``Error: …``;
* print no NumPy RuntimeWarning (they carry source lines to stderr in a real terminal);
* on failure leave the output folder as it was (user errors are found before any work).

A few hundred examples per run in total (derandomized, so the suite is stable); set
``CONVANIM_FUZZ_EXAMPLES=N`` for N examples per command, drawn at random (a fresh search each
run), and ``CONVANIM_FUZZ_LOG=path`` to append one JSON line per call (command, exit status)
for totals.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import traceback
import warnings
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from convanim.cli import main

_SCALE = os.environ.get("CONVANIM_FUZZ_EXAMPLES")


def _settings(default: int):
    return settings(
        max_examples=int(_SCALE) if _SCALE else default,
        derandomize=not _SCALE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


# --------------------------------------------------------------------------------------------
# Running one command line
# --------------------------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() or p.is_dir()
    }


def _invoke(argv: list[str]) -> tuple[int, str, str, list[warnings.WarningMessage]]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - an escaped exception is the failure we look for
            err.write(traceback.format_exc())
            code = -1
    return code, out.getvalue(), err.getvalue(), list(caught)


def check(argv: list[str], outputs: Path, strict_on_failure: bool = True) -> int:
    """Run ``argv`` and assert the contracts; ``outputs`` is the folder it may write to."""
    before = _snapshot(outputs)
    code, _, err, caught = _invoke(argv)
    log = os.environ.get("CONVANIM_FUZZ_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            record = {"command": argv[0], "exit": code, "argv": argv, "error": err[-300:]}
            fh.write(json.dumps(record) + "\n")
    where = f"argv={argv!r}\nstderr={err[-2000:]!r}"
    assert code in (0, 1, 2), where
    assert "Traceback (most recent call last)" not in err, where
    assert "internal error" not in err, where
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not runtime, f"{where}\nwarnings={[str(w.message) for w in runtime]}"
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), where
    if code == 2 or (code == 1 and strict_on_failure):
        assert _snapshot(outputs) == before, f"{where}\nwrote something on failure"
    return code


# --------------------------------------------------------------------------------------------
# Strategies: plausible values mixed with hostile ones
# --------------------------------------------------------------------------------------------

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "-1",
        "0",
        "nan",
        "inf",
        "-inf",
        "1e400",
        "9" * 25,
        "9223372036854775808",
        "x",
        "[",
        "]",
        "[[1,2],[3]]",
        "@/etc/passwd",
        "@/dev/zero",
        "@missing.json",
        "@/proc/self/status.json",
        "../../../../etc/passwd",
        "3x",
        "3,,4",
        "1:2:3",
        "ä",
        "\x1b[31m",
        "\x00",
        "true",
        "null",
        "{}",
        '"a"',
        "1" * 5000,
        "3x3x3x3",
        "-0",
        "0x10",
        "1_000",
    ]
)


def mostly(valid: st.SearchStrategy, hostile: st.SearchStrategy = HOSTILE) -> st.SearchStrategy:
    """``valid`` about nine times in ten, else a hostile value: most calls get far enough to
    compute or render something, and every option is sometimes attacked."""
    # hypothesis favours small integers and first elements: the hostile branch is the last
    return st.sampled_from(range(10)).flatmap(lambda n: hostile if n == 9 else valid)


SMALL_INT = mostly(st.integers(-1, 6).map(str))
DIMS = mostly(
    st.one_of(
        st.integers(1, 4).map(str),
        st.integers(1, 3).map(str),
        st.lists(st.integers(0, 4), min_size=2, max_size=3).map(lambda v: ",".join(map(str, v))),
    )
)
SIZE = mostly(
    st.lists(st.integers(0, 9), min_size=1, max_size=3).map(lambda v: "x".join(map(str, v)))
)
PADDING = mostly(
    st.one_of(
        st.integers(-1, 3).map(str),
        st.sampled_from(["same", "valid", "full", "causal", "same_lower", "0:1", "1:0,2:1"]),
    )
)
NUMBER = st.one_of(
    st.integers(-5, 5),
    st.floats(-1e3, 1e3, allow_nan=False, width=32),
    st.sampled_from([1e308, -1e308, 1e-320, 0.5]),
)


def _array(shape: list[int]) -> st.SearchStrategy:
    if not shape:
        return NUMBER
    return st.lists(_array(shape[1:]), min_size=shape[0], max_size=shape[0])


def array_of_rank(rank: int, low: int = 1, high: int = 5) -> st.SearchStrategy:
    """A JSON array of ``rank`` dimensions (sizes ``low``…``high``), sometimes hostile."""
    shapes = st.lists(st.integers(low, high), min_size=rank, max_size=rank)
    return mostly(shapes.flatmap(_array).map(json.dumps))


ARRAY = st.one_of(st.integers(0, 3).flatmap(array_of_rank), HOSTILE)


def _options(draw, table: dict[str, st.SearchStrategy | None]) -> list[str]:
    """A random subset of ``table``'s options, each with a drawn value (None: a flag)."""
    if not table:
        return []
    names = draw(st.lists(st.sampled_from(sorted(table)), max_size=5, unique=True))
    argv: list[str] = []
    for name in names:
        value = table[name]
        if value is None:
            argv.append(name)
        else:
            argv += [name, draw(value)]
    return argv


# --------------------------------------------------------------------------------------------
# shape
# --------------------------------------------------------------------------------------------

SHAPE_OPTIONS = {
    "-i": SIZE,
    "-k": DIMS,
    "-s": DIMS,
    "-p": PADDING,
    "-d": DIMS,
    "--output-padding": DIMS,
    "--output-size": SIZE,
    "--groups": SMALL_INT,
    "--in-channels": SMALL_INT,
    "--out-channels": SMALL_INT,
    "--padding-mode": st.sampled_from(["zeros", "reflect", "replicate", "circular", "bad"]),
    "--kind": st.sampled_from(["max", "avg", "lp", "min"]),
    "--ceil-mode": None,
    "--divisor-override": st.one_of(SMALL_INT, HOSTILE),
    "--framework": st.sampled_from(["torch", "tf", "keras", "jax", "caffe"]),
    "--json": None,
}
STACK_LAYERS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "conv:k=3,p=1,c=8",
                "maxpool:k=2",
                "fc:c=10",
                "2*conv:k=3",
                "lrn:n=5",
                "avgpool:k=3,s=2",
            ]
        ),
        HOSTILE,
        st.text(max_size=20),
    ),
    max_size=4,
)


SUBCOMMAND_OPTIONS = {
    "conv": ["-s", "-p", "-d", "--groups", "--in-channels", "--out-channels", "--padding-mode",
             "--framework", "--json"],
    "transposed": ["-s", "-p", "-d", "--output-padding", "--output-size", "--framework", "--json"],
    "pool": ["--kind", "-s", "-p", "-d", "--ceil-mode", "--divisor-override", "--framework",
             "--json"],
    "adaptive": ["--json"],
}  # fmt: skip


@st.composite
def shape_argv(draw) -> list[str]:
    """Mostly a subcommand with its required options and a few of its own; sometimes another's."""
    sub = draw(mostly(st.sampled_from(["conv", "transposed", "pool", "adaptive", "stack"]),
                      st.sampled_from(["nope", ""])))  # fmt: skip
    if sub == "stack":
        argv = ["shape", "stack", *draw(STACK_LAYERS)]
        extra = {"-i": SIZE, "--preset": st.sampled_from(["alexnet", "vgg16", "wavenet", "x"])}
        extra |= {"--blocks": st.one_of(SMALL_INT, HOSTILE), "--json": None}
        return argv + _options(draw, extra)
    argv = ["shape", sub, "-i", draw(SIZE)]
    argv += ["--output-size", draw(SIZE)] if sub == "adaptive" else ["-k", draw(DIMS)]
    own = SUBCOMMAND_OPTIONS.get(sub, [])
    argv += _options(draw, {k: v for k, v in SHAPE_OPTIONS.items() if k in own})
    if draw(st.sampled_from(range(8))) == 7:
        argv += _options(draw, SHAPE_OPTIONS)[:2]
    return argv


@_settings(120)
@given(shape_argv())
def test_fuzz_shape(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check(argv, Path(tmp))


# --------------------------------------------------------------------------------------------
# compute
# --------------------------------------------------------------------------------------------

OPS = [f"{f}{n}d" for f in ("conv", "conv_transpose", "max_pool", "avg_pool", "lp_pool",
       "adaptive_max_pool", "adaptive_avg_pool", "max_unpool") for n in (1, 2, 3)]  # fmt: skip
COMPUTE_OPTIONS = {
    "-w": st.one_of(ARRAY, st.sampled_from(["sobel_x", "gaussian", "identity", "nope"])),
    "--bias": ARRAY,
    "-k": DIMS,
    "-s": DIMS,
    "-p": PADDING,
    "-d": DIMS,
    "--groups": SMALL_INT,
    "--padding-mode": st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
    "--output-padding": DIMS,
    "--output-size": mostly(
        st.one_of(st.integers(0, 6).map(str), st.sampled_from(["none", "2,none", "3,3", "1,0"]))
    ),
    "--indices": ARRAY,
    "--ceil-mode": None,
    "--count-include-pad": None,
    "--no-count-include-pad": None,
    "--divisor-override": st.one_of(SMALL_INT, HOSTILE),
    "--norm-type": st.one_of(st.sampled_from(["1", "2", "3", "0.5", "-1", "inf", "-inf", "0"]), HOSTILE),
    "--mode": st.sampled_from(["correlation", "convolution"]),
    "--grad-output": ARRAY,
    "--explain": st.one_of(st.sampled_from(["0", "1,1", "0,0,0", "9,9"]), HOSTILE),
    "--json": None,
}  # fmt: skip


ANSWERS = ["--grad-output", "--explain", "--json"]
FAMILY_OPTIONS = {
    "conv": ["--bias", "-s", "-p", "-d", "--groups", "--padding-mode", "--mode", *ANSWERS],
    "conv_transpose": ["--bias", "-s", "-p", "-d", "--groups", "--output-padding",
                       "--output-size", "--mode", *ANSWERS],
    "max_pool": ["-s", "-p", "-d", "--ceil-mode", *ANSWERS],
    "avg_pool": ["-s", "-p", "--ceil-mode", "--count-include-pad", "--no-count-include-pad",
                 "--divisor-override", *ANSWERS],
    "lp_pool": ["-s", "--ceil-mode", "--norm-type", *ANSWERS],
    "adaptive_max_pool": ANSWERS,
    "adaptive_avg_pool": ANSWERS,
    "max_unpool": ["-s", "-p", "--output-size", "--grad-output", "--json"],
}  # fmt: skip


@st.composite
def compute_argv(draw) -> list[str]:
    """Mostly an operation with the options it takes and arrays of plausible ranks; sometimes
    an option it does not take, or a hostile value anywhere."""
    op = draw(mostly(st.sampled_from(OPS), st.sampled_from(["conv4d", "pool", ""])))
    family, ndim = (op[:-2], int(op[-2])) if op in OPS else ("conv", 2)
    x = draw(st.integers(0, 2).flatmap(lambda extra: array_of_rank(ndim + extra, 1, 6)))
    argv = ["compute", op, "--input", x]
    if family in ("conv", "conv_transpose"):
        argv += [
            "-w",
            draw(st.sampled_from([0, 2]).flatmap(lambda e: array_of_rank(ndim + e, 1, 3))),
        ]
    elif family in ("adaptive_max_pool", "adaptive_avg_pool"):
        argv += ["--output-size", draw(COMPUTE_OPTIONS["--output-size"])]
    else:
        argv += ["-k", draw(DIMS)]
    if family == "max_unpool":
        argv += [
            "--indices",
            draw(st.integers(0, 2).flatmap(lambda e: array_of_rank(ndim + e, 1, 6))),
        ]
    allowed = {k: v for k, v in COMPUTE_OPTIONS.items() if k in FAMILY_OPTIONS[family]}
    argv += _options(draw, allowed)
    if draw(st.sampled_from(range(8))) == 7:
        argv += _options(draw, COMPUTE_OPTIONS)[:2]
    return argv


@_settings(150)
@given(compute_argv())
@example(["compute", "adaptive_max_pool1d", "--input", "[0]", "--output-size", "2,none"])
def test_fuzz_compute(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check(argv, Path(tmp))


# --------------------------------------------------------------------------------------------
# render (GIFs and PNGs; Manim scenes are left to the video tests: each takes seconds)
# --------------------------------------------------------------------------------------------

FAST_NAMES = ["no_padding_no_strides", "2d_maxpool", "no_padding_strides", "ambiguity"]
RENDER_OPTIONS = {
    "-i": st.one_of(st.sampled_from(["3x3", "4x4", "5", "3x4"]), SIZE),
    "-k": st.one_of(st.sampled_from(["2", "3", "2,3"]), DIMS),
    "-s": DIMS,
    "-p": PADDING,
    "-d": DIMS,
    "--output-padding": DIMS,
    "--kind": st.sampled_from(["max", "avg", "min"]),
    "--numbers": None,
    "--style": st.sampled_from(["flat", "perspective", "cubist"]),
    "--mode": st.sampled_from(["correlation", "convolution"]),
    "--fill": st.sampled_from(["all", "progressive", "none"]),
    "--seed": st.one_of(SMALL_INT, HOSTILE),
    "--values": ARRAY,
    "--weights": st.one_of(ARRAY, st.sampled_from(["sobel_x", "blur", "nope"])),
    "--cell-size": mostly(
        st.sampled_from(["6", "8", "10"]), st.sampled_from(["0", "-3", "1e9", "nan", "inf"])
    ),
    "--duration": mostly(st.sampled_from(["50", "100"]), st.sampled_from(["5", "0", "100000"])),
    "--hold": mostly(st.sampled_from(["100", "500"])),
    "--theme": st.sampled_from(["solarized", "dark", "../../x"]),
    "--transparent": None,
    "--no-labels": None,
    "--no-legend": None,
    "--image": HOSTILE,
    "-j": st.sampled_from(["1", "0", "65"]),
}
OUT_NAMES = st.one_of(
    st.sampled_from(["out.gif", "out.png", "sub/out.gif", "out", "out.txt", "a" * 300 + ".gif"]),
    st.sampled_from(["existing_dir", "existing_file/x.gif", ".gif", "out.html"]),
)


@st.composite
def render_argv(draw) -> tuple[list[str], str]:
    target = draw(mostly(st.sampled_from(["conv", "transposed", "pool", *FAST_NAMES])))
    options = _options(draw, RENDER_OPTIONS)
    if target in ("conv", "transposed", "pool"):
        if "-i" not in options:
            options += ["-i", draw(st.sampled_from(["3x3", "4x4", "5", "4x5"]))]
        if "-k" not in options:
            options += ["-k", draw(st.sampled_from(["2", "3", "2,3"]))]
        if "--cell-size" not in options:
            options += ["--cell-size", "8"]  # keep the valid renders quick
    return ["render", target, *options], draw(OUT_NAMES)


def _outputs(tmp: Path) -> Path:
    out = tmp / "out"
    out.mkdir()
    (out / "existing_dir").mkdir()
    (out / "existing_file").write_text("")
    return out


@_settings(40)
@given(render_argv())
def test_fuzz_render(case: tuple[list[str], str]) -> None:
    argv, name = case
    with tempfile.TemporaryDirectory() as tmp:
        out = _outputs(Path(tmp))
        check([*argv, "-o", str(out / name)], out)


# --------------------------------------------------------------------------------------------
# embed
# --------------------------------------------------------------------------------------------

EMBED_OPTIONS = {
    "-t": st.sampled_from(["overlay", "video", "figure", "markdown", "html", "nope", "../x.html"]),
    "--caption": st.one_of(st.text(max_size=30), HOSTILE),
    "--alt": st.one_of(st.text(max_size=30), HOSTILE),
    "--source": st.one_of(
        st.sampled_from(["https://example.org", "java\tscript:alert(1)", "javascript:x", "//x"]),
        HOSTILE,
    ),
    "--source-text": HOSTILE,
    "--fragment-index": st.one_of(SMALL_INT, HOSTILE),
    "--width": st.one_of(st.sampled_from(["45%", "800px", "bad", "-1px"]), HOSTILE),
    "--deck": st.one_of(st.sampled_from(["lecture", "../up"]), HOSTILE),
    "--quality": st.sampled_from(["low", "high", "8k"]),
}


@st.composite
def embed_argv(draw) -> list[str]:
    TARGETS = ["existing.png", "missing.png", "2d_maxpool", "dilation"]
    target = draw(mostly(st.sampled_from(TARGETS)))
    return ["embed", target, *_options(draw, EMBED_OPTIONS)]


@_settings(30)
@given(embed_argv())
def test_fuzz_embed(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        (root / "existing.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        check([*argv, "--root", str(root)], root)


# --------------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------------

PLACEHOLDER_PARAMS = st.lists(
    st.one_of(
        st.sampled_from(
            ["fragment_index=0", "cell_size=6", "size=4x4", "caption=Hi", "width=40%",
             "cell_size=nan", "cell_size=10000", "size=100000x100000", "duration=0",
             "values=@/etc/passwd", "theme=../../x", 'source="java\tscript:alert(1)"',
             "kernel=3", "stride=0", "padding=-1", "nonsense", "=", 'caption="unterminated']
        ),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=15).filter(
            lambda t: len(t) % 4 == 0  # a random word now and then: most placeholders parse
        ),
    ),
    max_size=3,
)  # fmt: skip


@st.composite
def deck_text(draw) -> str:
    lines = ["# Lecture", ""]
    for _ in range(draw(st.integers(0, 2))):
        name = draw(
            st.one_of(st.sampled_from(["2d_maxpool", "no_padding_no_strides", "nope"]), HOSTILE)
        )
        params = " ".join(draw(PLACEHOLDER_PARAMS))
        lines += [f"{{{{CONVANIM:{name} {params}}}}}", "", "---", ""]
    if draw(st.booleans()):
        lines += ["    {{CONVANIM:2d_maxpool}}", "", "```", "{{CONVANIM:nope}}", "```"]
    return "\n".join(lines) + "\n"


BUILD_OPTIONS = {
    "--check": None,
    "--strict": None,
    "--force": None,
    "--assets-dir": mostly(
        st.sampled_from(["lecture", "x"]), st.sampled_from(["a" * 300, "../up"])
    ),
    "--quality": mostly(st.sampled_from(["low"]), st.sampled_from(["8k", ""])),
    "--theme": mostly(st.sampled_from(["white", "black"]), st.sampled_from(["../../x", "/etc"])),
}


@st.composite
def build_flags(draw) -> list[str]:
    return _options(draw, BUILD_OPTIONS)


@_settings(25)
@given(deck_text(), build_flags())
def test_fuzz_build(text: str, flags: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        deck = Path(tmp) / "deck.md"
        deck.write_text(text, encoding="utf-8")
        out = Path(tmp) / "out"
        out.mkdir()
        # a build records what it made before reporting the assets that failed (exit 1), so
        # only a user error (exit 2) must leave the folder untouched
        check(["build", str(deck), "-o", str(out), "-j", "1", *flags], out, strict_on_failure=False)


# --------------------------------------------------------------------------------------------
# The harness itself: it must notice each broken contract (else a green run proves nothing)
# --------------------------------------------------------------------------------------------


def test_harness_notices_broken_contracts(monkeypatch, tmp_path: Path) -> None:
    import click
    import pytest

    from convanim.engine import arrays

    argv = ["compute", "conv1d", "--input", "[1,2,3]", "-w", "[1]"]
    assert check(argv, tmp_path) == 0

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(arrays, "parse_array", crash)
    with pytest.raises(AssertionError, match="internal error|boom"):
        check(argv, tmp_path)

    def two_lines(*args, **kwargs):
        click.echo("progress …", err=True)
        raise ValueError("bad")

    monkeypatch.setattr(arrays, "parse_array", two_lines)
    with pytest.raises(AssertionError):
        check(argv, tmp_path)

    def writes_then_fails(*args, **kwargs):
        (tmp_path / "half.gif").write_bytes(b"GIF8")
        raise ValueError("bad")

    monkeypatch.setattr(arrays, "parse_array", writes_then_fails)
    with pytest.raises(AssertionError, match="wrote something"):
        check(argv, tmp_path)
