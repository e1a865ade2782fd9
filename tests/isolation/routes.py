"""The registry of every URL pattern, for the ISO-01 matrix (tests/isolation/test_every_route.py).

Each pattern of the URLconf is classified here, by its name ("namespace:name") or, when unnamed, by its
route. A new pattern that is not classified fails `test_every_url_pattern_is_classified`, whose message
prints the line to add. Three kinds:

- `ids(kwarg="object kind", ...)`: a page or endpoint of one brand (`b/<brand>/…`, `api/v1/<brand>/…`,
  `portal/<brand>/…`). The matrix fills each id with another brand's object of that kind (see `OBJECTS` in
  test_every_route.py: customer, item, store, ...) and asks with every role and every method: the answer
  is the one a missing id gets, 404 for a role that may open the page, 0 bytes of the other brand, and
  the other brand's rows unchanged. `ids()` with no argument: a page without an object id (a list, a
  form), asked with the other brand's slug instead.
- `token(kwarg="token kind")`: the id is a secret token (a link in an e-mail). Another brand's token must
  get exactly the answer of an unknown token (same status, same bytes), its rows unchanged.
- `public("why")`: no brand object in the address (sign-in, health, the schema, the public item page by
  its code, platform staff's admin). Say why in a few words.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    kind: str  # "ids", "token" or "public"
    fill: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    also: frozenset[int] = frozenset()  # statuses accepted besides 403/404/405 (with the reason)

    def refused_with(self, status: int, reason: str) -> Route:
        """A documented exception: the refusal is `status`, exactly as for a missing id."""
        return Route(self.kind, self.fill, reason, self.also | {status})


def ids(**fill: str) -> Route:
    return Route("ids", fill)


def token(**fill: str) -> Route:
    return Route("token", fill)


def public(reason: str) -> Route:
    return Route("public", reason=reason)


# Prefixes classified as a whole: every pattern whose route starts with one of them.
PREFIXES: dict[str, Route] = {
    "admin/": public("platform staff only (Django admin, is_staff); cross-brand reads audited (ISO-13)"),
}

ROUTES: dict[str, Route] = {
    # --- no brand object in the address --------------------------------------------------------------
    "": public("redirect to the home page"),
    "healthz": public("health check, no data"),
    "media": public("signed, brand-checked file addresses: tests/isolation/test_media.py (ISO-14)"),
    "set_language": public("language switch"),
    "api-schema": public("OpenAPI schema, no data"),
    "api-docs": public("API documentation page, no data"),
    "accounts:login": public("sign-in"),
    "accounts:logout": public("sign-out"),
    "accounts:password_reset": public("password reset request"),
    "accounts:password_reset_done": public("password reset sent"),
    "accounts:password_reset_confirm": public("a user's reset token, no brand object"),
    "accounts:password_reset_complete": public("password reset done"),
    "accounts:invitation_accept": public("a user's invitation token, no brand object"),
    "accounts:password_change": public("the signed-in user's own password"),
    "accounts:home": public("redirects to the user's own brand"),
    "accounts:invitations": public("the signed-in person's own invitations, by design across brands"),
    "portal:public_item": public("public by design: the code names its brand (WEB-05, portal tests)"),
    "portal:found_report": public("public by design: the code names its brand (WEB-05, portal tests)"),
    # --- brand staff pages ------------------------------------------------------------------------
    "accounts:dashboard": ids(),
    "accounts:intranet": ids(),
    "accounts:team": ids(),
    "accounts:team_invite": ids(),
    "accounts:team_deactivate": ids(pk="membership"),
    "accounts:api_keys": ids(),
    "accounts:audit_log": ids(),
    "accounts:api_key_revoke": ids(pk="api_key"),
    "retail:store_list": ids(),
    "retail:store_create": ids(),
    "retail:store_update": ids(pk="store"),
    "retail:retailer_create": ids(),
    "catalog:product_list": ids(),
    "catalog:product_create": ids(),
    "catalog:product_detail": ids(pk="product"),
    "catalog:product_update": ids(pk="product"),
    "imports:list": ids(),
    "imports:upload": ids(),
    "imports:detail": ids(pk="import_job"),
    "imports:mapping": ids(pk="import_job"),
    "imports:preview": ids(pk="import_job"),
    "imports:status": ids(pk="import_job"),
    "imports:report": ids(pk="import_job"),
    "imports:retry": ids(pk="import_job"),
    "imports:cancel": ids(pk="import_job"),
    "customers:create": ids(),
    "customers:duplicates": ids(),
    "customers:merge": ids(first="customer", second="customer_2"),
    "customers:edit": ids(pk="customer"),
    "customers:relation_create": ids(pk="customer"),
    "customers:relation_edit": ids(pk="customer", relation_id="relation"),
    "customers:relation_delete": ids(pk="customer", relation_id="relation"),
    "customers:consents": ids(pk="customer"),
    "customers:gdpr": ids(pk="customer"),
    "customers:erase": ids(pk="customer"),
    "customers:client_book": ids(),
    "customers:mark_contacted": ids(pk="customer"),
    "customer360:list": ids(),
    "customer360:export": ids(),
    "customer360:detail": ids(pk="customer"),
    "inventory:item_list": ids(),
    "inventory:ship": ids(),
    "inventory:item_detail": ids(pk="item"),
    "inventory:stock": ids(),
    "inventory:my_stock": ids(),
    "inventory:incoming": ids(),
    "inventory:confirm_receipt": ids(pk="movement"),
    "inventory:confirm_scanned": ids(),
    "inventory:confirm_all": ids(),
    "inventory:transfer": ids(),
    "warranties:register": ids(),
    "warranties:item_lookup": ids(),
    "warranties:customer_lookup": ids(),
    "warranties:card": ids(pk="registration"),
    "warranties:card_pdf": ids(pk="registration"),
    "warranties:lookup": ids(),
    "warranties:interventions": ids(),
    "warranties:intervention_create": ids(),
    "warranties:intervention_detail": ids(pk="intervention"),
    "warranties:store_claims": ids(),
    "warranties:registrations": ids(),
    "warranties:grey_market": ids(),
    "warranties:claim_queue": ids(),
    "warranties:claim_detail": ids(pk="claim"),
    "warranties:payouts": ids(),
    "portal:staff_post_list": ids(),
    "portal:staff_post_create": ids(),
    "portal:staff_post_edit": ids(pk="post"),
    "portal:staff_post_publish": ids(pk="post"),
    "portal:store_queue": ids(),
    "portal:store_receive": ids(pk="service_request"),
    "portal:store_loss": ids(),
    "portal:store_recovered": ids(pk="lost_item"),
    "portal:store_transfer": ids(),
    "accounts:sent_emails": ids(),
    "accounts:sent_email_retry": ids(pk="message"),
    "billing:plan": ids(),
    "billing:checkout": ids(),
    "billing:portal": ids(),
    "billing:returned": ids(),
    "billing:stripe_webhook": public("Stripe's signed webhook: the brand comes from the verified event"),
    "billing:platform": public("platform staff only (is_staff); each brand read is audited (ISO-13)"),
    "campaign_content:click": public("signed click link of an e-mail: the brand is inside the signature"),
    "campaign_content:open": public("signed open pixel of an e-mail: the brand is inside the signature"),
    "insights:overview": ids(),
    "insights:customers": ids(),
    "insights:services": ids(),
    "insights:sell_through": ids(),
    "insights:product_mix": ids(),
    "insights:price_bands": ids(),
    "insights:network": ids(),
    "insights:stock": ids(),
    "insights:transfer": ids(),
    "portal:staff_loss": ids(),
    "portal:staff_recovered": ids(pk="lost_item"),
    "segmentation:overview": ids(),
    "segmentation:run_start": ids(),
    "segmentation:run_detail": ids(pk="pipeline_run"),
    "segmentation:rules": ids(),
    "segmentation:segment_create": ids(),
    "segmentation:segment_count": ids(),
    "segmentation:segment_detail": ids(pk="segment"),
    "segmentation:segment_edit": ids(pk="segment"),
    "segmentation:segment_refresh": ids(pk="segment"),
    "segmentation:export": ids(),
    "campaigns:journeys": ids(),
    "campaigns:journey_edit": ids(pk="journey"),
    "campaigns:journey_log": ids(pk="journey"),
    "campaigns:journey_preview_document": ids(pk="journey"),
    "campaigns:journey_results": ids(pk="journey"),
    "campaigns:settings": ids(),
    "campaigns:list": ids(),
    "campaigns:campaign_create": ids(),
    "campaigns:campaign_detail": ids(pk="campaign"),
    "campaigns:campaign_edit": ids(pk="campaign"),
    "campaigns:campaign_schedule": ids(pk="campaign"),
    "campaigns:campaign_approve": ids(pk="campaign"),
    "campaigns:campaign_cancel": ids(pk="campaign"),
    "campaigns:campaign_test": ids(pk="campaign"),
    "campaigns:campaign_log": ids(pk="campaign"),
    "campaigns:campaign_preview_document": ids(pk="campaign"),
    "campaigns:campaign_results": ids(pk="campaign"),
    "campaign_content:template_list": ids(),
    "campaign_content:template_create": ids(),
    "campaign_content:template_edit": ids(pk="email_template"),
    "campaign_content:template_preview": ids(),
    "campaign_content:template_preview_document": ids(),
    # --- the owner portal -------------------------------------------------------------------------
    "portal:sign_in": ids(),
    "portal:brand_css": ids(),
    "portal:confirm": token(token="consent_token"),  # noqa: S106 - an object kind, not a secret
    "portal:link_sent": ids(),
    "portal:link": token(token="link_token"),  # noqa: S106 - an object kind, not a secret
    # The old owner's approval of a transfer: another brand's id with its sign-in token must get the
    # answer of a missing id with an unknown token.
    "portal:approval": token(pk="item", token="link_token"),  # noqa: S106
    "portal:sign_out": ids(),
    "portal:claim": ids(),
    "portal:pieces": ids(),
    "portal:piece": ids(pk="item"),
    "portal:warranty_card": ids(pk="item"),
    "portal:service_request": ids(pk="item").refused_with(
        302, "POST: back to my pieces with “no longer registered to you”, as for a missing id"
    ),
    "portal:loss": ids(pk="item"),
    "portal:recovered": ids(pk="lost_item"),
    "portal:transfer_start": ids(pk="item"),
    "portal:transfer_cancel": ids(pk="item"),
    "portal:my_data": ids(),
    "portal:export": ids(),
    "portal:delete_account": ids(),
    "portal:news": ids(),
    "portal:post": ids(pk="post"),
    # --- campaign delivery (campaigns/delivery) --------------------------------------------------
    "campaign_delivery:preferences": ids(),
    "campaign_delivery:suppressions": ids(),
    "campaign_delivery:suppression_remove": ids(pk="suppression"),
    "campaign_delivery:unsubscribe": public(
        "RFC 8058 one-click unsubscribe: the signed token names its brand; tampered and foreign tokens "
        "in campaigns/delivery/tests/test_unsubscribe.py"
    ),
    "campaign_delivery:mailgun_tracking": public(
        "Mailgun's signed webhook: the brand comes from the message the event names (test_webhooks.py)"
    ),
    "campaign_delivery:mailgun_inbound": public(
        "Mailgun's signed inbound route: the unsubscribe token in the subject names its brand"
    ),
    "campaign_outreach:my_tasks": ids(),
    "campaign_outreach:task_done": ids(pk="outreach_task"),
    "campaign_outreach:brand_tasks": ids(),
    "campaign_audiences:list": ids(),
    "campaign_audiences:detail": ids(pk="audience_export"),
    "campaign_audiences:download": ids(pk="audience_export"),
    "campaign_audiences:upload": ids(pk="audience_export"),
    # --- the API ----------------------------------------------------------------------------------
    "accounts-api:whoami": ids(),
    "api-stores": ids(),
    "api-store": ids(pk="store"),
    "api-products": ids(),
    "api-product": ids(pk="product"),
    "api-items": ids(),
    "api-item": ids(serial="item_serial"),
    "api-registrations": ids(),
    "api-registration": ids(pk="registration"),
    "api-interventions": ids(),
    "api-intervention": ids(pk="intervention"),
    "api-intervention-status": ids(pk="intervention"),
    "api-claims": ids(),
    "api-claim-decision": ids(pk="claim"),
    "api-customers-batch": ids(),
    "api-orders-batch": ids(),
}


def classify(key: str, route: str) -> Route | None:
    if key in ROUTES:
        return ROUTES[key]
    for prefix, classification in PREFIXES.items():
        if route.startswith(prefix):
            return classification
    return None
