"""Suite-wide isolation: every test session (each xdist worker) gets its own convanim cache.

Videos are cached by content hash in ``$CONVANIM_CACHE_DIR`` (default ``~/.cache/convanim``),
and Manim's typeset formulas and text layouts are shared there too. Without this, two workers
(or two test runs in one checkout) rendering at once would write the same folders, and a warm
cache from an earlier run would turn a real render into a copy.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_convanim_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONVANIM_CACHE_DIR", str(tmp_path_factory.mktemp("convanim-cache")))
        yield


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """A folder for Manim's (unused) media files during scene dry runs (tests/scene_checks)."""
    return tmp_path_factory.mktemp("manim-media")
