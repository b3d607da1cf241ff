"""`FileField` and `ImageField`: a stored file's name in a VARCHAR column, its content in a `ryx.storage.Storage`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ryx.exceptions import FieldError, ValidationError
from ryx.fields.base import Field, FieldOptions, check_positive_int
from ryx.files import (
    EXTENSIONS,
    FieldFile,
    _Named,
    checked_name,
    clean_basename,
    image_format,
    image_size,
    join_name,
    random_name,
)
from ryx.storage import Storage, get_storage

if TYPE_CHECKING:
    from typing import Unpack

    from ryx.models.base import Model

logger = logging.getLogger("ryx.files")

UploadTo = str | Callable[[Any, str], str]


class _Required:
    """Fail when a file field that is not ``blank`` has no file."""

    message = "This field requires a file: assign bytes, a binary file object or a stored name."

    def __call__(self, value: Any) -> None:
        """Raise ValidationError for a missing file."""
        if not value:
            raise ValidationError(self.message)


class FileField(Field[FieldFile | None]):
    """A file: its name is stored in a ``VARCHAR(max_length)`` column, its content in ``storage``.

    Assign ``None``/``""`` (no file), a ``str``/``PathLike`` (a name already in the storage), or ``bytes``/a
    binary file object (new content, written when the instance is saved, under ``upload_to``). Reading gives
    a `ryx.files.FieldFile` or None. If the INSERT/UPDATE fails, the file that save wrote is removed again.
    After ``instance.delete()`` the file is removed, best-effort, once the transaction (if any) commits.
    """

    SUPPORTED_LOOKUPS = ("exact", "in", "isnull")
    #: Marks fields whose ``before_save``/``save_failed``/``after_delete`` the save and delete paths call.
    has_file_hooks: ClassVar[bool] = True

    def __init__(
        self,
        *,
        upload_to: UploadTo = "",
        storage: Storage | Callable[[], Storage] | None = None,
        max_length: int = 255,
        **kwargs: Unpack[FieldOptions],
    ) -> None:
        """Store files under ``upload_to`` (a prefix, or ``(instance, filename) -> name``) in ``storage``.

        ``storage`` is a `Storage`, a zero-argument callable returning one, or None for
        `ryx.storage.get_storage()` (looked up at each use, so `configure_storage` applies to every field).
        """
        check_positive_int("max_length", max_length)
        if not isinstance(upload_to, str) and not callable(upload_to):
            raise TypeError(
                f"upload_to must be a str prefix or a callable (instance, filename) -> str, not {upload_to!r}"
            )
        if storage is not None and not isinstance(storage, Storage) and not callable(storage):
            raise TypeError(f"storage must be a Storage, a callable returning one, or None, not {storage!r}")
        super().__init__(**kwargs)
        self.upload_to = upload_to
        self.storage = storage
        self.max_length = max_length

    # ------------------------------------------------------------------------------------------ storage

    def get_storage(self) -> Storage:
        """Return the storage files of this field go to."""
        storage = self.storage
        if storage is None:
            return get_storage()
        if isinstance(storage, Storage):
            return storage
        resolved = storage()
        if not isinstance(resolved, Storage):
            raise TypeError(f"the storage callable of {self!r} returned {resolved!r}, not a Storage")
        return resolved

    def generate_filename(self, instance: Any, filename: str) -> str:
        """Return the name to store ``filename`` under: ``upload_to`` applied, then checked."""
        if callable(self.upload_to):
            name = self.upload_to(instance, filename)
            if not isinstance(name, str | os.PathLike):
                raise ValidationError({self.attname: [f"upload_to returned {name!r}; it must return a str name"]})
            name = os.fspath(name)
        else:
            name = join_name(self.upload_to, filename)
        try:
            return checked_name(name)
        except ValidationError as exc:
            raise ValidationError({self.attname: exc.messages}) from None

    # ------------------------------------------------------------------------------------------ values

    def _empty(self) -> str | None:
        """Return what "no file" is stored as: NULL for a nullable field, ``""`` otherwise."""
        return None if self.null else ""

    def default_name(self, content: Any) -> str:
        """Return the file name for content given without one."""
        return random_name()

    def to_python(self, value: Any) -> Any:
        """Turn an assignment into a stored name (str), a staged `FieldFile`, or the empty value."""
        if value is None or value == "":
            return self._empty()
        if isinstance(value, FieldFile):
            if not value.name and value.committed:
                return self._empty()
            return value
        if isinstance(value, str | os.PathLike):
            return checked_name(os.fspath(value))
        if isinstance(value, _Named):
            name = clean_basename(value.name)
            if name is None:
                raise self.invalid(value.name, "file name (give a plain name such as 'report.pdf')")
            return self.stage(name, value.content)
        if isinstance(value, bytes | bytearray | memoryview):
            return self.stage(None, bytes(value))
        if callable(getattr(value, "read", None)):
            return self.stage(clean_basename(getattr(value, "name", None)), value)
        raise self.invalid(value, "file (give bytes, a binary file object, a stored name or None)")

    def stage(self, name: str | None, content: Any) -> FieldFile:
        """Return an unbound staged file of ``content`` (checked by `check_content` when it is bytes)."""
        if isinstance(content, bytes | bytearray | memoryview):
            content = bytes(content)
            self.check_content(content)
        elif not callable(getattr(content, "read", None)):
            raise self.invalid(content, "file content (give bytes or a binary file object)")
        return FieldFile.staged(self, name or self.default_name(content), content)

    def check_content(self, content: bytes) -> None:
        """Check staged content (ImageField: the image format). Raise ValidationError."""

    def __get__(self, instance: Any, owner: type[Any]) -> Any:
        """Return the instance's `FieldFile` (None without a file); the field itself on the class."""
        if instance is None:
            return self
        d = instance.__dict__
        try:
            value = d[self.attname]
        except KeyError:
            return super().__get__(instance, owner)  # deferred: the base field raises the helpful error
        if value is None or value == "":
            return None
        if isinstance(value, FieldFile):
            bound = value.bound(instance, self)
            if bound is not value:
                d[self.attname] = bound
            return bound
        bound = FieldFile(instance, self, str(value))
        d[self.attname] = bound
        return bound

    def __set__(self, instance: Model, value: Any) -> None:
        """Store the converted value, bound to ``instance``."""
        value = self.to_python(value)
        if isinstance(value, FieldFile):
            value = value.bound(instance, self)
        instance.__dict__[self.attname] = value

    def get_default(self) -> Any:
        """Return the default (the empty value when none is given)."""
        value = super().get_default()
        return self._empty() if value is None else value

    def to_db(self, value: Any) -> Any:
        """Return the stored name to bind (the empty value without a file)."""
        if value is None or value == "":
            return self._empty()
        if isinstance(value, FieldFile):
            if not value.committed:
                raise ValidationError(
                    {
                        self.attname or "file": [
                            "this file's content is not stored yet: save() and bulk_create()/bulk_update() write "
                            "staged content; QuerySet.update() and filters take stored names only"
                        ]
                    }
                )
            return value.name or self._empty()
        if isinstance(value, str | os.PathLike):
            return os.fspath(value)
        raise self.invalid(value, "stored file name")

    def db_type(self) -> str:
        """Return ``VARCHAR(max_length)``."""
        return f"VARCHAR({self.max_length})"

    # ------------------------------------------------------------------------------------------ validation

    def implicit_validators(self) -> list[Callable[[Any], Any]]:
        """Require a file unless ``blank``; the stored name must fit in ``max_length``."""
        from ryx import validators as v

        out: list[Callable[[Any], Any]] = []
        if not self.blank:
            out.append(_Required())
        if self.choices is not None:
            out.append(v.ChoicesValidator(self.choice_values))
        out.append(_NameLength(self.max_length))
        return out

    def deconstruct(self) -> dict[str, Any]:
        """Add ``max_length`` and ``upload_to`` (when a str) to the description."""
        out = {**super().deconstruct(), "max_length": self.max_length}
        if isinstance(self.upload_to, str):
            out["upload_to"] = self.upload_to
        return out

    # ------------------------------------------------------------------------------------------ hooks

    def dimension_fields(self) -> tuple[str, ...]:
        """Return the names of fields this field fills in when it is saved (ImageField: width and height)."""
        return ()

    async def before_save(self, instance: Any, created: bool) -> None:
        """Write staged content to the storage (called by save/bulk_create/bulk_update before the SQL)."""
        value = instance.__dict__.get(self.attname)
        if isinstance(value, FieldFile):
            value = value.bound(instance, self)
            instance.__dict__[self.attname] = value
            await self.prepare(instance, value)
            await value.commit(instance)

    async def prepare(self, instance: Any, file: FieldFile) -> None:
        """Check or read staged content before it is written (ImageField fills its dimensions here)."""

    async def save_failed(self, instance: Any) -> None:
        """Remove the file `before_save` wrote and stage its content again: the INSERT/UPDATE failed."""
        value = instance.__dict__.get(self.attname)
        if isinstance(value, FieldFile):
            try:
                await value.undo()
            except Exception:  # the save's own error matters more; the file is at worst an orphan
                logger.warning("could not remove %r after a failed save", value.name, exc_info=True)

    def after_save(self, instance: Any) -> None:
        """Keep what `before_save` wrote: the INSERT/UPDATE succeeded."""
        value = instance.__dict__.get(self.attname)
        if isinstance(value, FieldFile):
            value.forget_write()

    async def after_delete(self, instance: Any, alias: str | None = None) -> None:
        """Remove the instance's file once the deletion is committed (best-effort: errors are logged)."""
        value = instance.__dict__.get(self.attname)
        name = value.name if isinstance(value, FieldFile) and value.committed else value
        if isinstance(name, str) and name:
            await self.remove_after_commit(name, instance, alias)

    async def remove_after_commit(self, name: str, instance: Any, alias: str | None = None) -> None:
        """Delete ``name`` from the storage now, or after the open transaction on the alias commits."""
        from ryx.transaction import current_tx, on_commit

        storage = self.get_storage()
        if alias is None:
            alias = getattr(getattr(instance, "_state", None), "db", None)

        async def remove() -> None:
            try:
                await storage.delete(name)
            except Exception:  # best-effort: the row is gone either way
                logger.warning("could not remove the file %r of a deleted row", name, exc_info=True)

        if current_tx(alias) is None:
            await remove()
        else:
            on_commit(remove, alias)  # a rollback drops it: the row, and so the file, stays

    async def save_instance_file(self, instance: Any) -> None:
        """Save ``instance`` after `FieldFile.save` (an UPDATE of this field when the row exists)."""
        if instance._state.adding or instance.pk is None:
            await instance.save()
        else:
            await instance.save(update_fields=[self.name, *self.dimension_fields()])


