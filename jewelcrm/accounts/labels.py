"""Labels of the audit log's actions and object types (registered in jewelcrm.labels).

Every action written by `audit_log_record` has a label here; a test scans the code for actions without one.
"""

from django.utils.translation import gettext_lazy as _

from jewelcrm import labels

AUDIT_ACTION_LABELS = {
    "api_key.create": _("API key created"),
    "api_key.revoke": _("API key revoked"),
    "claim.submit": _("Warranty claim submitted"),
    "claim.approve": _("Warranty claim approved"),
    "claim.partial": _("Warranty claim partly approved"),
    "claim.reject": _("Warranty claim rejected"),
    "customer.batch_upsert": _("Customers received through the API"),
    "customer.create": _("Customer created"),
    "customer.csv_export": _("Customer list exported (CSV)"),
    "customer.gdpr_erase": _("Customer erased (GDPR)"),
    "customer.gdpr_export": _("Personal data consulted (GDPR)"),
    "customer.lookup_foreign": _("Owner from another store recognised"),
    "customer.merge": _("Duplicate customers merged"),
    "customer.portal_update": _("Profile updated by the owner (portal)"),
    "customer.relation_delete": _("Relation removed"),
    "customer.relation_save": _("Relation saved"),
    "customer.retention_run": _("Inactive customers erased (retention)"),
    "customer.update": _("Customer updated"),
    "import.finish": _("Import finished"),
    "import.start": _("Import started"),
    "import.upload": _("Import file uploaded"),
    "insights.price_bands": _("Price bands of the insights changed"),
    "intervention.create": _("Intervention opened"),
    "intervention.update": _("Intervention updated"),
    "item.create": _("Piece created"),
    "item.flagged_sale_attempt": _("Sale attempted of a piece reported lost or stolen"),
    "item.found_report": _("Found piece reported"),
    "item.recovered": _("Piece recovered"),
    "item.reported_lost": _("Piece reported lost"),
    "item.reported_stolen": _("Piece reported stolen"),
    "item.ship": _("Pieces shipped"),
    "item.transfer": _("Piece moved to another store"),
    "membership.deactivate": _("Team member deactivated"),
    "membership.invite": _("Team member invited"),
    "movement.receive": _("Shipment received"),
    "order.batch_upsert": _("Orders received through the API"),
    "portal_post.publish": _("Portal news published"),
    "portal_post.save": _("Portal news saved"),
    "product.create": _("Product created"),
    "product.update": _("Product updated"),
    "registration.create": _("Sale registered"),
    "registration.transfer": _("Ownership transferred"),
    "retailer.create": _("Retailer created"),
    "service_request.create": _("Service requested by the owner"),
    "store.create": _("Store created"),
    "store.update": _("Store updated"),
    "transfer.start": _("Ownership transfer started"),
}

OBJECT_TYPE_LABELS = {
    "APIKey": _("API key"),
    "ApiKey": _("API key"),
    "Customer": _("Customer"),
    "Intervention": _("Intervention"),
    "InsightsSettings": _("Insights settings"),
    "Item": _("Piece"),
    "ImportJob": _("Import"),
    "Membership": _("Team member"),
    "Movement": _("Shipment"),
    "PortalPost": _("Portal news"),
    "Product": _("Product"),
    "Registration": _("Registration"),
    "Retailer": _("Retailer"),
    "ServiceRequest": _("Service request"),
    "Store": _("Store"),
    "Transfer": _("Ownership transfer"),
    "WarrantyClaim": _("Warranty claim"),
}


def register() -> None:
    labels.register("audit_action", AUDIT_ACTION_LABELS)
    labels.register("object_type", OBJECT_TYPE_LABELS)
