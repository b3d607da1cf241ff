"""`QuerySet`: a lazy, immutable, awaitable description of a query on one model."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ryx import execution, router, signals
from ryx._core import core
from ryx.exceptions import (
    DoesNotExist,
    FieldError,
    IntegrityError,
    MultipleObjectsReturned,
    NotSupportedError,
    OperationalError,
    QueryError,
    RyxError,
)
from ryx.prefetch import Prefetch, normalize, prefetch_related_objects
from ryx.query.aggregates import Aggregate, Count, RawAgg
from ryx.query.chunks import chunk_size, chunks
from ryx.query.compiler import (
    Column,
    Mode,
    OrderTerm,
    QueryState,
    dialect_of,
    effective_order,
    order_term,
    output_hints,
    plain_order_terms,
    related_plan,
    select_query,
    write_query,
)
from ryx.query.compiler import _base as _base_for
from ryx.query.expressions import Expression, Value
from ryx.query.lookups import Annotation, ModelInfo, Scope, model_info
from ryx.query.paths import apply_joins
from ryx.query.q import Q
from ryx.transaction import _async_frames, _sync_frames, current_tx
from ryx.transaction import transaction as atomic

if TYPE_CHECKING:
    from typing import Self

_T = TypeVar("_T")
_Row = tuple[Any, ...]

#: SQLSTATEs of a transaction the database rolled back to break a deadlock or a serialisation conflict.
_RETRYABLE = frozenset({"40001", "40P01"})

#: Rows fetched per round trip when a QuerySet is iterated with ``async for``.
ITER_CHUNK_SIZE = 500


def _check_count(name: str, value: Any) -> int | None:
    """Check a LIMIT/OFFSET value (a non-negative int or None)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name}() takes an int or None, not {value!r}")
    if value < 0:
        raise QueryError(f"{name}() takes a non-negative int, not {value}")
    return value


def _require_pgvector(alias: str | None, tx: core.Transaction | None) -> None:
    """Raise NotSupportedError unless the query runs on PostgreSQL (pgvector distances exist nowhere else)."""
    try:
        backend = tx.backend if tx is not None else core.get_backend(alias)
    except RyxError:
        return  # no pool: running the query raises PoolNotInitialized, the more useful error
    if backend != "PostgreSQL":
        raise NotSupportedError(
            f"Feature 'nearest neighbor (pgvector)' is not supported on backend '{backend}': "
            f"nearest_neighbors()/order_by_distance() need PostgreSQL with the pgvector extension "
            f"(alias {alias or core.default_alias()!r} is {backend})"
        )


#: Memo of chained states: ``(state, method, arguments) -> state``. A state is immutable and each memoized
#: method a function of the state and its arguments (hashable, and for filter() values bound as they are), so
#: a QuerySet built the same way again (the same view, per request) reuses the states and the SELECT compiled
#: for them. Only steps from a shared state are looked up, and a result is kept the second time it is made:
#: one-off queries (a filter on a new value each time) then cost a hash, not a memo entry each. Bounded.
_chain: dict[Any, QueryState] = {}
_seen: set[int] = set()
_CHAIN_LIMIT = 2048
_SEEN_LIMIT = 8192


def _remember(key: Any, state: QueryState) -> None:
    """Keep ``state`` as the result of ``key`` if ``key`` was seen before, else note it."""
    sighting = hash(key)
    if sighting in _seen:
        if len(_chain) >= _CHAIN_LIMIT:
            _chain.clear()
        state.shared = True
        _chain[key] = state
        return
    if len(_seen) >= _SEEN_LIMIT:
        _seen.clear()
    _seen.add(sighting)


def _plain_aggregates(info: ModelInfo, named: Mapping[str, Any]) -> tuple[list[core.Expr], list[Any]] | None:
    """Return the expressions and hints of aggregates that are all built-in ones over the model's columns, or None."""
    exprs: list[core.Expr] = []
    hints: list[Any] = []
    for expression in named.values():
        compiled = expression.plain(info) if isinstance(expression, Aggregate) else None
        if compiled is None:
            return None
        exprs.append(compiled[0])
        hints.append(compiled[1])
    return exprs, hints


def _check_aggregatable(st: QueryState) -> None:
    """Refuse aggregate() over a sliced, distinct or grouped query."""
    if st.sliced or st.distinct or st.aggregated:
        raise NotSupportedError(
            "aggregate() over a sliced, distinct or grouped query is not supported yet; "
            "aggregate the rows in Python or drop the slice/distinct()/annotation"
        )


def _empty_aggregates(named: Mapping[str, Any]) -> dict[str, Any]:
    """Return what aggregate() gives on a query that matches nothing (none()): 0 for Count, else the default."""
    return {
        name: 0 if isinstance(e, Count) and e.default is None else getattr(e, "default", None)
        for name, e in named.items()
    }


#: Stand-ins bound where `get` by key puts its values, found again in the compiled parameters by identity of value.
_KEY_MARKS = tuple(-7_319_004_211_873_650_000 - i for i in range(16))


def _key_get_statement(
    info: ModelInfo, plains: list[Any], dialect: str
) -> tuple[str, list[Any], tuple[int, ...]] | None:
    """Compile ``SELECT <columns> WHERE <column> = ? ... LIMIT 2`` for `QuerySet.get` by key on ``dialect``.

    Returns the text, the parameters with stand-ins, and the position of each keyword's value in them; None when
    the compiled parameters do not show each stand-in once (then `get` takes the general path).
    """
    if len(plains) > len(_KEY_MARKS):
        return None
    query = info.select
    for plain, mark in zip(plains, _KEY_MARKS, strict=False):
        query = query.filter(core.Cond.lookup(plain.column, "exact", mark))
    sql, params = query.limit(2).sql(dialect)  # type: ignore[arg-type]
    places = []
    for mark in _KEY_MARKS[: len(plains)]:
        if params.count(mark) != 1:
            return None
        places.append(params.index(mark))
    return sql, list(params), tuple(places)


def _task_tx(alias: str | None) -> core.Transaction | None:
    """Return `current_tx` (the calling task's transaction on ``alias``) without its look-ups when none is open."""
    if not _async_frames.get() and not _sync_frames.get():
        return None  # no transaction in this context at all: what current_tx finds too
    return current_tx(alias)


