"""Contracts of the command line (issue 14): refusals before work, one line, the right status.

* ``render`` refuses the values ``compute`` refuses (overflow to inf: exit 2, one line, no NumPy
  warnings), because both read the engine's traces.
* A missing optional requirement is exit 1 with its install line, never "internal error".
* An output path the OS would refuse (a folder, a name too long, a file in the way) is refused
  before anything renders, and nothing is written.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from convanim._files import check_output
from convanim.cli import main

BIG = "[[1e308,1e308,1e308],[1e308,1e308,1e308],[1,1,1]]"


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], caught
    return code, out, err


def _one_error(code: int, err: str, status: int = 2) -> str:
    lines = err.splitlines()
    assert code == status and len(lines) == 1 and lines[0].startswith("Error: "), (code, err)
    assert "internal error" not in err
    return lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["render", "conv", "-i", "3x3", "-k", "2", "--values", BIG, "--weights", "[[1e308,1e308],[1,1]]"],
        ["render", "pool", "-i", "3x3", "-k", "2", "--kind", "avg", "--values", BIG],
        ["render", "transposed", "-i", "3x3", "-k", "2", "--values", BIG, "--weights", "[[1e308,1e308],[1e308,1]]"],
    ],
)  # fmt: skip
def test_render_refuses_overflow_like_compute(capsys, tmp_path: Path, argv) -> None:
    out = tmp_path / "x.gif"
    line = _one_error(*_run(capsys, [*argv, "-o", str(out)])[::2])
    assert "overflow" in line
    assert not out.exists() and list(tmp_path.iterdir()) == []
    # compute refuses the same numbers
    op = {"conv": "conv2d", "pool": "avg_pool2d", "transposed": "conv_transpose2d"}[argv[1]]
    args = ["compute", op, "--input", BIG]
    args += ["-k", "2"] if argv[1] == "pool" else ["-w", argv[argv.index("--weights") + 1]]
    assert "overflow" in _one_error(*_run(capsys, args)[::2])


def test_missing_requirement_is_exit_1_with_the_install_line(capsys, monkeypatch, tmp_path) -> None:
    from convanim.video import doctor

    # Manim is looked for before anything else (the cache included): without it, no render.
    monkeypatch.setattr(doctor, "manim_version", lambda: "missing")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, ["render", "FIRConvolution1D", "-o", str(tmp_path / "v.mp4")])
    line = _one_error(code, err, status=1)
    assert "pip install" in line and "manim" in line
    assert not (tmp_path / "v.mp4").exists()
    root = tmp_path / "root"
    root.mkdir()
    code, _, err = _run(capsys, ["embed", "FIRConvolution1D", "--root", str(root)])
    assert "pip install" in _one_error(code, err, status=1)
    assert list(root.iterdir()) == []  # checked before "rendering …" and the asset folders


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("a" * 300 + ".gif", "too long"),
        ("b" * 250 + ".gif", "too long"),
        ("folder.gif", "is a folder"),
        ("file/x.gif", "is a file, not a folder"),
    ],
)
def test_bad_output_path_refused_before_rendering(capsys, tmp_path, output, message) -> None:
    (tmp_path / "folder.gif").mkdir()
    (tmp_path / "file").write_text("")
    before = sorted(os.listdir(tmp_path))
    code, _, err = _run(
        capsys, ["render", "conv", "-i", "5x5", "-k", "3", "-o", str(tmp_path / output)]
    )
    assert message in _one_error(code, err)
    assert sorted(os.listdir(tmp_path)) == before and not any((tmp_path / "folder.gif").iterdir())


def test_render_all_into_a_file_refused_before_rendering(capsys, tmp_path) -> None:
    (tmp_path / "file").write_text("")
    code, _, err = _run(capsys, ["render", "--all", "-o", str(tmp_path / "file")])
    assert "in the way" in _one_error(code, err)


def test_check_output_accepts_what_can_be_written(tmp_path) -> None:
    check_output(tmp_path / "new" / "deeper" / "x.gif")  # folders to be made
    check_output(tmp_path / "x.gif")
    check_output(tmp_path / "out", folder=True)
    with pytest.raises(ValueError, match="is a folder"):
        check_output(tmp_path)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    "argv",
    [
        ["render", "conv", "-i", "5x5", "-k", "3", "-o", "/proc/x.gif"],
        ["render", "dilation", "-o", "/proc/x.html"],
        ["render", "--all", "-o", "/proc/convanim-out"],
        ["shape", "conv", "-i", "5", "-k", "3"],  # (a control: no output, no error)
    ],
)
def test_an_output_the_os_refuses_is_refused_first_with_exit_2(capsys, argv) -> None:
    """/proc passes os.access (root writes anywhere) yet creates no file: the output check
    reads its file system (no files, no blocks), so the refusal is one line about -o, not a
    temporary file's errno."""
    code, _, err = _run(capsys, argv)
    if argv[0] == "shape":
        assert code == 0 and err == ""
        return
    message = _one_error(code, err)
    assert message.startswith("Error: -o /proc/") and "cannot write into /proc" in message
    assert ".tmp" not in message


@pytest.mark.parametrize(
    "argv",
    [
        ["render", "--all", "--cell-size", "0"],
        ["render", "--all", "--cell-size", "nan"],
        ["render", "2d_maxpool", "dilation", "--cell-size", "1000"],
    ],
)
def test_render_several_checks_the_look_before_the_progress_bar(capsys, tmp_path, argv) -> None:
    code, _, err = _run(capsys, [*argv, "-o", str(tmp_path / "all")])
    assert "cell-size" in _one_error(code, err).replace(" ", "-")
    assert not (tmp_path / "all").exists()


def test_build_and_embed_refuse_names_too_long_before_rendering(capsys, tmp_path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text("# T\n\n{{CONVANIM:2d_maxpool}}\n")
    long = "a" * 300
    for argv in (
        ["build", str(deck), "-o", str(tmp_path / long)],
        ["build", str(deck), "--assets-dir", long, "-o", str(tmp_path / "out")],
    ):
        code, _, err = _run(capsys, argv)
        assert "too long" in _one_error(code, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.md"]
    root = tmp_path / "root"
    root.mkdir()
    code, _, err = _run(capsys, ["embed", "2d_maxpool", "--deck", long, "--root", str(root)])
    assert "too long" in _one_error(code, err)
    assert list(root.iterdir()) == []


@pytest.mark.parametrize("blank", ["", " ", "\t"])
@pytest.mark.parametrize(
    "argv",
    [
        ["render", "conv", "-i", "5x5", "-k", "3"],
        ["render", "--all"],
        ["render", "stack", "--preset", "alexnet"],
    ],
)
def test_a_blank_output_name_is_refused(capsys, tmp_path, monkeypatch, argv, blank) -> None:
    """-o "" would be the current folder and -o " " a folder named by a space: refused."""
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, [*argv, "-o", blank])
    assert "is blank; name the output" in _one_error(code, err)
    assert list(tmp_path.iterdir()) == []
