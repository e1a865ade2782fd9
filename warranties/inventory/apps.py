from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "warranties.inventory"
    label = "inventory"
    verbose_name = _("Items and stock")

    def ready(self) -> None:
        from warranties.inventory import customer_data  # noqa: F401 - registers the GDPR and merge handlers
