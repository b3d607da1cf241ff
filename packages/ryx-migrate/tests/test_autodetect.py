"""The autodetector: one test per change type, determinism, renames by answer, no prompts."""

from __future__ import annotations

from pathlib import Path

import pytest
import ryx
from helpers import forget, model
from ryx_migrate import operations as ops
from ryx_migrate.autodetect import Autodetector, RenameCandidate
from ryx_migrate.errors import MigrationError


def base_models(prefix: str) -> tuple[type, type]:
    author = model("Author", f"{prefix}_authors", {"name": ryx.CharField(max_length=100)})
    post = model(
        "Post",
        f"{prefix}_posts",
        {
            "title": ryx.CharField(max_length=200),
            "views": ryx.IntField(default=0),
            "author": ryx.ForeignKey(author, on_delete="CASCADE", null=True),
        },
    )
    return author, post


def start(prefix: str, migdir: Path) -> tuple[type, type]:
    author, post = base_models(prefix)
    Autodetector([author, post], migdir).write_migration()
    return author, post


def kinds(operations: list[ops.Operation]) -> list[str]:
    return [type(o).__name__ for o in operations]


def test_initial_creates_models_parent_first(prefix: str, migdir: Path) -> None:
    author, post = base_models(prefix)
    detected = Autodetector([post, author], migdir).detect()
    assert kinds(detected) == ["CreateModel", "CreateModel"]
    assert [o.name for o in detected] == ["Author", "Post"]  # type: ignore[attr-defined]
    path = Autodetector([post, author], migdir).write_migration()
    assert path.name == "0001_initial.py"
    assert Autodetector([post, author], migdir).detect() == []
    forget(author, post)


def test_same_input_writes_the_same_file(prefix: str, tmp_path: Path) -> None:
    author, post = base_models(prefix)
    first = Autodetector([author, post], tmp_path / "a").write_migration()
    second = Autodetector([author, post], tmp_path / "b").write_migration()
    assert first.read_text() == second.read_text()
    forget(author, post)


def test_add_remove_alter_field(prefix: str, migdir: Path) -> None:
    author, _ = start(prefix, migdir)
    post = model(
        "Post",
        f"{prefix}_posts",
        {
            "title": ryx.CharField(max_length=300),  # altered
            "author": ryx.ForeignKey(author, on_delete="SET_NULL", null=True),  # altered on_delete
            "body": ryx.TextField(default=""),  # added; views removed
        },
    )
    detected = Autodetector([author, post], migdir).detect()
    assert kinds(detected) == ["RemoveField", "AlterField", "AlterField", "AddField"]
    assert detected[0].name == "views"  # type: ignore[attr-defined]
    assert detected[1].field.db_type == "VARCHAR(300)"  # type: ignore[attr-defined]
    assert detected[2].field.on_delete == "SET_NULL"  # type: ignore[attr-defined]
    assert detected[3].field.default == ""  # type: ignore[attr-defined]
    path = Autodetector([author, post], migdir).write_migration()
    assert path.name == "0002_remove_views_from_post_and_more.py"
    assert Autodetector([author, post], migdir).detect() == []
    forget(author, post)


def test_rename_field_only_with_an_answer(prefix: str, migdir: Path) -> None:
    author, _ = start(prefix, migdir)
    post = model(
        "Post",
        f"{prefix}_posts",
        {
            "headline": ryx.CharField(max_length=200),
            "views": ryx.IntField(default=0),
            "author": ryx.ForeignKey(author, on_delete="CASCADE", null=True),
        },
    )
    detector = Autodetector([author, post], migdir)
    candidate = RenameCandidate("field", "", "Post", "title", "headline")
    assert detector.rename_candidates() == [candidate]
    assert kinds(detector.detect()) == ["RemoveField", "AddField"]
    answered = Autodetector([author, post], migdir, renames=lambda c: c == candidate).detect()
    assert answered == [ops.RenameField("Post", "title", "headline", "headline")]
    assert Autodetector([author, post], migdir, renames=[candidate]).detect() == answered
    forget(author, post)


def test_rename_and_delete_model(prefix: str, migdir: Path) -> None:
    author, post = start(prefix, migdir)
    writer = model("Writer", f"{prefix}_writers", {"name": ryx.CharField(max_length=100)})
    candidate = RenameCandidate("model", "", "Author", "Author", "Writer")
    detector = Autodetector([writer], migdir, renames=[candidate])
    assert candidate in detector.rename_candidates()
    detected = detector.detect()
    assert detected[:2] == [ops.RenameModel("Author", "Writer"), ops.AlterModelTable("Writer", f"{prefix}_writers")]
    assert detected[2:] == [ops.DeleteModel("Post")]
    forget(author, post, writer)


