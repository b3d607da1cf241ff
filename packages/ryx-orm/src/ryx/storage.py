"""File storage for `FileField`: the `Storage` interface, a local-disk and an in-memory backend, and the default one."""

from __future__ import annotations

import abc
import asyncio
import os
import posixpath
import secrets
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Literal, Protocol, runtime_checkable
from urllib.parse import quote

from ryx.exceptions import ConfigurationError, RyxError


class SuspiciousFileOperation(RyxError, ValueError):
    """A file name that could reach outside the storage: absolute, with ``..``, or through a symbolic link."""


@runtime_checkable
class Readable(Protocol):
    """A file-like object: anything with a blocking ``read()`` returning bytes."""

    def read(self, size: int = -1, /) -> bytes:
        """Return up to ``size`` bytes (everything when negative)."""
        ...


#: What `Storage.save` accepts: the bytes themselves or a binary file-like object.
Content = bytes | bytearray | memoryview | Readable | IO[bytes]

_SUFFIX_HEX = 7  # `_<7 hex>`: 2**28 names per stem, so a retry after a collision practically never repeats


def validate_name(name: Any) -> str:
    """Return ``name`` as a clean relative POSIX path, or raise.

    TypeError for a non-str; `SuspiciousFileOperation` for an empty name, an absolute path, a drive letter,
    a backslash, a NUL byte, or any ``.``/``..`` part (never resolved: refused), so no name can leave the
    storage root.
    """
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if not isinstance(name, str):
        raise TypeError(f"a stored file name must be a str, not {name!r}")
    if not name or name.strip() != name:
        raise SuspiciousFileOperation(f"the file name {name!r} is empty or has surrounding spaces; give a plain name")
    if "\x00" in name or "\\" in name:
        raise SuspiciousFileOperation(f"the file name {name!r} contains a NUL byte or a backslash; use '/' only")
    if name.startswith("/") or (name[0].isalpha() and name[1:2] == ":" and name[2:3] in ("", "/")):
        raise SuspiciousFileOperation(
            f"the file name {name!r} is absolute; give a name relative to the storage root, such as 'docs/a.pdf'"
        )
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise SuspiciousFileOperation(
            f"the file name {name!r} has an empty, '.' or '..' part; names stay inside the storage root"
        )
    return name


def suffixed_name(name: str, max_length: int | None = None) -> str:
    """Return ``name`` with ``_<7 hex>`` before its extension, the stem cut so the result fits ``max_length``."""
    directory, base = posixpath.split(name)
    stem, ext = posixpath.splitext(base)
    suffix = "_" + secrets.token_hex(4)[:_SUFFIX_HEX]
    candidate = posixpath.join(directory, f"{stem}{suffix}{ext}")
    if max_length is not None and len(candidate) > max_length:
        cut = len(candidate) - max_length
        if cut >= len(stem):
            raise SuspiciousFileOperation(
                f"no free name derived from {name!r} fits in {max_length} characters; "
                f"use a shorter upload_to or a larger max_length"
            )
        candidate = posixpath.join(directory, f"{stem[:-cut]}{suffix}{ext}")
    return candidate


def _as_bytes(content: Any) -> bytes:
    """Read ``content`` (bytes or a blocking file-like object) into bytes; TypeError for anything else."""
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    read = getattr(content, "read", None)
    if not callable(read):
        raise TypeError(f"file content must be bytes or a binary file-like object, not {type(content).__name__}")
    data = read()
    if isinstance(data, str):
        raise TypeError("file content must be binary: open the file in 'rb' mode or encode the text")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"read() of the file content returned {type(data).__name__}, not bytes")
    return bytes(data)


