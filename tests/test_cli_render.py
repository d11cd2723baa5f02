"""`convanim list` and `convanim render`: the commands, their errors, --all, and the hand-off
of Manim scene names to the video command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import cli_args, run_main
from PIL import Image

from convanim.cli import render as cli_render
from convanim.draw import catalogue

run = run_main  # ``run(argv, capsys)``: the CLI in this process


def test_list_prints_one_line_per_entry(capsys):
    code, out, _ = run(["list"], capsys)
    assert code == 0
    lines = out.splitlines()
    for name in catalogue.names():
        assert sum(line.startswith(name + " ") for line in lines) == 1
    assert any("36 frames" in line for line in lines if line.startswith("padding_strides_odd_t"))
    code, out, _ = run(["list", "--json"], capsys)
    rows = json.loads(out)
    assert [r["name"] for r in rows] == catalogue.names()
    assert {r["frames"] for r in rows if r["name"] == "dilation"} == {9}


def test_render_a_catalogue_name(tmp_path, capsys):
    code, out, _ = run(["render", "padding_strides", "-o", str(tmp_path / "a.gif")], capsys)
    assert code == 0 and out.strip() == str(tmp_path / "a.gif")
    with Image.open(tmp_path / "a.gif") as im:
        assert im.n_frames == 9 and im.info["loop"] == 0
    code, out, _ = run(
        ["render", "dilation", "-o", str(tmp_path), "--numbers", "--hold", "3000"], capsys
    )
    assert code == 0
    with Image.open(tmp_path / "dilation.gif") as im:
        im.seek(8)
        assert im.info["duration"] == 3000


@pytest.mark.parametrize(
    "args, frames",
    [
        (["conv", "-i", "5x5", "-k", "3", "-s", "2", "-p", "1", "--numbers"], 9),
        (["conv", "-i", "6x6", "-k", "3", "-p", "0:1", "--mode", "convolution", "--numbers"], 25),
        (["conv", "-i", "9", "-k", "3", "-d", "2", "--numbers"], 5),
        (["transposed", "-i", "3x3", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1"], 36),
        (["transposed", "-i", "2", "-k", "3", "-s", "2", "--numbers", "--style", "flat"], 5),
        (["pool", "-i", "4x4", "-k", "2", "--numbers"], 4),
        (["pool", "-i", "5x5", "-k", "3", "-s", "1", "--kind", "avg", "--fill", "all"], 9),
    ],
)
def test_render_any_operation(tmp_path, capsys, args, frames):
    out_path = tmp_path / "x.gif"
    code, _, err = run(["render", *args, "-o", str(out_path)], capsys)
    assert code == 0, err
    with Image.open(out_path) as im:
        assert im.n_frames == frames


def test_values_and_weights_from_the_command_line(tmp_path, capsys):
    values = tmp_path / "x.json"
    values.write_text(json.dumps([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))
    code, _, err = run(
        ["render", "conv", "-i", "3x3", "-k", "3", "-p", "1", "--values", f"@{values}",
         "--weights", "sharpen", "--numbers", "-o", str(tmp_path / "v.png")],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run(
        ["render", "conv", "-i", "3x3", "-k", "2", "--values", "[[1,2],[3,4]]", "-o", str(tmp_path / "w.gif")],
        capsys,
    )  # fmt: skip
    assert code == 2 and err.startswith("Error:") and "--values" in err


def test_convolution_mode_shows_its_numbers_unless_told_not_to(tmp_path, monkeypatch, capsys):
    """The flip is visible only in the numbers: --mode convolution alone used to draw the same
    number-less perspective picture as correlation."""
    seen = []
    monkeypatch.setattr(catalogue, "render_custom", lambda kind, out, **kw: seen.append(kw) or out)
    monkeypatch.setattr(catalogue, "render_named", lambda name, out, **kw: seen.append(kw) or out)
    base = ["render", "conv", "-i", "5x5", "-k", "3", "-o", str(tmp_path / "x.gif")]
    for extra, numbers in (([], True), (["--no-numbers"], False)):
        assert run([*base, "--mode", "convolution", *extra], capsys)[0] == 0
        assert seen.pop()["numbers"] is numbers
    assert run(base, capsys)[0] == 0
    assert "numbers" not in seen.pop()
    assert run(["render", "dilation", "--mode", "convolution", "-o", str(tmp_path)], capsys)[0] == 0
    assert seen.pop()["numbers"] is True


@pytest.mark.parametrize(
    "args, message",
    [
        (["render", "no_such_thing", "-o", "x.gif"], "convanim list"),
        (["render", "conv", "-i", "5", "-k", "7", "-o", "x.gif"], "Kernel size can't be greater"),
        (["render", "conv", "-i", "300x300", "-k", "3", "-o", "x.gif"], "refusing"),
        (
            cli_args("render transposed -i 3 -k 3 -s 2 --output-padding 2 -o x.gif"),
            "output padding",
        ),
        (["render", "conv", "-k", "3", "-o", "x.gif"], "-i/--input"),
        (["render", "conv", "-i", "abc", "-k", "3"], "not a size"),
        (["render", "conv", "-i", "5", "-k", "3", "-o", "x.txt"], "x.txt"),
        (["render"], "name an animation"),
        (["render", "--all"], "-o DIR"),
        (["render", "dilation", "--image", "a.png"], "vision_kernels"),
        (["render", "pool", "-i", "4", "-k", "2", "--weights", "[1,2]", "-o", "x.gif"], "pooling"),
        (["render", "numerical_max_pooling", "--weights", "sobel_x", "-o", "x.gif"], "pooling"),
        (
            ["render", "pool", "-i", "4", "-k", "2", "--mode", "convolution", "-o", "x.gif"],
            "pooling",
        ),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(args, capsys)
    assert code == 2
    assert err.startswith("Error:") and err.count("\n") == 1 and message in err
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_render_all_in_parallel(tmp_path, capsys):
    code, out, err = run(
        ["render", "--all", "-o", str(tmp_path), "-j", "2", "--cell-size", "12"], capsys
    )
    assert code == 0, err
    written = sorted(p.name for p in tmp_path.iterdir())
    expected = sorted(n + catalogue.get(n).ext for n in catalogue.names())
    assert written == expected
    assert len(out.splitlines()) == len(expected)


def test_scene_names_go_to_the_video_command(monkeypatch, capsys):
    seen = {}

    @click.command("render", context_settings={"ignore_unknown_options": True})
    @click.argument("scene")
    @click.option("-q", "--quality")
    @click.argument("rest", nargs=-1, type=click.UNPROCESSED)
    def fake_render_video(scene, quality, rest):
        seen.update(scene=scene, quality=quality, rest=rest)

    import convanim.cli.video as cli_video

    monkeypatch.setattr(cli_render, "scene_names", lambda: ("FakeScene",))
    monkeypatch.setattr(cli_video, "render_video", fake_render_video)
    code, _, err = run(["render", "FakeScene", "-q", "low", "--signal", "1,2"], capsys)
    assert code == 0, err
    assert seen == {"scene": "FakeScene", "quality": "low", "rest": ("--signal", "1,2")}


def test_missing_video_part_means_no_dispatch(monkeypatch):
    monkeypatch.setitem(sys.modules, "convanim.video", None)  # import fails
    assert cli_render.scene_names() == ()


def test_list_and_help_stay_light():
    code = (
        "import sys; from convanim.cli import main\n"
        "try: main(['list'])\nexcept SystemExit: pass\n"
        "print(sorted(m for m in ('numpy', 'PIL', 'manim') if m in sys.modules), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_several_names_render_into_one_folder(tmp_path, capsys):
    # One call for the deck's animations: one file per name, in the folder, named as the deck
    # references them; the same frames as rendering each name alone.
    code, out, _ = run(
        ["render", "dilation", "2d_maxpool", "dilation", "-o", str(tmp_path / "a"), "-j", "1"],
        capsys,
    )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["2d_maxpool.gif", "dilation.gif"]
    alone = catalogue.render_named("dilation", tmp_path / "alone.gif")
    with Image.open(tmp_path / "a" / "dilation.gif") as many, Image.open(alone) as one:
        assert many.n_frames == one.n_frames
        many.seek(many.n_frames - 1)
        one.seek(one.n_frames - 1)
        assert many.convert("RGB").tobytes() == one.convert("RGB").tobytes()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["dilation", "2d_maxpool", "-o", "x.gif"], "give -o DIR"),
        (["dilation", "2d_maxpool"], "give -o DIR"),
        (["dilation", "no_such_name", "-o", "d"], "not catalogue names or scenes: no_such_name"),
        (["dilation", "FIRConvolution1D", "-o", "d", "-q", "8k"], "unknown quality '8k'"),
    ],
)
def test_several_names_are_checked_before_rendering(tmp_path, capsys, argv, message):
    code, out, err = run(
        ["render", *[a if a != "d" else str(tmp_path / "d") for a in argv]], capsys
    )
    assert code == 2 and message in err and out == ""
    assert not (tmp_path / "d").exists()


# --- issue 10: every option everywhere, large inputs, dark slides ------------------------------


@pytest.mark.parametrize(
    "args, kind, shape",
    [
        (["-i", "5x5", "-k", "2", "-s", "2", "--ceil-mode"], "max", [3, 3]),
        (["-i", "7x7", "-k", "2", "-d", "2", "-s", "2"], "max", [3, 3]),
        (["-i", "6x6", "-k", "2", "--kind", "lp", "--norm-type", "3", "--numbers"], "lp", [3, 3]),
    ],
)
def test_render_pool_takes_what_shape_pool_takes(tmp_path, capsys, args, kind, shape):
    """--ceil-mode, dilation and --kind lp: the frames are the shape core's output size."""
    out = tmp_path / "p.gif"
    code, _, err = run(["render", "pool", *args, "-o", str(out)], capsys)
    assert code == 0, err
    code, text, _ = run(
        [
            "shape",
            "pool",
            *[a for a in args if a != "--numbers" and a not in ("--norm-type", "3")],
            "--json",
        ],
        capsys,
    )
    assert code == 0
    assert json.loads(text)["output"] == shape
    with Image.open(out) as im:
        assert im.n_frames == shape[0] * shape[1]


