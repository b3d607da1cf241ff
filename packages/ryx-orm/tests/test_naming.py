"""Default table names (spec §3.2), column names and model labels."""

from __future__ import annotations

import pytest
from ryx import fields as f
from ryx.models import Model, default_table_name


@pytest.mark.parametrize(
    ("class_name", "table"),
    [
        ("Post", "posts"),
        ("BlogPost", "blog_posts"),
        ("Box", "boxes"),
        ("Status", "statuses"),
        ("HTTPRequest", "http_requests"),
        ("Category", "categorys"),
        ("Person", "persons"),
        ("Church", "churches"),
        ("Dish", "dishes"),
        ("Quiz", "quizes"),
        ("APIKey", "api_keys"),
        ("A", "as"),
        ("UserProfile2", "user_profile2s"),
        ("XMLHttpRequest", "xml_http_requests"),
    ],
)
def test_default_table_name(class_name: str, table: str) -> None:
    assert default_table_name(class_name) == table


def test_models_use_the_default_name_unless_meta_sets_one() -> None:
    class BlogPost(Model):
        pass

    class Category(Model):
        class Meta:
            table_name = "categories"

    assert BlogPost._meta.table_name == "blog_posts"
    assert Category._meta.table_name == "categories"
    assert BlogPost._meta.model_name == "blogpost" and BlogPost._meta.object_name == "BlogPost"


def test_column_names() -> None:
    class Author(Model):
        pass

    class Book(Model):
        title = f.CharField(db_column="book_title")
        author = f.ForeignKey(Author, on_delete="CASCADE")
        editor = f.ForeignKey(Author, on_delete="CASCADE", db_column="edited_by")

    meta = Book._meta
    assert meta.column_names == ["id", "book_title", "author_id", "edited_by"]
    assert meta.field_names == ["id", "title", "author_id", "editor_id"]
    assert meta.get_field("title").column == "book_title"


def test_labels() -> None:
    class Labelled(Model):
        class Meta:
            app_label = "shop"

    assert Labelled._meta.label == "shop.Labelled"
    assert repr(Labelled._meta) == "<Options for Labelled>"
