from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "jewelcrm.tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from jewelcrm.tenancy import rls

        post_migrate.connect(rls.apply_after_migrate, sender=self, dispatch_uid="tenancy-rls")
