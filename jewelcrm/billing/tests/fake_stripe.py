"""A fake Stripe behind the stripe library's own HTTP client abstraction (`stripe.HTTPClient`).

The library builds real requests (paths, form-encoded params, Idempotency-Key headers) and parses real
JSON responses; only the wire is replaced. The fake keeps objects, honours idempotency keys like Stripe
(same key → the first response again, no second object) and records every call.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

WEBHOOK_SECRET = "whsec_test_new"  # noqa: S105 - test signing secrets
OLD_WEBHOOK_SECRET = "whsec_test_old"  # noqa: S105


class FakeStripe(stripe.HTTPClient):
    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.objects: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, tuple[str, int]] = {}
        self.calls: list[dict[str, Any]] = []
        self.meter_events: list[dict[str, Any]] = []
        self.fail_next: int = 0  # answer the next N calls with a connection error

    # --- the HTTP client -------------------------------------------------------------------------
    def request(
        self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None
    ) -> Any:
        parts = urlsplit(url)
        params = dict(parse_qsl(post_data or parts.query or "", keep_blank_values=True))
        key = (headers or {}).get("Idempotency-Key", "")
        with self.lock:
            self.calls.append({"method": method.upper(), "path": parts.path, "params": params, "key": key})
            if self.fail_next:
                self.fail_next -= 1
                raise stripe.APIConnectionError("network down (fake)", should_retry=True)
            if method.lower() == "post" and key in self.idempotent:
                body, status = self.idempotent[key]
                return body, status, {"idempotent-replayed": "true"}
            body_obj, status = self._route(method.lower(), parts.path, params)
            body = json.dumps(body_obj)
            if method.lower() == "post" and key:
                self.idempotent[key] = (body, status)
        return body, status, {"request-id": f"req_{next(self.ids)}"}

    def close(self) -> None:
        return None

    # --- helpers for tests --------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self.ids):06d}"

    def add_subscription(
        self,
        *,
        brand_id: int | None,
        customer: str,
        price: str = "price_pro_month",
        status: str = "active",
        unit_amount: int = 9900,
        interval: str = "month",
        period_start: int = 1_800_000_000,
        period_end: int = 1_802_592_000,
        trial_end: int | None = None,
        created: int | None = None,
        sub_id: str | None = None,
    ) -> dict[str, Any]:
        sub_id = sub_id or self.new_id("sub")
        sub = {
            "id": sub_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "created": created or int(time.time()),
            "cancel_at_period_end": False,
            "trial_end": trial_end,
            "currency": "eur",
            "metadata": {"brand_id": str(brand_id)} if brand_id else {},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": self.new_id("si"),
                        "object": "subscription_item",
                        "quantity": 1,
                        "current_period_start": period_start,
                        "current_period_end": period_end,
                        "price": {
                            "id": price,
                            "object": "price",
                            "currency": "eur",
                            "unit_amount": unit_amount,
                            "recurring": {"interval": interval, "usage_type": "licensed"},
                        },
                    }
                ],
            },
        }
        self.objects[sub_id] = sub
        return sub

    def add_invoice(
        self,
        *,
        subscription: str,
        customer: str,
        status: str = "paid",
        amount: int = 9900,
        attempt_count: int = 1,
    ) -> dict[str, Any]:
        inv_id = self.new_id("in")
        invoice = {
            "id": inv_id,
            "object": "invoice",
            "customer": customer,
            "number": f"JC-{inv_id[-4:]}",
            "status": status,
            "currency": "eur",
            "amount_due": amount,
            "amount_paid": amount if status == "paid" else 0,
            "attempt_count": attempt_count,
            "created": 1_800_000_100,
            "period_start": 1_800_000_000,
            "period_end": 1_802_592_000,
            "hosted_invoice_url": f"https://invoice.stripe.test/{inv_id}",
            "invoice_pdf": "",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription},
            },
        }
        self.objects[inv_id] = invoice
        return invoice

    def event(self, type: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        return {
            "id": event_id or self.new_id("evt"),
            "object": "event",
            "type": type,
            "created": int(time.time()),
            "livemode": False,
            "api_version": stripe.api_version,
            "data": {"object": obj},
        }

    def posts(self, path: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == "POST" and c["path"] == path]

    # --- routes -----------------------------------------------------------------------------------
    def _route(self, method: str, path: str, params: dict[str, str]) -> tuple[dict[str, Any], int]:
        segments = path.strip("/").split("/")[1:]  # drop "v1"
        if method == "post" and segments == ["customers"]:
            obj = {
                "id": self.new_id("cus"),
                "object": "customer",
                "email": params.get("email", ""),
                "metadata": {"brand_id": params.get("metadata[brand_id]", "")},
            }
            self.objects[obj["id"]] = obj
            return obj, 200
        if method == "post" and segments == ["checkout", "sessions"]:
            sid = self.new_id("cs")
            obj = {
                "id": sid,
                "object": "checkout.session",
                "url": f"https://checkout.stripe.com/c/pay/{sid}",
                "customer": params.get("customer"),
                "client_reference_id": params.get("client_reference_id"),
                "mode": "subscription",
                "status": "open",
                "subscription": None,
                "params": params,
            }
            self.objects[sid] = obj
            return obj, 200
        if method == "post" and segments == ["billing_portal", "sessions"]:
            sid = self.new_id("bps")
            return {
                "id": sid,
                "object": "billing_portal.session",
                "customer": params.get("customer"),
                "url": f"https://billing.stripe.com/p/session/{sid}",
            }, 200
        if method == "post" and segments == ["billing", "meter_events"]:
            obj = {
                "object": "billing.meter_event",
                "identifier": params.get("identifier"),
                "event_name": params.get("event_name"),
                "payload": {
                    "stripe_customer_id": params.get("payload[stripe_customer_id]"),
                    "value": params.get("payload[value]"),
                },
            }
            self.meter_events.append(obj)
            return obj, 200
        if len(segments) == 2 and segments[0] in ("subscriptions", "invoices", "customers"):
            obj = self.objects.get(segments[1])
            if obj is None:
                return {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": f"No such object: '{segments[1]}'",
                    }
                }, 404
            if method == "delete" and segments[0] == "subscriptions":
                obj["status"] = "canceled"
            return obj, 200
        return {"error": {"type": "invalid_request_error", "message": f"fake: no route {method} {path}"}}, 404


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
