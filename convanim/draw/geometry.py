"""The paper's perspective and the plane geometry both renderers need (standard library only).

conv_arithmetic draws each map with TikZ ``xslant=-0.7, yslant=0.5``. TikZ applies the x slant
first and the y slant to its result, so a point ``(x, y)`` (y up) lands at

    x′ = x − 0.7·y,    y′ = 0.5·x′ + y = 0.5·x + 0.65·y

(the plane's edges at 26.6° and 42.9° from the horizontal, as measured on the GIFs; a plane
G cells wide spans 1.7·G cells, conv_arithmetic's width rule 43 + 50.2·G px at 29.5 px a cell).

Two facts make the layout safe for *any* parameters, not only the paper's:

* ``y′ − 0.5·x′ = 0.65·y + 0.35·y = y``: along the normal of the planes' 26.6° edges, a point's
  height is just its unslanted row coordinate. An input plane of ``rows`` rows reaches at most
  ``rows`` on that axis; an output plane whose origin sits at ``(dx, lift)`` starts at
  ``lift − 0.5·dx``. With :func:`output_lift` the two never overlap in the image, whatever the
  sizes (the paper's lift ``G + 1`` is this rule for square maps).
* Both planes and every window are convex quadrilaterals, so overlap and clipping are the
  separating-axis test and Cyrus–Beck clipping.

>>> perspective_point(1, 0), perspective_point(0, 1)
((1.0, 0.5), (-0.7, 0.65))
>>> output_lift(9)   # full_padding_no_strides: the output floats G + 1 above the input
10.0
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "SLANT",
    "PERSPECTIVE",
    "OUTPUT_SHIFT",
    "LIFT_GAP",
    "Point",
    "perspective_point",
    "perspective_transform",
    "flat_transform",
    "apply",
    "plane_polygon",
    "plane_extent",
    "output_lift",
    "polygons_overlap",
    "rect_meets_polygon",
    "clip_outside",
    "polygon_area",
]

Point = tuple[float, float]

#: TikZ's slants as written in conv_arithmetic's template (``xslant``, ``yslant``).
SLANT = (-0.7, 0.5)
#: The composed map ``(x, y) → (a·x + b·y, c·x + d·y)``, y up: ``(1, −0.7, 0.5, 0.65)``.
PERSPECTIVE = (1.0, SLANT[0], SLANT[1], 1.0 + SLANT[0] * SLANT[1])
#: Where the output plane's origin corner sits left of the input's (measured: −0.25 cell on all
#: 15 GIFs: the output plane's corner is set a quarter cell left of the input's).
OUTPUT_SHIFT = -0.25
#: Gap between the planes along the axis where they could meet, in cells (the paper: 1).
LIFT_GAP = 1.0


def perspective_point(x: float, y: float) -> Point:
    """Where the paper's slant puts ``(x, y)`` (both y up)."""
    a, b, c, d = PERSPECTIVE
    return (a * x + b * y, c * x + d * y)


def perspective_transform(rows: int, dx: float, dy_up: float, height: float) -> tuple:
    """A grid's corner map ``(col, row) → units`` (y down) for a ``rows``-row plane whose
    origin corner (bottom-left when unslanted) is at ``(dx, dy_up)`` in a y-up canvas of
    ``height`` units. Returns ``(ax, bx, tx, ay, by, ty)`` as :class:`~convanim.draw.plan.GridView`
    expects: ``x = ax·col + bx·row + tx``, ``y = ay·col + by·row + ty``.

    >>> t = perspective_transform(2, 0.0, 0.0, 10.0)
    >>> apply(t, (0, 2)), apply(t, (1, 2))   # the origin corner, then one column right
    ((0.0, 10.0), (1.0, 9.5))
    """
    a, b, c, d = PERSPECTIVE
    # unslanted: x = col, y = rows − row; then x′ = a·x + b·y + dx, y_down = height − (c·x + d·y + dy)
    return (a, -b, b * rows + dx, -c, d, height - d * rows - dy_up)


def flat_transform(dx: float, dy: float) -> tuple:
    """The corner map of an unslanted grid whose top-left corner is at ``(dx, dy)`` (y down)."""
    return (1.0, 0.0, dx, 0.0, 1.0, dy)


def apply(transform: tuple, corner: tuple[float, float]) -> Point:
    """Where a grid's transform puts corner ``(col, row)``."""
    ax, bx, tx, ay, by, ty = transform
    col, row = corner
    return (ax * col + bx * row + tx, ay * col + by * row + ty)


def plane_polygon(rows: int, cols: int, dx: float = 0.0, dy: float = 0.0) -> list[Point]:
    """A slanted rows×cols plane's corners in the y-up canvas, origin corner at ``(dx, dy)``."""
    pts = [perspective_point(x, y) for x, y in ((0, 0), (cols, 0), (cols, rows), (0, rows))]
    return [(x + dx, y + dy) for x, y in pts]


