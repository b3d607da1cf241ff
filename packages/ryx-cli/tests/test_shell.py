"""`ryx shell`: top-level await, Ryx set up, the models in the namespace; `-c` runs code and prints the result."""

from __future__ import annotations

from support import Project


def test_shell_command_runs_code_with_models_and_database(project: Project) -> None:
    project.create_library()
    result = project.invoke("shell", "-c", "a = await Author.objects.create(name='Ada')\nawait Author.objects.count()")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1"
    result = project.invoke("shell", "-c", "(await Author.objects.get(name='Ada')).name")
    assert result.output.strip() == "'Ada'"
    # the query helpers are there too
    result = project.invoke("shell", "-c", "await Author.objects.filter(Q(name='Ada') | Q(name='x')).count()")
    assert result.output.strip() == "1"


def test_shell_command_error_exits_1_with_the_error(project: Project) -> None:
    project.create_library()
    result = project.invoke("shell", "-c", "await Author.objects.get(name='nobody')")
    assert result.exit_code == 1
    assert "DoesNotExist" in result.output
    result = project.invoke("shell", "-c", "1 +")
    assert result.exit_code == 1
    assert "SyntaxError" in result.output


def test_interactive_shell_reads_stdin_with_top_level_await(project: Project) -> None:
    project.create_library()
    script = (
        "author = await Author.objects.create(name=NAME)\n"
        "await Book.objects.create(title='COBOL', pages=10, author=author)\n"
        "await Author.objects.get(name='missing')\n"
        "print('still here', await Book.objects.filter(author=author).count())\n"
    )
    for script_mode in (False, True):
        name = f"Grace {script_mode}"
        proc = project.run("shell", input=f"NAME = {name!r}\n" + script, script=script_mode)
        assert proc.returncode == 0, proc.stderr
        assert "Models: Author, Book" in proc.stderr  # the banner
        assert "DoesNotExist" in proc.stderr  # a failing statement shows its traceback and the shell goes on
        assert "still here 1" in proc.stdout
    assert project.count("{p}_books") == 2


def test_interactive_shell_in_process(project: Project) -> None:
    project.create_library()
    result = project.invoke(
        "shell", input="await Author.objects.create(name='Linus')\nprint(await Author.objects.count())\n"
    )
    assert result.exit_code == 0, result.output
    assert "1" in result.output.splitlines()[-1] or "1\n" in result.output


def test_shell_without_database_warns(offline_project: Project) -> None:
    offline_project.write_config().write_text(f'models = ["{offline_project.package}.models"]\n')
    proc = offline_project.run("shell", input="print(Author.__name__)\n")
    assert proc.returncode == 0, proc.stderr
    assert "no database is configured" in proc.stderr
    assert "Author" in proc.stdout


def test_ipython_missing_is_a_clear_error(offline_project: Project) -> None:
    import importlib.util

    if importlib.util.find_spec("IPython") is not None:
        return  # covered by the IPython-specific behaviour instead
    result = offline_project.invoke("shell", "--ipython")
    assert result.exit_code == 1
    assert "pip install ipython" in result.output
