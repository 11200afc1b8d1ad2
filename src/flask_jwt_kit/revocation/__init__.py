"""Revocation stores: the protocol in :mod:`.base`, one module per back end.

:class:`RedisStore` and :class:`SQLAlchemyStore` import their drivers only
when instantiated, so importing this package needs no optional dependency.
"""

from .base import ConsumeResult as ConsumeResult
from .base import RevocationStore as RevocationStore
from .base import SessionInfo as SessionInfo
from .config import store_from_config as store_from_config
from .memory import MemoryStore as MemoryStore
from .redis import RedisStore as RedisStore
from .sqlalchemy import SQLAlchemyStore as SQLAlchemyStore
from .sqlite import SQLiteStore as SQLiteStore

__all__ = [
    "ConsumeResult",
    "MemoryStore",
    "RedisStore",
    "RevocationStore",
    "SQLAlchemyStore",
    "SQLiteStore",
    "SessionInfo",
    "store_from_config",
]
