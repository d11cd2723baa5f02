"""Teaching explanations: an operation's spec or geometry in, its report and text lines out.

Standard library only. Each explanation returns a :class:`Report`: ``data`` (the ``--json``
object) and ``lines`` (the formula with the numbers filled in, then the notes a student needs:
the rows the floor drops, the inputs that give the same output, how ``same`` splits its
padding, what MaxUnpool can restore …). ``convanim shape`` prints one; the registry
(:data:`convanim.core.specs.KINDS`) names each kind's explanation. Submodules are imported by
the command that needs them, so ``shape conv`` reads only :mod:`.conv`:

* :mod:`.conv`: direct and transposed convolution (torch).
* :mod:`.pool`: max/avg/lp pooling, adaptive pooling, max-unpooling (torch).
* :mod:`.frameworks`: the TF/Keras/JAX size conventions.
* :mod:`.stack`: a stack of layers (receptive field, parameters).
* :mod:`.cell`: one output cell of a step trace (``convanim compute --explain``).
* :mod:`.text`: the shared wording (axes, listings, notes).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Report"]


class Report:
    """An explanation: ``data`` for ``--json``, ``lines`` for people."""

    __slots__ = ("data", "lines")

    def __init__(self, data: dict[str, Any], lines: list[str]) -> None:
        self.data = data
        self.lines = lines
