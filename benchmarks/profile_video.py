"""Where a scene's render time goes: one render in this interpreter, with what Manim's Cairo
renderer does for each ``play``, and optionally a cProfile of the whole render.

Manim's Cairo renderer paints the mobjects that do not move once per ``play`` and then, for
every frame, redraws the "moving" ones: every mobject from the first one an animation touches
onward, in the scene's drawing order (``Scene.get_moving_mobjects``). A static ``wait`` is
written as one frozen frame. So the cost of a ``play`` is about (frames) x (mobjects redrawn);
this script prints both for each ``play``, plus their totals, which is what to compare between
two versions of a scene (the figures do not depend on the machine's load).

Run it with the interpreter of the tree whose scenes you want (an editable install maps
``convanim.scenes`` to its own tree), e.g. for an older checkout:

    ../old/.venv/bin/python benchmarks/profile_video.py Conv2D --quality low
    .venv/bin/python benchmarks/profile_video.py Conv2D --plays          # one line per play
    .venv/bin/python benchmarks/profile_video.py Conv2D --profile conv2d.prof
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scene")
    parser.add_argument("--quality", default="low")
    parser.add_argument("--plays", action="store_true", help="print one line per play")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the render here")
    parser.add_argument("--top", type=int, default=25, help="profile lines to print")
    parser.add_argument("--json", type=Path, help="write the per-play figures here")
    parser.add_argument(
        "--timing", action="store_true", help="CPU s by stage: drawing, encoding, the rest"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONVANIM_CACHE_DIR"] = str(Path(tmp) / "cache")
        from convanim import video

        try:  # the module layout of the video package changed over time
            from convanim.video.registry import SCENE_MODULES
        except ImportError:
            SCENE_MODULES = video.SCENE_MODULES  # noqa: N806 - a constant of either layout
        q = video.resolve_quality(args.quality)
        job = {
            "scene": args.scene,
            "module": f"convanim.scenes.{SCENE_MODULES[args.scene]}",
            "params": video.resolve_params(args.scene, None),
            "width": q.width,
            "height": q.height,
            "fps": q.fps,
            "format": "mp4",
            "transparent": False,
            "media_dir": str(Path(tmp) / "media"),
            **video.manim_asset_dirs(),
        }
        plays = record_plays()
        stages = time_stages() if args.timing else {}
        from convanim.scenes import _render

        profiler = cProfile.Profile() if args.profile else None
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = _render.run(job)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu

    # Older trees' run() returned only the path.
    length = result["duration"] if isinstance(result, dict) else sum(p["run_time"] for p in plays)
    frames = sum(p["frames"] for p in plays)
    drawn = sum(p["frames"] * p["moving"] for p in plays if not p["frozen"])
    animated = [p for p in plays if not p["frozen"]]
    if args.plays:
        print(f"{'#':>3} {'run s':>6} {'frames':>6} {'moving':>6} {'static':>6}  animations")
        for i, p in enumerate(plays):
            kind = "frozen wait" if p["frozen"] else p["animations"]
            print(
                f"{i:3d} {p['run_time']:6.2f} {p['frames']:6d} {p['moving']:6d}"
                f" {p['static']:6d}  {kind}"
            )
    print(
        f"{args.scene} {args.quality}: video {length:.2f} s, {len(plays)} plays"
        f" ({len(animated)} animated), frames {frames}"
        f" ({sum(p['frames'] for p in animated)} animated),"
        f" mobjects drawn per animated frame {drawn / max(1, sum(p['frames'] for p in animated)):.1f}"
        f" (of {max((p['moving'] + p['static'] for p in plays), default=0)} at most),"
        f" mobject draws {drawn}; this process: {cpu:.2f} CPU s, {wall:.2f} s wall"
    )
    if stages:
        print(
            "CPU s by stage: "
            + ", ".join(f"{k} {v:.2f}" for k, v in stages.items())
            + f"; the rest (building the scene, copies, interpolation) {cpu - sum(stages.values()):.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(plays, indent=1))
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(args.top)


def time_stages() -> dict[str, float]:
    """Wrap Manim's drawing and encoding so that their CPU seconds add up in the returned dict:
    ``draw still`` (the picture of what does not move, once per play), ``draw frames`` (the
    moving mobjects, per animated frame, and a frozen wait's one frame), ``encode`` (the
    encoder threads: colour conversion and H.264, per frame written, frozen or not),
    ``segments`` (opening an encoder per play and joining the pieces at the end)."""
    import threading

    from manim.renderer.cairo_renderer import CairoRenderer
    from manim.scene.scene_file_writer import SceneFileWriter
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    stages = {"draw still": 0.0, "draw frames": 0.0, "encode": 0.0, "segments": 0.0}
    lock = threading.Lock()

    def timed(cls: type, name: str, stage: str, clock=time.thread_time) -> None:  # noqa: ANN001
        original = getattr(cls, name)

        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                with lock:
                    stages[stage] += clock() - start

        setattr(cls, name, wrapper)

    timed(CairoRenderer, "save_static_frame_data", "draw still")
    timed(CairoRenderer, "render", "draw frames")
    timed(VideoSegmentEncoder, "write_frame", "encode")
    timed(VideoSegmentEncoder, "finish", "encode")
    timed(VideoSegmentEncoder, "__init__", "segments")
    # (the final concatenation runs in the main thread)
    timed(SceneFileWriter, "combine_to_movie", "segments", clock=time.process_time)
    return stages


def record_plays() -> list[dict]:
    """Wrap Manim's Cairo ``play`` so each call appends what it drew to the returned list."""
    from manim.animation.animation import Wait
    from manim.renderer.cairo_renderer import CairoRenderer

    plays: list[dict] = []
    original = CairoRenderer.play

    def play(self, scene, *args, **kwargs):  # noqa: ANN001, ANN202 - Manim's own signature
        t0 = self.time
        original(self, scene, *args, **kwargs)
        moving = [m for m in scene.moving_mobjects if m.has_points()]
        anims = scene.animations or []
        plays.append(
            {
                "run_time": round(self.time - t0, 4),
                "frames": round((self.time - t0) * self.camera.frame_rate),
                "frozen": bool(
                    len(anims) == 1 and isinstance(anims[0], Wait) and anims[0].is_static_wait
                ),
                "moving": len(moving),
                "static": len(scene.static_mobjects),
                "animations": ", ".join(sorted({type(a).__name__ for a in anims})),
            }
        )

    CairoRenderer.play = play
    return plays


if __name__ == "__main__":
    main()
