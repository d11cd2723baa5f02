"""Frozen records: dataclasses whose methods are shared instead of generated.

``@dataclass(frozen=True)`` writes each class's ``__init__``, ``__eq__``, ``__hash__``,
``__repr__``, ``__setattr__`` and ``__delattr__`` as source text and compiles it with ``exec``
when the module is imported: about 0.5 ms a class here, a dozen classes on the path of
``convanim shape conv``, whose whole answer is meant to cost about that. :func:`record` keeps
everything else of a frozen dataclass (fields, defaults, ``dataclasses.fields``/``replace``/
``asdict``, immutability, value equality and hashing) but takes those methods from
:class:`Record`, written once.

>>> @record
... class Point(Record):
...     x: int
...     y: int = 0
>>> p = Point(1)
>>> p, p == Point(1, 0), hash(p) == hash(Point(x=1)), p != Point(1, 2)
(Point(x=1, y=0), True, True, True)
>>> p.x = 2
Traceback (most recent call last):
...
dataclasses.FrozenInstanceError: cannot assign to field 'x'
"""

from __future__ import annotations

from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, fields
from typing import Any, TypeVar

__all__ = ["Record", "record"]

T = TypeVar("T", bound=type)


class Record:
    """Shared methods of a frozen record (see :func:`record`)."""

    __slots__ = ()

    @classmethod
    def _record_fields(cls) -> tuple[Field, ...]:
        # cached per class: fields() walks the MRO each call
        cached = cls.__dict__.get("_record_fields_cache")
        if cached is None:
            cached = tuple(fields(cls))  # type: ignore[arg-type]
            type.__setattr__(cls, "_record_fields_cache", cached)
        return cached

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        init = [f for f in self._record_fields() if f.init]
        if len(args) > len(init):
            raise TypeError(
                f"{type(self).__name__}() takes {len(init)} positional arguments "
                f"but {len(args)} were given"
            )
        for f, value in zip(init, args, strict=False):
            if f.name in kwargs:
                raise TypeError(f"{type(self).__name__}() got multiple values for {f.name!r}")
            kwargs[f.name] = value
        for f in init:
            if f.name in kwargs:
                value = kwargs.pop(f.name)
            elif f.default is not MISSING:
                value = f.default
            elif f.default_factory is not MISSING:
                value = f.default_factory()
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument {f.name!r}")
            object.__setattr__(self, f.name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected arguments {sorted(kwargs)}")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def _record_key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in self._record_fields() if f.compare)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._record_key() == other._record_key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._record_key())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in self._record_fields() if f.repr
        )
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


def record(cls: T) -> T:
    """A frozen dataclass of ``cls`` (a :class:`Record` subclass) without generated methods."""
    if not issubclass(cls, Record):
        raise TypeError(f"{cls.__name__} must derive from Record")
    return dataclass(init=False, repr=False, eq=False)(cls)