def test_indexes_unique_together_checks(prefix: str, migdir: Path) -> None:
    author, _ = start(prefix, migdir)
    post = model(
        "Post",
        f"{prefix}_posts",
        {
            "title": ryx.CharField(max_length=200, db_index=True),
            "views": ryx.IntField(default=0),
            "author": ryx.ForeignKey(author, on_delete="CASCADE", null=True),
        },
        indexes=[ryx.Index(fields=["views"], name=f"{prefix}_views_idx")],
        unique_together=[("title", "author")],
        constraints=[ryx.Constraint(check="views >= 0", name=f"{prefix}_views_pos")],
    )
    detected = Autodetector([author, post], migdir).detect()
    assert kinds(detected) == ["AlterField", "AddIndex", "AddConstraint", "AlterUniqueTogether"]
    Autodetector([author, post], migdir).write_migration()
    plain = model(
        "Post",
        f"{prefix}_posts",
        {
            "title": ryx.CharField(max_length=200, db_index=True),
            "views": ryx.IntField(default=0),
            "author": ryx.ForeignKey(author, on_delete="CASCADE", null=True),
        },
    )
    detected = Autodetector([author, plain], migdir).detect()
    assert kinds(detected) == ["RemoveIndex", "RemoveConstraint", "AlterUniqueTogether"]
    assert detected[2].unique_together == []  # type: ignore[attr-defined]
    forget(author, post, plain)


def test_new_foreign_key_cycle_is_broken_with_addfield(prefix: str, migdir: Path) -> None:
    a = model("CycA", f"{prefix}_a", {"name": ryx.CharField(max_length=10)})
    b = model("CycB", f"{prefix}_b", {"a": ryx.ForeignKey(a, on_delete="CASCADE")})
    a2 = model(
        "CycA",
        f"{prefix}_a",
        {"name": ryx.CharField(max_length=10), "b": ryx.ForeignKey(b, null=True, on_delete="SET_NULL")},
    )
    detected = Autodetector([a2, b], migdir).detect()
    assert kinds(detected) == ["CreateModel", "CreateModel", "AddField"]
    forget(a, b, a2)


def test_abstract_and_unmanaged_models_are_left_out(prefix: str, migdir: Path) -> None:
    base = model("Base", f"{prefix}_base", {"name": ryx.CharField(max_length=10)}, abstract=True)
    unmanaged = model("Legacy", f"{prefix}_legacy", {"name": ryx.CharField(max_length=10)}, managed=False)
    assert Autodetector([base, unmanaged], migdir).detect() == []
    forget(unmanaged)


def test_no_changes_cannot_be_written(prefix: str, migdir: Path) -> None:
    author, post = start(prefix, migdir)
    before = sorted(p.name for p in migdir.iterdir())
    with pytest.raises(MigrationError, match="no changes"):
        Autodetector([author, post], migdir).write_migration()
    assert sorted(p.name for p in migdir.iterdir()) == before
    forget(author, post)


def test_not_null_without_default_warns(prefix: str, migdir: Path) -> None:
    author, _ = start(prefix, migdir)
    post = model(
        "Post",
        f"{prefix}_posts",
        {
            "title": ryx.CharField(max_length=200),
            "views": ryx.IntField(default=0),
            "author": ryx.ForeignKey(author, on_delete="CASCADE", null=True),
            "slug": ryx.CharField(max_length=20),
        },
    )
    detector = Autodetector([author, post], migdir)
    assert kinds(detector.detect()) == ["AddField"]
    assert any("slug" in w and "default" in w for w in detector.warnings)
    forget(author, post)


def test_apps_get_their_own_directories_and_dependencies(prefix: str, migdir: Path) -> None:
    shop = model("Shop", f"{prefix}_shops", {"name": ryx.CharField(max_length=10)}, app_label="shop")
    item = model("Item", f"{prefix}_items", {"shop": ryx.ForeignKey(shop, on_delete="CASCADE")}, app_label="stock")
    detector = Autodetector([shop, item], migdir)
    assert sorted(detector.changes()) == ["shop", "stock"]
    with pytest.raises(MigrationError, match="write_migrations"):
        detector.write_migration()
    paths = detector.write_migrations()
    assert [p.relative_to(migdir).as_posix() for p in paths] == ["shop/0001_initial.py", "stock/0001_initial.py"]
    assert "('shop', '0001_initial')" in paths[1].read_text()
    assert Autodetector([shop, item], migdir).detect() == []
    forget(shop, item)
