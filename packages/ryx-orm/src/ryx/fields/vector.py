"""`VectorField`: a fixed-length list of floats (embeddings), searchable by distance with pgvector on PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from ryx._core import core
from ryx.exceptions import QueryError, ValidationError
from ryx.fields.base import Field, FieldOptions, check_positive_int

if TYPE_CHECKING:
    from typing import Unpack

#: pgvector's distance operators: L2 (Euclidean), cosine distance, negative inner product.
DISTANCE_OPERATORS: Final[dict[str, str]] = {
    "<->": "L2 distance",
    "<=>": "cosine distance",
    "<#>": "negative inner product",
}
#: pgvector stores 32-bit floats and refuses vectors longer than this.
MAX_DIMENSIONS: Final = 16000
_FLOAT32_MAX: Final = 3.4028234663852886e38


class VectorField(Field[list[float]]):
    """A vector of ``dimensions`` floats: ``list[float]`` in Python, a JSON array in the column.

    Every value is checked: exactly ``dimensions`` finite numbers that fit in a 32-bit float (what pgvector
    stores). The column is JSON on every backend, so the same model and migrations run on PostgreSQL,
    MariaDB/MySQL and SQLite; on PostgreSQL with the pgvector extension, ``nearest_neighbors()`` and
    ``order_by_distance()`` cast it to ``vector(dimensions)`` and order by distance.
    """

    SUPPORTED_LOOKUPS = ("isnull",)
    DB_TYPE = "JSON"
    decode_hint = "json"

    def __init__(self, dimensions: int = 768, **kwargs: Unpack[FieldOptions]) -> None:
        """Store vectors of exactly ``dimensions`` floats (1 to 16000, pgvector's limit)."""
        check_positive_int("dimensions", dimensions)
        if dimensions > MAX_DIMENSIONS:
            raise ValueError(f"dimensions must be at most {MAX_DIMENSIONS} (pgvector's limit), not {dimensions}")
        super().__init__(**kwargs)
        self.dimensions = dimensions

    def to_python(self, value: Any) -> Any:
        """Return ``value`` as a list of ``dimensions`` finite floats (ValidationError otherwise)."""
        if value is None:
            return None
        return self.vector(value)

    def vector(self, value: Any) -> list[float]:
        """Convert a sequence of numbers (list, tuple, array with ``tolist()``) to a checked list of floats."""
        tolist = getattr(value, "tolist", None)
        if callable(tolist) and not isinstance(value, list | tuple):
            value = tolist()  # numpy arrays and the like
        if isinstance(value, str | bytes | bytearray | dict) or not isinstance(value, Sequence):
            raise self.invalid(value, f"vector (give a list of {self.dimensions} floats)")
        if len(value) != self.dimensions:
            raise self.invalid_vector(f"has {len(value)} dimensions, the field stores {self.dimensions}")
        out: list[float] = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or (not isinstance(item, int | float) and not hasattr(item, "__float__")):
                raise self.invalid_vector(f"item {index} is {item!r}, not a number")
            try:
                number = float(item)
            except (TypeError, ValueError, OverflowError):
                raise self.invalid_vector(f"item {index} is {item!r}, not a number") from None
            if not math.isfinite(number):
                raise self.invalid_vector(f"item {index} is {number}; vectors hold finite numbers only")
            if abs(number) > _FLOAT32_MAX:
                raise self.invalid_vector(f"item {index} is {number}, beyond the 32-bit float range pgvector stores")
            out.append(number)
        return out

    def invalid_vector(self, problem: str) -> ValidationError:
        """Return the error for a vector with the wrong length or a bad item."""
        where = f"{self.model.__name__}.{self.attname}" if self.model is not None else "VectorField"
        message = f"the vector for {where} {problem}"
        return ValidationError({self.attname: [message]} if self.attname else message)

    def to_db(self, value: Any) -> Any:
        """Bind the checked list as a JSON array."""
        if value is None or isinstance(value, core.Json):
            return value
        return core.Json(self.vector(value))

    def db_type(self) -> str:
        """Return the generic ``JSON`` (JSONB on PostgreSQL, JSON on MariaDB/MySQL, TEXT on SQLite)."""
        return self.DB_TYPE

    def deconstruct(self) -> dict[str, Any]:
        """Add ``dimensions``."""
        return {**super().deconstruct(), "dimensions": self.dimensions}

    def implicit_validators(self) -> list[Callable[[Any], Any]]:
        """Check stored values again at validation (an item changed in place after assignment)."""
        return [*super().implicit_validators(), self._validate_vector]

    def _validate_vector(self, value: Any) -> None:
        """Raise ValidationError unless ``value`` is None or a valid vector."""
        if value is not None:
            try:
                self.vector(value)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None

    # ------------------------------------------------------------------------------------------ pgvector

    @staticmethod
    def literal(vector: Sequence[float]) -> str:
        """Return pgvector's text form of a checked vector: ``[1.0,2.5,-3.0]``."""
        return "[" + ",".join(repr(float(x)) for x in vector) + "]"

    def distance(self, vector: Any, operator: str = "<->", *, table: str | None = None) -> core.Expr:
        """Return the SQL expression ``<column as vector(n)> <operator> <vector as vector(n)>`` (PostgreSQL).

        The column is JSON, so it is cast through text (``CAST(CAST(col AS text) AS vector(n))``; index that
        same expression to make searches use an HNSW/IVFFlat index). The query vector is bound as pgvector's
        text literal and cast. QueryError (a ValueError) for an unknown operator or a bad vector.
        """
        if not isinstance(operator, str) or operator not in DISTANCE_OPERATORS:
            choices = ", ".join(f"{op!r} ({what})" for op, what in DISTANCE_OPERATORS.items())
            raise QueryError(f"unknown pgvector distance operator {operator!r}; use one of {choices}")
        try:
            checked = self.vector(vector)
        except ValidationError as exc:
            raise QueryError("; ".join(exc.messages)) from None
        return core.Expr.raw(
            f"{self.vector_sql(table)} {operator} CAST(? AS vector({self.dimensions}))", [self.literal(checked)]
        )

    def vector_sql(self, table: str | None = None) -> str:
        """Return the SQL of the column cast to ``vector(dimensions)`` (what an index on it must cover)."""
        column = _quote(self.column)
        if table is None and self.model is not None:
            table = self.model._meta.table_name
        qualified = f"{_quote(table)}.{column}" if table else column
        return f"CAST(CAST({qualified} AS text) AS vector({self.dimensions}))"

    def index_sql(self, name: str, operator: str = "<->", *, method: str = "hnsw") -> str:
        """Return ``CREATE INDEX`` of an HNSW (or ``ivfflat``) index serving distance searches with ``operator``."""
        ops = {"<->": "vector_l2_ops", "<=>": "vector_cosine_ops", "<#>": "vector_ip_ops"}
        if operator not in ops:
            raise QueryError(f"unknown pgvector distance operator {operator!r}; use one of {', '.join(ops)}")
        if method not in ("hnsw", "ivfflat"):
            raise QueryError(f"unknown pgvector index method {method!r}; use 'hnsw' or 'ivfflat'")
        if self.model is None:
            raise QueryError("index_sql() needs a field bound to a model")
        meta = self.model._meta
        table = _quote(meta.table_name)
        if meta.schema:
            table = f"{_quote(meta.schema)}.{table}"
        expr = f"CAST(CAST({_quote(self.column)} AS text) AS vector({self.dimensions}))"
        return f"CREATE INDEX IF NOT EXISTS {_quote(name)} ON {table} USING {method} (({expr}) {ops[operator]})"


def _quote(name: str) -> str:
    """Quote a PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


__all__ = ["DISTANCE_OPERATORS", "MAX_DIMENSIONS", "VectorField"]
