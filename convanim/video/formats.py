"""Video qualities (Manim's names and ours), output formats and where a render is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Quality", "QUALITIES", "FORMATS", "resolve_quality", "check_format", "output_path"]


@dataclass(frozen=True)
class Quality:
    """A Manim quality: pixel size and frame rate; ``folder`` is Manim's ``1080p60`` naming."""

    name: str
    width: int
    height: int
    fps: int

    @property
    def folder(self) -> str:
        """``1080p60``: the deck's folder for videos of this quality."""
        return f"{self.height}p{self.fps}"


QUALITIES: dict[str, Quality] = {
    "low": Quality("low", 854, 480, 15),
    "medium": Quality("medium", 1280, 720, 30),
    "high": Quality("high", 1920, 1080, 60),
    "production": Quality("production", 2560, 1440, 60),
    "fourk": Quality("fourk", 3840, 2160, 60),
}
_QUALITY_ALIASES = {
    "low": ("l", "-ql", "ql", "480p15", "low_quality"),
    "medium": ("m", "-qm", "qm", "720p30", "medium_quality"),
    "high": ("h", "-qh", "qh", "1080p60", "high_quality"),
    "production": ("p", "-qp", "qp", "1440p60", "production_quality"),
    "fourk": ("k", "-qk", "qk", "2160p60", "4k", "fourk_quality"),
}
_QUALITY_LOOKUP = {
    alias: name for name, aliases in _QUALITY_ALIASES.items() for alias in (name, *aliases)
}

#: mp4/webm/mov/gif are videos; png is the last frame (a poster for the slide's ``<video>``).
FORMATS: tuple[str, ...] = ("mp4", "webm", "mov", "gif", "png")


def resolve_quality(quality: str) -> Quality:
    """Accept ``low``, ``480p15``, ``l`` and Manim's ``-ql`` alike.

    >>> resolve_quality("-qh").folder
    '1080p60'
    >>> resolve_quality("1440p60").name
    'production'
    """
    name = _QUALITY_LOOKUP.get(str(quality).strip().lower())
    if name is None:
        raise ValueError(
            f"unknown quality {quality!r}; use low|medium|high|1080p60|1440p60|2160p60 "
            "or Manim's -ql/-qm/-qh/-qp/-qk"
        )
    return QUALITIES[name]


def check_format(fmt: str, transparent: bool) -> str:
    """The format's canonical name; MP4 cannot be transparent."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if transparent and fmt == "mp4":
        raise ValueError("MP4 has no alpha channel: use --format webm (or mov) with --transparent")
    return fmt


def output_path(scene: str, out: Path, quality: Quality, fmt: str) -> Path:
    """Where a render goes: ``out`` itself if it names a file, else the deck's layout.

    A folder (existing, or a path without a suffix) gets ``<folder>/<1080p60>/<Scene>.<fmt>``,
    the convention the deck uses (``assets/videos/…/1080p60/FIRConvolution1D.mp4``).

    >>> output_path("FIRConvolution1D", Path("assets/videos/04"), QUALITIES["high"], "mp4")
    PosixPath('assets/videos/04/1080p60/FIRConvolution1D.mp4')
    """
    out = Path(out)
    if out.is_dir() or not out.suffix:
        return out / quality.folder / f"{scene}.{fmt}"
    if out.suffix.lower().lstrip(".") != fmt:
        raise ValueError(
            f"-o {out} does not end in .{fmt} (the format); rename it or pass --format"
        )
    return out
