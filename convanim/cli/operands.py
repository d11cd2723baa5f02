"""What ``convanim compute`` reads besides the parameters: the arrays and the rank rule.

An array whose rank equals the spatial rank is one channel, one more rank is ``(C, …)``, two
more ``(N, C, …)``; the engine computes on ``(N, C, …)`` and :class:`Run` gives results back in
the rank the user typed. NumPy is imported only inside the functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import click

from convanim.core.specs import Kind

__all__ = ["Result", "Run", "parse_coords", "weight_array", "bias_array"]


@dataclass
class Result:
    """What one ``compute`` run produced, arrays already in the user's ranks."""

    arrays: dict[str, Any]  # name -> numpy array (output, grad_input, …), in print order
    header: list[str]
    explain: list[str] | None = None
    explain_json: dict[str, Any] | None = None
    header_json: dict[str, Any] = field(default_factory=dict)  # mode, params (for --json)


@dataclass
class Run:
    """One call: the operation, its kind and rank, the input as typed and as ``(N, C, …)``."""

    op: str
    kind: Kind
    ndim: int
    x: Any
    x_raw: Any
    coord: tuple[int, ...] | None
    grad_output: str | None

    def display(self, full: Any) -> Any:
        """Undo the rank rule for an array computed as (N, C, …)."""
        extra = self.x_raw.ndim - self.ndim
        if extra == 2:
            return full
        if extra == 1:
            return full[0]
        return full[0, 0] if full.shape[1] == 1 else full[0]

    def grad(self, full_shape: tuple[int, ...], shown_shape: tuple[int, ...]) -> Any:
        """``--grad-output`` as (N, C, …): the output's shape as shown, or as computed."""
        from convanim.engine import arrays

        gy = arrays.parse_array(self.grad_output, "--grad-output")
        if gy.shape == tuple(full_shape):
            return gy
        if gy.shape == tuple(shown_shape):
            return gy.reshape(full_shape)
        raise ValueError(
            f"--grad-output must have the output's shape {list(shown_shape)}, got {list(gy.shape)}"
        )

    def split_coord(self) -> tuple[int, int, tuple[int, ...]]:
        """``--explain`` as (batch, channel, spatial coordinate)."""
        coord, ndim = self.coord or (), self.ndim
        if len(coord) == ndim:
            return 0, 0, coord
        if len(coord) == ndim + 1:
            return 0, coord[0], coord[1:]
        if len(coord) == ndim + 2:
            return coord[0], coord[1], coord[2:]
        raise click.BadParameter(
            f"give {ndim} coordinates (or channel and batch first), got {len(coord)}",
            param_hint="--explain",
        )


def parse_coords(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in re.split(r"[,x×\s]+", text.strip()) if p)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an output coordinate (ROW,COL, e.g. 1,2)", param_hint="--explain"
        ) from None


def weight_array(text: str, ndim: int) -> Any:
    from convanim.engine import arrays, examples

    stripped = text.strip()
    if re.fullmatch(r"[A-Za-z][A-Za-z_ -]*", stripped):
        kernel = examples.classic_kernel(stripped)
        if ndim != 2:
            raise ValueError(
                f"the classic kernel {stripped!r} is 2-d; {ndim}-d operations need a {ndim}-d weight"
            )
        return kernel
    return arrays.parse_array(text, "--weight")


def bias_array(text: str | None, channels: int) -> Any:
    import numpy as np

    from convanim.engine import arrays

    if text is None:
        return None
    b = arrays.parse_array(text, "--bias")
    if b.ndim == 0:
        return np.full(channels, float(b))
    if b.ndim != 1 or b.shape[0] != channels:
        raise ValueError(
            f"--bias must be one number or one per output channel ({channels}), got shape {list(b.shape)}"
        )
    return b
