"""Bulk operations: `bulk_create`, `bulk_update`, `bulk_delete` in few statements, and `stream`."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from ryx import execution, querycount, router, signals
from ryx._core import core
from ryx.exceptions import FieldError, QueryError
from ryx.fields.files import saving_files
from ryx.query.lookups import model_info
from ryx.transaction import current_tx
from ryx.transaction import transaction as atomic

if TYPE_CHECKING:
    from ryx.query.queryset import QuerySet

M = TypeVar("M")
_T = TypeVar("_T")


def _check_batch(batch_size: Any) -> int:
    """Check ``batch_size`` (a positive int)."""
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise TypeError(f"batch_size must be a positive int, not {batch_size!r}")
    return batch_size


def _instances(model: type[Any], instances: Iterable[Any], operation: str) -> list[Any]:
    """Return the instances as a list, refusing anything that is not a ``model`` instance."""
    if isinstance(instances, str | bytes) or not isinstance(instances, Iterable):
        raise TypeError(f"{operation}() takes an iterable of {model.__name__} instances, not {instances!r}")
    objs = list(instances)
    for obj in objs:
        if not isinstance(obj, model):
            raise TypeError(f"{operation}() got a {type(obj).__name__}; every object must be a {model.__name__}")
    return objs


def _columns_of(model: type[Any], names: Sequence[str] | None, option: str) -> list[Any]:
    """Return the fields named in an option (FieldError listing the choices for an unknown one)."""
    if names is None:
        return []
    if isinstance(names, str):
        raise TypeError(f"{option} takes a list of field names, not the str {names!r}")
    info = model_info(model)
    return [info.get_field(name) for name in names]


async def _invalidate(model: type[Any]) -> None:
    """Drop the model's cached query results after a write that sends no signal."""
    from ryx import cache as cache_module

    if cache_module.get_cache() is not None:
        await cache_module.invalidate_model(model)


def _to_db(fld: Any, value: Any) -> Any:
    """Return ``fld.to_db(value)`` (None stays None)."""
    return None if value is None else fld.to_db(value)


def _row_maker(model: type[Any], fields: Sequence[Any]) -> Callable[[list[Any]], list[Sequence[Any]]]:
    """Return a function giving, for a batch of instances, the values to bind of ``fields`` (one row each).

    An instance whose values all went through ``to_python`` (``_state.converted``) has them read in one
    ``itemgetter`` call, and only the fields whose ``to_db`` changes a converted value (JSON, files,
    durations...) are converted; any other instance has every value converted with ``to_db``.
    """
    as_is = model._value_plan().as_is
    attnames = [f.attname for f in fields]
    redo = [(i, f.to_db) for i, f in enumerate(fields) if f.attname not in as_is]
    pick = itemgetter(*attnames) if len(attnames) > 1 else (lambda d, a=attnames[0]: (d[a],))
    pairs = list(zip(fields, attnames, strict=True))

    def redone(values: Sequence[Any]) -> list[Any]:
        out = list(values)
        for i, to_db in redo:
            value = out[i]
            if value is not None:
                out[i] = to_db(value)
        return out

    def rows(batch: list[Any]) -> list[Sequence[Any]]:
        out: list[Sequence[Any]] = []
        append = out.append
        for obj in batch:
            d = obj.__dict__
            state = d.get("_state")
            if state is not None and state.converted:
                try:
                    values = pick(d)
                except KeyError:  # a value was deferred or removed: convert them all below
                    pass
                else:
                    append(redone(values) if redo else values)
                    continue
            append([_to_db(f, d.get(a)) for f, a in pairs])
        return out

    return rows


def _split_by_key(objs: list[Any], pk: Any) -> tuple[list[Any], list[Any]]:
    """Split ``objs`` into those with a primary-key value and those whose auto key the database generates."""
    if not getattr(pk, "auto_increment", False):
        return list(objs), []
    attname = pk.attname
    with_pk: list[Any] = []
    without_pk: list[Any] = []
    for obj in objs:
        (without_pk if obj.__dict__.get(attname) is None else with_pk).append(obj)
    return with_pk, without_pk


