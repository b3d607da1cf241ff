"""`ryx flush`: asks (or --yes), empties the tables in foreign-key order, in one transaction."""

from __future__ import annotations

import pytest
from support import LIBRARY, Project

# Authors and books, plus categories that refer to themselves and notes that refer to both (RESTRICT):
# emptying authors before notes, or categories row by row, would break a key.
TREE = (
    LIBRARY
    + """

class Category(ryx.Model):
    name = ryx.CharField(max_length=50)
    parent = ryx.ForeignKey("self", null=True, on_delete="RESTRICT")

    class Meta:
        table_name = "{p}_categories"


class Note(ryx.Model):
    text = ryx.CharField(max_length=50)
    author = ryx.ForeignKey(Author, on_delete="RESTRICT")
    category = ryx.ForeignKey(Category, on_delete="RESTRICT")

    class Meta:
        table_name = "{p}_notes"
"""
)


def _fill(project: Project) -> None:
    project.create_library()
    project.create_table(
        "{p}_categories",
        [{"name": "name", "type": "VARCHAR(50)", "null": False}, {"name": "parent_id", "type": "BIGINT"}],
        [{"columns": ["parent_id"], "ref_table": "{p}_categories", "ref_columns": ["id"], "on_delete": "RESTRICT"}],
    )
    project.create_table(
        "{p}_notes",
        [
            {"name": "text", "type": "VARCHAR(50)", "null": False},
            {"name": "author_id", "type": "BIGINT", "null": False},
            {"name": "category_id", "type": "BIGINT", "null": False},
        ],
        [
            {"columns": ["author_id"], "ref_table": "{p}_authors", "ref_columns": ["id"], "on_delete": "RESTRICT"},
            {"columns": ["category_id"], "ref_table": "{p}_categories", "ref_columns": ["id"], "on_delete": "RESTRICT"},
        ],
    )
    p = project.prefix
    project.execute(f"INSERT INTO {project.quote(p + '_authors')} (id, name) VALUES (1, 'Ada'), (2, 'Linus')")
    project.execute(
        f"INSERT INTO {project.quote(p + '_books')} (title, pages, author_id) VALUES ('a', 1, 1), ('b', 2, 2)"
    )
    cats = project.quote(p + "_categories")
    project.execute(f"INSERT INTO {cats} (id, name, parent_id) VALUES (1, 'root', NULL)")
    project.execute(f"INSERT INTO {cats} (id, name, parent_id) VALUES (2, 'child', 1)")
    project.execute(f"INSERT INTO {cats} (id, name, parent_id) VALUES (3, 'grandchild', 2)")
    project.execute(f"INSERT INTO {project.quote(p + '_notes')} (text, author_id, category_id) VALUES ('n', 1, 3)")


TABLES = ("{p}_authors", "{p}_books", "{p}_categories", "{p}_notes")


def _counts(project: Project) -> list[int]:
    return [project.count(t) for t in TABLES]


def test_flush_yes_empties_every_table_in_key_order(project: Project) -> None:
    project.write_models(TREE)
    _fill(project)
    assert _counts(project) == [2, 2, 3, 1]
    result = project.invoke("flush", "--yes")
    assert result.exit_code == 0, result.output
    assert "flushed 4 table(s) on 'default': 8 row(s) deleted" in result.output
    assert _counts(project) == [0, 0, 0, 0]
    assert len(project.tables()) == 4  # the tables stay


def test_flush_as_a_subprocess_with_the_answer_on_stdin(project: Project) -> None:
    project.write_models(TREE)
    _fill(project)
    proc = project.run("flush", input="no\n", script=True)
    assert proc.returncode == 1
    assert "flush cancelled; nothing was deleted" in proc.stderr
    assert _counts(project) == [2, 2, 3, 1]
    proc = project.run("flush", input="yes\n")
    assert proc.returncode == 0, proc.stderr
    assert "Type 'yes' to continue" in proc.stdout
    assert _counts(project) == [0, 0, 0, 0]


@pytest.mark.parametrize(("answer", "message"), [("no\n", "flush cancelled"), ("", "no answer to confirm with")])
def test_flush_without_yes_deletes_nothing(project: Project, answer: str, message: str) -> None:
    project.write_models(TREE)
    _fill(project)
    result = project.invoke("flush", input=answer)
    assert result.exit_code == 1
    assert message in result.output
    assert _counts(project) == [2, 2, 3, 1]


def test_flush_no_input_refuses_without_yes(project: Project) -> None:
    project.write_models(TREE)
    _fill(project)
    result = project.invoke("flush", "--no-input", input="yes\n")
    assert result.exit_code == 1
    assert _counts(project) == [2, 2, 3, 1]


def test_flush_is_one_transaction(project: Project) -> None:
    """A table outside the project still refers to authors: the flush fails and leaves every row in place."""
    project.write_models(TREE)
    _fill(project)
    outside = project.create_table(
        "{p}_outside",
        [{"name": "author_id", "type": "BIGINT", "null": False}],
        [{"columns": ["author_id"], "ref_table": "{p}_authors", "ref_columns": ["id"], "on_delete": "RESTRICT"}],
    )
    project.execute(f"INSERT INTO {project.quote(outside)} (author_id) VALUES (2)")
    result = project.invoke("flush", "--yes")
    assert result.exit_code == 1
    assert "ForeignKeyViolation" in result.output
    assert _counts(project) == [2, 2, 3, 1]


def test_flush_of_an_alias_without_models(project: Project) -> None:
    result = project.invoke("flush", "--yes", "--database", "other", "--urls", f"other={project.url}")
    assert result.exit_code == 0
    assert "no models of the project live on the alias 'other'" in result.output


def test_flush_of_an_unknown_alias_is_a_usage_error(project: Project) -> None:
    project.create_library()
    result = project.invoke("flush", "--yes", "--database", "nowhere")
    assert result.exit_code == 2
    assert "no database URL for the alias 'nowhere'" in result.output
    assert "RYX_DB_NOWHERE_URL" in result.output