class Storage(abc.ABC):
    """Where `FileField` content lives. Every I/O method is async; none blocks the event loop.

    Subclasses implement `_save` (write under a name that is free), `open`, `delete`, `exists`, `size`
    and `url`; `save` never overwrites an existing file.
    """

    async def save(self, name: str, content: Content, *, max_length: int | None = None) -> str:
        """Store ``content`` under ``name``, or under a free variant of it; return the name actually used."""
        name = validate_name(name)
        if max_length is not None and len(name) > max_length:
            raise SuspiciousFileOperation(
                f"the file name {name!r} is longer than {max_length} characters; shorten it or raise max_length"
            )
        return await self._save(await self.get_available_name(name, max_length=max_length), content, max_length)

    @abc.abstractmethod
    async def _save(self, name: str, content: Content, max_length: int | None) -> str:
        """Write ``content`` under ``name`` (free when checked; pick another if it was taken since)."""

    @abc.abstractmethod
    async def open(self, name: str) -> bytes:
        """Return the content of ``name`` (FileNotFoundError when there is none)."""

    @abc.abstractmethod
    async def delete(self, name: str) -> None:
        """Delete ``name``; deleting a missing file does nothing."""

    @abc.abstractmethod
    async def exists(self, name: str) -> bool:
        """Return whether ``name`` is stored."""

    @abc.abstractmethod
    async def size(self, name: str) -> int:
        """Return the size of ``name`` in bytes (FileNotFoundError when there is none)."""

    @abc.abstractmethod
    def url(self, name: str) -> str:
        """Return the URL the file is served at."""

    def path(self, name: str) -> str:
        """Return the local filesystem path of ``name``; storages without one raise NotImplementedError."""
        raise NotImplementedError(f"{type(self).__name__} keeps no files on the local filesystem")

    async def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """Return ``name`` if it is free, else ``name`` with ``_<7 hex>`` before the extension."""
        name = validate_name(name)
        candidate = name
        while await self.exists(candidate):
            candidate = suffixed_name(name, max_length)
        return candidate

    async def listdir(self, path: str = "") -> list[tuple[str, Literal["file", "dir"]]]:
        """Return ``(name, "file" | "dir")`` for each entry directly under ``path``, sorted by name."""
        raise NotImplementedError(f"{type(self).__name__} cannot list its files")


