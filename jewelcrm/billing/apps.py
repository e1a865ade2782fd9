from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "jewelcrm.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from jewelcrm.billing.guards import subscription_write_guard
        from jewelcrm.billing.services import limit_check
        from jewelcrm.tenancy.growth import growth_check_register
        from jewelcrm.tenancy.views import REQUEST_GUARDS

        if subscription_write_guard not in REQUEST_GUARDS:
            REQUEST_GUARDS.append(subscription_write_guard)
        growth_check_register(limit_check)
