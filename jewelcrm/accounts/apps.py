from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jewelcrm.accounts"
    label = "accounts"
    verbose_name = _("Accounts and brands")

    def ready(self) -> None:
        from jewelcrm.accounts import labels

        labels.register()
