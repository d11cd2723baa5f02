"""Example values for teaching: seeded small integers, the classic kernels, the paper's numbers.

Randomness always comes from a generator built here from an explicit seed
(``numpy.random.default_rng(seed)``); nothing touches NumPy's global state.

>>> example_values((2, 3), seed=0)
array([[3., 2., 2.],
       [1., 1., 0.]])
>>> classic_kernel("sobel_x")
array([[-1.,  0.,  1.],
       [-2.,  0.,  2.],
       [-1.,  0.,  1.]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["CLASSIC_KERNELS", "classic_kernel", "example_values", "conv_arithmetic_values"]

#: The classic 3×3 image kernels, by name (the deck's ``vision_kernels`` figure).
CLASSIC_KERNELS: dict[str, tuple[tuple[float, ...], ...]] = {
    "identity": ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
    "edge": ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
    "sharpen": ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
    "box_blur": ((1 / 9,) * 3,) * 3,
    "gaussian": ((1 / 16, 2 / 16, 1 / 16), (2 / 16, 4 / 16, 2 / 16), (1 / 16, 2 / 16, 1 / 16)),
    "sobel_x": ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
    "sobel_y": ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
    "laplacian": ((0, 1, 0), (1, -4, 1), (0, 1, 0)),
}

_ALIASES = {
    "edge_detection": "edge",
    "outline": "edge",
    "box": "box_blur",
    "blur": "box_blur",
    "gaussian_blur": "gaussian",
}


def classic_kernel(name: str) -> np.ndarray:
    """A classic 3×3 kernel by name (a fresh float64 array; see :data:`CLASSIC_KERNELS`).

    >>> classic_kernel("box_blur").sum()
    np.float64(1.0)
    """
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key not in CLASSIC_KERNELS:
        raise ValueError(
            f"unknown kernel {name!r}; choose one of {', '.join(sorted(CLASSIC_KERNELS))}"
        )
    return np.array(CLASSIC_KERNELS[key], dtype=np.float64)


def example_values(
    shape: int | Sequence[int], low: int = 0, high: int = 4, seed: int = 0
) -> np.ndarray:
    """Deterministic small integers in ``[low, high)`` (as float64), for numbers on a slide."""
    if high <= low:
        raise ValueError(f"need low < high, got low={low}, high={high}")
    rng = np.random.default_rng(seed)
    return rng.integers(low, high, size=shape).astype(np.float64)


def conv_arithmetic_values() -> tuple[np.ndarray, np.ndarray]:
    """The input (5×5) and kernel (3×3) of the conv_arithmetic paper's numerical figures.

    The paper's script draws them from ``numpy.random.seed(1234)``; we rebuild them from a
    private legacy generator with that seed, so the global state stays untouched.

    >>> x, w = conv_arithmetic_values()
    >>> x[0], w[0]
    (array([3., 3., 2., 1., 0.]), array([0., 1., 2.]))
    """
    rng = np.random.RandomState(1234)  # the paper's legacy generator, kept private
    x = rng.randint(0, 4, (5, 5)).astype(np.float64)
    w = rng.randint(0, 3, (3, 3)).astype(np.float64)
    return x, w
