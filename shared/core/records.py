"""``Record``: the row type of every query and the value types passed between services (a channel's
incoming message, a session, a push...): named, typed, read-only fields, given in order or by name.

Why not ``NamedTuple`` or a frozen dataclass: every function's cold start defines dozens of these
types, and defining one costs what a plain class costs (~0.05 M instructions), where a NamedTuple
compiles its constructor from source (~1 M, ~0.2 ms) and a dataclass its methods (~3 M). Building a
query's rows is cheaper too: the columns are checked once per query (``builder``), and each row
takes the values as they come. mypy reads a ``Record`` as a frozen dataclass
(``dataclass_transform``), so every construction and every field access is type-checked.
"""

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, TypeVar, dataclass_transform

R = TypeVar("R", bound="Record")


@dataclass_transform(frozen_default=True)
class Record:
    """Subclass with annotated fields; a field with a value in the class body is optional, with that
    default. Equal when of one type with equal fields; ``repr`` names the fields."""

    _order: ClassVar[tuple[str, ...]] = ()
    _fields: ClassVar[frozenset[str]] = frozenset()
    _required: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = [name for klass in reversed(cls.__mro__[: cls.__mro__.index(Record)]) for name in _annotated(klass)]
        cls._order, cls._fields = tuple(names), frozenset(names)
        cls._required = frozenset(name for name in names if not hasattr(cls, name))

    def __init__(self, *values: Any, **fields: Any) -> None:
        if values:
            if len(values) > len(self._order) or fields.keys() & self._order[: len(values)]:
                raise TypeError(f"{type(self).__name__} takes its fields once, {len(self._order)} at most")
            fields.update(zip(self._order, values, strict=False))  # the rest given by name
        if misfit := self._misfit(fields.keys()):
            raise TypeError(misfit)
        object.__setattr__(self, "__dict__", fields)

    @classmethod
    def builder(cls: type[R], names: Sequence[str]) -> Callable[[Sequence[Any]], R]:
        """Makes records from value sequences in the order of ``names`` (a query's columns), which
        are checked once, not for every row. A result that does not fit is refused when a row is
        asked of it (a statement may give results that are never read: the pooler's set_config)."""
        misfit = cls._misfit(names)
        columns = tuple(names)
        new, assign = object.__new__, object.__setattr__

        def build(values: Sequence[Any]) -> R:
            if misfit:
                raise TypeError(misfit)
            record = new(cls)
            assign(record, "__dict__", dict(zip(columns, values, strict=True)))
            return record

        return build

    @classmethod
    def _misfit(cls, names: Iterable[str]) -> str | None:
        """Why fields ``names`` do not make a ``cls``, or None."""
        given = set(names)
        if missing := cls._required - given:
            return f"{cls.__name__} needs {', '.join(sorted(missing))}"
        if unknown := given - cls._fields:
            return f"{cls.__name__} has no field {', '.join(sorted(unknown))}"
        return None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), tuple(self._values().items())))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self._values().items())
        return f"{type(self).__name__}({fields})"

    def _values(self) -> dict[str, Any]:
        """Every field, its default included when it was not given."""
        return {name: getattr(self, name) for name in sorted(self._fields)}


def _annotated(klass: type) -> list[str]:
    return [name for name in inspect.get_annotations(klass) if not name.startswith("_")]
