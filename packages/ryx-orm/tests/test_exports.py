"""The package surface: spec section 1 names, star import, submodules, exceptions, lookups; no import side effects."""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

import pytest
import ryx
import ryx_core
from support import subprocess_env

SPEC_NAMES = [
    "setup",
    "is_connected",
    "pool_stats",
    "list_aliases",
    "register_lookup",
    "lookup",
    "available_lookups",
    "list_lookups",
    "available_transforms",
    "__version__",
    "Model",
    "Index",
    "Constraint",
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntField",
    "SmallIntField",
    "BigIntField",
    "PositiveIntField",
    "FloatField",
    "DecimalField",
    "BooleanField",
    "NullBooleanField",
    "CharField",
    "SlugField",
    "EmailField",
    "URLField",
    "IPAddressField",
    "TextField",
    "BinaryField",
    "DateField",
    "DateTimeField",
    "TimeField",
    "DurationField",
    "UUIDField",
    "JSONField",
    "ArrayField",
    "ForeignKey",
    "OneToOneField",
    "QuerySet",
    "Q",
    "Count",
    "Sum",
    "Avg",
    "Min",
    "Max",
    "RawAgg",
    "sync_to_async",
    "async_to_sync",
    "run_sync",
    "run_async",
    "Validator",
    "FunctionValidator",
    "NotNullValidator",
    "NotBlankValidator",
    "MaxLengthValidator",
    "MinLengthValidator",
    "MinValueValidator",
    "MaxValueValidator",
    "RangeValidator",
    "RegexValidator",
    "EmailValidator",
    "URLValidator",
    "ChoicesValidator",
    "ValidationError",
    "Signal",
    "receiver",
    "pre_save",
    "post_save",
    "pre_delete",
    "post_delete",
    "pre_update",
    "post_update",
    "pre_bulk_delete",
    "post_bulk_delete",
    "transaction",
    "get_active_transaction",
    "AbstractCache",
    "MemoryCache",
    "configure_cache",
    "invalidate",
    "invalidate_model",
    "invalidate_all",
    "get_cache",
    "cache_module",
    "RyxError",
    "DatabaseError",
    "DoesNotExist",
    "MultipleObjectsReturned",
    "PoolNotInitialized",
    "ryx_core",
    "close",
    "close_sync",
    "setup_sync",
    "transaction_sync",
    "raw_fetch",
    "raw_execute",
    "F",
    "Manager",
    "bulk_create",
    "bulk_update",
    "bulk_delete",
    "stream",
]

CORE_EXCEPTIONS = [
    "RyxError",
    "ConfigurationError",
    "PoolNotInitialized",
    "PoolTimeout",
    "FieldError",
    "QueryError",
    "UnsupportedTypeError",
    "NotSupportedError",
    "TransactionError",
    "DoesNotExist",
    "MultipleObjectsReturned",
    "DatabaseError",
    "OperationalError",
    "ProgrammingError",
    "DataError",
    "IntegrityError",
    "UniqueViolation",
    "ForeignKeyViolation",
    "NotNullViolation",
    "CheckViolation",
]


def test_spec_names_are_exported() -> None:
    missing = [name for name in SPEC_NAMES if not hasattr(ryx, name)]
    assert missing == []
    assert set(SPEC_NAMES) - {"__version__"} <= set(ryx.__all__)


def test_star_import_works() -> None:
    """Defect 15: every name of __all__ exists."""
    namespace: dict[str, Any] = {}
    exec("from ryx import *", namespace)
    assert {name for name in ryx.__all__} <= set(namespace)
    assert len(ryx.__all__) == len(set(ryx.__all__))


def test_versions_and_core_module() -> None:
    assert ryx.__version__ == ryx_core.__version__ == "0.2.0"
    assert ryx.ryx_core is ryx_core
    assert ryx.cache_module is importlib.import_module("ryx.cache")