class QuerySet(Generic[_T]):
    """A lazy, immutable query on one model: chain methods to refine it, ``await`` it to run it.

    ``await qs`` gives a list (of instances, or of dicts/tuples after `values`/`values_list`);
    ``async for obj in qs`` streams rows from a server-side cursor; ``qs[5:10]`` is OFFSET/LIMIT and
    ``await qs[3]`` one object. Every chainable method returns a new QuerySet.
    """

    __slots__ = ("_query", "_state", "model")

    def __init__(self, model: type[_T], *, _using: str | None = None, _schema: str | None = None) -> None:
        """Query ``model`` (on the alias ``_using``, else the router's, else ``Meta.database``, else the default)."""
        meta = getattr(model, "_meta", None)
        if meta is None or not isinstance(model, type):
            raise TypeError(f"QuerySet() needs a model class, not {model!r}")
        if getattr(meta, "abstract", False):
            raise TypeError(f"{model.__name__} is abstract: it has no table to query")
        if _using is not None and (not isinstance(_using, str) or not _using):
            raise TypeError(f"the alias must be a non-empty str or None, not {_using!r}")
        self.model: type[Any] = model
        self._state = QueryState.initial(model_info(model), _using, _schema)
        self._query: core.Query | None = None

    @classmethod
    def _start(cls, model: type[Any], info: ModelInfo, using: str | None, schema: str | None) -> QuerySet[Any]:
        """Return the QuerySet of every row of a model its manager has checked (``__init__`` without the checks)."""
        qs = object.__new__(cls)
        qs.model = model
        qs._state = QueryState.initial(info, using, schema)
        qs._query = None
        return qs

    # ------------------------------------------------------------------------------------------ plumbing

    def _clone(self, **changes: Any) -> Self:
        """Return a copy with the state changed."""
        return self._with(self._state.replace(**changes) if changes else self._state)

    def _with(self, state: QueryState) -> Self:
        """Return a copy with ``state``."""
        cls = type(self)
        qs = object.__new__(cls)
        if cls is not QuerySet:  # a subclass may have a __dict__ (QuerySet's slots have none)
            own = getattr(self, "__dict__", None)
            if own:
                qs.__dict__.update(own)
        qs.model = self.model
        qs._state = state
        qs._query = None
        return qs

    def _clone_simple(self, **changes: Any) -> Self:
        """`_clone` for changes to ints, strs, bools or None, through the memo of chained states."""
        st = self._state
        if not st.shared:
            return self._with(st.replace(**changes))
        key = (st, *changes.items())
        state = _chain.get(key)
        if state is None:
            state = st.replace(**changes)
            _remember(key, state)
        return self._with(state)

    def _as(self, **changes: Any) -> QuerySet[Any]:
        """Return a copy whose row type changes (values(), values_list())."""
        return self._clone(**changes)

    @property
    def _info(self) -> ModelInfo:
        """Return the model description."""
        return self._state.info

    def _compiled(self) -> core.Query:
        """Return the compiled SELECT (built once per state, which QuerySets built the same way share)."""
        query = self._query
        if query is None:
            st = self._state
            query = st.select
            if query is None:
                query = st.select = select_query(st)
            self._query = query
        return query

    def _read(self, state: QueryState | None = None) -> tuple[str | None, core.Transaction | None]:
        """Return the alias to read from and the task's transaction on it."""
        st = state or self._state
        alias = router.read_alias(self.model, st.using)
        tx = _task_tx(alias)
        if st.for_update is not None and tx is None:
            raise NotSupportedError(
                "select_for_update() locks rows until the end of a transaction, so it needs one: "
                "run the query inside `async with ryx.transaction():`"
            )
        if st.__dict__.get("pgvector"):  # set by order_by_distance(); QueryState takes extra keys via replace()
            _require_pgvector(alias, tx)
        return alias, tx

    def _write(self) -> tuple[str | None, core.Transaction | None]:
        """Return the alias to write to and the task's transaction on it."""
        alias = router.write_alias(self.model, self._state.using)
        return alias, _task_tx(alias)

    async def _fetch_rows(self, state: QueryState, query: core.Query) -> tuple[list[_Row], str | None]:
        """Run ``query`` and return its rows as tuples, with the alias they came from."""
        alias, tx = self._read(state)
        if state.cache is not None and tx is None:
            return await self._cached_rows(state, query, alias), alias
        rows = await execution.fetch_all(query, alias=alias, tx=tx, hints=output_hints(state))
        return rows, alias

    async def _cached_rows(self, state: QueryState, query: core.Query, alias: str | None) -> list[_Row]:
        """Return the rows through the query cache (the key covers SQL, parameters and alias)."""
        from ryx import cache as cache_module

        async def fetch() -> list[Any]:
            return await execution.fetch_all(query, alias=alias, tx=None, hints=output_hints(state))

        if cache_module.get_cache() is None:
            return await fetch()
        ttl, key = state.cache or (None, None)
        sql, params = query.sql(dialect_of(alias))  # type: ignore[arg-type]
        options = cache_module.CacheOptions(ttl, key)
        return await cache_module.fetch_cached(options, state.info.name, sql, params, alias, fetch)

    def _shaper(self, state: QueryState, alias: str | None) -> Callable[[list[_Row]], list[Any]]:
        """Return the function turning fetched tuples into the QuerySet's result items."""
        mode = state.mode
        if mode == "model":
            db = alias if alias is not None else core.default_alias()
            plan = related_plan(state)
            if state.loaded is None and not state.annotations and plan is None:
                from_rows = self.model._from_db_rows
                return lambda rows: from_rows(rows, db)
            attnames = state.info.attnames if state.loaded is None else state.loaded
            if plan is not None:
                joined: Callable[[list[_Row]], list[Any]] = plan.hydrator(
                    self.model, attnames, tuple(state.annotations), db
                )
                return joined
            width = len(attnames)
            names = tuple(state.annotations)
            end = width + len(names)

            model = self.model
            new = object.__new__

            def hydrate(rows: list[_Row]) -> list[Any]:
                out: list[Any] = []
                append = out.append
                for row in rows:
                    obj = new(model)
                    d = obj.__dict__
                    d.update(zip(attnames, row[:width], strict=False))
                    if names:
                        d.update(zip(names, row[width:end], strict=False))
                    d["_state_db"] = db
                    append(obj)
                return out

            return hydrate
        assert state.columns is not None
        keys = tuple(c.key for c in state.columns)
        if mode == "dict":
            return lambda rows: [dict(zip(keys, row, strict=True)) for row in rows]
        if mode == "flat":
            return lambda rows: [row[0] for row in rows]
        if mode == "named":
            row_type = collections.namedtuple("Row", keys, rename=True)  # type: ignore[misc]
            return lambda rows: [row_type._make(row) for row in rows]
        return lambda rows: [tuple(row) for row in rows]

    def _whole_into(self, info: ModelInfo, alias: str | None) -> core.Into:
        """Return the engine's ``into=`` of whole instances read from ``alias`` (one per alias, kept)."""
        db = alias if alias is not None else core.default_alias()
        into = info.into.get(db)  # the engine copies the extra dict into each instance's own
        if into is None:
            into = core.Into(self.model, info.attnames, {"_state_db": db})
            if len(info.into) < 64:
                info.into[db] = into
        return into

    async def _fetch_grouped(self, key: str, groups: dict[Any, tuple[list[Any], Any]], back: str) -> list[Any] | None:
        """Run the query as awaiting it does; the engine also adds each instance to ``groups[its key]``.

        A group is ``(list, parent)``: the instance is appended to the list and gets the parent under ``back``
        (how a prefetch groups the rows of a reverse ForeignKey). None when the rows are not whole instances of
        the model (``only()``, annotations, select_related, the query cache): group them in Python then.
        """
        state = self._state
        if state.empty:
            return []
        if state.mode != "model" or state.cache is not None or state.loaded is not None or state.annotations:
            return None
        if state.related:
            return None
        alias, tx = self._read(state)
        info = state.info
        into = self._whole_into(info, alias).grouped(key, groups, back)
        items = await execution.fetch_instances(self._compiled(), alias=alias, tx=tx, hints=info.hints, into=into)
        if state.prefetch and items:
            await prefetch_related_objects(items, *state.prefetch)
        return items

    async def _run(self, state: QueryState, query: core.Query) -> list[Any]:
        """Run ``query``, shape its rows, and run the prefetch_related queries."""
        if state.empty:
            return []
        whole = state.mode == "model" and state.cache is None and state.loaded is None and not state.annotations
        if whole and not state.related:
            # Whole instances of the model, one per row: the engine builds them (no per-row Python).
            alias, tx = self._read(state)
            info = state.info
            into = self._whole_into(info, alias)
            items = await execution.fetch_instances(query, alias=alias, tx=tx, hints=info.hints, into=into)
            if state.prefetch and items:
                await prefetch_related_objects(items, *state.prefetch)
            return items
        if state.mode == "model" and state.cache is None:
            plan = related_plan(state)
            if plan is not None:
                # select_related: the engine builds each row's objects and attaches the related ones
                alias, tx = self._read(state)
                db = alias if alias is not None else core.default_alias()
                attnames = state.info.attnames if state.loaded is None else state.loaded
                into = plan.into(self.model, attnames, tuple(state.annotations), db)
                items = await execution.fetch_instances(query, alias=alias, tx=tx, hints=output_hints(state), into=into)
                if state.prefetch and items:
                    await prefetch_related_objects(items, *state.prefetch)
                return items
        rows, alias = await self._fetch_rows(state, query)
        items = self._shaper(state, alias)(rows)
        if state.prefetch and state.mode == "model" and items:
            await prefetch_related_objects(items, *state.prefetch)
        return items

    # ------------------------------------------------------------------------------------------ evaluation

    def __await__(self) -> Generator[Any, None, list[_T]]:
        """Run the query: ``await qs`` gives the list of results."""
        return self._run(self._state, self._compiled()).__await__()

    def __aiter__(self) -> AsyncIterator[_T]:
        """Stream the results from a server-side cursor (``async for obj in qs``), never all in memory."""
        return _Stream(self, ITER_CHUNK_SIZE)

    @overload
    def __getitem__(self, key: int) -> Awaitable[_T]: ...
    @overload
    def __getitem__(self, key: slice) -> Self: ...
    def __getitem__(self, key: int | slice) -> Awaitable[_T] | Self:
        """Slice to OFFSET/LIMIT (``qs[10:20]``, ``qs[5:]``), or return an awaitable of one item (``await qs[3]``)."""
        if isinstance(key, bool) or not isinstance(key, int | slice):
            raise TypeError(f"QuerySet indices must be ints or slices, not {type(key).__name__}")
        if isinstance(key, int):
            if key < 0:
                raise TypeError("negative indexing is not supported: order the other way (reverse()) instead")
            return self._at(key)
        if key.step is not None:
            raise TypeError("QuerySet slices take no step")
        for bound in (key.start, key.stop):
            if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)):
                raise TypeError(f"QuerySet slice bounds must be ints or None, not {bound!r}")
            if bound is not None and bound < 0:
                raise TypeError("negative slicing is not supported: order the other way (reverse()) instead")
        start = key.start or 0
        offset, limit = self._window(start, key.stop)
        return self._clone_simple(offset=offset, limit=limit)

    def _window(self, start: int, stop: int | None) -> tuple[int | None, int | None]:
        """Return the OFFSET and LIMIT of ``[start:stop]`` applied to the current window."""
        st = self._state
        current = st.offset or 0
        offset = current + start
        if stop is None:
            limit = None if st.limit is None else max(st.limit - start, 0)
        else:
            limit = max(stop - start, 0)
            if st.limit is not None:
                limit = max(min(limit, st.limit - start), 0)
        return (offset if offset or st.offset is not None else None), limit

    async def _at(self, index: int) -> _T:
        """Return the item at ``index`` (IndexError past the end)."""
        offset, limit = self._window(index, index + 1)
        state = self._state.replace(offset=offset, limit=limit)
        items = await self._run(state, select_query(state))
        if not items:
            raise IndexError(f"QuerySet index {index} out of range")
        return items[0]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------------------ introspection

    def sql(self, dialect: str | None = None) -> tuple[str, list[Any]]:
        """Return the SELECT and its parameters for ``dialect`` (default: the backend of the read alias)."""
        if dialect is None:
            dialect = dialect_of(router.read_alias(self.model, self._state.using))
        return self._compiled().sql(dialect)  # type: ignore[arg-type]

    @property
    def query(self) -> str:
        """Return the SELECT this QuerySet runs, with placeholders and no values."""
        return self.sql()[0]

    def __repr__(self) -> str:
        """Return ``<QuerySet model=Name sql='...'>``."""
        try:
            text = self.query
        except RyxError as exc:
            text = f"<cannot compile: {exc}>"
        return f"<{type(self).__name__} model={self._info.name} sql={text!r}>"

    @property
    def ordered(self) -> bool:
        """Return True when the results have a defined order (order_by() or Meta.ordering)."""
        return bool(effective_order(self._state))

    @property
    def db(self) -> str | None:
        """Return the alias reads go to (None: the default alias)."""
        return router.read_alias(self.model, self._state.using)

    # ------------------------------------------------------------------------------------------ chaining

    def all(self) -> Self:
        """Return a copy."""
        return self._clone()

    def filter(self, *args: Q | core.Cond, **kwargs: Any) -> Self:
        """AND the conditions into WHERE (conditions on aggregate annotations into HAVING)."""
        if not args and not kwargs:
            return self._clone()
        st = self._state
        if not args and not st.annotations:
            key: Any = None
            if st.shared:
                key = ("filter", st, tuple(kwargs.items()), tuple(map(type, kwargs.values())))
                try:
                    state = _chain.get(key)
                except TypeError:  # an unhashable value (a list for __in...)
                    key = state = None
                if state is not None:
                    return self._with(state)
            plain = st.info.plain_conditions(kwargs)
            if plain is not None:  # columns of the model itself: no join, no HAVING, no scope needed
                conds, pure = plain
                state = st.replace(where=st.where + conds)
                if pure and key is not None:
                    _remember(key, state)
                return self._with(state)
        scope = st.scope
        where, having = scope.conditions(args, kwargs, negated=False)
        return self._clone(where=st.where + tuple(where), having=st.having + tuple(having), **st.scope_changes(scope))

    def exclude(self, *args: Q | core.Cond, **kwargs: Any) -> Self:
        """AND ``NOT (all the given conditions)`` into WHERE, as Django does.

        ``exclude(a=1, b=2)`` keeps the rows where a != 1 OR b != 2 (the original Ryx excluded each kwarg on
        its own). Rows where a nullable column is NULL are kept: ``exclude(x=1)`` returns the NULL rows too.
        """
        if not args and not kwargs:
            return self._clone()
        st = self._state
        scope = st.scope
        where, having = scope.conditions(args, kwargs, negated=True)
        if where and having:
            raise NotSupportedError(
                "exclude() cannot mix conditions on aggregate annotations with conditions on columns in one "
                "call; use two exclude() calls or a ~Q"
            )
        changes = st.scope_changes(scope)
        if having:
            return self._clone(having=(*st.having, ~core.Cond.all(*having)), **changes)
        return self._clone(where=(*st.where, ~core.Cond.all(*where) if len(where) > 1 else ~where[0]), **changes)

    def order_by(self, *fields: str | Expression | Any) -> Self:
        """Append ordering terms (``"views"``, ``"-views"``, ``F("views").desc()``, an annotation name).

        As in the original Ryx (and unlike Django), terms are APPENDED to an earlier order_by(), and
        ``order_by()`` with no arguments changes nothing; use `clear_ordering` to drop the ordering. The first
        explicit order_by() replaces ``Meta.ordering``.
        """
        if not fields:
            return self._clone()
        st = self._state
        # names resolve the same way for a state: memoized
        names = st.shared and (type(fields[0]) is str if len(fields) == 1 else all(type(f) is str for f in fields))
        key = ("order_by", st, fields)
        state = _chain.get(key) if names else None
        if state is None:
            terms = None if st.annotations else plain_order_terms(st.info, fields)
            if terms is not None:  # the model's own columns, resolved before: no scope, no join
                state = st.replace(order=(st.order or ()) + terms)
            else:
                scope = st.scope
                terms = tuple(order_term(scope, f) for f in fields)
                state = st.replace(order=(st.order or ()) + terms, **st.scope_changes(scope))
            if names:
                _remember(key, state)
        return self._with(state)

    def order_by_distance(self, field: str, vector: Sequence[float], operator: str = "<->") -> Self:
        """Append ORDER BY the pgvector distance between a `ryx.VectorField` and ``vector`` (PostgreSQL).

        ``operator`` is ``"<->"`` (L2), ``"<=>"`` (cosine) or ``"<#>"`` (negative inner product); anything
        else, a wrong-length vector or a field that is not a VectorField raises QueryError (a ValueError).
        Running the query on a backend other than PostgreSQL raises NotSupportedError.
        """
        return self._clone(order=(*(self._state.order or ()), self._distance(field, vector, operator)), pgvector=True)

    def nearest_neighbors(self, field: str, vector: Sequence[float], k: int = 10, operator: str = "<->") -> Self:
        """Return the ``k`` rows whose VectorField ``field`` is nearest to ``vector`` (pgvector, PostgreSQL).

        The distance is the first ORDER BY term (earlier order_by() terms break ties), then LIMIT ``k``.
        ``k < 1`` raises QueryError (a ValueError); see `order_by_distance` for the rest.
        """
        if not isinstance(k, int) or isinstance(k, bool):
            raise TypeError(f"nearest_neighbors() k must be an int, not {k!r}")
        if k < 1:
            raise QueryError(f"nearest_neighbors() k must be at least 1, not {k}")
        term = self._distance(field, vector, operator)
        return self._clone(order=(term, *(self._state.order or ())), limit=k, pgvector=True)

    def _distance(self, field: str, vector: Sequence[float], operator: str) -> OrderTerm:
        """Return the ascending ORDER BY term of a pgvector distance."""
        from ryx.fields.vector import VectorField

        fld = self._info.get_field(field)
        if not isinstance(fld, VectorField):
            raise QueryError(f"{self._info.name}.{field} is a {type(fld).__name__}; distances need a VectorField")
        return OrderTerm(fld.distance(vector, operator, table=self._info.table), None, False)

    def clear_ordering(self) -> Self:
        """Drop every ordering term, ``Meta.ordering`` included."""
        return self._clone(order=(), reverse=False)

    def reverse(self) -> Self:
        """Reverse the ordering (no effect on a query without one)."""
        return self._clone(reverse=not self._state.reverse)

    def limit(self, n: int | None) -> Self:
        """Set LIMIT (None removes it)."""
        return self._clone_simple(limit=_check_count("limit", n))

    def offset(self, n: int | None) -> Self:
        """Set OFFSET (None removes it); works without a limit on every backend."""
        return self._clone_simple(offset=_check_count("offset", n))

    def distinct(self, *fields: str) -> Self:
        """Return distinct rows (``SELECT DISTINCT``); DISTINCT ON fields is not supported."""
        if fields:
            raise NotSupportedError("distinct(*fields) (DISTINCT ON) is not supported; use distinct()")
        return self._clone(distinct=True)

    def using(self, alias: str | None) -> Self:
        """Run on the database alias ``alias`` (reads and writes), bypassing the router."""
        if alias is not None and (not isinstance(alias, str) or not alias):
            raise TypeError(f"using() takes an alias (a non-empty str) or None, not {alias!r}")
        return self._clone_simple(using=alias)

    def schema(self, name: str | None) -> Self:
        """Query the table in the PostgreSQL schema ``name`` (None: the model's ``Meta.schema``)."""
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"schema() takes a schema name (a non-empty str) or None, not {name!r}")
        return self._clone(schema=name)

    def none(self) -> Self:
        """Return a QuerySet that matches nothing and never touches the database."""
        return self._clone(empty=True)

    def cache(self, *, ttl: int | None = None, key: str | None = None) -> Self:
        """Serve ``await qs`` and ``async for`` from the configured query cache (`ryx.cache`).

        The key covers the SQL, its parameters and the alias; ``key`` overrides it. Outside a configured
        cache, and inside a transaction, the query runs normally.
        """
        if ttl is not None and (not isinstance(ttl, int | float) or isinstance(ttl, bool) or ttl < 0):
            raise TypeError(f"cache(ttl=...) takes a number of seconds >= 0 or None, not {ttl!r}")
        if key is not None and (not isinstance(key, str) or not key):
            raise TypeError(f"cache(key=...) takes a non-empty str or None, not {key!r}")
        return self._clone(cache=(ttl, key))

    def select_for_update(self, *, nowait: bool = False, skip_locked: bool = False, of: Sequence[str] = ()) -> Self:
        """Lock the selected rows until the transaction ends (``SELECT ... FOR UPDATE``).

        Running it outside ``async with ryx.transaction()`` raises `NotSupportedError`. On SQLite it is a
        no-op: a write transaction there locks the whole database. ``of`` takes ``"self"`` (this model): with
        no joins it locks what a plain FOR UPDATE locks, so it is accepted on every backend.
        """
        if nowait and skip_locked:
            raise QueryError("select_for_update() takes nowait or skip_locked, not both")
        if isinstance(of, str):
            raise TypeError(f"select_for_update(of=...) takes a list of names, not the str {of!r}")
        for name in of:
            if name not in ("self", self._info.table, self._info.name):
                raise FieldError(
                    f"select_for_update(of=...) got {name!r}; this query selects from {self._info.name} only "
                    f"(use 'self')"
                )
        return self._clone(for_update=(bool(nowait), bool(skip_locked), ()))

    def annotate(self, *args: Aggregate | RawAgg, **expressions: Any) -> Self:
        """Add computed values: ``annotate(n=Count("id"), double=F("views") * 2)``.

        On instances they become attributes; with values() they become keys. After values(), an aggregate
        groups the rows by the values() fields (``values("author").annotate(n=Count("id"))``).
        """
        named: dict[str, Any] = {}
        for arg in args:
            if not isinstance(arg, Aggregate | RawAgg):
                raise TypeError(f"annotate() positional arguments must be aggregates, not {arg!r}; name it")
            named[arg.default_alias()] = arg
        named.update(expressions)
        if not named:
            return self._clone()
        st = self._state
        annotations = dict(st.annotations)
        columns = list(st.columns) if st.columns is not None else None
        group = st.group
        joins = st.scope.joins
        for name, expression in named.items():
            self._check_annotation_name(name, annotations)
            if isinstance(expression, str):
                raise TypeError(f"annotate({name}=...) got the str {expression!r}; use F({expression!r})")
            if not isinstance(expression, Expression):
                expression = Value(expression)
            scope = Scope(st.info, annotations, joins=joins)
            ann = Annotation(
                name,
                expression,
                expression.resolve(scope),
                expression.output_hint(scope),
                expression.is_aggregate(scope),
            )
            annotations[name] = ann
            if columns is not None:
                columns.append(Column(name, ann.expr, ann.hint, ann.aggregate))
                if ann.aggregate:
                    group = True
        return self._clone(
            annotations=annotations,
            columns=tuple(columns) if columns is not None else None,
            group=group,
            **st.scope_changes(Scope(st.info, joins=joins)),
        )

    def _check_annotation_name(self, name: str, annotations: Mapping[str, Annotation]) -> None:
        """Refuse an annotation name that is not an identifier or clashes with a field or annotation."""
        if not name.isidentifier() or "__" in name:
            raise QueryError(f"annotation name {name!r} must be an identifier without '__'")
        if name == "pk" or any(name in (f.name, f.attname) for f in self._info.fields):
            raise QueryError(f"the annotation {name!r} conflicts with a field of {self._info.name}")
        if name in annotations:
            raise QueryError(f"the annotation {name!r} is already defined")

    def _columns(self, fields: Sequence[str], expressions: Mapping[str, Any]) -> tuple[Self, tuple[Column, ...]]:
        """Resolve values()/values_list() names to output columns (every field and annotation when empty)."""
        qs = self.annotate(**expressions) if expressions else self
        st = qs._state
        scope = st.scope
        if not fields and not expressions:
            names: list[str] = [*st.info.attnames, *st.annotations]
        else:
            names = [*fields, *expressions]
        columns: list[Column] = []
        seen: set[str] = set()
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"values() takes field names, not {name!r}")
            if name in seen:
                continue
            seen.add(name)
            ref = scope.reference(name)
            columns.append(Column(name, ref.expr, ref.hint, ref.aggregate))
        return qs._clone(**st.scope_changes(scope)), tuple(columns)

    def values(self, *fields: str, **expressions: Any) -> QuerySet[dict[str, Any]]:
        """Return dicts instead of instances: ``values("id", "title")``, every field when none are named."""
        qs, columns = self._columns(fields, expressions)
        return qs._as(columns=columns, mode="dict")

    def values_list(self, *fields: str, flat: bool = False, named: bool = False) -> QuerySet[Any]:
        """Return tuples (``flat=True``: single values; ``named=True``: named tuples) of the named fields."""
        if flat and named:
            raise TypeError("values_list() takes flat=True or named=True, not both")
        if flat and len(fields) != 1:
            raise TypeError(f"values_list(flat=True) needs exactly one field, got {len(fields)}")
        qs, columns = self._columns(fields, {})
        mode: Mode = "flat" if flat else "named" if named else "tuple"
        return qs._as(columns=columns, mode=mode)

    def only(self, *fields: str) -> Self:
        """Load only these fields (and the primary key); reading another one raises AttributeError."""
        if self._state.mode != "model":
            raise TypeError("only() selects model fields; call it before values()/values_list()")
        info = self._info
        wanted = {info.pk_field.attname, *(info.get_field(name).attname for name in fields)}
        return self._clone(loaded=tuple(a for a in info.attnames if a in wanted))

    def defer(self, *fields: str | None) -> Self:
        """Do not load these fields (``defer(None)`` loads every field again); the primary key is always loaded."""
        if self._state.mode != "model":
            raise TypeError("defer() selects model fields; call it before values()/values_list()")
        if fields == (None,):
            return self._clone(loaded=None)
        info = self._info
        skipped = {info.get_field(name).attname for name in fields if name is not None}
        skipped.discard(info.pk_field.attname)
        current = self._state.loaded if self._state.loaded is not None else info.attnames
        return self._clone(loaded=tuple(a for a in current if a not in skipped))

    def select_related(self, *fields: str | None) -> Self:
        """Load single-valued relations (ForeignKey, OneToOneField, reverse one-to-one) in the same query, by JOIN.

        ``select_related("author", "author__country")``; nullable relations (and anything under one) come
        back as None when there is no row. Without arguments: every forward relation of the model, one level
        deep. ``select_related(None)`` clears the list. Multi-valued relations need `prefetch_related`.
        """
        if fields == (None,):
            return self._clone(related=())
        if self._state.mode != "model":
            raise TypeError("select_related() loads related objects; call it before values()/values_list()")
        from ryx.query.select_related import parse

        paths = tuple(f for f in fields if f is not None)
        parse(self.model, paths)  # check now: a bad name fails here, not when the query runs
        added = paths if paths else ("",)
        return self._clone(related=tuple(dict.fromkeys((*self._state.related, *added))))

    def prefetch_related(self, *lookups: str | Prefetch | None) -> Self:
        """Load relations with one extra query per level after the main query (``author``, ``posts__tags``...).

        Works for every kind of relation; ``Prefetch(lookup, queryset=..., to_attr=...)`` customises a level.
        Keys are sent in chunks under the backend's bound-parameter limit. ``prefetch_related(None)`` clears.
        """
        if lookups == (None,):
            return self._clone(prefetch=())
        if self._state.mode != "model":
            raise TypeError("prefetch_related() loads related objects; call it before values()/values_list()")
        items = tuple(normalize(self.model, lookup) for lookup in lookups if lookup is not None)
        return self._clone(prefetch=(*self._state.prefetch, *items))

    def join(self, *args: Any, **kwargs: Any) -> Self:
        """Refuse (`NotSupportedError`): follow relations by name instead (``filter(author__name=...)``)."""
        raise NotSupportedError(
            "join() with raw table names is not supported: follow relations by name instead "
            "(filter(author__name=...), select_related('author'), values('author__name'))"
        )

    # ------------------------------------------------------------------------------------------ reading

    async def get(self, *args: Q | core.Cond, **kwargs: Any) -> _T:
        """Return the one matching object; raise ``Model.DoesNotExist`` or ``Model.MultipleObjectsReturned``.

        At most two rows are fetched, whatever the number of matches.
        """
        st = self._state
        info = st.info
        if (
            kwargs
            and not args
            and info.states.get((st.using, st.schema)) is st
            and (st.schema is None or st.schema == info.schema)
        ):
            # get(pk=1), get(email=...) on a model's every-row QuerySet: the statement's text is kept per
            # model and run with the new values, no QuerySet or SELECT built per call.
            found = await self._get_by_keys(st, kwargs)
            if found is not None:
                return found  # type: ignore[no-any-return]
        qs = self.filter(*args, **kwargs) if args or kwargs else self
        st = qs._state
        if not st.empty:
            probe = st.get_probe
            if probe is None:
                state = st.replace(limit=2 if st.limit is None else min(st.limit, 2))
                probe = st.get_probe = (state, select_query(state, ordered=st.sliced))
            items = await qs._run(*probe)
            if len(items) == 1:
                return items[0]  # type: ignore[no-any-return]
            if items:
                multiple = getattr(self.model, "MultipleObjectsReturned", MultipleObjectsReturned)
                raise multiple(
                    f"get() returned more than one {self._info.name}: narrow the filter so it matches one row."
                )
        does_not_exist = getattr(self.model, "DoesNotExist", DoesNotExist)
        raise does_not_exist(f"{self._info.name} matching query does not exist.")

    async def _get_by_keys(self, st: QueryState, kwargs: dict[str, Any]) -> Any:
        """Return `get(**kwargs)` run through the kept statement text, or None when the keywords do not allow it."""
        info = st.info
        keyed = info.key_values(kwargs)
        if keyed is None:
            return None
        plains, values = keyed
        alias, tx = self._read(st)
        dialect = execution.dialect_for(alias, tx)
        names = tuple(kwargs)
        key = (dialect, names)
        kept = info.key_gets.get(key)
        if kept is None:
            if key in info.key_gets:
                return None  # these keywords cannot take the kept way (see _key_get_statement)
            kept = _key_get_statement(info, plains, dialect)
            if len(info.key_gets) >= 64:
                info.key_gets.clear()
            info.key_gets[key] = kept
            if kept is None:
                return None
        sql, template, places = kept
        params = template.copy()
        for place, value in zip(places, values, strict=True):
            params[place] = value
        into = self._whole_into(info, alias)
        items = await execution.fetch_raw_instances(sql, params, alias=alias, tx=tx, hints=info.hints, into=into)
        if len(items) == 1:
            return items[0]
        if items:
            multiple = getattr(self.model, "MultipleObjectsReturned", MultipleObjectsReturned)
            raise multiple(f"get() returned more than one {info.name}: narrow the filter so it matches one row.")
        does_not_exist = getattr(self.model, "DoesNotExist", DoesNotExist)
        raise does_not_exist(f"{info.name} matching query does not exist.")

    async def first(self) -> _T | None:
        """Return the first object in order (by pk when the query has no ordering), or None."""
        st = self._state
        probe = st.replace(limit=1 if st.limit is None else min(st.limit, 1))
        items = await self._run(probe, select_query(probe, for_first=True))
        return items[0] if items else None

    async def last(self) -> _T | None:
        """Return the last object in order (by pk when the query has no ordering), or None."""
        st = self._state
        if st.sliced:
            raise TypeError("last() cannot reverse a sliced query; order it the other way and use first()")
        terms = effective_order(st, for_first=True)
        probe = st.replace(order=tuple(t.flipped() for t in terms), reverse=False, limit=1)
        items = await self._run(probe, select_query(probe))
        return items[0] if items else None

    async def exists(self) -> bool:
        """Return True if the query matches at least one row."""
        st = self._state
        if st.empty:
            return False
        st = st.replace(for_update=None, related=(), prefetch=())
        alias, tx = self._read(st)
        return await execution.exists(select_query(st, ordered=st.sliced), alias=alias, tx=tx)

    async def count(self) -> int:
        """Return the number of rows the query gives (LIMIT, OFFSET and DISTINCT included)."""
        st = self._state
        if st.empty:
            return 0
        st = st.replace(for_update=None, related=(), prefetch=())
        alias, tx = self._read(st)
        return await execution.count(select_query(st, ordered=st.sliced), alias=alias, tx=tx)

    async def aggregate(self, *args: Aggregate | RawAgg, **kwargs: Any) -> dict[str, Any]:
        """Return ``{name: value}`` of aggregates over the matching rows: ``aggregate(total=Sum("views"))``.

        A positional aggregate is named ``<field>__<function>`` (``Sum("views")`` gives ``views__sum``).
        """
        named: dict[str, Any] = {}
        for arg in args:
            if not isinstance(arg, Aggregate | RawAgg):
                raise TypeError(f"aggregate() positional arguments must be aggregates, not {arg!r}")
            named[arg.default_alias()] = arg
        named.update(kwargs)
        if not named:
            raise QueryError("aggregate() needs at least one aggregate, as in aggregate(total=Sum('views'))")
        st = self._state
        plain = None if st.annotations else _plain_aggregates(st.info, named)
        if plain is None:
            return await self._aggregate(named)
        _check_aggregatable(st)
        if st.empty:
            return _empty_aggregates(named)
        exprs, hints = plain
        q = _base_for(st).select(*exprs)
        if st.where:
            q = q.filter(*st.where)
        return await self._aggregate_row(q, named, hints)

    async def _aggregate(self, named: dict[str, Any]) -> dict[str, Any]:
        """Compile and run aggregate() in general (annotations, relations, expressions, RawAgg)."""
        st = self._state
        scope = st.scope
        base = _base_for(st.replace(joins=()))  # the scope's joins (the state's and new ones) are added below

        def rows(key: core.Expr) -> core.Query:
            q = apply_joins(base, scope.joins.items()).select(key)
            return q.filter(*st.where) if st.where else q

        scope.rows = rows
        for name, expression in named.items():
            if not isinstance(expression, Expression) or not expression.is_aggregate(scope):
                raise TypeError(f"aggregate({name}=...) needs an aggregate such as Sum('views'), not {expression!r}")
        _check_aggregatable(st)
        if st.empty:
            return _empty_aggregates(named)
        exprs = {name: e.resolve(scope) for name, e in named.items()}
        q = apply_joins(base, scope.joins.items()).select(*exprs.values())
        if st.where:
            q = q.filter(*st.where)
        hints = [e.output_hint(scope.probe()) for e in named.values()]
        return await self._aggregate_row(q, named, hints)

    async def _aggregate_row(self, q: core.Query, named: dict[str, Any], hints: list[Any]) -> dict[str, Any]:
        """Run the compiled aggregate() and return ``{name: value}``."""
        alias, tx = self._read(self._state.replace(for_update=None))
        row = await execution.fetch_one(q, alias=alias, tx=tx, hints=hints)
        values = tuple(row) if row is not None else (None,) * len(named)
        return dict(zip(named, values, strict=True))

    async def in_bulk(self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk") -> dict[Any, _T]:
        """Return ``{key: object}`` for the objects whose ``field_name`` is in ``id_list`` (all when None)."""
        if self._state.mode != "model":
            raise TypeError("in_bulk() returns objects; call it before values()/values_list()")
        fld = self._info.get_field(field_name)
        if not (fld.primary_key or getattr(fld, "unique", False)):
            raise QueryError(f"in_bulk() needs a unique field; {self._info.name}.{fld.name} is not unique")
        if id_list is None:
            objs = await self
        else:
            ids = list(id_list)
            if not ids:
                return {}
            objs = []
            for start in range(0, len(ids), 5000):
                objs.extend(await self.filter(**{f"{fld.attname}__in": ids[start : start + 5000]}))
        return {getattr(obj, fld.attname): obj for obj in objs}

    def stream(self, *, chunk_size: int = 100, keyset: str | None = None, as_dict: bool = False) -> AsyncIterator[Any]:
        """Iterate the results in chunks of ``chunk_size`` rows without loading them all.

        Without ``keyset`` the rows come from one server-side cursor (the connection is held until the loop
        ends). With ``keyset="id"`` (or ``"-id"``) each chunk is a new query ordered by that unique field
        (``WHERE id > last``), so no connection is held between chunks. ``as_dict=True`` yields dicts.
        """
        if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise TypeError(f"stream(chunk_size=...) takes a positive int, not {chunk_size!r}")
        qs: QuerySet[Any] = self
        if as_dict and self._state.mode == "model":
            qs = self.values()
        elif as_dict and self._state.mode != "dict":
            raise TypeError("stream(as_dict=True) cannot follow values_list(); use values()")
        if keyset is None:
            return _Stream(qs, chunk_size)
        return qs._keyset_stream(keyset, chunk_size)

    async def _keyset_stream(self, keyset: str, chunk_size: int) -> AsyncIterator[Any]:
        """Yield the results chunk by chunk, paging on ``keyset`` (``WHERE key > last ORDER BY key``)."""
        if not isinstance(keyset, str) or not keyset.lstrip("-"):
            raise TypeError(f"stream(keyset=...) takes a field name, not {keyset!r}")
        st = self._state
        if st.sliced:
            raise QueryError("stream(keyset=...) pages by the key itself; it cannot run on a sliced query")
        descending = keyset.startswith("-")
        name = keyset.lstrip("-")
        ref = st.scope.reference(name)
        if ref.field is None:
            raise QueryError(f"stream(keyset={keyset!r}) needs a field of {self._info.name}, not an expression")
        position = self._keyset_position(ref.field)
        base = st.replace(order=(OrderTerm(ref.expr, None, descending),), reverse=False, limit=chunk_size)
        last: Any = None
        while True:
            state = base
            if last is not None:
                cond = core.Cond.lookup(ref.expr, "lt" if descending else "gt", last)
                state = base.replace(where=(*base.where, cond))
            if state.empty:
                return
            rows, alias = await self._fetch_rows(state, select_query(state))
            if not rows:
                return
            for item in self._shaper(state, alias)(rows):
                yield item
            if len(rows) < chunk_size:
                return
            last = rows[-1][position]

    def _keyset_position(self, fld: Any) -> int:
        """Return the index of the keyset field in each fetched row."""
        st = self._state
        if st.mode == "model":
            attnames = st.info.attnames if st.loaded is None else st.loaded
            return attnames.index(fld.attname)
        assert st.columns is not None
        for i, column in enumerate(st.columns):
            if column.key in (fld.name, fld.attname, "pk" if fld.primary_key else None):
                return i
        raise QueryError(f"stream(keyset=...) needs {fld.name!r} among the values() fields")

    # ------------------------------------------------------------------------------------------ writing

    async def update(self, **kwargs: Any) -> int:
        """Set fields on every matching row in one UPDATE and return the number of rows changed.

        Keys are field names or attnames (``author=obj``, ``author_id=3``); values go through the field's
        ``to_db``, or are expressions (``views=F("views") + 1``). A sliced or ordered query updates exactly
        its rows. Sends ``pre_update``/``post_update``.
        """
        if not kwargs:
            raise QueryError("update() needs at least one field=value")
        st = self._state
        values = self._update_values(kwargs)
        if st.empty:
            return 0
        if st.crossed:
            return await self._by_keys(lambda qs: qs.update(**kwargs))
        query, pk = write_query(st, "update")
        alias, tx = self._write()
        await signals.pre_update.send(sender=self.model, queryset=self, fields=kwargs)
        count = await execution.update(query, values, alias=alias, tx=tx, pk=pk)
        await signals.post_update.send(sender=self.model, queryset=self, updated_count=count, fields=kwargs)
        return count

    def _update_values(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``{column: value to bind or Expr}`` for update()."""
        scope = self._state.scope
        values: dict[str, Any] = {}
        for name, value in kwargs.items():
            fi = self._info.field_info(name)
            fld = fi.field
            if fi.column is None:
                raise FieldError(f"update() cannot set {self._info.name}.{name}: it has no column")
            if fld.column in values:
                raise QueryError(f"update() got {self._info.name}.{fld.name} twice ({name!r})")
            if isinstance(value, Expression):
                if value.is_aggregate(scope):
                    raise QueryError(f"update({name}=...) cannot use the aggregate {value!r}")
                values[fld.column] = value.resolve(scope)
                if scope.joins.crossed:
                    raise NotSupportedError(
                        f"update({name}={value!r}) refers to a related model; update() can only use this "
                        f"model's own fields"
                    )
                continue
            related = value is not None and fi.relation and getattr(value, "_meta", None) is not None
            if related and getattr(value, "pk", None) is None:
                raise QueryError(f"update({name}=...) got an unsaved {type(value).__name__}: save it first")
            try:
                values[fld.column] = None if value is None else fld.to_db(value)
            except RyxError:
                raise
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise QueryError(
                    f"update(): invalid value {value!r} for {self._info.name}.{fld.name} ({type(fld).__name__}): {exc}"
                ) from exc
        return values

    async def delete(self) -> int:
        """Delete the matching rows and return how many of this model's rows went (a slice deletes only its rows).

        ``on_delete`` of the relations pointing at the model is applied in Python, in one transaction
        (CASCADE, SET_NULL, SET_DEFAULT, PROTECT, RESTRICT), the same way on every backend; cascaded objects
        get their ``pre_delete``/``post_delete`` signals. The query's own rows send
        ``pre_bulk_delete``/``post_bulk_delete`` only.
        """
        from ryx.deletion import Collector, has_dependents

        st = self._state
        if st.empty:
            return 0
        if not has_dependents(self.model):
            write_query(st.replace(crossed=False), "delete")  # refuse an aggregated query before any signal
            await signals.pre_bulk_delete.send(sender=self.model, queryset=self)
            count = await self._delete_rows()
            await signals.post_bulk_delete.send(sender=self.model, queryset=self, deleted_count=count)
            return count
        write_query(st.replace(crossed=False), "delete")
        alias = router.write_alias(self.model, st.using)
        async with atomic(alias):
            roots = await self._root_objects(alias)
            collector = Collector(alias)
            await collector.collect(self.model, roots, root=True)
            collector.check(roots)
            await signals.pre_bulk_delete.send(sender=self.model, queryset=self)
            await collector.apply()
            pk = self._info.pk_field
            count = 0
            for part in chunks([o.pk for o in roots], chunk_size(alias)):
                keys = {f"{pk.attname}__in": list(part)}
                count += await QuerySet(self.model, _using=alias).filter(**keys)._delete_rows()
            await signals.post_bulk_delete.send(sender=self.model, queryset=self, deleted_count=count)
        return count

    async def _root_objects(self, alias: str | None) -> list[Any]:
        """Return the rows a delete starts from, as instances (the slice and order of the query kept)."""
        st = self._state.replace(
            mode="model",
            columns=None,
            annotations={},
            loaded=None,
            group=False,
            for_update=None,
            using=alias,
            related=(),
            prefetch=(),
        )
        return await self._run(st, select_query(st))

    async def _by_keys(self, operation: Callable[[QuerySet[Any]], Awaitable[int]]) -> int:
        """Run a write of a query across relations on its rows' primary keys (fetched first, then chunked)."""
        alias = router.write_alias(self.model, self._state.using)
        pk = self._info.pk_field
        keys = await self._clone(mode="model").values_list(pk.attname, flat=True)
        total = 0
        async with atomic(alias):
            for part in chunks(list(dict.fromkeys(keys)), chunk_size(alias)):
                total += await operation(QuerySet(self.model, _using=alias).filter(**{f"{pk.attname}__in": list(part)}))
        return total

    async def _delete_rows(self) -> int:
        """DELETE the matching rows in one statement (no ``on_delete``, no signal)."""
        if self._state.crossed:
            return await self._by_keys(lambda qs: qs._delete_rows())
        query, pk = write_query(self._state, "delete")
        alias, tx = self._write()
        return await execution.delete(query, alias=alias, tx=tx, pk=pk)

    async def bulk_delete(self, instances: Iterable[_T] | None = None, **options: Any) -> int:
        """Delete the matching rows (alias of `delete`), or the given instances (see `ryx.bulk.bulk_delete`)."""
        if instances is None:
            if options:
                raise TypeError(f"bulk_delete() without instances takes no options, got {sorted(options)}")
            return await self.delete()
        from ryx.bulk import bulk_delete

        options.setdefault("using", self._state.using)
        return await bulk_delete(self.model, instances, **options)

    async def create(self, **kwargs: Any) -> _T:
        """Create, save (INSERT) and return an object."""
        obj = self.model(**kwargs)
        await obj.save(using=self._state.using)
        return obj  # type: ignore[no-any-return]

    def _create_params(self, defaults: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Return the constructor arguments get_or_create() uses: plain kwargs (no lookups) plus defaults."""
        params = {k: v for k, v in kwargs.items() if "__" not in k}
        for key, value in (defaults or {}).items():
            params[key] = value() if callable(value) else value
        return params

    async def get_or_create(self, defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[_T, bool]:
        """Return ``(object, created)``: the matching object, or a new one built from kwargs and ``defaults``.

        Safe under concurrency: the INSERT runs in a savepoint; if another task inserted the same unique
        values first (IntegrityError), the savepoint is rolled back and that row is returned.
        """
        if defaults is not None and not isinstance(defaults, Mapping):
            raise TypeError(f"get_or_create(defaults=...) takes a dict, not {defaults!r}")
        alias = router.write_alias(self.model, self._state.using)
        qs = self.using(alias) if alias is not None else self
        try:
            return await qs.get(**kwargs), False
        except DoesNotExist:
            pass
        params = self._create_params(defaults, kwargs)
        try:
            async with atomic(alias):
                obj = await qs.create(**params)
            return obj, True
        except IntegrityError:
            try:
                return await qs.get(**kwargs), False
            except DoesNotExist:
                pass
            raise

    async def update_or_create(
        self,
        defaults: Mapping[str, Any] | None = None,
        create_defaults: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[_T, bool]:
        """Update the matching object with ``defaults`` (locked by SELECT FOR UPDATE), or create it.

        ``create_defaults`` (default: ``defaults``) are used instead of ``defaults`` when creating. Runs in
        a transaction; creation is race-free as in `get_or_create` (a lost race updates the winner's row).
        """
        for name, value in (("defaults", defaults), ("create_defaults", create_defaults)):
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"update_or_create({name}=...) takes a dict, not {value!r}")
        alias = router.write_alias(self.model, self._state.using)
        qs = self.using(alias) if alias is not None else self
        create_params = self._create_params(create_defaults if create_defaults is not None else defaults, kwargs)
        # Our own transaction can be retried when the database picks it as a deadlock victim (InnoDB does when
        # concurrent creators of one row all go on to lock it); inside the caller's transaction it cannot.
        attempts = 1 if current_tx(alias) is not None else 4
        for attempt in range(attempts):
            try:
                return await qs._update_or_create(alias, defaults, create_params, kwargs)
            except OperationalError as exc:
                if attempt == attempts - 1 or getattr(exc, "sqlstate", None) not in _RETRYABLE:
                    raise
                await asyncio.sleep(0.005 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _update_or_create(
        self,
        alias: str | None,
        defaults: Mapping[str, Any] | None,
        create_params: dict[str, Any],
        kwargs: Mapping[str, Any],
    ) -> tuple[_T, bool]:
        """Run one attempt of `update_or_create` in a transaction."""
        async with atomic(alias):
            try:
                # a plain read first: a locking read of a missing row takes gap locks (InnoDB) on which
                # concurrent creators deadlock
                await self.get(**kwargs)
            except DoesNotExist:
                try:
                    async with atomic(alias):
                        return await self.create(**create_params), True
                except IntegrityError:
                    pass  # created meanwhile by another task: update that row
            obj = await self.select_for_update().get(**kwargs)
            for key, value in (defaults or {}).items():
                setattr(obj, key, value() if callable(value) else value)
            await obj.save(using=alias)  # type: ignore[attr-defined]
        return obj, False

    async def bulk_create(self, objs: Iterable[_T], **options: Any) -> list[_T]:
        """Insert many objects and set their primary keys (see `ryx.bulk.bulk_create`)."""
        from ryx.bulk import bulk_create

        options.setdefault("using", self._state.using)
        return await bulk_create(self.model, objs, **options)

    async def bulk_update(self, objs: Iterable[_T], fields: Sequence[str], **options: Any) -> int:
        """Update ``fields`` of many objects (see `ryx.bulk.bulk_update`)."""
        from ryx.bulk import bulk_update

        options.setdefault("using", self._state.using)
        return await bulk_update(self.model, objs, fields, **options)


class _Stream(Generic[_T]):
    """``async for`` over a QuerySet: chunks from a server-side cursor, shaped one chunk at a time."""

    __slots__ = ("_buffer", "_chunk_size", "_done", "_pos", "_qs", "_rows", "_shape")

    def __init__(self, qs: QuerySet[_T], chunk_size: int) -> None:
        """Stream ``qs`` in chunks of ``chunk_size`` rows."""
        self._qs = qs
        self._chunk_size = chunk_size
        self._rows: Any = None
        self._buffer: list[Any] = []
        self._pos = 0
        self._done = False
        self._shape: Callable[[list[_Row]], list[Any]] | None = None

    def __aiter__(self) -> _Stream[_T]:
        """Return self."""
        return self

    async def _start(self) -> None:
        """Open the cursor (or serve the query cache)."""
        qs = self._qs
        st = qs._state
        if st.empty:
            self._done = True
            return
        alias, tx = qs._read(st)
        self._shape = qs._shaper(st, alias)
        query = qs._compiled()
        if st.cache is not None and tx is None:
            self._buffer = self._shape(await qs._cached_rows(st, query, alias))
            if st.prefetch and st.mode == "model" and self._buffer:
                await prefetch_related_objects(self._buffer, *st.prefetch)
            self._done = True
            return
        self._rows = execution.stream(query, chunk_size=self._chunk_size, alias=alias, tx=tx, hints=output_hints(st))

    async def __anext__(self) -> _T:
        """Return the next result."""
        while self._pos >= len(self._buffer):
            if self._done:
                raise StopAsyncIteration
            if self._shape is None:
                await self._start()
                continue
            try:
                chunk = await self._rows.__anext__()
            except BaseException:
                self.close()
                raise
            assert self._shape is not None
            self._buffer = self._shape(chunk)
            st = self._qs._state
            if st.prefetch and st.mode == "model" and self._buffer:
                await prefetch_related_objects(self._buffer, *st.prefetch)
            self._pos = 0
        item = self._buffer[self._pos]
        self._pos += 1
        return item  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop streaming and give the connection back."""
        self._done = True
        self._buffer = []
        self._pos = 0
        if self._rows is not None:
            self._rows.close()
            self._rows = None

    async def aclose(self) -> None:
        """Stop streaming and give the connection back."""
        self.close()


__all__ = ["ITER_CHUNK_SIZE", "QuerySet"]
