from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jewelcrm.accounts"
    label = "accounts"
    verbose_name = _("Accounts and brands")

    def ready(self) -> None:
        from jewelcrm.accounts.access import AccountsBrandAccess
        from jewelcrm.tenancy.access import brand_access_register

        brand_access_register(AccountsBrandAccess())

        from jewelcrm.accounts import labels

        labels.register()