def test_pool_options_are_refused_where_they_do_not_apply(tmp_path, capsys):
    for args, message in (
        (["conv", "-i", "5", "-k", "2", "--ceil-mode"], "only apply to pool"),
        (["pool", "-i", "5", "-k", "2", "--norm-type", "2"], "--kind lp"),
        (["pool", "-i", "6x6", "-k", "2", "-d", "2", "--kind", "lp"], "dilation"),
    ):
        code, out, err = run(["render", *args, "-o", str(tmp_path / "x.gif")], capsys)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir())


def test_bad_cell_size_is_refused_before_any_progress(tmp_path, capsys):
    code, out, err = run(["render", "--all", "--cell-size", "0", "-o", str(tmp_path / "a")], capsys)
    assert code == 2
    assert err.strip().splitlines() == [err.strip().splitlines()[-1]]
    assert "rendering" not in err and "cell size" in err
    assert not (tmp_path / "a").exists()


def test_a_huge_image_is_refused_from_its_header(tmp_path, capsys):
    """A 400-megapixel PNG (its header only): refused with exit 2, nothing decoded."""
    import struct
    import zlib

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b""))
    (tmp_path / "huge.png").write_bytes(png + chunk(b"IEND", b""))
    out = tmp_path / "v.png"
    code, _, err = run(
        ["render", "vision_kernels", "--image", str(tmp_path / "huge.png"), "-o", str(out)], capsys
    )
    assert code == 2 and "megapixels" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_large_input_chooses_its_own_cell_size_and_pace(tmp_path):
    """`render conv -i 32x32 -k 3` once was refused (and took 85 s and 1.3 GB at
    --cell-size 8): now under 10 s of CPU and 500 MB, labels at 14.5 px or more."""
    import resource

    out = tmp_path / "big.gif"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "convanim",
            "render",
            "conv",
            "-i",
            "32x32",
            "-k",
            "3",
            "-o",
            str(out),
        ],
        check=True,
        capture_output=True,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 10, cpu
    assert after.ru_maxrss < 500_000  # kilobytes on Linux
    with Image.open(out) as im:
        assert im.n_frames == 900
        assert max(im.size) <= catalogue.AUTO_SIDE_PX
        assert im.info["duration"] == catalogue.auto_duration_ms(900)
    entry = catalogue.Entry(
        "conv", "conv", "x", input_size=(32, 32), kernel_size=3, size_is_direct=False
    )
    cell = catalogue.auto_cell_px(entry)
    plan = catalogue.entry_plan(entry, cell_px=cell)
    assert all(lb.size * cell >= 14.5 - 1e-9 for lb in plan.labels)


