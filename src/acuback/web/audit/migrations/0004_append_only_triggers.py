"""The database refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit events."""

from typing import Any

from django.db import migrations

from acuback.web.audit import triggers


def install(apps: Any, schema_editor: Any) -> None:
    triggers.install(schema_editor.connection)


def remove(apps: Any, schema_editor: Any) -> None:
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_links_and_changes")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