def test_exceptions_are_the_engines_classes() -> None:
    exceptions = importlib.import_module("ryx.exceptions")
    for name in CORE_EXCEPTIONS:
        assert getattr(exceptions, name) is getattr(ryx_core, name), name
    assert issubclass(exceptions.ValidationError, ryx_core.RyxError)
    assert issubclass(ryx_core.UniqueViolation, ryx.DatabaseError)
    assert ryx.ValidationError is exceptions.ValidationError


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("ryx.router", ["BaseRouter", "set_router", "get_router", "read_alias", "write_alias", "allow_migrate"]),
        ("ryx.transaction", ["transaction", "get_active_transaction", "current_tx", "transaction_sync", "on_commit"]),
        ("ryx.signals", ["Signal", "receiver", "pre_save", "post_bulk_delete", "pre_bulk_create", "post_bulk_create"]),
        ("ryx.validators", ["UniqueValueValidator", "run_full_validation", "ValidationError", "Validator"]),
        ("ryx.cache", ["make_cache_key", "CachedQueryMixin", "MemoryCache", "configure_cache", "fetch_cached"]),
        ("ryx.executor_helpers", ["raw_fetch", "raw_execute", "raw_fetch_sync", "raw_execute_sync"]),
        ("ryx.pool_ext", ["execute_with_params", "fetch_with_params"]),
        ("ryx.connections", ["setup", "setup_sync", "close", "close_sync", "is_connected", "pool_stats"]),
        ("ryx.sync", ["run_sync", "async_to_sync", "sync_to_async", "run_async"]),
        ("ryx.lookups", ["register_lookup", "lookup", "available_lookups", "list_lookups", "available_transforms"]),
        ("ryx.exceptions", ["FieldError", "ValidationError", "IntegrityError"]),
    ],
)
def test_submodules(module: str, names: list[str]) -> None:
    mod = importlib.import_module(module)
    assert [n for n in names if not hasattr(mod, n)] == []
    assert [n for n in getattr(mod, "__all__", ()) if not hasattr(mod, n)] == []


def test_import_configures_no_logging_and_prints_nothing() -> None:
    code = "import logging, ryx; print(logging.getLogger('ryx').handlers, logging.getLogger().handlers)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=subprocess_env())
    assert out.stdout == "[] []\n" and out.stderr == ""


# ------------------------------------------------------------------------------------------------ lookups


def test_lookup_registry() -> None:
    assert {"exact", "icontains", "in", "isnull"} <= set(ryx.available_lookups())
    assert ryx.available_lookups() == sorted(ryx.available_lookups())
    assert "exact" in ryx.list_lookups()
    assert {"year", "month", "day"} <= set(ryx.available_transforms())
    ryx.register_lookup("test_ne", "{col} <> ?")
    assert "test_ne" in ryx.available_lookups()


def test_lookup_decorator_on_strings_and_functions() -> None:
    template = ryx.lookup("test_short")("LENGTH({col}) < ?")
    assert template == "LENGTH({col}) < ?"

    @ryx.lookup("test_doc")
    def test_doc() -> None:
        """{col} > ?"""

    @ryx.lookup("test_nodoc")
    def nodoc() -> None:
        pass

    assert test_doc.__name__ == "test_doc"
    names = ryx.available_lookups()
    assert "test_short" in names and "test_doc" in names and "test_nodoc" not in names
    assert ryx.lookup("test_two", "{col} = ?") == "{col} = ?"
    assert importlib.import_module("ryx.lookups").custom_lookups() >= {"test_short", "test_doc", "test_two"}


@pytest.mark.parametrize(
    ("name", "template", "error", "match"),
    [
        ("bad name", "{col} = ?", ValueError, "invalid lookup name"),
        ("a__b", "{col} = ?", ValueError, "invalid lookup name"),
        ("no_col", "x = ?", ValueError, "{col}"),
        (3, "{col}", TypeError, "two str"),
    ],
)
def test_bad_lookups_raise_and_register_nothing(name: Any, template: str, error: type, match: str) -> None:
    before = ryx.available_lookups()
    with pytest.raises(error, match=match):
        ryx.register_lookup(name, template)
    assert ryx.available_lookups() == before
    assert issubclass(ryx.exceptions.QueryError, ValueError)


def test_original_import_paths_of_the_queryset_and_sync_bridge() -> None:
    import ryx
    from ryx.queryset import Q, QuerySet, async_to_sync, run_async, run_sync, sync_to_async

    assert QuerySet is ryx.QuerySet
    assert Q is ryx.Q
    assert (run_sync, async_to_sync, sync_to_async, run_async) == (
        ryx.run_sync,
        ryx.async_to_sync,
        ryx.sync_to_async,
        ryx.run_async,
    )
