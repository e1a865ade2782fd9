from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from customers import labels

        labels.register()

        from customers import customer_data  # noqa: F401 - registers customers' own data holder
