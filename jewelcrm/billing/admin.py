"""Django admin for platform staff: the plans on sale, the Stripe event log, reconciliation runs.
Brand rows (subscriptions, invoices) are read on the platform billing page (/platform/billing/)."""

from django.contrib import admin

from jewelcrm.billing.models import Plan, ReconciliationRun, StripeEvent


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active", "is_trial_default", "price_month", "price_year", "currency")
    list_filter = ("is_active",)


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "state", "note", "received_at")
    list_filter = ("state", "type")
    search_fields = ("event_id", "object_id")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "checked", "drifted")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
