"""Django's `flush`, which the audit table's triggers refuse (it holds no row to delete).

Only the test configuration (triggers.TEST_FLUSH_ALLOWED, set in tests/conftest.py) lets a
flush through: the triggers are dropped, the tables emptied and the triggers put back in one
transaction, so no other connection ever sees the table unguarded.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction

from acuback.web.audit import triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if not triggers.TEST_FLUSH_ALLOWED:
            super().handle(**options)  # refused by the database when audit events exist
            return
        database = options["database"]
        connection = connections[database]
        with transaction.atomic(using=database):
            triggers.remove(connection)
            super().handle(**options)
            triggers.install(connection)
