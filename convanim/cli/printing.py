"""How ``convanim compute`` prints arrays: aligned text, or strict JSON.

NumPy is imported inside the functions that need it (the module itself is light).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "format_array",
    "shape_text",
    "json_values",
    "finite_or_none",
    "json_default",
    "header",
    "jsonable",
    "in_user_rank",
]


def _number_texts(values: Sequence[float]) -> list[str]:
    """Shortest common fixed-point format (up to 4 decimals) that shows every value exactly;
    past 10^15 (where fixed point writes a float's every binary digit: 1e308 as 309 figures)
    each value's shortest exact form instead (``1e+20``).

    >>> _number_texts([1.5, 2.0]), _number_texts([1e20, 2.5])
    (['1.5', '2.0'], ['1e+20', '2.5'])
    """
    if any(math.isfinite(v) and abs(v) >= 1e15 for v in values):
        return [repr(float(v)).replace("-0.0", "0.0") for v in values]
    decimals = 4
    for d in range(5):
        if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            decimals = d
            break
    out = []
    for v in values:
        text = f"{v:.{decimals}f}"
        if float(text) == 0:
            text = text.lstrip("-")
        out.append(text)
    return out


def format_array(array: Any, indent: str = "  ") -> list[str]:
    """Aligned rows of a 0-d to N-d array; leading axes become ``[i, j]`` block headers."""
    import numpy as np

    a = np.asarray(array, dtype=np.float64)
    if a.ndim == 0:
        return [indent + _number_texts([float(a)])[0]]
    texts = np.array(_number_texts(a.ravel().tolist()), dtype=object).reshape(a.shape)
    width = max((len(t) for t in texts.ravel()), default=1)
    if a.ndim == 1:
        return [indent + " ".join(t.rjust(width) for t in texts)]
    lines: list[str] = []
    lead = a.shape[:-2]
    for pos in np.ndindex(*lead) if lead else [()]:
        if lead:
            lines.append(f"{indent}[{', '.join(map(str, pos))}]")
        block = texts[pos] if lead else texts
        for row in block:
            lines.append(indent + ("  " if lead else "") + " ".join(t.rjust(width) for t in row))
    return lines


def shape_text(shape: Sequence[int]) -> str:
    """``3×4``, or ``scalar``."""
    return "×".join(str(n) for n in shape) if shape else "scalar"


def finite_or_none(value: Any) -> Any:
    """``value`` with every non-finite float (a padding cell of max pooling: -inf) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(v) for v in value]
    return value


def json_values(array: Any) -> Any:
    """Nested lists, -inf (a max-pool window of padding only) as None."""
    import numpy as np

    a = np.asarray(array)
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        return np.where(np.isfinite(a), a, None).tolist()
    return a.tolist()


def json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def header(
    title: str, params: dict[str, Any], in_shape: Sequence[int], out_shape: Sequence[int]
) -> list[str]:
    """The lines every op prints first: its name, its parameters, input → output shapes."""
    return [
        title,
        "  " + " · ".join(f"{k.replace('_', ' ')} {param_text(v)}" for k, v in params.items()),
        f"  input {shape_text(in_shape)} → output {shape_text(out_shape)}",
    ]


def param_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(f"{v[0]}:{v[1]}" if isinstance(v, tuple | list) else str(v) for v in value)
    return str(value)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"  # lp_pool's norm_type; strict JSON has no inf
    return value


def in_user_rank(full: tuple[int, ...], full_shape: Sequence[int], user_shape: Sequence[int]):
    """An index into the (N, C, …) array as an index into the array the user typed."""
    import numpy as np

    flat = np.ravel_multi_index(full, tuple(full_shape))
    return [int(v) for v in np.unravel_index(flat, tuple(user_shape))]
