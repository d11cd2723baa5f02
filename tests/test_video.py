"""Videos: qualities, paths, the cache, doctor, and real renders checked with PyAV.

Every scene is rendered at 480p15 (short: one step, fast steps) and reopened with PyAV:
container, codec, resolution, frame rate, and a duration equal to the scene's own timeline
(Manim's ``dry_run`` of the same parameters). FIRConvolution1D also goes end to end through
``convanim render`` into the deck's folder layout, and a second run must be a cache no-op.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from convanim import video

av = pytest.importorskip("av")
pytest.importorskip("manim")

CONVANIM = [sys.executable, "-m", "convanim"]
SHORT = {"max_steps": 1, "step_time": 0.2}


@pytest.fixture(scope="module")
def cache_folder(tmp_path_factory):
    # One per module: renders are keyed by their parameters, and the typeset formulas and
    # text layouts Manim keeps there are shared, as in real use.
    return tmp_path_factory.mktemp("cache")


@pytest.fixture()
def cache(cache_folder, monkeypatch):
    monkeypatch.setenv("CONVANIM_CACHE_DIR", str(cache_folder))
    return cache_folder


def probe(path: Path) -> dict:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        return {
            "format": container.format.name,
            "codec": stream.codec_context.name,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "fps": float(stream.average_rate),
            "duration": container.duration / 1e6,
            "frames": frames,
        }


def assert_duration(info: dict, scene: str, params: dict, tmp_path: Path) -> None:
    """The video is as long as the scene's own timeline (Manim's dry run adds up every play's
    run time); each play rounds to whole frames, hence one frame of slack per play."""
    from manim import tempconfig

    module = importlib.import_module(f"convanim.scenes.{video.SCENE_MODULES[scene]}")
    cfg = {
        "dry_run": True,
        "media_dir": str(tmp_path / "dry"),
        "verbosity": "ERROR",
        **video.manim_asset_dirs(),
    }
    with tempconfig(cfg):
        s = getattr(module, scene)(params=params)
        s.render()
    expected, plays = s.renderer.time, s.renderer.num_plays
    slack = plays / info["fps"] + 0.1
    assert expected - 0.1 <= info["duration"] <= expected + slack
    assert info["frames"] == pytest.approx(info["duration"] * info["fps"], abs=2)


def assert_opens_and_ends_still(path: Path) -> None:
    """The first frame is the scene's title state (ink on the slide, not a blank frame that a
    looping video would flash) and the last 3 s are one still frame (up to the encoder's
    noise: H.264 refines a still picture over a few frames, by a few levels on <0.5 % of the
    pixels, where any drawn change moves thousands of pixels by over 100 levels)."""
    import numpy as np

    with av.open(str(path)) as container:
        fps = float(container.streams.video[0].average_rate)
        frames = [f.to_ndarray(format="gray").astype(int) for f in container.decode(video=0)]
    first = frames[0]
    assert (first < 128).mean() > 0.002, "first frame is blank"
    tail = frames[-round(3 * fps) :]
    assert len(tail) == round(3 * fps) and len(frames) > len(tail)
    for frame in tail:
        diff = np.abs(frame - tail[-1])
        assert (diff > 64).mean() < 0.0005 and (diff > 16).mean() < 0.005


def assert_gif_colours_are_blends(gif: Path) -> None:
    """Every colour in every frame of the GIF lies on a blend of two of the scene's own colours
    (anti-aliasing mixes an edge with what is behind it), within a few levels: no fringe of a
    colour the scene never drew (Manim's own GIF maps frames to a fixed 3-3-2 cube: yellow
    edges, grey text turned yellow), and the slide's white is exact."""
    import numpy as np
    from convanim.scenes import _common
    from PIL import Image, ImageSequence

    hexes = _common.PALETTES["light"].colours() | {"#ffffff", "#000000"}
    scene = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in hexes], float)
    scene = np.vstack([scene, [blend(a, b) for a in scene for b in scene]])  # shading over fills
    seen: set[tuple[int, int, int]] = set()
    with Image.open(gif) as im:
        assert im.info.get("loop") == 0
        assert im.convert("RGB").getpixel((2, 2)) == (255, 255, 255)
        for frame in ImageSequence.Iterator(im):
            seen |= {c for _, c in frame.convert("RGB").getcolors(1 << 16)}
    colours = np.array(sorted(seen), float)
    a, b = scene[:, None, :], scene[None, :, :]
    ab = b - a
    worst = 0.0
    for c in colours:
        t = np.clip(((c - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-9), 0, 1)
        dist = np.linalg.norm(a + t[..., None] * ab - c, axis=-1)
        worst = max(worst, float(dist.min()))
    assert worst <= 12.0, f"a colour {worst:.1f} levels away from any blend of the scene's colours"


def blend(a, b, alpha: float = 0.3):
    return (1 - alpha) * a + alpha * b


# -- the light parts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "folder"),
    [
        ("low", "480p15"),
        ("-ql", "480p15"),
        ("l", "480p15"),
        ("medium", "720p30"),
        ("-qm", "720p30"),
        ("high", "1080p60"),
        ("1080p60", "1080p60"),
        ("-qh", "1080p60"),
        ("1440p60", "1440p60"),
        ("-qp", "1440p60"),
        ("2160p60", "2160p60"),
        ("-qk", "2160p60"),
    ],
)
def test_quality_spellings(spelling, folder):
    assert video.resolve_quality(spelling).folder == folder


