"""Django's PostgreSQL backend with the project's schema editor (see `schema.py`)."""

from django.db.backends.postgresql import base

from jewelcrm.tenancy.backends.postgresql.schema import DatabaseSchemaEditor


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
