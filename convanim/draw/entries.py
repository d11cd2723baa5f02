"""The catalogue's entries: conv_arithmetic's animations (names verbatim, the paper's
parameters from ``bin/generate_makefile`` of vdumoulin/conv_arithmetic), its numerical
figures and the lecture deck's figures, as plain data (standard library and the shape core
only). :mod:`convanim.draw.catalogue` renders them.

A transposed entry is described, as in the paper, by its **direct** convolution
``(i, k, s, p)``; the transposed convolution drawn is the one that maps the direct output back
to ``i``, with ``output_padding = a`` found by the shape core.

>>> len(ARITHMETIC), len(NUMERICAL)
(15, 4)
>>> names()[:3]
['no_padding_no_strides', 'arbitrary_padding_no_strides', 'same_padding_no_strides']
>>> ENTRIES["padding_strides_odd_transposed"].frames()
36
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

from convanim.core import shapes
from convanim.core.params import PARAMS, WINDOW_PARAMS

__all__ = [
    "Entry",
    "ENTRIES",
    "ARITHMETIC",
    "NUMERICAL",
    "FIGURES",
    "POOL_KINDS",
    "OPERATION_KINDS",
    "pool_kind",
    "names",
    "get",
    "BINARY_IMAGE",
    "X_KERNEL",
    "MAXPOOL_IMAGE",
]

#: Pooling kinds, from the shape core (``max``, ``avg``, ``lp``); an entry's kind is ``<kind>_pool``.
POOL_KINDS: tuple[str, ...] = get_args(shapes.PoolKind)
#: The fields that size an entry's window (output_padding, a transposed entry's, is worked out).
_WINDOW = WINDOW_PARAMS[:5]
#: Every operation kind an entry can draw.
OPERATION_KINDS: tuple[str, ...] = ("conv", "transposed", *(f"{k}_pool" for k in POOL_KINDS))


def pool_kind(kind: str) -> str | None:
    """``max`` for ``max_pool`` …, None for a kind that is not a pooling."""
    base = kind.removesuffix("_pool")
    return base if kind.endswith("_pool") and base in POOL_KINDS else None


#: The deck's 2-D convolution figure: a binary image and an "X" kernel.
BINARY_IMAGE = ((1, 1, 1, 0, 0), (0, 1, 1, 1, 0), (0, 0, 1, 1, 1), (0, 0, 1, 1, 0), (0, 1, 1, 0, 0))
X_KERNEL = ((1, 0, 1), (0, 1, 0), (1, 0, 1))
#: The deck's max-pooling figure: one clear maximum per 2x2 window (4, 5, 6, 7); the seeded
#: example values (0 … 3) tied three ways in the first window, so "the maximum" was ambiguous.
MAXPOOL_IMAGE = ((1, 4, 2, 0), (3, 2, 5, 1), (0, 6, 2, 3), (1, 2, 4, 7))


@dataclass(frozen=True)
class Entry:
    """One catalogue item: an operation with fixed parameters and how to draw it.

    ``kind`` is one of :data:`OPERATION_KINDS` or ``figure``. A ``transposed`` entry's window
    fields (``input_size``, ``kernel_size``, ``stride``, ``padding``, ``dilation``) describe the
    direct convolution it transposes (conv_arithmetic's convention) unless ``size_is_direct``
    is off; :meth:`operation` gives the transposed one.
    """

    name: str
    kind: str
    summary: str
    input_size: tuple[int, ...] = ()
    kernel_size: int = 3
    stride: int = PARAMS["stride"].default
    padding: Any = PARAMS["padding"].default
    dilation: int = PARAMS["dilation"].default
    output_padding: int | None = None  # transposed: None = the one that returns to ``size``
    look: str = "perspective"
    numbers: bool = False
    fill: str | None = None
    mode: str = PARAMS["mode"].default
    values: tuple | None = None  # input values (None: the engine's seeded example)
    weights: tuple | None = None  # kernel values (None: the engine's seeded example)
    seed: int = 0
    ext: str = ".gif"
    source: str = "conv_arithmetic"
    hold_last_ms: int | None = None
    labels_text: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, Any], ...] = field(default_factory=tuple)
    size_is_direct: bool = (
        True  # transposed: ``input_size`` is the direct conv's input (the paper's way)
    )
    ceil_mode: bool = PARAMS["ceil_mode"].default  # pooling: keep a last partial window
    norm_type: float = PARAMS["norm_type"].default  # lp pooling: the power p

    def operation(self) -> dict[str, Any]:
        """The operation actually drawn, as keyword arguments for the shape core.

        >>> ENTRIES["padding_strides_odd_transposed"].operation()["output_padding"]
        1
        """
        window = {name: getattr(self, name) for name in _WINDOW}
        if self.kind != "transposed":
            return window
        if not self.size_is_direct:
            return {**window, "output_padding": self.output_padding or 0}
        # the paper's way: the entry describes the direct convolution; transpose it
        direct = shapes.conv_output_shape(**window)
        transposed = {**window, "input_size": direct}
        op = self.output_padding
        if op is None:  # the one that returns to input_size
            op = shapes.output_padding_for_size(**transposed, output_size=self.input_size)[0]
        return {**transposed, "output_padding": op}

    def output_shape(self) -> tuple[int, ...]:
        """Output shape from the shape core (this is also what validates the parameters)."""
        op = self.operation()
        if self.kind == "transposed":
            return shapes.transposed_output_shape(**op)
        kind = pool_kind(self.kind)
        if kind is not None:
            return shapes.pool_output_shape(
                op["input_size"],
                op["kernel_size"],
                op["stride"],
                op["padding"],
                op["dilation"],
                self.ceil_mode,
                kind=kind,  # type: ignore[arg-type]
            )
        return shapes.conv_output_shape(**op)

    def frames(self) -> int:
        """Frames of the animation: one per output cell (o² direct, o′² transposed)."""
        if self.kind == "figure":
            return 1
        n = 1
        for v in self.output_shape():
            n *= v
        return n

    def describe(self) -> str:
        """The one-line description ``convanim list`` prints."""
        if self.kind == "figure":
            return self.summary
        dims = "x".join(str(v) for v in self.input_size)
        bits = [f"i={dims}", f"k={self.kernel_size}", f"s={self.stride}", f"p={self.padding}"]
        if self.dilation != 1:
            bits.append(f"d={self.dilation}")
        out = "x".join(str(v) for v in self.output_shape())
        if self.kind == "transposed":
            op = self.operation()
            i2 = "x".join(str(v) for v in op["input_size"])
            return (
                f"{self.summary}: transpose of ({', '.join(bits)}): {i2} -> {out}, "
                f"output_padding={op['output_padding']}, {self.frames()} frames"
            )
        return f"{self.summary}: {', '.join(bits)} -> {out}, {self.frames()} frames"


def _arith(name: str, i: int, k: int, p: int, s: int, d: int = 1, summary: str = "") -> Entry:
    transposed = name.endswith("_transposed")
    return Entry(
        name,
        "transposed" if transposed else "conv",
        summary,
        input_size=(i, i),
        kernel_size=k,
        stride=s,
        padding=p,
        dilation=d,
    )


ARITHMETIC: tuple[Entry, ...] = (
    _arith("no_padding_no_strides", 4, 3, 0, 1, summary="Fig 2.1, Relationship 1"),
    _arith("arbitrary_padding_no_strides", 5, 4, 2, 1, summary="Fig 2.2, Relationship 2"),
    _arith("same_padding_no_strides", 5, 3, 1, 1, summary="Fig 2.3, half padding, Rel. 3"),
    _arith("full_padding_no_strides", 5, 3, 2, 1, summary="Fig 2.4, full padding, Rel. 4"),
    _arith("no_padding_strides", 5, 3, 0, 2, summary="Fig 2.5, Relationship 5"),
    _arith("padding_strides", 5, 3, 1, 2, summary="Fig 2.6, Relationship 6"),
    _arith("padding_strides_odd", 6, 3, 1, 2, summary="Fig 2.7, last row/column never covered"),
    _arith("no_padding_no_strides_transposed", 4, 3, 0, 1, summary="Fig 4.1, Rel. 8"),
    _arith("arbitrary_padding_no_strides_transposed", 5, 4, 2, 1, summary="Fig 4.2, Rel. 9"),
    _arith("same_padding_no_strides_transposed", 5, 3, 1, 1, summary="Fig 4.3, Rel. 10"),
    _arith("full_padding_no_strides_transposed", 5, 3, 2, 1, summary="Fig 4.4, Rel. 11"),
    _arith("no_padding_strides_transposed", 5, 3, 0, 2, summary="Fig 4.5, Rel. 12"),
    _arith("padding_strides_transposed", 5, 3, 1, 2, summary="Fig 4.6, Rel. 13"),
    _arith("padding_strides_odd_transposed", 6, 3, 1, 2, summary="Fig 4.7, Rel. 14, a=1"),
    _arith("dilation", 7, 3, 0, 1, d=2, summary="Fig 5.1, Relationship 15"),
)

_NUM = {
    "look": "flat",
    "numbers": True,
    "fill": "all",
    "values": "paper",  # the engine's conv_arithmetic_values()
    "weights": "paper",
}
NUMERICAL: tuple[Entry, ...] = (
    Entry("numerical_no_padding_no_strides", "conv", "Fig 1.1", (5, 5), 3, 1, 0, **_NUM),
    Entry("numerical_padding_strides", "conv", "Fig 1.2", (5, 5), 3, 2, 1, **_NUM),
    Entry(
        "numerical_average_pooling",
        "avg_pool",
        "Fig 1.5",
        (5, 5),
        3,
        1,
        0,
        **{**_NUM, "weights": None},
    ),
    Entry(
        "numerical_max_pooling", "max_pool", "Fig 1.6", (5, 5), 3, 1, 0, **{**_NUM, "weights": None}
    ),
)

#: The deck's two animations: values written, the output filling in, the result held.
_DECK = {
    "look": "flat",
    "numbers": True,
    "fill": "progressive",
    "source": "deck",
    "hold_last_ms": 3000,
}


def _still(name: str, summary: str) -> Entry:
    """A deck figure drawn by :mod:`convanim.draw.figures` (not a sliding window)."""
    return Entry(name, "figure", f"deck: {summary}", ext=".png", source="deck")


FIGURES: tuple[Entry, ...] = (
    Entry(
        "2d_convolution",
        "conv",
        "deck: 5x5 binary image, 3x3 kernel as subscripts, the feature map filling in",
        (5, 5),
        3,
        values=BINARY_IMAGE,
        weights=X_KERNEL,
        labels_text=(("input", "image"), ("output", "convolved feature")),
        options=(("show_kernel", False),),
        **_DECK,
    ),
    Entry(
        "2d_maxpool",
        "max_pool",
        "deck: 4x4 input, 2x2 max pool, stride 2, each maximum marked and copied out",
        (4, 4),
        2,
        2,
        values=MAXPOOL_IMAGE,
        **_DECK,
    ),
    _still(
        "ambiguity", "6x6 and 5x5 both give 3x3 (k3 s2 p1); output_padding=1 gets back 6x6 (PNG)"
    ),
    _still(
        "vision_kernels",
        "one image through identity, edge, sharpen, box blur, Gaussian, Sobel (PNG)",
    ),
    _still(
        "wavenet_before",
        "a stack of causal convolutions (k=2), one output's receptive field (PNG|GIF)",
    ),
    _still("wavenet_after", "the same stack dilated 1, 2, 4, 8: receptive field 16 (PNG|GIF)"),
)

ENTRIES: dict[str, Entry] = {e.name: e for e in (*ARITHMETIC, *NUMERICAL, *FIGURES)}


def names() -> list[str]:
    """Every catalogue name, in catalogue order (arithmetic, numerical, deck figures)."""
    return list(ENTRIES)


def get(name: str) -> Entry:
    """The entry called ``name``; a ValueError lists the names when it is unknown."""
    try:
        return ENTRIES[name]
    except KeyError:
        raise ValueError(
            f"unknown animation {name!r}; `convanim list` shows the catalogue"
        ) from None
