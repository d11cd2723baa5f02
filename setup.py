"""Ship reveal.js and KaTeX inside the wheel, so `convanim build --html` works from any install.

The metadata lives in pyproject.toml; this file only adds one step to building: the few files of
reveal.js's ``dist/`` (and KaTeX's) the offline page loads, with both licences, are copied from
npm's ``node_modules/`` (``npm ci`` in the checkout, which scripts/setup.sh runs) into
``convanim/slides/vendor/`` of the wheel. An sdist carries the same files, so a wheel built from
it needs neither the checkout's ``node_modules`` nor the network. Editable installs skip the copy:
they find ``node_modules`` beside the source tree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
VENDOR = Path("convanim") / "slides" / "vendor"
# What the page loads (convanim/slides/page.py: REVEAL_FILES, KATEX_FILES, themes, fonts).
FILES = {
    "reveal.js": [
        "LICENSE",
        "dist/reveal.js",
        "dist/reveal.css",
        "dist/reset.css",
        "dist/plugin/markdown.js",
        "dist/plugin/notes.js",
        "dist/plugin/math.js",
        "dist/theme/*.css",
    ],
    "katex": [
        "LICENSE",
        "dist/katex.min.js",
        "dist/katex.min.css",
        "dist/contrib/auto-render.min.js",
        "dist/fonts/*.woff2",
    ],
}


def _vendor_files() -> list[tuple[Path, Path]]:
    """(source, path inside the package) for every file to ship, or [] when none is found."""
    pairs = []
    for package, patterns in FILES.items():
        for base in (ROOT / "node_modules" / package, ROOT / VENDOR / package):
            if (base / "LICENSE").is_file():
                break
        else:
            return []
        for pattern in patterns:
            for src in sorted(base.glob(pattern)):
                pairs.append((src, VENDOR / package / src.relative_to(base)))
    return pairs


def _copy_vendor(dest_root: Path) -> None:
    pairs = _vendor_files()
    if not pairs:
        print("convanim: node_modules/reveal.js not found: the wheel has no offline page support")
        return
    for src, rel in pairs:
        (dest_root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest_root / rel)


class BuildWithRevealjs(build_py):
    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):
            _copy_vendor(Path(self.build_lib))


class SdistWithRevealjs(sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        _copy_vendor(Path(base_dir))


setup(cmdclass={"build_py": BuildWithRevealjs, "sdist": SdistWithRevealjs})
