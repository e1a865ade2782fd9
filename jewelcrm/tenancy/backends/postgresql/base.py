"""Django's PostgreSQL backend with the project's schema editor (see `schema.py`)."""

from typing import Any

from django.db.backends.postgresql import base, features

from jewelcrm.tenancy.backends.postgresql.schema import DatabaseSchemaEditor
from jewelcrm.tenancy.distribution import is_brand_model


class DatabaseFeatures(features.DatabaseFeatures):
    def allows_group_by_selected_pks_on_model(self, model: Any) -> bool:
        # PostgreSQL lets GROUP BY name only the primary key when the key is `id`; a brand table's key is
        # (brand_id, id), so Django groups by the selected columns instead.
        return not is_brand_model(model) and super().allows_group_by_selected_pks_on_model(model)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    features_class = DatabaseFeatures
