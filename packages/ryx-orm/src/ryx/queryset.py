"""The original Ryx import path of the QuerySet and the sync bridge (`from ryx.queryset import QuerySet`)."""

from ryx.query import Q, QuerySet
from ryx.sync import async_to_sync, run_async, run_sync, sync_to_async

__all__ = ["Q", "QuerySet", "async_to_sync", "run_async", "run_sync", "sync_to_async"]
