"""Squashing, inspectdb output, multi-database routing, the ``ryx.migrations`` import paths, bad files."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import ryx
import ryx_core
from helpers import forget, model, snapshot
from ryx_migrate.autodetect import Autodetector, replay
from ryx_migrate.errors import InvalidMigration, MigrationError
from ryx_migrate.graph import MigrationGraph
from ryx_migrate.inspectdb import render_models
from ryx_migrate.introspect import introspect, table_names
from ryx_migrate.loader import discover
from ryx_migrate.runner import MigrationRunner
from ryx_migrate.squash import optimize
from ryx_migrate.state import project_state_from_models


def three_migrations(prefix: str, migdir: Path) -> list[type]:
    a = model("Item", f"{prefix}_items", {"name": ryx.CharField(max_length=10)})
    Autodetector([a], migdir).write_migration()
    b = model("Item", f"{prefix}_items", {"name": ryx.CharField(max_length=10), "qty": ryx.IntField(default=1)})
    Autodetector([b], migdir).write_migration()
    c = model("Item", f"{prefix}_items", {"name": ryx.CharField(max_length=40), "qty": ryx.IntField(default=1)})
    Autodetector([c], migdir).write_migration()
    return [a, b, c]


async def test_squash_replaces_and_gives_the_same_schema(db: str, prefix: str, migdir: Path, tmp_path: Path) -> None:
    models = three_migrations(prefix, migdir)
    full = await snapshot(prefix + "_")
    run = MigrationRunner([models[-1]], migrations_dir=migdir, history_table=f"{prefix}history")
    await run.migrate()
    applied_schema = await snapshot(prefix + "_")
    path = run.squash("0001", "0003")
    assert path.name == "0001_squashed_0003_alter_name_on_item.py"
    squashed = discover(migdir)[("", path.stem)]
    assert [type(o).__name__ for o in squashed.operations] == ["CreateModel"]  # folded into one
    assert replay([squashed]) == replay(
        discover(migdir)[("", n)]
        for n in sorted(p.stem for p in migdir.glob("000[123]_[!s]*.py"))  # noqa: ASYNC240
    )
    # Where everything was applied, the squashed migration counts as applied.
    assert await run.plan() == []
    # A fresh database takes the squashed migration alone.
    await run.migrate("zero")
    assert await snapshot(prefix + "_") == full
    steps = await run.migrate()
    assert [s.name for s in steps] == [path.stem]
    assert await snapshot(prefix + "_") == applied_schema
    recorded = {name for _, name, _ in (await run.applied())["default"]}
    assert recorded == {path.stem, "0001_initial", "0002_add_qty_to_item", "0003_alter_name_on_item"}
    forget(*models)


def test_optimizer_keeps_foreign_key_order(prefix: str, migdir: Path) -> None:
    from ryx_migrate import operations as ops
    from ryx_migrate.state import FieldState

    pk = FieldState(column="id", db_type="INTEGER", primary_key=True, auto_increment=True)
    fk = FieldState(column="b_id", db_type="INTEGER", null=True, to="B", to_table="b", to_column="id")
    sequence = [
        ops.CreateModel("A", [("id", pk)], table="a"),
        ops.CreateModel("B", [("id", pk)], table="b"),
        ops.AddField("A", "b", fk),
    ]
    assert optimize(sequence) == sequence  # AddField cannot move before B exists
    folded = optimize([sequence[0], ops.AddField("A", "n", FieldState(column="n", db_type="INTEGER", null=True))])
    assert [type(o).__name__ for o in folded] == ["CreateModel"]


async def test_inspectdb_writes_importable_models(db: str, prefix: str, migdir: Path, tmp_path: Path) -> None:
    author = model(
        "Author", f"{prefix}_authors", {"name": ryx.CharField(max_length=100), "born": ryx.DateField(null=True)}
    )
    book = model(
        "Book",
        f"{prefix}_books",
        {
            "title": ryx.CharField(max_length=200, unique=True),
            "price": ryx.DecimalField(max_digits=8, decimal_places=2),
            "data": ryx.JSONField(null=True),
            "published": ryx.DateTimeField(null=True),
            "author": ryx.ForeignKey(author, on_delete="CASCADE"),
            "editor": ryx.ForeignKey(author, on_delete="SET_NULL", null=True),
            "class_": ryx.BooleanField(default=False, db_column="class"),
        },
    )
    await MigrationRunner([author, book], migrations_dir=migdir).migrate()
    schema = await introspect(tables=[f"{prefix}_authors", f"{prefix}_books"])
    source = render_models(schema)
    path = tmp_path / f"inspected_{prefix}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    books = getattr(module, f"{prefix.capitalize()}Books")
    assert books._meta.table_name == f"{prefix}_books"
    assert not books._meta.managed
    expected = {f.column for f in book._meta.concrete_fields}
    assert {f.column for f in books._meta.concrete_fields} == expected
    kinds = {f.column: type(f).__name__ for f in books._meta.concrete_fields}
    assert kinds["author_id"] == kinds["editor_id"] == "ForeignKey"
    assert kinds["price"] == "DecimalField" and kinds["title"] == "CharField" and kinds["class"] == "BooleanField"
    result = subprocess.run([sys.executable, "-m", "py_compile", str(path)], capture_output=True)  # noqa: ASYNC221
    assert result.returncode == 0
    forget(author, book, *[v for v in vars(module).values() if isinstance(v, type) and issubclass(v, ryx.Model)])


async def test_meta_database_routes_models_to_their_alias(
    db: str, db_url: str, prefix: str, migdir: Path, tmp_path: Path
) -> None:
    other_url = db_url
    if db == "sqlite":
        other_url = f"sqlite://{tmp_path / 'other.db'}?mode=rwc"
    await ryx.setup({"default": db_url, "other": other_url})
    here = model("Here", f"{prefix}_here", {"n": ryx.IntField(default=0)})
    there = model("There", f"{prefix}_there", {"n": ryx.IntField(default=0)}, database="other")
    Autodetector([here, there], migdir).write_migration()
    for alias in ("default", "other"):
        run = MigrationRunner(
            [here, there], migrations_dir=migdir, alias_filter=alias, history_table=f"{prefix}h{alias}"
        )
        await run.migrate()
    if db == "sqlite":
        assert f"{prefix}_here" in await table_names("default") and f"{prefix}_there" not in await table_names(
            "default"
        )
        assert f"{prefix}_there" in await table_names("other") and f"{prefix}_here" not in await table_names("other")
    else:  # both aliases are the same server database: each table exists once, created by its alias's run
        assert sum(t.startswith(f"{prefix}_") for t in await table_names()) == 2
    history = await ryx_core.fetch_all(f"SELECT name FROM {prefix}hother", alias="other", as_tuples=True)
    assert history == [("0001_initial",)]
    await there.objects.create(n=3)
    assert await there.objects.count() == 1
    forget(here, there)


def test_ryx_migrations_import_paths() -> None:
    code = (
        "import sys, ryx\n"
        "assert 'ryx_migrate' not in sys.modules\n"
        "from ryx.migrations.state import ProjectState, ColumnState, SchemaState, project_state_from_models\n"
        "from ryx.migrations.autodetect import Autodetector, CreateTable, CreateIndex, load_migration_file\n"
        "from ryx.migrations.ddl import DDLGenerator, detect_backend, generate_schema_ddl\n"
        "from ryx.migrations.runner import MigrationRunner\n"
        "assert detect_backend('mariadb://x') == 'mysql'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_broken_files_are_reported(migdir: Path) -> None:
    (migdir / "0001_broken.py").write_text("class Migration:\n    operations = [42]\n")
    with pytest.raises(InvalidMigration, match="must hold operations"):
        discover(migdir)
    (migdir / "0001_broken.py").write_text("raise RuntimeError('boom')\n")
    with pytest.raises(InvalidMigration, match="boom"):
        discover(migdir)
    (migdir / "0001_broken.py").write_text("class Migration:\n    dependencies = ['0000_missing']\n")
    with pytest.raises(MigrationError, match="does not exist"):
        MigrationGraph(discover(migdir))


def test_generate_schema_ddl(prefix: str) -> None:
    author = model("Author", f"{prefix}_authors", {"name": ryx.CharField(max_length=10, db_index=True)})
    book = model("Book", f"{prefix}_books", {"author": ryx.ForeignKey(author, on_delete="PROTECT")})
    from ryx_migrate.ddl import generate_schema_ddl

    sql = generate_schema_ddl([book, author], backend="mysql")
    assert sql[0].startswith(f"CREATE TABLE `{prefix}_authors`")
    assert "ON DELETE RESTRICT" in sql[2]
    assert sql[1].startswith("CREATE INDEX")
    assert len(project_state_from_models([book, author])) == 2
    forget(author, book)


async def test_many_to_many_link_tables_are_models(db: str, prefix: str, migdir: Path) -> None:
    tag = model("Tag", f"{prefix}_tags", {"label": ryx.CharField(max_length=20)})
    post = model(
        "Post",
        f"{prefix}_posts",
        {"title": ryx.CharField(max_length=20), "tags": ryx.ManyToManyField(tag, db_table=f"{prefix}_post_tags")},
    )
    detected = Autodetector([post, tag], migdir).detect()
    created = [o.table for o in detected]  # type: ignore[attr-defined]
    assert created.index(f"{prefix}_post_tags") > max(created.index(f"{prefix}_tags"), created.index(f"{prefix}_posts"))
    Autodetector([post, tag], migdir).write_migration()
    run = MigrationRunner([post, tag], migrations_dir=migdir, history_table=f"{prefix}history")
    await run.migrate()
    link = (await snapshot(f"{prefix}_post_tags"))[f"{prefix}_post_tags"]
    assert {fk[1] for fk in link["fks"]} == {f"{prefix}_tags", f"{prefix}_posts"}
    p = await post.objects.create(title="x")
    t = await tag.objects.create(label="y")
    await p.tags.add(t)
    assert [x.label for x in await p.tags.all()] == ["y"]
    await run.migrate("zero")
    assert await snapshot(f"{prefix}_") == {}
    forget(tag, post)
