from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Customer360Config(AppConfig):
    """The customer list and 360 page: an app without models, so its templates and French catalogue
    are found beside its code."""

    name = "warranties.customer_360"
    label = "customer_360"
    verbose_name = _("Customer 360")