@pytest.mark.parametrize(
    ("args", "folder"),
    [
        (["-ql"], "480p15"),
        (["-qm"], "720p30"),
        (["-qh"], "1080p60"),
        (["-qp"], "1440p60"),
        (["-qk"], "2160p60"),
        (["--quality", "-qh"], "1080p60"),
        (["--quality=1440p60"], "1440p60"),
        (["-q", "2160p60"], "2160p60"),
    ],
)
def test_quality_spellings_on_the_command_line(args, folder):
    # Manim's glued -ql … -qk must reach resolve_quality as click parses them.
    from convanim.cli.video import render_video

    ctx = render_video.make_context("render", ["FIRConvolution1D", *args])
    assert video.resolve_quality(ctx.params["quality"]).folder == folder


def test_unknown_quality_and_format():
    with pytest.raises(ValueError, match="unknown quality"):
        video.resolve_quality("ultra")
    with pytest.raises(ValueError, match="alpha"):
        video.render_scene("Conv2D", Path("x"), fmt="mp4", transparent=True)
    with pytest.raises(ValueError, match="unknown scene"):
        video.render_scene("Conv3D", Path("x"))


def test_deck_folder_convention(tmp_path):
    q = video.resolve_quality("1080p60")
    out = video.output_path("FIRConvolution1D", tmp_path / "assets/videos/04", q, "mp4")
    assert out == tmp_path / "assets/videos/04/1080p60/FIRConvolution1D.mp4"
    assert video.output_path("Conv2D", tmp_path / "c.webm", q, "webm") == tmp_path / "c.webm"
    with pytest.raises(ValueError, match="does not end in .mp4"):
        video.output_path("Conv2D", tmp_path / "c.gif", q, "mp4")


def test_cache_key_tracks_everything_that_changes_pixels():
    q = video.resolve_quality("low")
    p = video.resolve_params("FIRConvolution1D", {})
    key = video.cache_key("FIRConvolution1D", p, q, "mp4", False)
    assert key == video.cache_key("FIRConvolution1D", dict(p), q, "mp4", False)
    p2 = video.resolve_params("FIRConvolution1D", {"kernel": "1,2"})
    assert key != video.cache_key("FIRConvolution1D", p2, q, "mp4", False)
    assert key != video.cache_key("FIRConvolution1D", p, video.QUALITIES["high"], "mp4", False)
    assert key != video.cache_key("FIRConvolution1D", p, q, "webm", False)
    # Defaults spelled out are the same render as defaults left out.
    same = video.resolve_params("FIRConvolution1D", {"signal": p["signal"]})
    assert key == video.cache_key("FIRConvolution1D", same, q, "mp4", False)


def test_scene_options_from_the_command_line():
    args = ["--signal", "1,2,3", "--kernel=-1,1", "--max-steps", "2"]
    parsed = video.parse_param_args("FIRConvolution1D", args)
    assert parsed == {"signal": "1,2,3", "kernel": "-1,1", "max_steps": "2"}
    assert video.resolve_params("FIRConvolution1D", parsed)["kernel"] == [-1.0, 1.0]
    with pytest.raises(ValueError, match="needs a value"):
        video.parse_param_args("Conv2D", ["--stride"])


def test_doctor_reports_versions():
    proc = subprocess.run([*CONVANIM, "doctor", "--json"], capture_output=True, text=True)
    report = {r["name"]: r for r in json.loads(proc.stdout)}
    assert set(report) == {"manim", "Cairo", "Pango", "PyAV/ffmpeg", "LaTeX", "dvisvgm", "fonts"}
    assert report["manim"]["ok"] and report["manim"]["version"].startswith("0.")
    assert report["LaTeX"]["ok"] and "TeX" in report["LaTeX"]["version"]
    assert proc.returncode == (0 if all(r["ok"] for r in report.values()) else 1)


