"""ryx_core: the Rust engine of Ryx, usable alone as an async (and blocking) query builder and executor."""

from ryx_core._ryx_core import *  # noqa: F403
from ryx_core._ryx_core import __version__

__all__ = [
    "__version__",
    # exceptions
    "RyxError", "ConfigurationError", "PoolNotInitialized", "PoolTimeout", "FieldError", "QueryError",
    "UnsupportedTypeError", "NotSupportedError", "TransactionError", "DoesNotExist", "MultipleObjectsReturned",
    "DatabaseError", "OperationalError", "ProgrammingError", "DataError", "IntegrityError", "UniqueViolation",
    "ForeignKeyViolation", "NotNullViolation", "CheckViolation",
    # pools
    "setup", "setup_sync", "close", "close_sync", "is_connected", "pool_stats", "list_aliases", "default_alias",
    "get_backend", "server_version",
    # lookups
    "register_lookup", "available_lookups", "list_lookups", "available_transforms", "list_transforms",
    # building
    "Expr", "Cond", "Query",
    # writing
    "insert", "insert_sync", "bulk_insert", "bulk_insert_sync", "bulk_update", "bulk_update_sync",
    # raw SQL
    "fetch_all", "fetch_all_sync", "fetch_one", "fetch_one_sync", "fetch_scalar", "fetch_scalar_sync",
    "execute", "execute_sync",
    # transactions
    "Transaction", "begin", "begin_sync", "begin_transaction",
]