def plane_extent(rows: int, cols: int) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` of a slanted rows×cols plane, origin corner at 0 (y up).

    >>> plane_extent(4, 4)   # no_padding_no_strides' input: 6.8 cells wide, 4.6 high
    (-2.8, 4.0, 0.0, 4.6)
    """
    pts = plane_polygon(rows, cols)
    xs = [round(p[0], 9) for p in pts]
    ys = [round(p[1], 9) for p in pts]
    return min(xs), max(xs), min(ys), max(ys)


def output_lift(input_rows: int, shift: float = OUTPUT_SHIFT, gap: float = LIFT_GAP) -> float:
    """How high the output plane's origin corner sits so that it clears an input plane of
    ``input_rows`` rows by ``gap`` cells along the planes' common normal (any output size).

    >>> output_lift(4), output_lift(4, shift=0.0)
    (5.0, 5.0)
    """
    # The output's lowest point on the axis y′ − 0.5·x′ is lift − 0.5·shift; the input's
    # highest is input_rows. The paper's lift is G + 1 with its −0.25 shift: a 1.125 gap.
    return float(max(input_rows + gap, input_rows + gap + 0.5 * shift))


def _axes(poly: Sequence[Point]) -> list[Point]:
    return [(b[1] - a[1], a[0] - b[0]) for a, b in zip(poly, [*poly[1:], poly[0]], strict=True)]


def polygons_overlap(p: Sequence[Point], q: Sequence[Point], tol: float = 1e-9) -> bool:
    """Whether two convex polygons share interior points (touching edges do not count).

    >>> square = [(0, 0), (1, 0), (1, 1), (0, 1)]
    >>> polygons_overlap(square, [(0.5, 0.5), (2, 0.5), (2, 2)])
    True
    >>> polygons_overlap(square, [(1, 0), (2, 0), (2, 1), (1, 1)])
    False
    """
    for nx, ny in _axes(p) + _axes(q):
        a = [nx * x + ny * y for x, y in p]
        b = [nx * x + ny * y for x, y in q]
        if max(a) <= min(b) + tol or max(b) <= min(a) + tol:
            return False
    return True


def rect_meets_polygon(rect: tuple[float, float, float, float], poly: Sequence[Point]) -> bool:
    """Whether an axis-aligned ``(x0, y0, x1, y1)`` and a convex polygon overlap."""
    x0, y0, x1, y1 = rect
    return polygons_overlap([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], poly)


def polygon_area(poly: Sequence[Point]) -> float:
    """The area of a simple polygon (shoelace), always positive."""
    s = 0.0
    for (x0, y0), (x1, y1) in zip(poly, [*poly[1:], poly[0]], strict=True):
        s += x0 * y1 - x1 * y0
    return abs(s) / 2


def _inside_interval(a: Point, b: Point, poly: Sequence[Point]) -> tuple[float, float] | None:
    """Cyrus–Beck: the parameter interval of segment ``a → b`` strictly inside a convex
    polygon, or None."""
    # Orientation, so that "inside" is the same side of every edge.
    sign = 1.0 if _signed_area(poly) > 0 else -1.0
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in zip(poly, [*poly[1:], poly[0]], strict=True):
        ex, ey = q[0] - p[0], q[1] - p[1]
        # inside: cross(e, point − p)·sign > 0
        num = sign * (ex * (a[1] - p[1]) - ey * (a[0] - p[0]))
        den = sign * (ex * dy - ey * dx)
        if abs(den) < 1e-12:
            if num <= 1e-12:
                return None
            continue
        t = -num / den
        if den > 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1 - 1e-9:
            return None
    return (t0, t1)


def _signed_area(poly: Sequence[Point]) -> float:
    s = 0.0
    for (x0, y0), (x1, y1) in zip(poly, [*poly[1:], poly[0]], strict=True):
        s += x0 * y1 - x1 * y0
    return s / 2


def clip_outside(
    a: Point, b: Point, polys: Sequence[Sequence[Point]], min_length: float = 1e-3
) -> list[tuple[Point, Point]]:
    """The pieces of segment ``a → b`` outside every convex polygon of ``polys``.

    >>> clip_outside((0, 0.5), (3, 0.5), [[(1, 0), (2, 0), (2, 1), (1, 1)]])
    [((0.0, 0.5), (1.0, 0.5)), ((2.0, 0.5), (3.0, 0.5))]
    """
    pieces = [(0.0, 1.0)]
    for poly in polys:
        cut = _inside_interval(a, b, poly)
        if cut is None:
            continue
        c0, c1 = cut
        nxt = []
        for s, e in pieces:
            if e <= c0 or s >= c1:
                nxt.append((s, e))
                continue
            if s < c0:
                nxt.append((s, c0))
            if e > c1:
                nxt.append((c1, e))
        pieces = nxt
    length = ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
    out = []
    for s, e in pieces:
        if (e - s) * length < min_length:
            continue
        out.append(
            (
                (a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s),
                (a[0] + (b[0] - a[0]) * e, a[1] + (b[1] - a[1]) * e),
            )
        )
    return out
