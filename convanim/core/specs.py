"""Operation specs: one frozen object per operation, validated once, with its geometry.

Standard library only. A spec is what every front end builds from its parameters and every
back end reads: ``convanim shape`` explains it, ``convanim compute`` runs it through the engine,
``render``, the deck and the scenes draw it. Its parameters are declared once, in
:data:`convanim.core.params.PARAMS` (name, parser, default, help, CLI flags, aliases); each spec
field carries its :class:`~convanim.core.params.Param` in the field metadata.

The public names (stable; other modules build on them):

* :class:`ConvSpec`, :class:`TransposedSpec`, :class:`PoolSpec` (``kind`` max|avg|lp),
  :class:`AdaptiveSpec` (``kind`` max|avg), :class:`UnpoolSpec`: frozen dataclasses. Each
  validates itself in ``__post_init__`` with the shape core's functions (torch's rules and
  messages) and raises ``ValueError``; ``.geometry()`` gives the resolved dimensions
  (``ConvDim``/``TransposedDim``/``PoolDim``/``AdaptiveDim``/``UnpoolDim`` tuples) and
  ``.output_shape`` the spatial output size. Per-dimension values are kept canonical after
  validation (``(3, 3)`` is stored as ``3``), so equal operations give equal specs.
* :data:`KINDS`: the registry of operation kinds (``conv``, ``transposed``, ``max_pool``,
  ``avg_pool``, ``lp_pool``, ``adaptive_max_pool``, ``adaptive_avg_pool``, ``max_unpool``), each a
  :class:`Kind` naming its spec class, the torch function prefix, the fixed fields (a max pool
  is a ``PoolSpec(kind="max")``), the parameters it does not take, and the *dotted names* of its
  forward, backward, trace and explanation functions (``module:function``, imported only by
  :meth:`Kind.load`, so this module stays standard-library only).
* :func:`get_kind` (a registry key, an alias such as ``pool`` or ``conv_transpose``, or a torch
  function name such as ``max_pool2d``) and :func:`spec_from_mapping` (a mapping of strings or
  values, as a CLI, a deck placeholder or a scene parameter dict gives them, into a spec).

>>> spec = spec_from_mapping("conv", {"input": "6x6", "k": "3", "stride": "2", "padding": "1"})
>>> spec.output_shape
(3, 3)
>>> spec == ConvSpec(input_size=(6, 6), kernel_size=(3, 3), stride=[2, 2], padding=1)
True
>>> spec_from_mapping("max_pool", {"size": [5], "kernel": 2, "ceil_mode": "true"}).output_shape
(3,)
>>> get_kind("avg_pool2d").name, get_kind("pool").name
('avg_pool', 'pool')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import field, fields
from typing import Any, ClassVar

from convanim.core import shapes
from convanim.core.params import PARAMS, Param, lookup, parse_size
from convanim.core.record import Record, record

__all__ = [
    "ConvSpec",
    "TransposedSpec",
    "PoolSpec",
    "AdaptiveSpec",
    "UnpoolSpec",
    "Spec",
    "Kind",
    "KINDS",
    "ALIASES",
    "get_kind",
    "spec_from_mapping",
    "spec_params",
]

TORCH_NAMES = {1: "1d", 2: "2d", 3: "3d"}


def _param(name: str, **changes: Any) -> Any:
    """A spec field declared by its :data:`PARAMS` entry (``changes``: this spec's reading)."""
    param = PARAMS[name].but(**changes) if changes else PARAMS[name]
    if param.default is None and name in ("input_size", "kernel_size") and "default" not in changes:
        return field(metadata={"param": param})  # required
    return field(default=param.default, metadata={"param": param})


# Per-dimension values: after validation ``(3, 3)`` is stored as ``3`` (torch expands an int to
# every dimension the same way), so two spellings of one operation compare equal.
_PER_DIM = frozenset({"kernel_size", "stride", "dilation", "output_padding"})


def _canonical_dims(value: Any) -> Any:
    if isinstance(value, tuple) and value and all(v == value[0] for v in value):
        return value[0]
    return value


def _canonical_padding(value: Any) -> Any:
    if not isinstance(value, tuple):
        return value
    items = tuple(
        v[0] if isinstance(v, tuple) and len(v) == 2 and v[0] == v[1] else v for v in value
    )
    if all(v == items[0] for v in items):
        return items[0] if isinstance(items[0], int) else (items[0],)
    return items


class Spec(Record):
    """What every operation spec shares: field conversion, canonical form and geometry cache."""

    #: The shape-core dimension objects ``geometry()`` returns (set by ``_validate``).
    _dims: tuple[Any, ...]
    #: The registry kind whose spec this is, for messages (``conv`` …).
    KIND: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            if "param" not in f.metadata:
                continue
            value = getattr(self, f.name)
            if value is not None:
                object.__setattr__(self, f.name, f.metadata["param"].convert(value))
        object.__setattr__(self, "_dims", tuple(self._validate()))
        for name in _PER_DIM:
            if hasattr(self, name):
                object.__setattr__(self, name, _canonical_dims(getattr(self, name)))
        if hasattr(self, "padding"):
            object.__setattr__(self, "padding", _canonical_padding(self.padding))

    def _validate(self) -> tuple[Any, ...]:  # pragma: no cover - every spec defines it
        raise NotImplementedError

    def geometry(self) -> tuple[Any, ...]:
        """The resolved dimensions, one shape-core ``…Dim`` per spatial dimension."""
        return self._dims

    @property
    def ndim(self) -> int:
        """Spatial dimensions (1, 2 or 3)."""
        return len(self._dims)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The spatial output size."""
        return tuple(g.output for g in self._dims)


@record
class ConvSpec(Spec):
    """A direct convolution (``torch.nn.Conv{1,2,3}d``): sizes, padding, groups, channels.

    >>> ConvSpec((5,), 7)
    Traceback (most recent call last):
    ...
    ValueError: Calculated padded input size per channel: (5). Kernel size: (7). Kernel size can't be greater than actual input size
    """

    KIND: ClassVar[str] = "conv"
    input_size: tuple[int, ...] = _param("input_size")
    kernel_size: int | tuple[int, ...] = _param("kernel_size")
    stride: int | tuple[int, ...] = _param("stride")
    padding: Any = _param("padding")
    dilation: int | tuple[int, ...] = _param("dilation")
    groups: int = _param("groups")
    padding_mode: str = _param("padding_mode")
    in_channels: int | None = _param("in_channels")
    out_channels: int | None = _param("out_channels")
    mode: str = _param("mode")
    _dims: tuple[shapes.ConvDim, ...] = field(init=False, repr=False, compare=False)

    def _validate(self) -> tuple[shapes.ConvDim, ...]:
        dims = shapes.conv_geometry(
            self.input_size,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.padding_mode,
        )
        shapes.check_groups(self.channels[0], self.channels[1], self.groups)
        return dims

    @property
    def channels(self) -> tuple[int, int]:
        """``(in_channels, out_channels)``, each defaulting to ``groups``."""
        c_in = self.groups if self.in_channels is None else self.in_channels
        c_out = self.groups if self.out_channels is None else self.out_channels
        return c_in, c_out


@record
class TransposedSpec(Spec):
    """A transposed convolution (``torch.nn.ConvTranspose{1,2,3}d``).

    ``output_size`` (as in ``forward(x, output_size=…)``) picks ``output_padding`` instead of
    giving it.

    >>> TransposedSpec((3, 3), 3, stride=2, padding=1, output_size=(6, 6)).output_padding_used
    (1, 1)
    """

    KIND: ClassVar[str] = "transposed"
    input_size: tuple[int, ...] = _param("input_size")
    kernel_size: int | tuple[int, ...] = _param("kernel_size")
    stride: int | tuple[int, ...] = _param("stride")
    padding: Any = _param("padding", help="Padding p (torch: integers).")
    dilation: int | tuple[int, ...] = _param("dilation")
    output_padding: int | tuple[int, ...] = _param("output_padding")
    output_size: tuple[int, ...] | None = _param(
        "output_size",
        parse=parse_size,
        help="Wanted output size; torch derives output_padding from it.",
    )
    groups: int = _param("groups")
    mode: str = _param("mode")
    _dims: tuple[shapes.TransposedDim, ...] = field(init=False, repr=False, compare=False)

    def _validate(self) -> tuple[shapes.TransposedDim, ...]:
        if isinstance(self.padding, tuple) and any(isinstance(p, tuple) for p in self.padding):
            raise ValueError(
                "ConvTranspose has no asymmetric padding: torch crops p from both sides "
                "(output_padding adds cells at the end)"
            )
        op: Any = self.output_padding
        if self.output_size is not None and None in self.output_size:
            raise ValueError("a transposed convolution needs every dimension of output_size")
        if self.output_size is not None:
            if self.output_padding not in (0, None):
                raise ValueError("give output_padding or output_size, not both")
            op = shapes.output_padding_for_size(
                self.input_size,
                self.output_size,
                self.kernel_size,
                self.stride,
                self.padding,
                self.dilation,
            )
        return shapes.transposed_geometry(
            self.input_size, self.kernel_size, self.stride, self.padding, self.dilation, op
        )

    @property
    def output_padding_used(self) -> tuple[int, ...]:
        """``output_padding`` per dimension, as given or as ``output_size`` implies it."""
        return tuple(g.output_padding for g in self._dims)


@record
class PoolSpec(Spec):
    """Max, average or power-average pooling (``torch.nn.{Max,Avg,LP}Pool{1,2,3}d``).

    >>> PoolSpec((5,), 1, stride=3, ceil_mode=True).output_shape   # torch's last-window rule
    (2,)
    >>> PoolSpec((6, 6), 2, kind="max", divisor_override=3)
    Traceback (most recent call last):
    ...
    ValueError: divisor_override belongs to average pooling (max_pool2d() got an unexpected keyword argument 'divisor_override')
    """

    KIND: ClassVar[str] = "pool"
    input_size: tuple[int, ...] = _param("input_size")
    kernel_size: int | tuple[int, ...] = _param("kernel_size")
    kind: str = _param("kind")
    stride: int | tuple[int, ...] | None = _param(
        "stride", default=None, help="Stride (default: the kernel size)."
    )
    padding: Any = _param("padding", help="Padding, at most kernel//2.")
    dilation: int | tuple[int, ...] = _param("dilation")
    ceil_mode: bool = _param("ceil_mode")
    count_include_pad: bool = _param("count_include_pad")
    divisor_override: int | None = _param("divisor_override")
    norm_type: float = _param("norm_type")
    _dims: tuple[shapes.PoolDim, ...] = field(init=False, repr=False, compare=False)

    def _validate(self) -> tuple[shapes.PoolDim, ...]:
        ndim = len(self.input_size)
        if self.divisor_override is not None and self.kind != "avg":
            raise ValueError(
                f"divisor_override belongs to average pooling ({self.kind}_pool"
                f"{TORCH_NAMES.get(ndim, '')}() got an unexpected keyword argument "
                "'divisor_override')"
            )
        if self.divisor_override is not None and ndim == 1:
            raise ValueError(
                "divisor_override exists only for avg_pool2d/avg_pool3d "
                "(avg_pool1d() got an unexpected keyword argument 'divisor_override')"
            )
        dims = shapes.pool_geometry(
            self.input_size,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.kind,  # type: ignore[arg-type]
        )
        if self.divisor_override == 0:
            raise ValueError("divisor must be not zero")  # torch's avg_pool2d/3d check
        return dims


@record
class AdaptiveSpec(Spec):
    """Adaptive max/average pooling: windows ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``.

    ``output_size`` has one value or one per dimension; ``None`` keeps that dimension's size.

    >>> AdaptiveSpec((10,), (3,)).geometry()[0].windows()
    [(0, 4), (3, 7), (6, 10)]
    """

    KIND: ClassVar[str] = "adaptive"
    input_size: tuple[int, ...] = _param("input_size")
    output_size: tuple[int | None, ...] = _param("output_size", default=None)
    kind: str = _param("kind", default="avg", choices=("max", "avg"), help="max or avg.")
    _dims: tuple[shapes.AdaptiveDim, ...] = field(init=False, repr=False, compare=False)

    def _validate(self) -> tuple[shapes.AdaptiveDim, ...]:
        if self.output_size is None:
            raise ValueError("adaptive pooling needs output_size")
        dims = shapes.adaptive_geometry(self.input_size, self.output_size)
        # Canonical: one size per dimension (``3`` or ``(3, None)`` on 10×7 is ``(3, 7)``).
        object.__setattr__(self, "output_size", tuple(g.output for g in dims))
        return dims


@record
class UnpoolSpec(Spec):
    """Max-unpooling (``torch.nn.MaxUnpool{1,2,3}d``): the inverse placement of a max pool.

    >>> UnpoolSpec((5,), 3, stride=2, padding=1).output_shape   # a 10-long input unpools to 9
    (9,)
    """

    KIND: ClassVar[str] = "max_unpool"
    input_size: tuple[int, ...] = _param("input_size")
    kernel_size: int | tuple[int, ...] = _param("kernel_size")
    stride: int | tuple[int, ...] | None = _param(
        "stride", default=None, help="Stride (default: the kernel size)."
    )
    padding: int | tuple[int, ...] = _param("padding", help="Padding of the max pool.")
    output_size: tuple[int, ...] | None = _param("output_size")
    _dims: tuple[shapes.UnpoolDim, ...] = field(init=False, repr=False, compare=False)

    def _validate(self) -> tuple[shapes.UnpoolDim, ...]:
        if self.output_size is not None and any(v is None for v in self.output_size):
            raise ValueError("max_unpool needs every dimension of --output-size")
        return shapes.unpool_geometry(
            self.input_size, self.kernel_size, self.stride, self.padding, self.output_size
        )


# --------------------------------------------------------------------------------------------
# The registry of operation kinds
# --------------------------------------------------------------------------------------------


@record
class Kind(Record):
    """One operation kind: its spec and, by dotted name (``module:function``), its functions.

    ``fixed`` are spec fields the kind sets (``max_pool`` is ``PoolSpec`` with ``kind="max"``);
    ``omit`` the spec parameters it does not take (``lp_pool`` has no padding); ``operands`` the
    arrays it takes besides the input (a ``weight`` also gives ``kernel_size``). ``forward`` …
    ``explain`` are imported only by :meth:`load`, never by this module.
    """

    name: str
    spec: type[Spec]
    torch: str
    title: str
    forward: str
    backward: str | None = None
    trace: str | None = None
    explain: str | None = None
    fixed: tuple[tuple[str, Any], ...] = ()
    omit: tuple[str, ...] = ()
    operands: tuple[str, ...] = ()

    def params(self) -> tuple[Param, ...]:
        """The parameters this kind takes, in spec order (fixed and omitted ones left out)."""
        skip = {name for name, _ in self.fixed} | set(self.omit)
        return tuple(p for p in spec_params(self.spec) if p.name not in skip)

    def keywords(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """This kind's parameters found in ``values``, as its torch function's keywords (the
        input's size is the input array's, never a keyword).

        >>> KINDS["avg_pool"].keywords({"kernel_size": 2, "dilation": 3, "ceil_mode": True})
        {'kernel_size': 2, 'ceil_mode': True}
        """
        return {
            p.name: values[p.name]
            for p in self.params()
            if p.name != "input_size" and p.name in values
        }

    def load(self, role: str) -> Callable[..., Any]:
        """Import the ``forward``/``backward``/``trace``/``explain`` function of this kind."""
        target = getattr(self, role)
        if target is None:
            raise ValueError(f"{self.name} has no {role} function")
        module, _, name = target.partition(":")
        return getattr(importlib.import_module(module), name)

    def torch_name(self, ndim: int) -> str:
        """torch's functional name at ``ndim`` spatial dimensions (``conv_transpose2d``)."""
        return f"{self.torch}{ndim}d"

    def make(self, **values: Any) -> Spec:
        """The spec with this kind's fixed fields (a conflicting value is refused)."""
        for name, value in self.fixed:
            given = values.get(name)
            if given is not None and given != value:
                raise ValueError(f"{self.name} has {name}={value!r}, got {given!r}")
            values[name] = value
        return self.spec(**values)


_OPS = "convanim.engine.ops"
_EXPLAIN = "convanim.core.explain"
_GRAD = "convanim.engine.ops"  # backward passes sit beside their forward operations
_TRACE = "convanim.engine.tracing"
_POOL_ONLY = ("count_include_pad", "divisor_override", "norm_type")

#: Every operation kind convanim knows, by name.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "conv",
            ConvSpec,
            "conv",
            "Conv",
            f"{_OPS}:conv",
            f"{_GRAD}:conv_backward",
            f"{_TRACE}:trace_conv",
            f"{_EXPLAIN}.conv:conv",
            operands=("weight", "bias"),
        ),
        Kind(
            "transposed",
            TransposedSpec,
            "conv_transpose",
            "ConvTranspose",
            f"{_OPS}:conv_transpose",
            f"{_GRAD}:conv_transpose_backward",
            f"{_TRACE}:trace_conv_transpose",
            f"{_EXPLAIN}.conv:transposed",
            operands=("weight", "bias"),
        ),
        Kind(
            "max_pool",
            PoolSpec,
            "max_pool",
            "MaxPool",
            f"{_OPS}:max_pool",
            f"{_GRAD}:max_pool_backward",
            f"{_TRACE}:trace_pool",
            f"{_EXPLAIN}.pool:pool",
            fixed=(("kind", "max"),),
            omit=_POOL_ONLY,
        ),
        Kind(
            "avg_pool",
            PoolSpec,
            "avg_pool",
            "AvgPool",
            f"{_OPS}:avg_pool",
            f"{_GRAD}:avg_pool_backward",
            f"{_TRACE}:trace_pool",
            f"{_EXPLAIN}.pool:pool",
            fixed=(("kind", "avg"),),
            omit=("dilation", "norm_type"),
        ),
        Kind(
            "lp_pool",
            PoolSpec,
            "lp_pool",
            "LPPool",
            f"{_OPS}:lp_pool",
            f"{_GRAD}:lp_pool_backward",
            f"{_TRACE}:trace_pool",
            f"{_EXPLAIN}.pool:pool",
            fixed=(("kind", "lp"),),
            omit=("padding", "dilation", "count_include_pad", "divisor_override"),
        ),
        Kind(
            "adaptive_max_pool",
            AdaptiveSpec,
            "adaptive_max_pool",
            "AdaptiveMaxPool",
            f"{_OPS}:adaptive_max_pool",
            f"{_GRAD}:adaptive_max_pool_backward",
            f"{_TRACE}:trace_adaptive_pool",
            f"{_EXPLAIN}.pool:adaptive",
            fixed=(("kind", "max"),),
        ),
        Kind(
            "adaptive_avg_pool",
            AdaptiveSpec,
            "adaptive_avg_pool",
            "AdaptiveAvgPool",
            f"{_OPS}:adaptive_avg_pool",
            f"{_GRAD}:adaptive_avg_pool_backward",
            f"{_TRACE}:trace_adaptive_pool",
            f"{_EXPLAIN}.pool:adaptive",
            fixed=(("kind", "avg"),),
        ),
        Kind(
            "max_unpool",
            UnpoolSpec,
            "max_unpool",
            "MaxUnpool",
            f"{_OPS}:max_unpool",
            f"{_GRAD}:max_unpool_backward",
            operands=("indices",),
        ),
    )
}

