"""Plugins: `Command` and `Plugin` classes, their registry, and discovery (entry points `ryx_cli_plugins`, config)."""

from __future__ import annotations

import argparse
import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, ClassVar, Final

from ryx_cli.errors import UsageError

ENTRY_POINT_GROUP: Final = "ryx_cli_plugins"


class Command(ABC):
    """A command added to `ryx` by a plugin: ``ryx <name> [its arguments]``.

    Subclasses set ``name`` and ``help``, declare their arguments on an argparse parser in
    `add_arguments`, and implement ``async execute(args) -> int`` (the exit code). ``self.config`` holds the
    project's `ryx_cli.settings.Settings` and ``self.console`` the `ryx_cli.output.Console` when it runs.
    """

    name: ClassVar[str] = ""
    help: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, config: Any = None) -> None:
        """Create the command with the project's settings (None until `configure`)."""
        self.config = config
        self.console: Any = None

    def configure(self, config: Any) -> None:
        """Give the command the project's settings."""
        self.config = config

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: B027 (an optional hook)
        """Declare the command's arguments (none by default)."""

    @abstractmethod
    async def execute(self, args: argparse.Namespace) -> int:
        """Run the command; return the exit code (0 success, 1 failure, 2 usage)."""


class Plugin(ABC):
    """A bundle of commands; register an instance or the class under the entry-point group ``ryx_cli_plugins``."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0.0.0"
    description: ClassVar[str] = ""

    @abstractmethod
    def get_commands(self) -> list[type[Command]]:
        """Return the plugin's command classes."""

    def on_load(self) -> None:  # noqa: B027 (an optional hook)
        """Run when the plugin is registered."""

    def on_unload(self) -> None:  # noqa: B027 (an optional hook)
        """Run when the plugin is unregistered."""


def _check_command(command: Any, source: str) -> type[Command]:
    """Check that ``command`` is a usable Command subclass."""
    if not (isinstance(command, type) and issubclass(command, Command)):
        raise TypeError(f"{source}: {command!r} is not a ryx_cli.plugins.Command subclass")
    if not command.name or not isinstance(command.name, str):
        raise ValueError(f"{source}: the command {command.__qualname__} needs a name (class attribute `name`)")
    return command


class PluginManager:
    """The registered plugins and stand-alone commands, by name."""

    def __init__(self) -> None:
        """Start empty."""
        self._plugins: dict[str, Plugin] = {}
        self._commands: dict[str, type[Command]] = {}

    def register(self, plugin: Plugin | type[Plugin]) -> Plugin:
        """Register a plugin (an instance or a class to instantiate), run its `on_load`, and return it."""
        instance = plugin() if isinstance(plugin, type) else plugin
        if not isinstance(instance, Plugin):
            raise TypeError(f"{plugin!r} is not a ryx_cli.plugins.Plugin")
        if not instance.name or not isinstance(instance.name, str):
            raise ValueError(f"the plugin {type(instance).__qualname__} needs a name (class attribute `name`)")
        if instance.name in self._plugins:
            raise ValueError(f"a plugin named {instance.name!r} is already registered")
        for command in instance.get_commands():
            _check_command(command, f"plugin {instance.name!r}")
        instance.on_load()
        self._plugins[instance.name] = instance
        return instance

    def unregister(self, name: str) -> None:
        """Remove a plugin, running its `on_unload`."""
        plugin = self._plugins.pop(name, None)
        if plugin is not None:
            plugin.on_unload()

    def get(self, name: str) -> Plugin | None:
        """Return the plugin called ``name``, or None."""
        return self._plugins.get(name)

    def list_plugins(self) -> list[Plugin]:
        """Return the registered plugins, in registration order."""
        return list(self._plugins.values())

    def add_command(self, command: type[Command]) -> type[Command]:
        """Register a stand-alone command class."""
        _check_command(command, "register_command")
        self._commands[command.name] = command
        return command

    def get_commands(self) -> dict[str, type[Command]]:
        """Return every command by name: the stand-alone ones, then those of each plugin."""
        out = dict(self._commands)
        for plugin in self._plugins.values():
            for command in plugin.get_commands():
                out.setdefault(command.name, command)
        return out

    def clear(self) -> None:
        """Unregister every plugin and command."""
        for name in list(self._plugins):
            self.unregister(name)
        self._commands.clear()


_manager = PluginManager()


def get_plugin_manager() -> PluginManager:
    """Return the process-wide plugin manager."""
    return _manager


def register_command(command: type[Command]) -> type[Command]:
    """Class decorator: make a `Command` subclass a `ryx` command."""
    return _manager.add_command(command)


def get_commands() -> dict[str, type[Command]]:
    """Return every registered plugin command by name."""
    return _manager.get_commands()


def clear_registry() -> None:
    """Forget every plugin and registered command."""
    _manager.clear()


# ---------------------------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class LoadFailure:
    """A plugin that could not be loaded, and why."""

    source: str
    error: str


def import_object(path: str) -> Any:
    """Import ``"pkg.module:Name"`` (or ``"pkg.module.Name"``)."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise UsageError(f"plugin {path!r} must be written 'package.module:ClassName'")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _install(obj: Any, source: str, manager: PluginManager) -> None:
    """Register what an entry point or config entry names: a Plugin (class or instance) or a Command class."""
    if isinstance(obj, type) and issubclass(obj, Command):
        manager.add_command(obj)
    elif isinstance(obj, Plugin) or (isinstance(obj, type) and issubclass(obj, Plugin)):
        manager.register(obj)
    else:
        raise TypeError(f"{source} names {obj!r}, which is neither a Plugin nor a Command")


def discover(configured: Iterable[str] = (), manager: PluginManager | None = None) -> list[LoadFailure]:
    """Load the plugins of the ``ryx_cli_plugins`` entry points and of the config's ``plugins`` list.

    Returns the failures (the CLI prints them as warnings); one broken plugin does not stop the others.
    """
    manager = manager or _manager
    loaded = {type(p) for p in manager.list_plugins()}
    failures: list[LoadFailure] = []
    candidates: list[tuple[str, Any]] = [
        (f"entry point {ep.name} = {ep.value}", ep) for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
    ]
    candidates += [(f"plugin {path!r} of the config", path) for path in configured]
    for source, spec in candidates:
        try:
            obj = spec.load() if isinstance(spec, metadata.EntryPoint) else import_object(spec)
            if obj in loaded or type(obj) in loaded:
                continue
            _install(obj, source, manager)
            loaded.add(obj if isinstance(obj, type) else type(obj))
        except Exception as exc:
            failures.append(LoadFailure(source, f"{type(exc).__name__}: {exc}"))
    return failures


__all__ = [
    "ENTRY_POINT_GROUP",
    "Command",
    "LoadFailure",
    "Plugin",
    "PluginManager",
    "clear_registry",
    "discover",
    "get_commands",
    "get_plugin_manager",
    "import_object",
    "register_command",
]
