from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "jewelcrm.tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from jewelcrm.tenancy import rls
        from jewelcrm.tenancy.models import install_brand_joins

        post_migrate.connect(rls.apply_after_migrate, sender=self, dispatch_uid="tenancy-rls")
        install_brand_joins()
