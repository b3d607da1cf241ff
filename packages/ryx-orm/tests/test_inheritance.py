"""Model inheritance: fresh field copies from abstract bases (defect 21), Meta inheritance, managers, exceptions."""

from __future__ import annotations

from typing import Any

import pytest
from ryx import fields as f
from ryx.exceptions import FieldError
from ryx.fields import RelatedObjectNotLoaded
from ryx.models import Manager, Model, registry
from ryx.query.queryset import QuerySet
from support import create_tables, drop_tables, unique_name


class Person(Model):
    name = f.CharField(max_length=30)

    class Meta:
        table_name = unique_name("people")


class VisibleManager(Manager[Any]):
    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().filter(hidden=False)


class Authored(Model):
    author = f.ForeignKey(Person, on_delete="CASCADE")
    title = f.CharField(max_length=30)
    hidden = f.BooleanField(default=False)
    parent = f.ForeignKey("self", null=True, on_delete="CASCADE")

    visible = VisibleManager()
    objects = Manager()

    class Meta:
        abstract = True
        ordering = ("-title",)
        table_name = "never_used"


class Story(Authored):
    words = f.IntField(default=0)

    class Meta:
        table_name = unique_name("stories")


class Poem(Authored):
    pass


class Essay(Authored):
    title = f.TextField()  # overrides the inherited field
    hidden = None  # removes it

    class Meta(Authored.Meta):
        table_name = unique_name("essays")


@pytest.fixture
async def tables(db: str) -> Any:
    await create_tables(Person, Story)
    yield db
    await drop_tables(Story, Person)


def test_inherited_foreign_key_keeps_its_names() -> None:
    for model in (Story, Poem, Essay):
        fk = model._meta.get_field("author")
        assert (fk.name, fk.attname, fk.column) == ("author", "author_id", "author_id")
        assert "author_id_id" not in model._meta.fields
    assert list(Story._meta.fields) == ["id", "author_id", "title", "hidden", "parent_id", "words"]


def test_inherited_fields_are_fresh_copies_bound_to_the_child() -> None:
    base = Authored._meta.get_field("title")
    story, poem = Story._meta.get_field("title"), Poem._meta.get_field("title")
    assert base is not story and story is not poem
    assert story.model is Story and poem.model is Poem and base.model is Authored
    assert repr(story) == "<CharField: Story.title>"


def test_self_relation_of_an_abstract_base_points_at_each_child() -> None:
    assert Story._meta.get_field("parent").remote_model is Story  # type: ignore[attr-defined]
    assert Poem._meta.get_field("parent").remote_model is Poem  # type: ignore[attr-defined]


def test_overriding_and_removing_inherited_fields() -> None:
    assert isinstance(Essay._meta.get_field("title"), f.TextField)
    with pytest.raises(FieldError):
        Essay._meta.get_field("hidden")
    assert list(Essay._meta.fields) == ["id", "author_id", "title", "parent_id"]


def test_meta_is_inherited_from_abstract_parents_only_as_django_does() -> None:
    # No Meta of its own: the abstract parent's options, except table_name and abstract.
    assert Poem._meta.ordering == ["-title"]
    assert Poem._meta.table_name == "poems" and not Poem._meta.abstract
    # A Meta of its own without subclassing the parent's: nothing inherited.
    assert Story._meta.ordering == []
    # A Meta subclassing the parent's Meta: its options, but never abstract.
    assert Essay._meta.ordering == ["-title"] and not Essay._meta.abstract

    class Concrete(Model):
        class Meta:
            ordering = ("id",)

    class Child(Concrete):
        pass

    assert Child._meta.ordering == []  # Meta is not inherited from concrete parents


def test_abstract_models_are_not_registered_and_have_no_implicit_key() -> None:
    assert Authored not in registry and Story in registry
    assert "id" not in Authored._meta.fields
    assert Authored._meta.abstract


def test_managers_are_inherited_as_bound_copies() -> None:
    assert isinstance(Story.visible, VisibleManager) and Story.visible.model is Story
    assert Poem.visible.model is Poem and Poem.visible is not Story.visible
    assert Story.objects.model is Story
    assert Story._meta.default_manager is Story.visible


def test_an_automatic_objects_is_not_inherited_next_to_declared_managers() -> None:
    class Base(Model):
        class Meta:
            abstract = True

    class WithCustom(Base):
        live = Manager()

    class WithNone(Base):
        pass

    assert not hasattr(WithCustom, "objects") and WithCustom.live.model is WithCustom
    assert WithNone.objects.model is WithNone

    class Parent(Model):
        pass

    class Kid(Parent):
        live = Manager()

    assert Parent.objects.model is Parent
    with pytest.raises(AttributeError, match="Kid has no manager 'objects'"):
        _ = Kid.objects  # never the parent's manager, which would query the parent's table


def test_exceptions_of_concrete_parents_are_subclassed() -> None:
    class Base(Model):
        pass

    class Derived(Base):
        pass

    assert issubclass(Derived.DoesNotExist, Base.DoesNotExist)
    assert not issubclass(Story.DoesNotExist, Poem.DoesNotExist)
    assert Derived._meta.table_name == "deriveds" and "id" in Derived._meta.fields


async def test_inherited_relation_round_trips(tables: str) -> None:
    ann = await Person.objects.create(name="ann")
    story = await Story.objects.create(author=ann, title="s", words=3)
    await Story.objects.create(author_id=ann.pk, title="t", hidden=True, parent=story)
    got = await Story.objects.get(pk=story.pk)
    assert got.author_id == ann.pk and got.words == 3
    with pytest.raises(RelatedObjectNotLoaded):
        _ = got.author
    assert await Story.visible.count() == 1
    assert await Story.objects.filter(author=ann).count() == 2
    assert await Story.objects.filter(parent=story).count() == 1