def test_missing_latex_is_explained_not_a_traceback(tmp_path, cache):
    env = dict(os.environ, PATH=str(tmp_path))  # no latex, dvisvgm or fc-match on the PATH
    proc = subprocess.run([*CONVANIM, "doctor"], capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert "MISSING LaTeX" in proc.stdout
    assert "apt-get install -y texlive-latex-extra" in proc.stdout
    assert "disables: the formulas (MathTex)" in proc.stdout
    out = tmp_path / "v"
    proc = subprocess.run(
        [*CONVANIM, "render", "FIRConvolution1D", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot render: LaTeX is missing")
    assert "texlive-latex-extra" in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


# -- real renders -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("scene", [s for s in video.SCENE_NAMES if s != "FIRConvolution1D"])
def test_every_scene_renders_at_480p15(scene, tmp_path, cache):
    params = dict(SHORT)
    if scene == "TransposedConv2D":
        params["view"] = "scatter"
    path = video.render_scene(scene, tmp_path, quality="low", params=params)
    assert path == tmp_path / "480p15" / f"{scene}.mp4"
    info = probe(path)
    assert "mp4" in info["format"] and info["codec"] == "h264"
    assert (info["width"], info["height"]) == (854, 480)
    assert info["fps"] == pytest.approx(15, abs=0.01)
    assert_duration(info, scene, params, tmp_path)
    assert_opens_and_ends_still(path)


@pytest.mark.slow
def test_fir_end_to_end_into_the_deck_layout(tmp_path, cache):
    deck = tmp_path / "deck" / "assets" / "videos" / "04-convolutional_layers"
    args = [
        *CONVANIM,
        "render",
        "FIRConvolution1D",
        "--signal",
        "1,2,3,1,0",
        "--kernel",
        "1,0.5,-1",
        "--step-time",
        "0.2",
        "-ql",
        "-o",
        str(deck),
    ]
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    path = deck / "480p15" / "FIRConvolution1D.mp4"
    assert proc.stdout.strip() == str(path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # readable by the web server
    info = probe(path)
    assert (info["width"], info["height"], round(info["fps"])) == (854, 480, 15)
    params = video.resolve_params(
        "FIRConvolution1D", {"signal": "1,2,3,1,0", "kernel": "1,0.5,-1", "step_time": 0.2}
    )
    assert_duration(info, "FIRConvolution1D", params, tmp_path)
    assert_opens_and_ends_still(path)
    # Unchanged scene, parameters and versions: a no-op, well under a second. (In a checkout
    # being edited while the test runs, a scene's source can change in between and rightly
    # make the render stale: the run after that must then be the no-op.)
    # Measured in the child's CPU seconds, best of three: a run on a busy machine waits for a
    # core (wall time), but a render would cost ten CPU seconds or more, a no-op well under one.
    spent = []
    for _ in range(3):
        mtime = path.stat().st_mtime_ns
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        again = subprocess.run(args, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        assert again.returncode == 0 and again.stdout.strip() == str(path)
        if path.stat().st_mtime_ns == mtime and min(spent) < 1.0:
            break
    assert min(spent) < 1.0
    assert path.stat().st_mtime_ns == mtime
    # A deleted output comes back from the cache, byte for byte, without Manim.
    data = path.read_bytes()
    restored = []
    for _ in range(3):
        path.unlink()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, capture_output=True, text=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        restored.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        assert path.read_bytes() == data
        if restored[-1] < 1.0:
            break
    assert min(restored) < 1.0
    # ... and the CLI stays light: a cached render imports neither NumPy nor Manim.
    probe_imports = (
        "import sys; from convanim.cli import main; sys.argv = ['convanim', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numpy', 'manim', 'av', 'PIL') if m in sys.modules))"
    )
    light = subprocess.run(
        [sys.executable, "-c", probe_imports, *args[3:]], capture_output=True, text=True
    )
    assert light.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_poster_png_and_force(tmp_path, cache, monkeypatch):
    from convanim.video import runner

    renders = []
    real = runner._render_into
    monkeypatch.setattr(runner, "_render_into", lambda *a, **k: renders.append(1) or real(*a, **k))
    params = {"signal": "1,2,3", "kernel": "1,1", "step_time": 0.1}
    png = video.render_scene("FIRConvolution1D", tmp_path / "poster.png", fmt="png", params=params)
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (854, 480)
        # the deck's white slide background, and ink on it
        assert im.getpixel((2, 2))[:3] == (255, 255, 255)
        assert im.convert("L").getextrema()[0] < 64
    video.render_scene("FIRConvolution1D", tmp_path / "poster.png", fmt="png", params=params)
    assert len(renders) == 1  # unchanged input: the cache answers
    # force renders again (the file itself is rewritten only if its bytes change)
    video.render_scene(
        "FIRConvolution1D", tmp_path / "poster.png", fmt="png", params=params, force=True
    )
    assert len(renders) == 2 and png.is_file()


@pytest.mark.slow
def test_gif_and_transparent_webm(tmp_path, cache):
    import numpy as np
    from PIL import Image

    params = {"max_steps": 1, "step_time": 0.2}
    gif = video.render_scene("MaxPool2D", tmp_path, fmt="gif", params=params)
    assert gif == tmp_path / "480p15" / "MaxPool2D.gif"
    with av.open(str(gif)) as c:
        assert c.format.name == "gif" and c.streams.video[0].codec_context.width == 854
    assert_gif_colours_are_blends(gif)
    webm = video.render_scene(
        "MaxPool2D", tmp_path / "alpha.webm", fmt="webm", params=params, transparent=True
    )
    with av.open(str(webm)) as c:
        stream = c.streams.video[0]
        assert "webm" in c.format.name and stream.codec_context.name == "vp9"
        assert stream.metadata.get("alpha_mode") == "1"  # VP9 with its alpha plane
    # Transparent exports are drawn for a dark slide: light ink, no black text or lines.
    png = video.render_scene(
        "MaxPool2D", tmp_path / "alpha.png", fmt="png", params=params, transparent=True
    )
    rgba = np.asarray(Image.open(png).convert("RGBA")).reshape(-1, 4).astype(int)
    opaque = rgba[rgba[:, 3] == 255, :3]
    assert (rgba[:, 3] == 0).mean() > 0.5  # the slide shows through
    near = lambda colour: (np.abs(opaque - colour).max(axis=1) <= 12).sum()  # noqa: E731
    assert near((0xFD, 0xF6, 0xE3)) > 500 and near((0, 0, 0)) == 0


# -- clicker-stepped playback -----------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
STEPS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<link rel="stylesheet" href="reveal/reveal.css"></head>
<body><div class="reveal"><div class="slides">
<section data-markdown><textarea data-template>
## A stepped video

{snippet}
</textarea></section>
<section><h2>Next slide</h2></section>
</div></div>
<script src="reveal/reveal.js"></script><script src="reveal/plugin/markdown.js"></script>
<script>Reveal.initialize({{ width: 1280, height: 720, plugins: [RevealMarkdown] }});</script>
</body></html>
"""


@pytest.mark.slow
def test_steps_snippet_pauses_at_each_boundary_in_chromium(tmp_path, cache):
    """`render --steps` writes the boundaries; in a reveal.js Markdown slide opened from
    file://, three presses of → leave the video paused at the third boundary (±1 frame) and ←
    brings it back to the second, with no request leaving the folder."""
    import shutil

    from convanim.slides.embed import EmbedOptions, snippet

    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not (shutil.which("node") and Path(chromium).is_file()):
        pytest.fail("node and Chromium are needed (scripts/setup.sh)")
    site = tmp_path / "site"
    shutil.copytree(ROOT / "node_modules" / "reveal.js" / "dist", site / "reveal")
    args = [*CONVANIM, "render", "FIRConvolution1D", "--signal", "1,2,3,1,0", "--steps", "-ql"]
    proc = subprocess.run([*args, "-o", str(site / "v")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    video_file = site / "v" / "480p15" / "FIRConvolution1D.mp4"
    data = json.loads(video_file.with_suffix(".steps.json").read_text())
    assert data["fps"] == 15 and len(data["steps"]) >= 4
    assert data["steps"] == sorted(data["steps"]) and data["start"] < data["steps"][0]
    assert data["steps"][-1] <= data["duration"] - 3.0 + 1e-6  # the end hold is no step
    frames = round(data["duration"] * 15)
    assert probe(video_file)["frames"] == frames  # the boundaries are on the video's clock
    html = snippet("v/480p15/FIRConvolution1D.mp4", EmbedOptions(template="steps"))
    assert 'data-steps="v/480p15/FIRConvolution1D.steps.js"' in html
    (site / "index.html").write_text(STEPS_PAGE.format(snippet=html))
    proc = subprocess.run(
        [
            "node",
            str(ROOT / "tests" / "steps_check.mjs"),
            (site / "index.html").as_uri(),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["pageErrors"] == []
    assert all(u.startswith(site.as_uri()) or u.startswith("data:") for u in report["requests"])
    assert report["initial"]["fragments"] == len(data["steps"])
    frame = 1 / 15
    assert report["initial"]["time"] == pytest.approx(data["start"], abs=frame)
    *forward, back = report["presses"]
    for k, state in enumerate(forward):
        assert state["paused"] and state["shown"] == k + 1
        assert state["time"] == pytest.approx(data["steps"][k], abs=frame), (k, state)
    assert back["paused"] and back["shown"] == 2
    assert back["time"] == pytest.approx(data["steps"][1], abs=frame)


# -- the verified cache -----------------------------------------------------------------------


def _fake_render(calls):
    """A stand-in for Manim that writes a recognisable file and a record, as a render would."""
    from convanim.video import cache as vcache

    def render_into(entry, scene, params, q, fmt, transparent):
        calls.append(scene)
        made = entry.parent / "made.mp4"
        made.parent.mkdir(parents=True, exist_ok=True)
        made.write_bytes(b"rendered by the fake" * 10)
        extra = {"scene": scene, "fps": q.fps, "duration": 4.0, "steps": [1.5, 2.0]}
        return vcache.store(made, entry, extra)

    return render_into


def test_cache_serves_only_verified_entries(tmp_path, cache, monkeypatch):
    from convanim.video import cache as vcache
    from convanim.video import runner

    calls: list[str] = []
    monkeypatch.setattr(runner, "_render_into", _fake_render(calls))
    q = video.resolve_quality("low")
    params = video.resolve_params("MaxPool2D", {})
    entry = vcache.entry_path(
        "MaxPool2D", video.cache_key("MaxPool2D", params, q, "mp4", False), "mp4"
    )
    entry.parent.mkdir(parents=True, exist_ok=True)

    # A file planted under the key (no record of ours) is rendered over, never served.
    entry.write_text("not a video")
    out = video.render_scene("MaxPool2D", tmp_path / "a.mp4")
    assert calls == ["MaxPool2D"] and out.read_bytes().startswith(b"rendered by the fake")
    # Unchanged: served from the cache, nothing rendered.
    video.render_scene("MaxPool2D", tmp_path / "b.mp4")
    assert calls == ["MaxPool2D"]
    # Bytes changed behind the record's back: rendered again.
    entry.write_bytes(entry.read_bytes()[:-1] + b"!")
    video.render_scene("MaxPool2D", tmp_path / "c.mp4")
    assert calls == ["MaxPool2D"] * 2
    # A symlink under the key, even to a file with a matching record, is refused and replaced
    # by a regular file; its target is left alone.
    elsewhere = tmp_path / "secret.mp4"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    video.render_scene("MaxPool2D", tmp_path / "d.mp4")
    assert calls == ["MaxPool2D"] * 3
    assert not entry.is_symlink() and entry.is_file()
    assert elsewhere.read_bytes() == entry.read_bytes()  # untouched (same fake bytes)
    # --steps writes the boundaries from the record, beside the output.
    out = video.render_scene("MaxPool2D", tmp_path / "e.mp4", steps=True)
    data = json.loads(video.steps_path(out).read_text())
    assert data["start"] == 1.5 and data["steps"] == [2.0] and data["video"] == "e.mp4"
    assert "convanimSteps.define" in video.steps_script_path(out).read_text()
    # The build's hook writes step files only for the file that render made, never for a file
    # another renderer wrote under the same name.
    other = tmp_path / "other.mp4"
    other.write_bytes(b"not this render")
    assert not video.write_steps("MaxPool2D", other)
    assert not video.steps_path(other).exists()
    assert video.write_steps("MaxPool2D", out)


def test_missing_manim_is_reported_before_the_cache(tmp_path, cache, monkeypatch, capsys):
    from convanim.cli import main
    from convanim.video import doctor, runner

    calls: list[str] = []
    monkeypatch.setattr(runner, "_render_into", _fake_render(calls))
    video.render_scene("MaxPool2D", tmp_path / "a.mp4")  # now cached
    monkeypatch.setattr(doctor, "manim_version", lambda: "missing")
    with pytest.raises(video.MissingRequirementError, match="manim is missing"):
        video.render_scene("MaxPool2D", tmp_path / "b.mp4")
    assert not (tmp_path / "b.mp4").exists()
    for argv in (
        ["render", "MaxPool2D", "-o", str(tmp_path / "c.mp4")],
        ["embed", "MaxPool2D", "--root", str(tmp_path / "deck")],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert exit_info.value.code == 1, argv
        # (embed first says what it is about to render)
        assert err[-1].startswith("Error: cannot render: manim is missing")
        assert "pip install" in err[-1] and "Traceback" not in "\n".join(err)
