from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarrantiesConfig(AppConfig):
    name = "warranties"
    label = "warranties"
    verbose_name = _("Warranties")

    def ready(self) -> None:
        from warranties import labels

        labels.register()

        from warranties import customer_data  # noqa: F401 - registers the GDPR and merge handlers