#: Other names for a kind: the ``shape`` subcommands' (``pool`` takes ``kind``), torch's prefix.
ALIASES: dict[str, str] = {"conv_transpose": "transposed", "unpool": "max_unpool"}

#: Kinds whose spec takes ``kind`` from the mapping (``shape pool --kind avg``).
_OPEN_KINDS: dict[str, type[Spec]] = {"pool": PoolSpec, "adaptive": AdaptiveSpec}


def get_kind(name: str) -> Kind:
    """A kind by registry name, alias, or torch functional name (``max_pool2d``).

    ``pool`` and ``adaptive`` are open kinds: their spec reads ``kind`` from the parameters.
    """
    key = ALIASES.get(name, name)
    if key in KINDS:
        return KINDS[key]
    if key in _OPEN_KINDS:
        spec = _OPEN_KINDS[key]
        first = next(k for k in KINDS.values() if k.spec is spec)
        return Kind(key, spec, first.torch, first.title, first.forward)
    if key[-2:] in ("1d", "2d", "3d"):
        base = ALIASES.get(key[:-2], key[:-2])
        for kind in KINDS.values():
            if kind.torch == base or kind.name == base:
                return kind
    raise ValueError(f"unknown operation kind {name!r}; known: {', '.join([*KINDS, *_OPEN_KINDS])}")


