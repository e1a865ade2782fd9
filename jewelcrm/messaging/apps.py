from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "jewelcrm.messaging"
    label = "messaging"
    verbose_name = _("Outgoing e-mails")

    def ready(self) -> None:
        # Each app declares the kinds of e-mail it sends in its `emails.py` (jewelcrm.messaging.registry).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("emails")