class _NameLength:
    """Fail when a stored name is longer than the column."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    def __call__(self, value: Any) -> None:
        """Raise ValidationError for a committed name that does not fit."""
        if isinstance(value, FieldFile) and value.committed and value.name and len(value.name) > self.max_length:
            raise ValidationError(
                f"Ensure this file name has at most {self.max_length} characters (it has {len(value.name)})."
            )


class ImageField(FileField):
    """A `FileField` that accepts PNG, JPEG, GIF and WEBP content only (checked by magic number).

    ``width_field``/``height_field`` name integer fields of the model that receive the image size when new
    content is saved (read with Pillow when it is installed, else from the file header).
    """

    def __init__(
        self,
        *,
        width_field: str | None = None,
        height_field: str | None = None,
        upload_to: UploadTo = "",
        storage: Storage | Callable[[], Storage] | None = None,
        max_length: int = 255,
        **kwargs: Unpack[FieldOptions],
    ) -> None:
        """Store images; fill ``width_field``/``height_field`` (field names) with their size."""
        for option, value in (("width_field", width_field), ("height_field", height_field)):
            if value is not None and (not isinstance(value, str) or not value):
                raise TypeError(f"{option} must be a field name (a non-empty str) or None, not {value!r}")
        super().__init__(upload_to=upload_to, storage=storage, max_length=max_length, **kwargs)
        self.width_field = width_field
        self.height_field = height_field

    def dimension_fields(self) -> tuple[str, ...]:
        """Return the width and height field names that are set."""
        return tuple(n for n in (self.width_field, self.height_field) if n)

    def default_name(self, content: Any) -> str:
        """Return ``file_<7 hex>`` with the extension of the image format."""
        kind = image_format(bytes(content[:16])) if isinstance(content, bytes) else None
        return random_name(EXTENSIONS.get(kind or "", ""))

    def check_content(self, content: bytes) -> None:
        """Refuse content that is not a PNG, JPEG, GIF or WEBP image."""
        if image_format(content) is None:
            where = f"{self.model.__name__}.{self.name}" if self.model is not None else "ImageField"
            raise ValidationError(
                {
                    self.attname or "image": [
                        f"the content given to {where} is not a PNG, JPEG, GIF or WEBP image "
                        f"(starts with {bytes(content[:8])!r}); upload one of those formats"
                    ]
                }
            )

    async def prepare(self, instance: Any, file: FieldFile) -> None:
        """Check the staged image and fill the dimension fields."""
        data = await file.read()  # reads a file object once, in a worker thread, and keeps the bytes
        self.check_content(data)
        if not self.dimension_fields():
            return
        size = image_size(data)
        if size is None:
            raise ValidationError(
                {self.attname: ["the image header is truncated or corrupt, so its size cannot be read"]}
            )
        width, height = size
        self._check_dimension_fields()
        if self.width_field:
            setattr(instance, self.width_field, width)
        if self.height_field:
            setattr(instance, self.height_field, height)

    def _check_dimension_fields(self) -> None:
        """Raise FieldError unless ``width_field``/``height_field`` name fields of the model."""
        if self.model is None:
            return
        fields = self.model._meta.fields
        for option, name in (("width_field", self.width_field), ("height_field", self.height_field)):
            if name and name not in fields:
                raise FieldError(
                    f"{self.model.__name__}.{self.name}: {option}={name!r} is not a field of the model; "
                    f"add an IntField named {name!r} or fix the name (fields: {', '.join(fields)})"
                )

    async def before_save(self, instance: Any, created: bool) -> None:
        """Write staged content; clear nullable dimension fields when the image was removed."""
        value = instance.__dict__.get(self.attname)
        if not value and not isinstance(value, FieldFile) and self.model is not None:
            fields = self.model._meta.fields
            for name in self.dimension_fields():
                dim = fields.get(name)
                if dim is not None and dim.null:
                    setattr(instance, name, None)
        await super().before_save(instance, created)


def file_fields(fields: Iterable[Any]) -> list[Any]:
    """Return the fields among ``fields`` that have file hooks."""
    return [f for f in fields if getattr(f, "has_file_hooks", False)]


class saving_files:  # lower case: used like a function, `async with saving_files(objs, fields):`
    """Write the staged files of ``instances`` for ``fields`` around the INSERT/UPDATE run in the block.

    If the block (or writing a later file) fails, every file written here is removed and staged again, so
    a failed save leaves no orphan in the storage and can be retried. Costs nothing without file fields.
    """

    __slots__ = ("hooked", "instances")

    def __init__(self, instances: Sequence[Any], fields: Iterable[Any]) -> None:
        self.instances = instances
        self.hooked = [f for f in fields if getattr(f, "has_file_hooks", False)]

    async def __aenter__(self) -> None:
        if not self.hooked:
            return
        try:
            for obj in self.instances:
                for field in self.hooked:
                    await field.before_save(obj, obj._state.adding)
        except BaseException:
            await self._undo()
            raise

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if not self.hooked:
            return
        if exc is not None:
            await self._undo()
            return
        for obj in self.instances:
            for field in self.hooked:
                field.after_save(obj)

    async def _undo(self) -> None:
        for obj in self.instances:
            for field in self.hooked:
                await field.save_failed(obj)


async def delete_files(instance: Any, alias: str | None = None) -> None:
    """Remove the files of a deleted instance (after the commit of the open transaction, if any)."""
    for field in file_fields(instance._meta.concrete_fields):
        await field.after_delete(instance, alias)


__all__ = ["FileField", "ImageField", "delete_files", "file_fields", "saving_files"]
