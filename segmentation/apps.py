from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentationConfig(AppConfig):
    name = "segmentation"
    label = "segmentation"
    verbose_name = _("Segmentation")

    def ready(self) -> None:
        from segmentation import customer_data  # noqa: F401 - registers the GDPR and merge handlers
