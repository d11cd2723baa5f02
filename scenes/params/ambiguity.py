"""TransposedAmbiguity's parameters (the Manim scene is :mod:`convanim.scenes.ambiguity`)."""

from __future__ import annotations

from typing import Any

from convanim.scenes.params import ParamSpec, SceneDecl, operation


def _check(p: dict[str, Any]) -> None:
    from convanim.core import shapes

    outs = {shapes.conv_output_size(n, p["kernel"], p["stride"], p["padding"]) for n in p["sizes"]}
    if len(outs) != 1:
        raise ValueError(
            f"the sizes {p['sizes']} do not all give the same output ({sorted(outs)}); "
            "choose sizes from one preimage, e.g. `convanim shape transposed`"
        )
    if max(p["sizes"]) > 9:
        raise ValueError("TransposedAmbiguity draws inputs up to 9x9")


SCENE = SceneDecl(
    "TransposedAmbiguity",
    "ambiguity",
    "6x6 and 5x5 both give 3x3; output_padding picks one back",
    (
        ParamSpec("sizes", "ints", [6, 5], "input sizes that collapse to one output", minimum=1),
        *(operation(k, v, "int") for k, v in (("kernel", 3), ("stride", 2), ("padding", 1))),
    ),
    _check,
    order=8,
)
