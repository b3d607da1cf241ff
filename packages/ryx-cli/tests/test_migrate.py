"""`ryx migrate`, `showmigrations`, `sqlmigrate`, `squashmigrations`, `check` and `inspectdb` on a real database."""

from __future__ import annotations

import re

from support import LIBRARY, Project

PAGES = "    pages = ryx.IntField(default=0)\n"
WITH_ISBN = LIBRARY.replace(PAGES, PAGES + "    isbn = ryx.CharField(max_length=13, null=True)\n")


def _columns(project: Project, table: str) -> list[str]:
    name = table.replace("{p}", project.prefix)
    if project.backend == "sqlite":
        return [str(r[1]) for r in project.query(f"PRAGMA table_info({project.quote(name)})")]
    where = "table_schema = current_schema()" if project.backend == "postgres" else "table_schema = DATABASE()"
    placeholder = "$1" if project.backend == "postgres" else "?"
    rows = project.query(
        f"SELECT column_name FROM information_schema.columns WHERE {where} AND table_name = {placeholder}", [name]
    )
    return sorted(str(r[0]) for r in rows)


def test_makemigrations_then_migrate_then_change(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    result = project.invoke("migrate")
    assert result.exit_code == 0, result.output
    assert "[1/1] Applying 0001_initial… OK" in result.output
    assert f"{project.prefix}_authors" in project.tables() and f"{project.prefix}_books" in project.tables()
    result = project.invoke("migrate")
    assert result.exit_code == 0
    assert "No migrations to apply" in result.output

    project.write_models(WITH_ISBN)
    assert project.invoke("makemigrations", "--name", "isbn").exit_code == 0
    result = project.invoke("showmigrations")
    assert result.exit_code == 0
    assert re.search(r"\[X\] 0001_initial", result.output)
    assert "[ ] 0002_isbn" in result.output
    assert project.invoke("showmigrations", "--unapplied").output.count("0001_initial") == 0

    proc = project.run("migrate")  # a real process: python -m ryx
    assert proc.returncode == 0, proc.stderr
    assert "Applying 0002_isbn" in proc.stdout
    assert "isbn" in _columns(project, "{p}_books")
    result = project.invoke("shell", "-c", "a = await Author.objects.create(name='A')\n"
                            "(await Book.objects.create(title='t', author=a, isbn='978')).isbn")  # fmt: skip
    assert result.output.strip() == "'978'"


def test_migrate_to_a_target_and_to_zero(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    project.write_models(WITH_ISBN)
    assert project.invoke("makemigrations", "--name", "isbn").exit_code == 0
    assert project.invoke("migrate").exit_code == 0
    result = project.invoke("migrate", "0001")
    assert result.exit_code == 0, result.output
    assert "Unapplying 0002_isbn" in result.output
    assert "isbn" not in _columns(project, "{p}_books")
    proc = project.run("migrate", "zero", script=True)
    assert proc.returncode == 0, proc.stderr
    assert "Unapplying 0001_initial" in proc.stdout
    assert project.tables() == [f"{project.prefix}_history"]
    assert "[ ] 0001_initial" in project.invoke("showmigrations").output


def test_plan_changes_nothing(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    result = project.invoke("migrate", "--plan")
    assert result.exit_code == 0
    assert "Apply 0001_initial on default" in result.output
    assert "CREATE TABLE" in result.output
    assert f"{project.prefix}_authors" not in project.tables()


def test_fake_records_without_running(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    result = project.invoke("migrate", "--fake")
    assert result.exit_code == 0, result.output
    assert "fake" in result.output
    assert project.tables() == [f"{project.prefix}_history"]
    assert "[X] 0001_initial" in project.invoke("showmigrations").output
    assert project.invoke("migrate", "zero", "--fake").exit_code == 0
    assert "[ ] 0001_initial" in project.invoke("showmigrations").output


def test_a_failing_migration_exits_1_and_keeps_what_was_applied(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    assert project.invoke("makemigrations", "--empty", "--name", "broken").exit_code == 0
    path = project.migrations / "0002_broken.py"
    path.write_text(path.read_text().replace("operations = []", "operations = [ops.RunSQL('THIS IS NOT SQL')]"))
    result = project.invoke("migrate")
    assert result.exit_code == 1
    assert "error" in result.output
    assert "Applying 0002_broken… FAILED" in result.output
    statuses = project.invoke("showmigrations").output
    assert "[X] 0001_initial" in statuses and "[ ] 0002_broken" in statuses


def test_unknown_target_fails(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    result = project.invoke("migrate", "0042")
    assert result.exit_code == 1
    assert "0042" in result.output
    assert f"{project.prefix}_authors" not in project.tables()


def test_sqlmigrate_uses_the_dialect_of_the_url(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    result = project.invoke("sqlmigrate", "0001_initial")
    assert result.exit_code == 0, result.output
    quote = "`" if project.backend == "mysql" else '"'
    assert f"CREATE TABLE {quote}{project.prefix}_authors{quote}" in result.output
    assert project.tables() == []  # no connection, nothing created
    result = project.invoke("sqlmigrate", "0001", "--dialect", "all", "--backwards")
    for dialect in ("postgres", "mysql", "mariadb", "sqlite"):
        assert f"-- {dialect}" in result.output
    assert "DROP TABLE" in result.output
    assert project.invoke("sqlmigrate", "0001", "--dialect", "oracle").exit_code == 2
    proc = project.run("sqlmigrate", "0001", "--dialect", "postgres", script=True)
    assert proc.returncode == 0 and f'CREATE TABLE "{project.prefix}_books"' in proc.stdout


def test_squashmigrations(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    project.write_models(WITH_ISBN)
    assert project.invoke("makemigrations", "--name", "isbn").exit_code == 0
    result = project.invoke("squashmigrations", "0001", "0002", "--name", "squashed")
    assert result.exit_code == 0, result.output
    squashed = [n for n in project.migration_files() if "squashed" in n]
    assert squashed, project.migration_files()
    assert "replaces" in (project.migrations / f"{squashed[0]}.py").read_text()
    assert project.invoke("makemigrations", "--check").exit_code == 0
    result = project.invoke("migrate")
    assert result.exit_code == 0, result.output
    assert "isbn" in _columns(project, "{p}_books")


def test_check(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    result = project.invoke("check")
    assert result.exit_code == 1
    assert "0001_initial is not applied (run `ryx migrate`)" in result.output
    assert project.invoke("check", "--skip-database").exit_code == 0
    assert project.invoke("migrate").exit_code == 0
    result = project.invoke("check")
    assert result.exit_code == 0, result.output
    assert "✓ database 'default': matches the migrations" in result.output
    project.write_models(WITH_ISBN)
    result = project.invoke("check")
    assert result.exit_code == 1
    assert "Add field isbn to Book" in result.output
    project.write_models(LIBRARY)
    project.execute(f"ALTER TABLE {project.quote(project.prefix + '_books')} ADD COLUMN extra INTEGER")
    proc = project.run("check")
    assert proc.returncode == 1
    assert "extra is not in the migrations" in proc.stdout


def test_inspectdb_output_imports_and_runs(project: Project) -> None:
    assert project.invoke("makemigrations").exit_code == 0
    assert project.invoke("migrate").exit_code == 0
    target = project.root / project.package / "inspected.py"
    result = project.invoke("inspectdb", "--output", str(target))
    assert result.exit_code == 0, result.output
    source = target.read_text()
    assert "managed = False" in source and "ryx.ForeignKey(" in source
    assert f"{project.prefix}_history" not in source
    compile(source, str(target), "exec")
    # the generated models work against the same tables
    code = (
        "import ryx\n"
        "models = {m._meta.table_name: m for m in ryx.models.base.registry if m.__module__.endswith('inspected')}\n"
        f"A = models['{project.prefix}_authors']\n"
        "a = await A.objects.create(name='from inspectdb')\n"
        "await A.objects.filter(name='from inspectdb').count()"
    )
    result = project.invoke("shell", "--models", f"{project.package}.inspected", "-c", code)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1"
    printed = project.invoke("inspectdb", "--table", f"{project.prefix}_books")
    assert printed.exit_code == 0
    assert "class " in printed.output and f"{project.prefix}_authors" not in printed.output.split("ForeignKey")[0]
    missing = project.invoke("inspectdb", "--table", "no_such_table")
    assert missing.exit_code == 2
    assert "no table 'no_such_table'" in missing.output
