"""Persistence: SQLAlchemy schema and migrations, a background writer, the store and the audit log.

Typical wiring (composition root)::

    db = open_database(settings.database_url or default_database_url())
    writer = DatabaseWriter(db.engine, loop.call_soon_threadsafe)
    store = Store(db, writer)
    audit = AuditLog.open(store, clock, actor=trader, workstation=hostname)
    ...
    writer.close(); db.close()   # at shutdown, after the broker is disconnected
"""

from terminal.persistence.audit import AuditLog, AuditRecord, ChainHead
from terminal.persistence.audit_verify import VerifyResult, export_audit, verify_chain
from terminal.persistence.database import Database, default_database_url, open_database
from terminal.persistence.errors import PersistenceError
from terminal.persistence.store import OrderEvent, Store
from terminal.persistence.writer import DatabaseWriter, FailedWrite

__all__ = [
    "AuditLog",
    "AuditRecord",
    "ChainHead",
    "Database",
    "DatabaseWriter",
    "FailedWrite",
    "OrderEvent",
    "PersistenceError",
    "Store",
    "VerifyResult",
    "default_database_url",
    "export_audit",
    "open_database",
    "verify_chain",
]
