"""`FieldFile`, the value of a `FileField` on an instance, and image sniffing (format by magic number, dimensions)."""

from __future__ import annotations

import asyncio
import io
import os
import posixpath
import secrets
import struct
from typing import TYPE_CHECKING, Any

from ryx.exceptions import ValidationError
from ryx.storage import Content, Storage, validate_name

if TYPE_CHECKING:
    from ryx.fields.files import FileField


class FieldFile:
    """A stored (or staged) file of one `FileField` on one instance: ``doc.name``, ``doc.url``, ``await doc.read()``.

    Assigning bytes or a file object to the field *stages* the content: nothing touches the storage until
    the instance is saved. ``committed`` tells whether ``name`` is already in the storage.
    """

    __slots__ = ("_content", "_rewind", "_written", "committed", "field", "instance", "name")

    def __init__(self, instance: Any, field: FileField, name: str | None = None) -> None:
        """Bind the file ``name`` (None: no file) to ``instance``'s ``field``."""
        self.instance = instance
        self.field = field
        self.name: str | None = name or None
        self.committed = True
        self._content: Any = None
        self._rewind: int | None = None
        # (name written by the current save, staged name before it): what a failed save undoes
        self._written: tuple[str, str | None] | None = None

    # ------------------------------------------------------------------------------------------ state

    @classmethod
    def staged(cls, field: FileField, name: str, content: Any) -> FieldFile:
        """Return an unbound file holding ``content`` to be written under ``name`` when the instance is saved."""
        ff = cls(None, field, name)
        ff.committed = False
        ff._content = content
        return ff

    def bound(self, instance: Any, field: FileField) -> FieldFile:
        """Return this file bound to ``instance``/``field`` (itself when it already is)."""
        if self.instance is instance and self.field is field:
            return self
        ff = FieldFile(instance, field, self.name)
        ff.committed = self.committed
        ff._content = self._content
        return ff

    @property
    def storage(self) -> Storage:
        """Return the storage of the field (the default storage when the field names none)."""
        return self.field.get_storage()

    # ------------------------------------------------------------------------------------------ properties

    @property
    def url(self) -> str:
        """Return the URL the file is served at (``""`` without a name)."""
        if not self.name:
            return ""
        self._require_committed("url")
        return self.storage.url(self.name)

    @property
    def path(self) -> str:
        """Return the local filesystem path (ValueError without a name; NotImplementedError off the disk)."""
        if not self.name:
            raise ValueError(f"{self._where()} has no file, so it has no path")
        self._require_committed("path")
        return self.storage.path(self.name)

    def _where(self) -> str:
        """Return ``Model.field`` for messages."""
        model = self.field.model
        return f"{model.__name__}.{self.field.name}" if model is not None else type(self.field).__name__

    def _require_committed(self, what: str) -> None:
        """Refuse to answer from the storage for content not written yet."""
        if not self.committed:
            raise ValueError(
                f"{self._where()} holds content not saved yet; its {what} exists once the instance is saved"
            )

    # ------------------------------------------------------------------------------------------ I/O

    async def read(self) -> bytes:
        """Return the content: the staged bytes before the save, else the stored file's."""
        if not self.committed:
            return await self._staged_bytes()
        if not self.name:
            raise ValueError(f"{self._where()} has no file to read")
        return await self.storage.open(self.name)

    async def open(self) -> bytes:
        """Return the content (as `read`)."""
        return await self.read()

    async def exists(self) -> bool:
        """Return whether the named file is in the storage (False before the save of staged content)."""
        if not self.name or not self.committed:
            return False
        return await self.storage.exists(self.name)

    async def size(self) -> int:
        """Return the size in bytes (of the staged content before the save)."""
        if not self.committed:
            return len(await self._staged_bytes())
        if not self.name:
            raise ValueError(f"{self._where()} has no file, so it has no size")
        return await self.storage.size(self.name)

    async def _staged_bytes(self) -> bytes:
        """Return the staged content as bytes (a file object is read once, in a worker thread)."""
        content = self._content
        if not isinstance(content, bytes | bytearray | memoryview):
            content = await asyncio.to_thread(_read_all, content)
            self._content = content
            self._rewind = None
        return bytes(content)

    async def save(self, name: str, content: Content, save: bool = True) -> None:
        """Store ``content`` as this field's file under ``name`` (the field's ``upload_to`` applies).

        With ``save`` (default) the instance is saved too, and the file is written inside that save: if the
        save fails, nothing is left in the storage. With ``save=False`` the content is staged on the
        instance and written by its next save.
        """
        if self.instance is None:
            raise ValueError("this FieldFile belongs to no instance; assign content to the model field instead")
        field = self.field
        staged = field.to_python(_Named(content, name))
        setattr(self.instance, field.attname, staged)
        if save:
            await field.save_instance_file(self.instance)

    async def delete(self, save: bool = True) -> None:
        """Clear the field and remove the stored file.

        With ``save`` and a saved instance, the row is updated first and the file is removed after that
        (after the transaction commits when one is open), so a failed update leaves the file in place.
        """
        if self.instance is None:
            raise ValueError("this FieldFile belongs to no instance")
        field, instance = self.field, self.instance
        name, committed = self.name, self.committed
        setattr(instance, field.attname, None)
        if save and instance.pk is not None and not instance._state.adding:
            try:
                await instance.save(update_fields=[field.name, *field.dimension_fields()])
            except BaseException:
                instance.__dict__[field.attname] = self  # the row still names the file: keep it
                raise
        if name and committed:
            await field.remove_after_commit(name, instance)
        self.name = None
        self.committed = True
        self._content = None

    # ------------------------------------------------------------------------------------------ saving

    async def commit(self, instance: Any) -> None:
        """Write staged content to the storage under the field's upload name; remember it for `undo`."""
        self._written = None
        if self.committed:
            return
        field = self.field
        original = self.name
        target = field.generate_filename(instance, original or "file")
        content = self._content
        if self._rewind is None and not isinstance(content, bytes | bytearray | memoryview):
            tell = getattr(content, "tell", None)
            if callable(tell):
                try:
                    self._rewind = int(tell())
                except (OSError, ValueError):
                    self._rewind = None
        stored = await self.storage.save(target, content, max_length=field.max_length)
        self.name = stored
        self.committed = True
        self._written = (stored, original)

    async def undo(self) -> None:
        """Remove the file the current save wrote and stage the content again (the save failed)."""
        written, self._written = self._written, None
        if written is None:
            return
        stored, original = written
        self.name = original
        self.committed = False
        content = self._content
        if self._rewind is not None and not isinstance(content, bytes | bytearray | memoryview):
            seek = getattr(content, "seek", None)
            if callable(seek):
                seek(self._rewind)
        await self.storage.delete(stored)

    def forget_write(self) -> None:
        """Keep the file the current save wrote (the save succeeded); drop the staged content."""
        if self._written is not None:
            self._written = None
            self._content = None
            self._rewind = None

    # ------------------------------------------------------------------------------------------ dunder

    def __bool__(self) -> bool:
        """Return whether a file is named."""
        return bool(self.name)

    def __eq__(self, other: object) -> bool:
        """Compare by name with another FieldFile or a str."""
        if isinstance(other, FieldFile):
            return self.name == other.name
        if isinstance(other, str):
            return self.name == other
        return NotImplemented

    def __hash__(self) -> int:
        """Hash the name."""
        return hash(self.name)

    def __str__(self) -> str:
        """Return the name (``""`` without one)."""
        return self.name or ""

    def __fspath__(self) -> str:
        """Return the local path (so ``open(obj.doc)`` works on a `FileSystemStorage`)."""
        return self.path

    def __repr__(self) -> str:
        """Return ``<FieldFile: name>`` (``(staged)`` before the save)."""
        return f"<FieldFile: {self.name or 'None'}{'' if self.committed else ' (staged)'}>"