def test_light_ink_for_a_dark_slide(tmp_path, capsys):
    out = tmp_path / "t.png"
    code, _, err = run(
        ["render", "padding_strides", "--transparent", "--ink", "light", "-o", str(out)], capsys
    )
    assert code == 0, err
    rgba = Image.open(out).convert("RGBA")
    import numpy as np

    from convanim.draw.themes import THEMES, rgb

    # Opaque pixels near the dark theme's line colour (pixel access through NumPy: Pillow 12
    # deprecated getdata, and pyproject allows Pillow 10).
    px = np.asarray(rgba, dtype=int)
    opaque = px[px[..., 3] == 255][:, :3]
    assert (np.abs(opaque - rgb(THEMES["dark"].line)).sum(axis=1) < 30).sum() > 100


def test_several_names_may_include_scenes(tmp_path, capsys, monkeypatch):
    # A scene among the names goes to DIR/<quality folder>/<Scene>.mp4 at --quality, like
    # `render SCENE -q … -o DIR`; the video renderer itself is tested in test_video.py.
    from convanim import video

    calls = []

    def fake_render_scene(scene, out, quality="low", **_):
        calls.append((scene, quality))
        path = Path(out) / video.resolve_quality(quality).folder / f"{scene}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"mp4")
        return path

    monkeypatch.setattr(video, "render_scene", fake_render_scene)
    monkeypatch.setattr(video, "require", lambda requirements: None)
    out = tmp_path / "d"
    argv = ["render", "FIRConvolution1D", "2d_maxpool", "-o", str(out), "-q", "1080p60", "-j", "1"]
    code, stdout, _ = run(argv, capsys)
    assert code == 0 and calls == [("FIRConvolution1D", "1080p60")]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == [
        "1080p60/FIRConvolution1D.mp4",
        "2d_maxpool.gif",
    ]
