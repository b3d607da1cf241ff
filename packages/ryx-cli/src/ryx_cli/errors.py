"""The CLI's errors and its exit codes: 0 success, 1 failure or pending changes, 2 usage or configuration."""

from __future__ import annotations

from typing import Final

from ryx.exceptions import ConfigurationError, RyxError

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2


class CommandError(RyxError):
    """A command failed; ``exit_code`` is what the process returns (1 unless said otherwise)."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        """Fail with ``message``, which should say what to do about it."""
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(CommandError, ConfigurationError):
    """The command line or the project's configuration is wrong (exit code 2)."""

    exit_code = EXIT_USAGE


__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "CommandError", "UsageError"]