class _Named:
    """Content given with an explicit name (`FieldFile.save`)."""

    __slots__ = ("content", "name")

    def __init__(self, content: Any, name: str) -> None:
        self.content = content
        self.name = name


def _read_all(content: Any) -> bytes:
    """Read a blocking file-like object to the end."""
    read = getattr(content, "read", None)
    if not callable(read):
        raise TypeError(f"file content must be bytes or a binary file-like object, not {type(content).__name__}")
    data = read()
    if isinstance(data, str):
        raise TypeError("file content must be binary: open the file in 'rb' mode or encode the text")
    return bytes(data)


def clean_basename(name: Any) -> str | None:
    """Return the last part of a user-given file name, or None when nothing usable is left."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    if not isinstance(name, str):
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    if base in ("", ".", ".."):
        return None
    return base


def random_name(extension: str = "") -> str:
    """Return ``file_<7 hex>`` plus ``extension``."""
    return f"file_{secrets.token_hex(4)[:7]}{extension}"


def checked_name(name: str) -> str:
    """Return a stored name after `ryx.storage.validate_name`, as a ValidationError on failure."""
    try:
        return validate_name(name)
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc)) from None


def join_name(prefix: str, basename: str) -> str:
    """Return ``prefix/basename`` (no prefix: the basename)."""
    prefix = prefix.strip("/")
    return posixpath.join(prefix, basename) if prefix else basename


# ------------------------------------------------------------------------------------------------ images

#: Magic numbers of the accepted image formats.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")


def image_format(data: bytes) -> str | None:
    """Return ``PNG``, ``JPEG``, ``GIF`` or ``WEBP`` from the magic number of ``data``, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return ``(width, height)`` of an image: with Pillow when it is installed, else from the header.

    None when the header cannot be read (truncated or corrupt data).
    """
    try:
        from PIL import Image  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return header_size(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception:  # Pillow raises many types for bad data; all mean "cannot read it"
        return None
    return int(width), int(height)


def header_size(data: bytes) -> tuple[int, int] | None:
    """Return ``(width, height)`` read from a PNG, GIF, JPEG or WEBP header (no decoding), or None."""
    kind = image_format(data)
    try:
        if kind == "PNG":
            if data[12:16] != b"IHDR":
                return None
            width, height = struct.unpack(">II", data[16:24])
            return (width, height) if width and height else None
        if kind == "GIF":
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if kind == "JPEG":
            return _jpeg_size(data)
        if kind == "WEBP":
            return _webp_size(data)
    except struct.error:
        return None
    return None


# SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG segments to the first start-of-frame."""
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return (width, height) if width and height else None
        if marker == 0xDA:  # start of scan before any frame header
            return None
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """Read the canvas size of a lossy (VP8), lossless (VP8L) or extended (VP8X) WEBP."""
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        if data[20:21] != b"\x2f":
            return None
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return (width, height) if len(data) >= 30 else None
    return None


__all__ = [
    "EXTENSIONS",
    "IMAGE_FORMATS",
    "FieldFile",
    "checked_name",
    "clean_basename",
    "header_size",
    "image_format",
    "image_size",
    "join_name",
    "random_name",
]
