"""Applying and unapplying on the database: every operation forwards then backwards, by introspection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import ryx
import ryx_core
from helpers import forget, model, snapshot
from ryx_migrate import operations as ops
from ryx_migrate.autodetect import Autodetector, RenameCandidate
from ryx_migrate.errors import IrreversibleError, MigrationError, NodeNotFound
from ryx_migrate.introspect import table_names
from ryx_migrate.runner import MigrationRunner


def runner(prefix: str, migdir: Path, models: list[Any] = (), **kw: Any) -> MigrationRunner:  # type: ignore[assignment]
    return MigrationRunner(list(models), migrations_dir=migdir, history_table=f"{prefix}history", **kw)


def versions(prefix: str) -> list[list[Any]]:
    """Successive model sets exercising every operation the autodetector writes."""
    author = model("Author", f"{prefix}_authors", {"name": ryx.CharField(max_length=100, unique=True)})
    post = model(
        "Post",
        f"{prefix}_posts",
        {
            "title": ryx.CharField(max_length=200),
            "views": ryx.IntField(default=0),
            "author": ryx.ForeignKey(author, on_delete="CASCADE", null=True),
        },
    )
    v1 = [author, post]
    post2 = model(
        "Post",
        f"{prefix}_posts",
        {
            "title": ryx.CharField(max_length=250, db_index=True),
            "views": ryx.BigIntField(default=0),
            "author": ryx.ForeignKey(author, on_delete="SET_NULL", null=True),
            "body": ryx.TextField(null=True),
            "rating": ryx.IntField(default=3),
        },
        indexes=[ryx.Index(fields=["views", "rating"], name=f"{prefix}_vr_idx")],
        unique_together=[("title", "author")],
        constraints=[ryx.Constraint(check="rating >= 0", name=f"{prefix}_rating_pos")],
    )
    tag = model(
        "Tag",
        f"{prefix}_tags",
        {"label": ryx.CharField(max_length=30), "post": ryx.ForeignKey(post2, on_delete="CASCADE")},
    )
    v2 = [author, post2, tag]
    post3 = model(
        "Post",
        f"{prefix}_posts",
        {
            "headline": ryx.CharField(max_length=250, db_index=True),
            "views": ryx.BigIntField(default=0),
            "author": ryx.ForeignKey(author, on_delete="SET_NULL", null=True),
            "rating": ryx.IntField(default=3, null=True),
        },
        unique_together=[("headline", "author")],
    )
    v3 = [author, post3]
    return [v1, v2, v3]


async def test_forward_then_backward_restores_each_schema(db: str, prefix: str, migdir: Path) -> None:
    steps = versions(prefix)
    rename = RenameCandidate("field", "", "Post", "title", "headline")
    for models in steps:
        Autodetector(models, migdir, renames=[rename]).write_migration()
    run = runner(prefix, migdir, steps[-1])
    snapshots = [await snapshot(prefix + "_")]
    names = sorted(p.stem for p in migdir.glob("0*.py"))  # noqa: ASYNC240
    assert len(names) == 3
    for name in names:
        applied = await run.migrate(name)
        assert [s.name for s in applied] == [name]
        snapshots.append(await snapshot(prefix + "_"))
    assert snapshots[1] != snapshots[2] != snapshots[3]
    assert await run.check_database() == []
    for index in (2, 1, 0):
        target = names[index - 1] if index else "zero"
        await run.migrate(target)
        assert await snapshot(prefix + "_") == snapshots[index], f"after migrating back to {target}"
    assert await run.migrate() != []
    assert await snapshot(prefix + "_") == snapshots[3]
    forget(*{m for v in steps for m in v})


async def test_data_survives_alterations_and_children_survive(db: str, prefix: str, migdir: Path) -> None:
    steps = versions(prefix)
    for models in steps[:2]:
        Autodetector(models, migdir).write_migration()
    run = runner(prefix, migdir, steps[1])
    await run.migrate("0001")
    author, post = steps[0]
    a = await author.objects.create(name="Ann")
    await post.objects.create(title="hello", views=7, author=a)
    await post.objects.create(title="orphan", views=1, author=None)
    await run.migrate()  # alters views and title, adds columns, FK on_delete: SQLite rebuilds the table
    rows = await ryx_core.fetch_all(
        f"SELECT title, views, rating, author_id FROM {prefix}_posts ORDER BY title", as_tuples=True
    )
    assert rows == [("hello", 7, 3, a.pk), ("orphan", 1, 3, None)]
    await run.migrate("0001")  # back again: rebuild of the parent's children keeps them
    rows = await ryx_core.fetch_all(
        f"SELECT title, views, author_id FROM {prefix}_posts ORDER BY title", as_tuples=True
    )
    assert rows == [("hello", 7, a.pk), ("orphan", 1, None)]
    assert await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {prefix}_authors") == 1
    forget(*{m for v in steps for m in v})


async def test_rebuilding_a_parent_keeps_cascading_children(db: str, prefix: str, migdir: Path) -> None:
    parent = model("Parent", f"{prefix}_parents", {"name": ryx.CharField(max_length=10)})
    child = model("Child", f"{prefix}_children", {"parent": ryx.ForeignKey(parent, on_delete="CASCADE")})
    Autodetector([parent, child], migdir).write_migration()
    parent2 = model("Parent", f"{prefix}_parents", {"name": ryx.CharField(max_length=50, null=True)})
    child2 = model("Child", f"{prefix}_children", {"parent": ryx.ForeignKey(parent2, on_delete="CASCADE")})
    Autodetector([parent2, child2], migdir).write_migration()
    run = runner(prefix, migdir, [parent2, child2])
    await run.migrate("0001")
    p = await parent.objects.create(name="p")
    await child.objects.create(parent=p)
    await run.migrate()
    assert await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {prefix}_children") == 1
    with pytest.raises(ryx.IntegrityError):
        await ryx_core.execute(f"INSERT INTO {prefix}_children (parent_id) VALUES (?)", [999])
    forget(parent, child, parent2, child2)


async def test_run_sql_and_run_python_with_reverse(db: str, prefix: str, migdir: Path) -> None:
    counter = model("Counter", f"{prefix}_counters", {"n": ryx.IntField(default=0)})
    Autodetector([counter], migdir).write_migration()
    (migdir / "0002_data.py").write_text(
        "from ryx_migrate import operations as ops\n\n"
        "async def forwards(ctx):\n"
        f"    await ctx.execute('INSERT INTO {prefix}_counters (n) VALUES (?)', [41])\n\n"
        "async def backwards(ctx):\n"
        f"    await ctx.execute('DELETE FROM {prefix}_counters WHERE n = ?', [41])\n\n"
        "class Migration:\n"
        "    dependencies = ['0001_initial']\n"
        "    operations = [\n"
        "        ops.RunPython(forwards, backwards),\n"
        f"        ops.RunSQL(('UPDATE {prefix}_counters SET n = n + ?', [1]),\n"
        f"                   ('UPDATE {prefix}_counters SET n = n - 1')),\n"
        "    ]\n"
    )
    run = runner(prefix, migdir, [counter])
    await run.migrate()
    assert await ryx_core.fetch_scalar(f"SELECT n FROM {prefix}_counters") == 42
    await run.migrate("0001")
    assert await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {prefix}_counters") == 0
    forget(counter)


async def test_irreversible_unapply_changes_nothing(db: str, prefix: str, migdir: Path) -> None:
    thing = model("Thing", f"{prefix}_things", {"n": ryx.IntField(default=0)})
    Autodetector([thing], migdir).write_migration()
    (migdir / "0002_sql.py").write_text(
        "from ryx_migrate import operations as ops\n"
        "class Migration:\n    dependencies = ['0001_initial']\n"
        f"    operations = [ops.RunSQL('INSERT INTO {prefix}_things (n) VALUES (1)')]\n"
    )
    run = runner(prefix, migdir, [thing])
    await run.migrate()
    before = await snapshot(prefix + "_")
    with pytest.raises(IrreversibleError, match="reverse_sql"):
        await run.migrate("zero")
    assert await snapshot(prefix + "_") == before
    assert len((await run.applied())["default"]) == 2
    forget(thing)


async def test_failing_migration_is_not_recorded(db: str, prefix: str, migdir: Path) -> None:
    thing = model("Thing", f"{prefix}_things", {"n": ryx.IntField(default=0)})
    Autodetector([thing], migdir).write_migration()
    (migdir / "0002_bad.py").write_text(
        "from ryx_migrate import operations as ops\n"
        f"class Migration:\n    dependencies = ['0001_initial']\n"
        f"    operations = [ops.RunSQL('INSERT INTO {prefix}_things (n) VALUES (5)'),\n"
        "                  ops.RunSQL('SELECT nope FROM nowhere')]\n"
    )
    run = runner(prefix, migdir, [thing])
    with pytest.raises(MigrationError, match="0002_bad"):
        await run.migrate()
    assert [name for _, name, _ in (await run.applied())["default"]] == ["0001_initial"]
    rows = await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {prefix}_things")
    assert rows == 0  # DML rolls back everywhere (only MySQL DDL commits by itself)
    forget(thing)


async def test_fake_plan_show_and_sql(db: str, prefix: str, migdir: Path) -> None:
    thing = model("Thing", f"{prefix}_things", {"n": ryx.IntField(default=0)})
    Autodetector([thing], migdir).write_migration()
    run = runner(prefix, migdir, [thing])
    plan = await run.plan()
    assert [str(s) for s in plan] == ["Apply 0001_initial on default"]
    assert any("CREATE TABLE" in sql for sql in plan[0].sql)
    assert await table_names() == [t for t in await table_names() if not t.startswith(prefix)]
    status = await run.showmigrations()
    assert [(s.name, s.applied) for s in status] == [("0001_initial", False)]
    await run.migrate(fake=True)
    assert not any(t.startswith(f"{prefix}_things") for t in await table_names())
    assert [(s.name, s.applied) for s in await run.showmigrations()] == [("0001_initial", True)]
    for dialect, quote in (("postgres", '"'), ("mysql", "`"), ("sqlite", '"')):
        sql = run.sql_for("0001", dialect)
        assert sql[0].startswith(f"CREATE TABLE {quote}{prefix}_things{quote}")
    with pytest.raises(MigrationError, match="unknown SQL dialect"):
        run.sql_for("0001", "oracle")
    with pytest.raises(NodeNotFound, match="no migration matches"):
        await run.migrate("0009")
    forget(thing)


async def test_without_files_creates_the_models_tables(db: str, prefix: str, migdir: Path) -> None:
    author = model("Author", f"{prefix}_authors", {"name": ryx.CharField(max_length=100)})
    book = model("Book", f"{prefix}_books", {"author": ryx.ForeignKey(author, on_delete="CASCADE")})
    run = runner(prefix, migdir, [book, author])
    steps = await run.migrate()
    assert len(steps) == 1
    assert await run.migrate() == []  # nothing missing any more
    a = await author.objects.create(name="x")
    await book.objects.create(author=a)
    assert await book.objects.count() == 1
    assert await run.check_database() == []
    assert not any(t == f"{prefix}history" for t in await table_names())
    forget(author, book)


async def test_check_database_reports_drift(db: str, prefix: str, migdir: Path) -> None:
    thing = model("Thing", f"{prefix}_things", {"n": ryx.IntField(default=0)})
    Autodetector([thing], migdir).write_migration()
    run = runner(prefix, migdir, [thing])
    await run.migrate()
    await ryx_core.execute(f"ALTER TABLE {prefix}_things ADD COLUMN extra INTEGER")
    problems = await run.check_database()
    assert problems == [f"column {prefix}_things.extra is not in the migrations"]
    forget(thing)


async def test_unknown_alias_is_refused(db: str, prefix: str, migdir: Path) -> None:
    thing = model("Thing", f"{prefix}_things", {"n": ryx.IntField(default=0)})
    with pytest.raises(MigrationError, match="not set up"):
        await runner(prefix, migdir, [thing], alias_filter="nope").migrate()
    assert not any(t.startswith(prefix) for t in await table_names())
    forget(thing)


async def test_operations_written_by_hand(db: str, prefix: str, migdir: Path) -> None:
    from ryx_migrate.state import FieldState, IndexState

    (migdir / "0001_hand.py").write_text(
        "from ryx_migrate import operations as ops\nfrom ryx_migrate.compat import ColumnState\n"
        "class Migration:\n    dependencies = []\n    operations = [\n"
        f"        ops.CreateTable(table='{prefix}_raw', columns=[ColumnState('id', 'INTEGER', primary_key=True), "
        "ColumnState('code', 'VARCHAR(10)', nullable=False)]),\n"
        f"        ops.CreateIndex(table='{prefix}_raw', name='{prefix}_raw_code', fields=['code'], unique=True),\n"
        "    ]\n"
    )
    run = runner(prefix, migdir)
    await run.migrate()
    snap = await snapshot(prefix + "_raw")
    assert snap[f"{prefix}_raw"]["indexes"] == [(("code",), True)]
    await run.migrate("zero")
    assert await snapshot(prefix + "_raw") == {}
    assert ops.AddIndex("X", IndexState("i", ("a",))) == ops.AddIndex("X", IndexState("i", ("a",)))
    assert FieldState(column="a") == FieldState(field_type="Other", column="a")
