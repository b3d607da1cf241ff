"""Model classes: the metaclass, Options, construction, identity, rows, relations as columns, and the registry."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
import ryx
from ryx import fields as f
from ryx.exceptions import DoesNotExist, FieldError, MultipleObjectsReturned
from ryx.fields import RelatedObjectNotLoaded
from ryx.models import Constraint, Index, Manager, Model, ModelState, Options, registry
from support import create_tables, drop_tables, unique_name


class Writer(Model):
    name = f.CharField(max_length=50)

    class Meta:
        table_name = unique_name("writers")
        app_label = "blog"


class Note(Model):
    title = f.CharField(max_length=50)
    views = f.IntField(default=0)
    writer = f.ForeignKey(Writer, null=True, on_delete="SET_NULL")
    reviewer = f.ForeignKey("Writer", null=True, on_delete="SET_NULL", db_column="rev", related_name="reviews")
    parent = f.ForeignKey("self", null=True, on_delete="CASCADE")

    class Meta:
        table_name = unique_name("notes")
        ordering = ("-views",)
        unique_together = ("title", "writer")
        indexes = (Index(fields=["views"], name="notes_views_idx"),)
        constraints = (Constraint(check="views >= 0", name="notes_views_positive"),)


class Tagged(Model):
    code = f.UUIDField(primary_key=True, auto_create=True)
    label = f.CharField(max_length=10)

    class Meta:
        table_name = unique_name("tagged")


class TagUse(Model):
    tag = f.ForeignKey(Tagged, on_delete="CASCADE")

    class Meta:
        table_name = unique_name("taguse")


@pytest.fixture
async def tables(db: str) -> Any:
    models = (Writer, Note, Tagged, TagUse)
    await create_tables(*models)
    yield db
    await drop_tables(*reversed(models))


# ------------------------------------------------------------------------------------------------ metaclass / _meta


def test_implicit_id_comes_first_and_pk_fields_lead() -> None:
    assert list(Note._meta.fields) == ["id", "title", "views", "writer_id", "reviewer_id", "parent_id"]
    assert Note._meta.pk_field is Note._meta.fields["id"]
    assert isinstance(Note._meta.pk_field, f.AutoField) and not Note._meta.pk_field.editable

    class LatePk(Model):
        a = f.IntField()
        key = f.CharField(primary_key=True, max_length=10)

    assert list(LatePk._meta.fields) == ["key", "a"]
    assert "id" not in LatePk._meta.fields
    assert LatePk._meta.concrete_fields[0].primary_key


def test_meta_options_are_read() -> None:
    meta = Note._meta
    assert isinstance(meta, Options)
    assert meta.ordering == ["-views"]
    assert meta.unique_together == [("title", "writer")]
    assert meta.indexes == [Index(fields=["views"], name="notes_views_idx")]
    assert meta.constraints[0].check == "views >= 0"
    assert meta.database is None and meta.schema == "" and meta.managed and not meta.abstract
    assert Writer._meta.app_label == "blog" and Writer._meta.label == "blog.Writer"
    assert Note._meta.label == "Note"
    assert meta.field_names == ["id", "title", "views", "writer_id", "reviewer_id", "parent_id"]
    assert meta.column_names == ["id", "title", "views", "writer_id", "rev", "parent_id"]
    assert meta.concrete_attnames == tuple(meta.field_names)
    assert meta.decode_hints == ("int", "str", "int", "int", "int", "int")


def test_get_field_accepts_names_attnames_and_pk() -> None:
    meta = Note._meta
    assert meta.get_field("writer") is meta.get_field("writer_id")
    assert meta.get_field("pk") is meta.get_field("id")
    with pytest.raises(FieldError) as info:
        meta.get_field("auther")
    assert "auther" in str(info.value) and "writer_id" in str(info.value) and "pk" in str(info.value)


def test_per_model_exceptions() -> None:
    assert issubclass(Note.DoesNotExist, DoesNotExist)
    assert issubclass(Note.MultipleObjectsReturned, MultipleObjectsReturned)
    assert Note.DoesNotExist is not Writer.DoesNotExist
    assert Note.DoesNotExist.__qualname__ == "Note.DoesNotExist"
    assert issubclass(Note.DoesNotExist, ryx.RyxError)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"save": f.IntField()}, FieldError),
        ({"pk": f.IntField()}, FieldError),
        ({"a__b": f.IntField()}, FieldError),
        ({"refresh_from_db": Manager()}, FieldError),
        ({"id": f.IntField()}, FieldError),
        ({"a": f.IntField(primary_key=True), "b": f.IntField(primary_key=True)}, FieldError),
        ({"w": f.ForeignKey(Writer, on_delete="CASCADE"), "w_id": f.IntField()}, FieldError),
        ({"a": f.IntField(db_column="x"), "b": f.IntField(db_column="x")}, FieldError),
        ({"objects": f.IntField()}, FieldError),
        ({"Meta": type("Meta", (), {"db_tabel": "x"})}, TypeError),
        ({"Meta": type("Meta", (), {"ordering": "views"})}, TypeError),
        ({"Meta": type("Meta", (), {"indexes": ["views"]})}, TypeError),
        ({"Meta": type("Meta", (), {"unique_together": [("a", 1)]})}, TypeError),
        ({"Meta": type("Meta", (), {"database": 3})}, TypeError),
        ({"a": f.IntField(), "Meta": type("Meta", (), {"unique_together": [("a", "nope")]})}, FieldError),
        ({"a": f.IntField(), "Meta": type("Meta", (), {"indexes": [Index(fields=["b"], name="i")]})}, FieldError),
    ],
)
def test_bad_model_definitions_raise_typed_errors(body: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        type("Broken", (Model,), {"__module__": __name__, **body})


def test_index_and_constraint_validate_their_arguments() -> None:
    with pytest.raises(TypeError):
        Index(fields="views", name="x")
    with pytest.raises(TypeError):
        Index(fields=[], name="x")
    with pytest.raises(TypeError):
        Index(fields=["a"], name="")
    with pytest.raises(TypeError):
        Constraint(check="", name="x")
    assert Index(fields=["a"], name="i", unique=True) == Index(fields=["a"], name="i", unique=True)
    assert "unique=True" in repr(Index(fields=["a"], name="i", unique=True))


def test_db_table_is_accepted_as_table_name() -> None:
    class Legacy(Model):
        class Meta:
            db_table = "legacy_things"

    assert Legacy._meta.table_name == "legacy_things"


# ------------------------------------------------------------------------------------------------ construction


def test_constructor_defaults_kwargs_and_pk_alias() -> None:
    note = Note(title="t")
    assert note.views == 0 and note.writer_id is None and note.pk is None
    assert note._state.adding and note._state.db is None
    assert Note(pk=7, title="t").id == 7
    assert Note(id="8", title="t").pk == 8
    note.pk = 9
    assert note.id == 9


def test_constructor_rejects_unknown_and_duplicate_keywords() -> None:
    with pytest.raises(TypeError, match=r"Note\(\) got unexpected keyword argument 'titel'"):
        Note(titel="x")
    with pytest.raises(TypeError, match="both pk and id"):
        Note(pk=1, id=1)
    with pytest.raises(TypeError, match="both writer and writer_id"):
        Note(writer=None, writer_id=1)


def test_constructor_accepts_settable_properties() -> None:
    class WithProperty(Model):
        first = f.CharField(max_length=10, blank=True)

        @property
        def shout(self) -> str:
            return self.first.upper()

        @shout.setter
        def shout(self, value: str) -> None:
            self.first = value.lower()

    assert WithProperty(shout="HEY").first == "hey"
    with pytest.raises(TypeError):
        WithProperty(save=1)


def test_abstract_models_cannot_be_instantiated() -> None:
    class Base(Model):
        name = f.CharField()

        class Meta:
            abstract = True

    with pytest.raises(TypeError, match="abstract"):
        Base()
    assert Base not in registry
    assert "id" not in Base._meta.fields


# ------------------------------------------------------------------------------------------------ identity


def test_equality_and_hash() -> None:
    a, b = Note(title="a"), Note(title="a")
    assert a == a and a != b  # unsaved: equal only to itself
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)
    a.pk, b.pk = 1, 1
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    w = Writer(name="w")
    w.pk = 1
    assert a != w
    assert a != 1
    assert repr(a) == "<Note: pk=1>" and str(a) == "<Note: pk=1>"


def test_copies_get_their_own_state() -> None:
    note = Note._from_db((1, "t", 0, None, None, None), "default")
    for clone in (copy.copy(note), copy.deepcopy(note)):
        assert clone == note and clone is not note
        clone._state.adding = True
        assert not note._state.adding and clone._state.db == "default"


# ------------------------------------------------------------------------------------------------ rows


def test_from_db_builds_without_init_and_marks_the_state() -> None:
    row = (3, "t", 5, None, 2, None)
    note = Note._from_db(row, "replica")
    assert (note.id, note.title, note.views, note.writer_id, note.reviewer_id) == (3, "t", 5, None, 2)
    assert isinstance(note._state, ModelState)
    assert note._state.adding is False and note._state.db == "replica"
    assert "_state_db" not in note.__dict__
    note._state.adding = True
    assert note._state.adding  # the state is the instance's own
    assert Note._from_db(row)._state.db is None
    batch = Note._from_db_rows([row, row], "default")
    assert [n.id for n in batch] == [3, 3] and batch[0] is not batch[1]
    assert not batch[1]._state.adding
    with pytest.raises(ValueError):
        Note._from_db(row[:2])


def test_from_db_fields_leaves_other_fields_unloaded() -> None:
    note = Note._from_db_fields(("id", "title"), (1, "x"), "default")
    assert note.title == "x"
    with pytest.raises(AttributeError, match="refresh_from_db"):
        _ = note.views


def test_from_row_is_kept_for_compatibility() -> None:
    note = Note._from_row({"id": "4", "title": "t", "rev": 2, "annotation": 1})
    assert note.id == 4 and note.views == 0 and note.reviewer_id == 2
    assert not note._state.adding
    assert not hasattr(note, "annotation")


# ------------------------------------------------------------------------------------------------ relations as columns


def test_foreign_key_columns_and_metadata() -> None:
    fk = Note._meta.get_field("writer")
    assert isinstance(fk, f.ForeignKey)
    assert (fk.name, fk.attname, fk.column) == ("writer", "writer_id", "writer_id")
    rev = Note._meta.get_field("reviewer")
    assert (rev.name, rev.attname, rev.column) == ("reviewer", "reviewer_id", "rev")
    assert rev.remote_model is Writer and rev.related_name == "reviews" and rev.on_delete == "SET_NULL"
    assert Note._meta.get_field("parent").remote_model is Note  # type: ignore[attr-defined]
    assert fk.db_type() == "INTEGER" and fk.decode_hint == "int" and not fk.auto_increment
    use = TagUse._meta.get_field("tag")
    assert use.db_type() == "UUID" and use.decode_hint == "uuid"
    spec = use.deconstruct()
    assert spec["to_table"] == Tagged._meta.table_name and spec["to_column"] == "code"
    assert spec["on_delete"] == "CASCADE"
    assert repr(fk) == "<ForeignKey: Note.writer_id>"


def test_assigning_a_relation() -> None:
    writer = Writer(name="w")
    writer.pk = 5
    note = Note(title="t", writer=writer)
    assert note.writer_id == 5 and note.writer is writer
    note.writer = 6
    assert note.writer_id == 6
    with pytest.raises(RelatedObjectNotLoaded):
        _ = note.writer
    note.writer = "5"
    assert note.writer_id == 5
    note.writer = None
    assert note.writer_id is None and note.writer is None
    note.writer = writer
    del note.writer
    assert note.writer_id is None and note.writer is None
    with pytest.raises(TypeError, match="must be a Writer instance"):
        note.writer = Note(title="x")
    with pytest.raises(ryx.ValidationError):
        note.writer = "five"
    tag = Tagged(label="x")
    use = TagUse(tag=tag)
    assert use.tag_id == tag.code and isinstance(use.tag_id, uuid.UUID)
    assert TagUse(tag_id=str(tag.code)).tag_id == tag.code


def test_an_unloaded_relation_raises_instead_of_returning_a_hollow_object() -> None:
    note = Note._from_db((1, "t", 0, 9, None, None), "default")
    with pytest.raises(RelatedObjectNotLoaded) as info:
        _ = note.writer
    message = str(info.value)
    assert "writer_id" in message and "select_related('writer')" in message and "fetch_related('writer')" in message
    assert note.reviewer is None
    assert isinstance(info.value, ryx.RyxError)


def test_a_related_object_saved_after_assignment_is_returned() -> None:
    writer = Writer(name="w")
    note = Note(title="t", writer=writer)
    assert note.writer is writer and note.writer_id is None
    writer.pk = 3
    assert note.writer is writer


def test_registry_resolves_names() -> None:
    assert registry.resolve("Writer") is Writer
    assert registry.resolve("blog.Writer") is Writer
    assert registry.resolve(f"{__name__}.Note") is Note
    assert registry.get("NoSuchModel") is None
    assert Writer in registry and len(registry) >= 4
    with pytest.raises(FieldError, match="no model named"):
        registry.resolve("NoSuchModel")


def test_unresolvable_foreign_key_target_is_a_clear_error() -> None:
    class Orphan(Model):
        ghost = f.ForeignKey("Ghost", on_delete="CASCADE")

    with pytest.raises(FieldError, match="no model named 'Ghost'"):
        Orphan._meta.get_field("ghost").db_type()


def test_ambiguous_names_must_be_qualified() -> None:
    first = type("Twin", (Model,), {"__module__": "mod_a"})
    second = type("Twin", (Model,), {"__module__": "mod_b"})
    try:
        with pytest.raises(FieldError, match="several models"):
            registry.resolve("Twin")
        assert registry.resolve("mod_a.Twin") is first
        assert registry.resolve("Twin", relative_to=second) is second
    finally:
        registry.unregister(first)
        registry.unregister(second)


# ------------------------------------------------------------------------------------------------ with a database


async def test_relations_round_trip(tables: str) -> None:
    writer = await Writer.objects.create(name="w")
    tag = await Tagged.objects.create(label="x")
    note = await Note.objects.create(title="t", writer=writer, reviewer=writer.pk)
    child = await Note.objects.create(title="c", parent=note)
    use = await TagUse.objects.create(tag=tag)
    got = await Note.objects.get(pk=child.pk)
    assert got.parent_id == note.pk
    got_note = await Note.objects.get(pk=note.pk)
    assert (got_note.writer_id, got_note.reviewer_id) == (writer.pk, writer.pk)
    with pytest.raises(RelatedObjectNotLoaded):
        _ = got_note.writer
    assert (await TagUse.objects.get(pk=use.pk)).tag_id == tag.code
    assert await Note.objects.filter(writer=writer).count() == 1
    assert await Note.objects.filter(writer_id=writer.pk).count() == 1
