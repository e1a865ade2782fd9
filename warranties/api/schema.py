"""OpenAPI: describe the brand API key so that /api/docs/ offers the Api-Key scheme."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "jewelcrm.accounts.api.authentication.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The brand\'s API key, sent as "Api-Key jck.<brand slug>.<secret>" '
            "(create one with `manage.py create_api_key --brand SLUG --name NAME`).",
        }