class FileSystemStorage(Storage):
    """Files under a directory on the local disk, served from ``base_url``.

    Names are relative paths; absolute paths, ``..`` and symbolic links leading out of ``root`` are refused
    with `SuspiciousFileOperation`. Disk I/O runs in a worker thread (`asyncio.to_thread`). A file is created
    with ``O_EXCL``, so two writers can never overwrite each other: the second gets a suffixed name.
    """

    def __init__(
        self, root: str | os.PathLike[str] = "media", base_url: str = "/media/", file_permissions: int | None = None
    ) -> None:
        """Store files under ``root`` (created on the first write); ``file_permissions`` is applied with chmod."""
        if file_permissions is not None and (
            not isinstance(file_permissions, int) or isinstance(file_permissions, bool)
        ):
            raise TypeError(f"file_permissions must be an int such as 0o644, not {file_permissions!r}")
        if not isinstance(base_url, str):
            raise TypeError(f"base_url must be a str, not {base_url!r}")
        self.root = Path(root).absolute()
        self.base_url = base_url if base_url.endswith("/") or not base_url else base_url + "/"
        self.file_permissions = file_permissions

    def __repr__(self) -> str:
        """Return ``FileSystemStorage(root=..., base_url=...)``."""
        return f"FileSystemStorage(root={str(self.root)!r}, base_url={self.base_url!r})"

    def path(self, name: str) -> str:
        """Return the absolute path of ``name``; refuse names whose real location is outside ``root``."""
        return str(self._resolve(name))

    def _resolve(self, name: str) -> Path:
        """Return the path of ``name`` after checking that symbolic links do not lead out of ``root``."""
        target = self.root.joinpath(*validate_name(name).split("/"))
        root = self.root.resolve()
        # resolve() follows every link that exists, so a link planted inside root pointing elsewhere is caught
        real = target.resolve()
        if real != root and root not in real.parents:
            raise SuspiciousFileOperation(
                f"the file name {name!r} leads outside the storage root {str(root)!r} (through a symbolic link)"
            )
        return target

    async def _save(self, name: str, content: Content, max_length: int | None) -> str:
        return await asyncio.to_thread(self._save_blocking, name, content, max_length)

    def _save_blocking(self, name: str, content: Content, max_length: int | None) -> str:
        """Create the file exclusively (another name if it appeared meanwhile) and copy the content into it."""
        original = name
        for _ in range(100):
            path = self._resolve(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._resolve(name)  # a directory created above could be a link target swapped in meanwhile
            try:
                handle = open(path, "xb")  # noqa: SIM115 - closed below; O_EXCL is the point
            except FileExistsError:
                name = suffixed_name(original, max_length)
                continue
            try:
                with handle:
                    if isinstance(content, bytes | bytearray | memoryview):
                        handle.write(content)
                    else:
                        _copy(content, handle)
                if self.file_permissions is not None:
                    path.chmod(self.file_permissions)
            except BaseException:
                path.unlink(missing_ok=True)  # never leave a partial file behind
                raise
            return name
        raise FileExistsError(f"could not find a free name for {original!r} after 100 attempts")

    async def open(self, name: str) -> bytes:
        """Return the content of ``name``."""
        path = self._resolve(name)
        return await asyncio.to_thread(path.read_bytes)

    async def delete(self, name: str) -> None:
        """Delete ``name`` (nothing happens when it is missing)."""
        path = self._resolve(name)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def exists(self, name: str) -> bool:
        """Return whether ``name`` is stored."""
        path = self._resolve(name)
        return await asyncio.to_thread(path.exists)

    async def size(self, name: str) -> int:
        """Return the size of ``name`` in bytes."""
        path = self._resolve(name)
        result = await asyncio.to_thread(path.stat)
        if not stat.S_ISREG(result.st_mode):
            raise FileNotFoundError(f"{name!r} is not a file")
        return result.st_size

    def url(self, name: str) -> str:
        """Return ``base_url`` followed by the URL-quoted name."""
        return self.base_url + quote(validate_name(name))

    async def listdir(self, path: str = "") -> list[tuple[str, Literal["file", "dir"]]]:
        """Return the entries directly under ``path`` ("" is the root); [] when the directory does not exist."""
        directory = self.root.resolve() if path in ("", "/") else self._resolve(path.rstrip("/"))

        def scan() -> list[tuple[str, Literal["file", "dir"]]]:
            if not directory.is_dir():
                return []
            out: list[tuple[str, Literal["file", "dir"]]] = []
            for entry in directory.iterdir():
                out.append((entry.name, "dir" if entry.is_dir() else "file"))
            return sorted(out)

        return await asyncio.to_thread(scan)


def _copy(content: Any, handle: IO[bytes]) -> None:
    """Copy a blocking file-like object into ``handle`` in chunks (no whole-file copy in memory)."""
    read = getattr(content, "read", None)
    if not callable(read):
        raise TypeError(f"file content must be bytes or a binary file-like object, not {type(content).__name__}")
    first = read(64 * 1024)
    if isinstance(first, str):
        raise TypeError("file content must be binary: open the file in 'rb' mode or encode the text")
    handle.write(first)
    if first:
        shutil.copyfileobj(content, handle, 1024 * 1024)


class InMemoryStorage(Storage):
    """Files in a dict, gone with the process: for tests."""

    def __init__(self, base_url: str = "/media/") -> None:
        """Start empty."""
        if not isinstance(base_url, str):
            raise TypeError(f"base_url must be a str, not {base_url!r}")
        self.base_url = base_url if base_url.endswith("/") or not base_url else base_url + "/"
        self.files: dict[str, bytes] = {}

    def __repr__(self) -> str:
        """Return ``InMemoryStorage(<n> files)``."""
        return f"InMemoryStorage({len(self.files)} files)"

    async def _save(self, name: str, content: Content, max_length: int | None) -> str:
        if isinstance(content, bytes | bytearray | memoryview):
            data = bytes(content)
        else:
            data = await asyncio.to_thread(_as_bytes, content)  # a file-like object may block on read()
        while name in self.files:  # taken while reading: the check and the store below are atomic
            name = suffixed_name(name, max_length)
        self.files[name] = data
        return name

    async def open(self, name: str) -> bytes:
        """Return the content of ``name``."""
        try:
            return self.files[validate_name(name)]
        except KeyError:
            raise FileNotFoundError(f"no file named {name!r} in this InMemoryStorage") from None

    async def delete(self, name: str) -> None:
        """Delete ``name`` (nothing happens when it is missing)."""
        self.files.pop(validate_name(name), None)

    async def exists(self, name: str) -> bool:
        """Return whether ``name`` is stored."""
        return validate_name(name) in self.files

    async def size(self, name: str) -> int:
        """Return the size of ``name`` in bytes."""
        return len(await self.open(name))

    def url(self, name: str) -> str:
        """Return ``base_url`` followed by the URL-quoted name."""
        return self.base_url + quote(validate_name(name))

    async def listdir(self, path: str = "") -> list[tuple[str, Literal["file", "dir"]]]:
        """Return the entries directly under ``path`` ("" is the root)."""
        prefix = "" if path in ("", "/") else validate_name(path.rstrip("/")) + "/"
        entries: dict[str, Literal["file", "dir"]] = {}
        for name in self.files:
            if name.startswith(prefix):
                head, sep, _ = name[len(prefix) :].partition("/")
                entries[head] = "dir" if sep else "file"
        return sorted(entries.items())


# ------------------------------------------------------------------------------------------------ default


_default: Storage | None = None

_BACKENDS: Mapping[str, str] = {"local": "local", "filesystem": "local", "memory": "memory",
                                "inmemory": "memory", "in_memory": "memory"}  # fmt: skip


def storage_from_config(config: Mapping[str, Any]) -> Storage:
    """Build a storage from a ``[storage]`` config table: ``backend`` (``local`` or ``memory``), ``root``, ``base_url``.

    Raise `ryx.exceptions.ConfigurationError` naming the valid keys and backends for anything else.
    """
    if not isinstance(config, Mapping):
        raise ConfigurationError(f"the [storage] configuration must be a table (a mapping), not {config!r}")
    unknown = set(config) - {"backend", "root", "base_url", "file_permissions"}
    if unknown:
        raise ConfigurationError(
            f"unknown [storage] keys {sorted(unknown)}; the keys are backend, root, base_url and file_permissions"
        )
    backend = str(config.get("backend", "local")).lower()
    kind = _BACKENDS.get(backend)
    if kind is None:
        raise ConfigurationError(
            f"unknown storage backend {config.get('backend')!r}; use 'local' or 'memory' (also 'inmemory', 'in_memory')"
        )
    base_url = config.get("base_url", "/media/")
    if not isinstance(base_url, str):
        raise ConfigurationError(f"[storage] base_url must be a string, not {base_url!r}")
    if kind == "memory":
        return InMemoryStorage(base_url=base_url)
    root = config.get("root", "media")
    if not isinstance(root, str | os.PathLike):
        raise ConfigurationError(f"[storage] root must be a path string, not {root!r}")
    permissions = config.get("file_permissions")
    if isinstance(permissions, str):
        try:
            permissions = int(permissions, 8)
        except ValueError:
            raise ConfigurationError(
                f"[storage] file_permissions must be octal such as '644', not {permissions!r}"
            ) from None
    try:
        return FileSystemStorage(root, base_url, permissions)
    except TypeError as exc:
        raise ConfigurationError(f"[storage] {exc}") from None


def configure_storage(storage: Storage | Mapping[str, Any] | None) -> Storage | None:
    """Set the default storage (a `Storage`, a ``[storage]`` config mapping, or None to reset); return it."""
    global _default
    if storage is None:
        _default = None
        return None
    if isinstance(storage, Mapping):
        storage = storage_from_config(storage)
    if not isinstance(storage, Storage):
        raise TypeError(f"configure_storage() takes a Storage, a [storage] mapping or None, not {storage!r}")
    _default = storage
    return storage


def get_storage() -> Storage:
    """Return the default storage; the first call creates a `FileSystemStorage`.

    Its root is ``$RYX_STORAGE_ROOT`` (default ``media``) and its URL prefix ``$RYX_STORAGE_BASE_URL``
    (default ``/media/``).
    """
    global _default
    if _default is None:
        _default = FileSystemStorage(
            os.environ.get("RYX_STORAGE_ROOT") or "media", os.environ.get("RYX_STORAGE_BASE_URL") or "/media/"
        )
    return _default


def default_storage() -> Storage:
    """Return the default storage (an alias of `get_storage`)."""
    return get_storage()


def clear_storage() -> None:
    """Forget the default storage (the next `get_storage` creates it again from the environment)."""
    global _default
    _default = None


__all__ = [
    "Content",
    "FileSystemStorage",
    "InMemoryStorage",
    "Readable",
    "Storage",
    "SuspiciousFileOperation",
    "clear_storage",
    "configure_storage",
    "default_storage",
    "get_storage",
    "storage_from_config",
    "suffixed_name",
    "validate_name",
]
