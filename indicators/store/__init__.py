"""The versioned store: tables (and their migrations), the pure plan of a batch, the transactions, the importer."""

from .engine import StoreBusy, db_url, make_engine
from .store import SAMPLE_LABEL, AlreadyRolledBack, BatchNotFound, MetaRejected, Store

__all__ = [
    "SAMPLE_LABEL",
    "AlreadyRolledBack",
    "BatchNotFound",
    "MetaRejected",
    "Store",
    "StoreBusy",
    "db_url",
    "make_engine",
]
