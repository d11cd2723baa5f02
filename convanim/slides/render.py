"""Making a deck's assets: each into a temporary file that replaces the target only when whole,
in parallel, recording every success in the manifest as it lands."""

from __future__ import annotations

import concurrent.futures as cf
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from convanim._files import publish, write_atomic
from convanim._procs import pool_options
from convanim.slides.manifest import safe_target, stamp, write_manifest
from convanim.slides.plan import Asset
from convanim.slides.sources import Renderers


class RenderFailed(RuntimeError):
    """Some assets could not be rendered (the others were, and are recorded as done)."""

    made: list[Asset] = []  # the assets that were made before the failure was reported


def partial(path: Path) -> Path:
    """A temporary sibling that keeps the suffix (renderers pick the format from it)."""
    return path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")


def poster_frame(video: Path, out: Path) -> Path:
    """Save the last frame of ``video`` as a PNG (shown while the video loads, and in print)."""
    import av

    last = None
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            last = frame
    if last is None:
        raise ValueError(f"{video} has no video frames")
    png = io.BytesIO()
    last.to_image().save(png, format="PNG")
    write_atomic(out, png.getvalue())
    return out


def render_asset(asset: Asset, out_dir: Path, renderers: Renderers) -> Asset:
    """Make one asset's file(s) in ``out_dir``; every file appears whole or not at all."""
    target = safe_target(out_dir, asset.rel)
    if asset.kind == "file" and target.resolve() == Path(asset.source).resolve():
        return asset  # building into the deck's own folder: the file is already in place
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial(target)
    try:
        if asset.kind == "file":
            shutil.copyfile(asset.source, tmp)
            made = tmp
        elif asset.kind == "image":
            made = Path(renderers.render_image(asset.name, tmp, **dict(asset.params)))
        else:
            made = Path(
                renderers.render_scene(
                    asset.name,
                    tmp,
                    quality=asset.quality,
                    fmt=target.suffix.lstrip("."),
                    params=dict(asset.params) or None,
                )
            )
        if not made.is_file():
            raise RuntimeError(f"renderer for {asset.name!r} did not write {made}")
        publish(made, target)  # renderers may write private (0600) files; a deck is published
    finally:
        tmp.unlink(missing_ok=True)
    if asset.kind == "scene":  # the step boundaries, for the `steps` template (no-op if unknown)
        _write_steps(asset, target)
    if asset.poster_rel:
        poster_frame(target, safe_target(out_dir, asset.poster_rel))
    return asset


def _write_steps(asset: Asset, target: Path) -> None:
    from convanim import video

    video.write_steps(asset.name, target, asset.quality, dict(asset.params) or None)


def render_all(
    stale: list[Asset],
    out_dir: Path,
    renderers: Renderers,
    manifest: dict,
    *,
    jobs: int | None = None,
    processes: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Asset]:
    """Make every asset of ``stale``; returns those made. Failures raise :class:`RenderFailed`
    after the successes are recorded, so the next build only retries the failures."""
    # Longest first: videos start while the GIFs fill the other workers.
    order = {"scene": 0, "image": 1, "file": 2}
    todo = sorted(stale, key=lambda a: (order[a.kind], a.rel))
    jobs = max(1, jobs or os.cpu_count() or 1)
    use_processes = processes and len(todo) > 1 and jobs > 1
    pool_cls = cf.ProcessPoolExecutor if use_processes else cf.ThreadPoolExecutor
    failures, made = [], []
    if progress:
        progress(0, len(todo), "")
    # process workers die with this process (a killed build leaves no orphans rendering)
    extra = pool_options() if use_processes else {}
    with pool_cls(max_workers=min(jobs, len(todo)), **extra) as pool:
        futures = {pool.submit(render_asset, a, out_dir, renderers): a for a in todo}
        for done, future in enumerate(cf.as_completed(futures), start=1):
            asset = futures[future]
            try:
                future.result()
            except Exception as exc:  # noqa: BLE001 - report every failed asset, keep the rest
                failures.append(f"{asset.rel}: {type(exc).__name__}: {exc}")
            else:
                entry = {"key": asset.key, "kind": asset.kind, "stamp": stamp(out_dir / asset.rel)}
                if asset.poster_rel:
                    entry["poster"] = stamp(out_dir / asset.poster_rel)
                    entry["poster_rel"] = asset.poster_rel
                manifest["assets"][asset.rel] = entry
                made.append(asset)
            if progress:
                progress(done, len(todo), asset.rel)
    write_manifest(out_dir, manifest)
    if failures:
        error = RenderFailed(f"{len(failures)} asset(s) failed: " + " | ".join(failures))
        error.made = made
        raise error
    return made