def spec_params(spec: type[Spec]) -> tuple[Param, ...]:
    """The :class:`Param` of every field of a spec class, in field order."""
    return tuple(f.metadata["param"] for f in fields(spec) if "param" in f.metadata)  # type: ignore[arg-type]


def spec_from_mapping(kind: str, mapping: Mapping[str, Any]) -> Spec:
    """Build a spec from parameter names to values, as any front end has them.

    Keys may be a parameter's name, an alias or its long flag (``kernel``, ``k``,
    ``kernel-size``); values are text (parsed as the CLI parses it) or Python values (lists
    become tuples); ``None`` means "not given" (the default applies).

    >>> spec_from_mapping("pool", {"input": "5", "k": "2", "kind": "avg"}).output_shape
    (2,)
    >>> spec_from_mapping("conv", {"input": "6", "k": "3", "ceil_mode": "true"})
    Traceback (most recent call last):
    ...
    ValueError: conv takes no parameter 'ceil_mode' (it takes input_size, kernel_size, stride, padding, dilation, groups, padding_mode, in_channels, out_channels, mode)
    """
    found = get_kind(kind)
    allowed = {p.name: p for p in found.params()}
    values: dict[str, Any] = {}
    for key, value in mapping.items():
        try:
            param = lookup(key)
        except KeyError:
            param = None
        if param is None or param.name not in allowed:
            raise ValueError(
                f"{found.name} takes no parameter {key!r} (it takes {', '.join(allowed)})"
            )
        if value is None:
            continue
        try:
            values[param.name] = allowed[param.name].convert(value)
        except ValueError as exc:
            raise ValueError(f"{param.name}: {exc}") from None
    return found.make(**values)
