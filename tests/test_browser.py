"""The demo deck in a real browser: build it into a reveal.js page, serve it on localhost, open it
in headless Chromium (Debian's, driven by playwright-core), visit every slide and fragment, and
check that every image decoded and the video can play. Screenshots land in the test's tmp folder.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from convanim.build import build

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "04-convolutional_layers.md"
SCRIPT = ROOT / "tests" / "browser_check.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.slow


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that honours ``Range`` (browsers fetch video in byte ranges)."""

    def log_message(self, *args):  # keep the test output quiet
        pass

    def send_head(self):
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start = int(match.group(1))
        end = min(int(match.group(2) or size - 1), size - 1)
        if start >= size:
            self.send_error(416)
            return None
        f = open(path, "rb")  # noqa: SIM115 - closed by the base class after copyfile
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._remaining = end - start + 1
        return _Limited(f, end - start + 1)


class _Limited:
    def __init__(self, f, n):
        self.f, self.n = f, n

    def read(self, size=-1):
        if self.n <= 0:
            return b""
        data = self.f.read(self.n if size < 0 else min(size, self.n))
        self.n -= len(data)
        return data

    def close(self):
        self.f.close()


def plan(deck: Path, out: Path):
    """The assets the build planned (a --check run of the library: nothing is written)."""
    result = build(deck, out, check=True)
    assert result.stale == []  # the CLI build above left everything up to date
    return result.assets


@pytest.fixture
def served(tmp_path: Path):
    def serve(folder: Path) -> str:
        handler = functools.partial(RangeHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    servers: list[http.server.ThreadingHTTPServer] = []
    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_demo_deck_in_chromium(tmp_path: Path, served) -> None:
    assert shutil.which("node"), "node is needed (scripts/setup.sh installs it via npm's setup)"
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: apt-get install chromium"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run npm install"
    deck = tmp_path / DEMO.name
    shutil.copyfile(DEMO, deck)
    out = tmp_path / "site"
    # Through the CLI, as a user would (and so the parallel renders fork outside pytest).
    proc = subprocess.run(
        [sys.executable, "-m", "convanim", "build", str(deck), "-o", str(out), "--html"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "14 rendered, 0 up to date, 16 placeholders" in proc.stderr
    assets = {a.rel: a for a in plan(deck, out)}
    image_rels = {rel for rel, a in assets.items() if a.kind == "image"}
    assert len(image_rels) == 13 and [a.name for a in assets.values() if a.kind == "scene"] == [
        "FIRConvolution1D"
    ]
    assert all((out / rel).is_file() for rel in assets)

    shots = tmp_path / "screenshots"
    shots.mkdir()
    url = served(out) + f"/{deck.stem}.html"
    proc = subprocess.run(
        ["node", str(SCRIPT), url, str(shots)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)

    sections = deck.read_text().count("\n---\n") + 1
    assert report["reveal"] == {"total": sections, "markdownLeft": 0}
    assert len(report["slides"]) == sections
    # Chromium's media loader routinely aborts a video request to re-ask for byte ranges.
    failed = [r for r in report["failedRequests"] if not re.search(r"\.mp4 net::ERR_ABORTED$", r)]
    assert report["pageErrors"] == [] and failed == []
    images = [img for slide in report["slides"] for img in slide["images"]]
    srcs = {img["src"] for img in images}
    assert srcs == image_rels
    broken = [img for img in images if img["naturalWidth"] <= 0]
    assert broken == []
    videos = [v for slide in report["slides"] for v in slide["videos"]]
    assert len(videos) == 1
    (video,) = videos
    assert video["readyState"] >= 2 and video["error"] is None and video["videoWidth"] > 0
    assert video["src"].endswith("/480p15/FIRConvolution1D.mp4")
    assert not video["paused"]  # data-autoplay started it when its slide showed
    for slide in report["slides"]:
        assert slide["shots"] and all(Path(s).stat().st_size > 1000 for s in slide["shots"])
    titles = [s["title"] for s in report["slides"]]
    assert "FIR Filters Animation" in titles and "Pooling Layers" in titles