async def bulk_create(
    model: type[M],
    instances: Iterable[M],
    *,
    batch_size: int = 500,
    validate: bool = False,
    ignore_conflicts: bool = False,
    update_conflicts: bool = False,
    unique_fields: Sequence[str] | None = None,
    update_fields: Sequence[str] | None = None,
    schema: str | None = None,
    using: str | None = None,
) -> list[M]:
    """INSERT many instances in multi-row statements, all or none, and set their generated primary keys.

    Keys come back from ``RETURNING`` (PostgreSQL, SQLite, MariaDB) or the last insert id (MySQL), in row
    order, on every backend. ``ignore_conflicts`` skips rows that break a unique constraint (their pk stays
    None). ``update_conflicts`` turns a conflict on ``unique_fields`` into an UPDATE of ``update_fields``
    (an upsert; MySQL ignores ``unique_fields`` and uses any unique key). ``validate`` runs `full_clean` on
    each instance first. ``auto_now``/``auto_now_add`` fields are set. Sends ``pre_bulk_create`` and
    ``post_bulk_create``; the per-instance save hooks and signals do not run.
    """
    batch_size = _check_batch(batch_size)
    objs = _instances(model, instances, "bulk_create")
    if ignore_conflicts and update_conflicts:
        raise QueryError("bulk_create() takes ignore_conflicts or update_conflicts, not both")
    conflict_fields = _columns_of(model, unique_fields, "unique_fields")
    updates = _columns_of(model, update_fields, "update_fields")
    if update_conflicts and not updates:
        raise QueryError("bulk_create(update_conflicts=True) needs update_fields: the fields a conflict updates")
    if (unique_fields or update_fields) and not update_conflicts:
        raise QueryError("unique_fields and update_fields apply only with update_conflicts=True")
    if not objs:
        return objs
    info = model_info(model)
    meta: Any = getattr(model, "_meta")  # noqa: B009 - models are typed loosely here
    pk = info.pk_field
    if validate:
        for obj in objs:
            await obj.full_clean()
    auto_fields = getattr(meta, "auto_time_fields", ())
    if auto_fields:
        now = dt.datetime.now(dt.UTC)
        for fld in auto_fields:
            value = fld.auto_value(now)
            for obj in objs:
                obj.__dict__[fld.attname] = value
    alias = router.write_alias(model, using)
    table_schema = schema if schema is not None else info.schema
    with_pk, without_pk = _split_by_key(objs, pk)
    groups = [(group, fields) for group, fields in (
        (with_pk, info.fields),
        (without_pk, tuple(f for f in info.fields if f is not pk)),
    ) if group]  # fmt: skip
    options: dict[str, Any] = {
        "ignore_conflicts": ignore_conflicts,
        "update_conflicts": update_conflicts,
        "conflict_target": [f.column for f in conflict_fields],
        "update_fields": [f.column for f in updates],
        "schema": table_schema or None,
        "alias": alias,
    }
    await signals.pre_bulk_create.send(sender=model, instances=objs)
    # Each group goes to the engine in one call with all its batches, which the engine runs atomically (a
    # transaction of its own, or a savepoint in the caller's): one trip through the async bridge instead of
    # one per batch plus BEGIN and COMMIT. A query recorder counts one statement per `execution` call, and
    # must see one per batch: while one is open, the batches go one call each, in a transaction here, which
    # sends the database the same statements.
    whole = not querycount.recording()
    calls = len(groups) if whole else sum((len(group) + batch_size - 1) // batch_size for group, _ in groups)
    async with saving_files(objs, info.fields):  # staged file content is written; removed if the INSERT fails
        if calls > 1:
            async with atomic(alias):
                await _insert_groups(info, groups, batch_size, whole, options, current_tx(alias))
        else:
            await _insert_groups(info, groups, batch_size, whole, options, current_tx(alias))
    db = alias if alias is not None else core.default_alias()
    for obj in objs:
        state = obj._state
        state.adding = False
        state.db = db
    await signals.post_bulk_create.send(sender=model, instances=objs)
    return objs


async def _insert_groups(
    info: Any,
    groups: list[tuple[list[Any], tuple[Any, ...]]],
    batch_size: int,
    whole: bool,
    options: dict[str, Any],
    tx: core.Transaction | None,
) -> None:
    """Insert each group of instances (same columns) in statements of ``batch_size`` rows, setting generated keys.

    With ``whole`` a group is one engine call (its statements atomic together), else one call per statement.
    """
    pk = info.pk_field
    for group, fields in groups:
        generated = pk not in fields
        returning = pk.column if generated and not options["ignore_conflicts"] else None
        columns = [f.column for f in fields]
        rows_of = _row_maker(info.model, fields)
        step = len(group) if whole else batch_size
        for start in range(0, len(group), step):
            batch = group[start : start + step]
            rows = rows_of(batch)
            result = await execution.bulk_insert(
                info.table, columns, rows, returning=returning, batch_size=batch_size, tx=tx, **options
            )
            if returning is not None and isinstance(result, list):
                if len(result) != len(batch):
                    raise QueryError(f"bulk_create() got {len(result)} keys back for {len(batch)} rows of {info.name}")
                to_python, kept, attname = pk.to_python, pk.kept_type(), pk.attname
                for obj, key in zip(batch, result, strict=True):
                    obj.__dict__[attname] = key if type(key) is kept else to_python(key)


async def bulk_update(
    model: type[M],
    instances: Iterable[M],
    fields: Sequence[str],
    *,
    batch_size: int = 500,
    schema: str | None = None,
    using: str | None = None,
) -> int:
    """UPDATE ``fields`` of many instances with ``CASE pk WHEN ... END`` statements, all or none.

    Each statement carries its own rows only (batches never mix). Instances without a pk are skipped; the
    pk itself is never updated. Return the number of rows matched. Sends no signals.
    """
    batch_size = _check_batch(batch_size)
    objs = _instances(model, instances, "bulk_update")
    if isinstance(fields, str):
        raise TypeError(f"bulk_update() takes a list of field names, not the str {fields!r}")
    info = model_info(model)
    targets = []
    for name in fields:
        fld = info.get_field(name)
        if not getattr(fld, "column", None):
            raise FieldError(f"bulk_update() cannot set {info.name}.{name}: it has no column")
        if not fld.primary_key and fld not in targets:
            targets.append(fld)
    pk = info.pk_field
    objs = [o for o in objs if o.__dict__.get(pk.attname) is not None]
    if not targets or not objs:
        return 0
    alias = router.write_alias(model, using)
    table_schema = schema if schema is not None else info.schema
    columns = [f.column for f in targets]
    total = 0
    batches = [objs[i : i + batch_size] for i in range(0, len(objs), batch_size)]

    async def run(tx: core.Transaction | None) -> int:
        count = 0
        for batch in batches:
            rows = [
                (pk.to_db(obj.__dict__[pk.attname]), [_to_db(f, obj.__dict__.get(f.attname)) for f in targets])
                for obj in batch
            ]
            count += await execution.bulk_update(
                info.table, pk.column, columns, rows, schema=table_schema or None, alias=alias, tx=tx
            )
        return count

    async with saving_files(objs, targets):  # staged file content is written; removed if the UPDATE fails
        if len(batches) > 1:
            async with atomic(alias):
                total = await run(current_tx(alias))
        else:
            total = await run(current_tx(alias))
    await _invalidate(model)
    return total


async def bulk_delete(
    model: type[M],
    instances: Iterable[M],
    *,
    batch_size: int = 500,
    schema: str | None = None,
    using: str | None = None,
) -> int:
    """DELETE the instances' rows (``WHERE pk IN (...)`` per batch), all or none; return how many went.

    Instances without a pk are skipped. Sends no signals and runs no per-instance hooks.
    """
    batch_size = _check_batch(batch_size)
    objs = _instances(model, instances, "bulk_delete")
    info = model_info(model)
    pk = info.pk_field
    keys = [pk.to_db(o.__dict__[pk.attname]) for o in objs if o.__dict__.get(pk.attname) is not None]
    if not keys:
        return 0
    alias = router.write_alias(model, using)
    table_schema = schema if schema is not None else info.schema
    base = core.Query(info.table, schema=table_schema or None)
    batches = [keys[i : i + batch_size] for i in range(0, len(keys), batch_size)]

    async def run(tx: core.Transaction | None) -> int:
        count = 0
        for batch in batches:
            count += await execution.delete(
                base.filter(core.Cond.lookup(info.pk_expr, "in", batch)), alias=alias, tx=tx
            )
        return count

    if len(batches) > 1:
        async with atomic(alias):
            total = await run(current_tx(alias))
    else:
        total = await run(current_tx(alias))
    await _invalidate(model)
    return total


def stream(queryset: QuerySet[_T], *, chunk_size: int = 100) -> AsyncIterator[_T]:
    """Iterate a QuerySet in chunks from a server-side cursor (see `QuerySet.stream`)."""
    result: AsyncIterator[_T] = queryset.stream(chunk_size=chunk_size)
    return result


__all__ = ["bulk_create", "bulk_delete", "bulk_update", "stream"]
