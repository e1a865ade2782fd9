"""The daily evaluation's SQL: which customers have an occasion on a given local day, written as recipient
rows in one INSERT … SELECT … ON CONFLICT DO NOTHING per journey.

This is the one reviewed module of the campaigns app that reads other apps' tables in SQL (customers,
relations, consents, orders, registrations, interventions, items, products, segment members, scores): the
daily evaluation of a million customers cannot go through per-row selectors (the same reason as
segmentation/sql.py, ADR 0021; here ADR 0030). Every statement names the brand in its WHERE clauses and
joins on (brand_id, id), so it runs unchanged on Citus; row-level security applies underneath.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection

WIN_BACK_SEGMENTS = ("at_risk", "hibernating", "cant_lose")
PURCHASE_STATUSES = ("paid", "partially_refunded")


@dataclass(frozen=True)
class Day:
    """The evaluation's target: the occasion date a journey looks for on the local day it runs."""

    target: date
    mmdd: list[int]  # month * 100 + day values that fall on the target (29 February under the brand's rule)
    start: datetime  # the target's local midnight, aware
    end: datetime


def occasion_day(target: date, *, leap_day_rule: str, tz: str) -> Day:
    """The (month, day) pairs celebrated on `target`: its own, plus 29 February in a year without one,
    on 28 February ("feb28") or 1 March ("mar1") as the brand chose."""
    mmdd = [target.month * 100 + target.day]
    if not calendar.isleap(target.year):
        if leap_day_rule == "feb28" and (target.month, target.day) == (2, 28):
            mmdd.append(229)
        if leap_day_rule == "mar1" and (target.month, target.day) == (3, 1):
            mmdd.append(229)
    zone = ZoneInfo(tz)
    start = datetime.combine(target, time(0), tzinfo=zone)
    end = datetime.combine(target + timedelta(days=1), time(0), tzinfo=zone)
    return Day(target=target, mmdd=mmdd, start=start, end=end)


def _mmdd(column: str) -> str:
    return f"(EXTRACT(MONTH FROM {column})::int * 100 + EXTRACT(DAY FROM {column})::int) = ANY(%(mmdd)s)"


# Each candidate query returns (customer_id, occasion, occasion_date, context) for the target day.
CANDIDATES: dict[str, str] = {
    "birthday": f"""
        SELECT cu.id, 'birthday:' || %(year)s, %(target)s::date, '{{}}'::jsonb
        FROM customers_customer cu
        WHERE cu.brand_id = %(brand_id)s AND cu.birth_date IS NOT NULL AND {_mmdd("cu.birth_date")}""",
    "wedding_anniversary": f"""
        SELECT cu.id, 'wedding:' || %(year)s, %(target)s::date,
               jsonb_build_object('years', %(year)s - EXTRACT(YEAR FROM cu.wedding_anniversary)::int)
        FROM customers_customer cu
        WHERE cu.brand_id = %(brand_id)s AND cu.wedding_anniversary IS NOT NULL
          AND {_mmdd("cu.wedding_anniversary")} AND EXTRACT(YEAR FROM cu.wedding_anniversary) < %(year)s""",
    "customer_since": f"""
        SELECT cu.id, 'since:' || %(year)s, %(target)s::date,
               jsonb_build_object('years', %(year)s - EXTRACT(YEAR FROM cu.customer_since)::int)
        FROM customers_customer cu
        WHERE cu.brand_id = %(brand_id)s AND cu.customer_since IS NOT NULL
          AND {_mmdd("cu.customer_since")} AND EXTRACT(YEAR FROM cu.customer_since) < %(year)s""",
    "gift_birthday": f"""
        SELECT r.customer_id, 'gift-birthday:' || r.id || ':' || %(year)s, %(target)s::date,
               jsonb_build_object('relation_id', r.id, 'month', %(month)s,
                                  'recipient_name', r.name, 'recipient_relation', r.kind)
        FROM customers_relation r
        WHERE r.brand_id = %(brand_id)s AND r.birth_date IS NOT NULL AND {_mmdd("r.birth_date")}""",
    "gift_anniversary": f"""
        SELECT r.customer_id, 'gift-anniversary:' || r.id || ':' || %(year)s, %(target)s::date,
               jsonb_build_object('relation_id', r.id, 'recipient_name', r.name, 'recipient_relation', r.kind)
        FROM customers_relation r
        WHERE r.brand_id = %(brand_id)s AND r.anniversary IS NOT NULL AND {_mmdd("r.anniversary")}
          AND EXTRACT(YEAR FROM r.anniversary) < %(year)s""",
    "purchase_anniversary": f"""
        SELECT g.customer_id, 'purchase:' || g.id || ':' || %(year)s, %(target)s::date,
               jsonb_build_object('registration_id', g.id, 'item_id', g.item_id,
                                  'years', %(year)s - EXTRACT(YEAR FROM g.sold_on)::int)
        FROM warranties_registration g
        WHERE g.brand_id = %(brand_id)s AND g.is_current AND {_mmdd("g.sold_on")}
          AND EXTRACT(YEAR FROM g.sold_on) < %(year)s""",
    "warranty_ending": """
        SELECT g.customer_id, 'warranty:' || g.id, %(target)s::date,
               jsonb_build_object('registration_id', g.id, 'item_id', g.item_id)
        FROM warranties_registration g
        WHERE g.brand_id = %(brand_id)s AND g.is_current AND g.warranty_ends_on = %(target)s""",
    # Due = the later of the sale and the last intervention, plus the product's service interval: every
    # intervention moves the next due date, so the occasion (keyed by item and due date) is new each time.
    "service_due": """
        SELECT g.customer_id, 'service:' || g.item_id || ':' || %(target)s, %(target)s::date,
               jsonb_build_object('registration_id', g.id, 'item_id', g.item_id)
        FROM warranties_registration g
        JOIN inventory_item it ON it.brand_id = %(brand_id)s AND it.id = g.item_id
        JOIN catalog_product p ON p.brand_id = %(brand_id)s AND p.id = it.product_id
        LEFT JOIN LATERAL (
            SELECT max(i.received_on) AS last_on FROM warranties_intervention i
            WHERE i.brand_id = %(brand_id)s AND i.item_id = g.item_id
        ) last ON true
        WHERE g.brand_id = %(brand_id)s AND g.is_current AND p.service_interval_months IS NOT NULL
          AND p.service_interval_months > 0
          AND (GREATEST(g.sold_on, last.last_on) + make_interval(months => p.service_interval_months))::date
              = %(target)s""",
    # The customer's first registration was on the target day (once per customer).
    "welcome": """
        SELECT g.customer_id, 'welcome', %(target)s::date, jsonb_build_object('registration_id', min(g.id))
        FROM warranties_registration g
        WHERE g.brand_id = %(brand_id)s AND g.registered_at >= %(start)s AND g.registered_at < %(end)s
          AND NOT EXISTS (
            SELECT 1 FROM warranties_registration e
            WHERE e.brand_id = %(brand_id)s AND e.customer_id = g.customer_id AND e.registered_at < %(start)s)
        GROUP BY g.customer_id""",
    "thank_you": """
        SELECT o.customer_id, 'thanks:' || o.id, %(target)s::date, jsonb_build_object('order_id', o.id)
        FROM customers_order o
        WHERE o.brand_id = %(brand_id)s AND o.customer_id IS NOT NULL
          AND o.ordered_at >= %(start)s AND o.ordered_at < %(end)s
          AND o.status IN ('paid', 'partially_refunded')""",
    # In a win-back segment of the published scores: once per customer per calendar quarter.
    "win_back": """
        SELECT s.customer_id, 'winback:' || %(quarter)s, %(target)s::date,
               jsonb_build_object('segment', s.rfm_segment)
        FROM segmentation_customerscore s
        JOIN segmentation_pipelinerun run
          ON run.brand_id = %(brand_id)s AND run.id = s.run_id AND run.is_published
        WHERE s.brand_id = %(brand_id)s AND s.rfm_segment IN ('at_risk', 'hibernating', 'cant_lose')""",
}

# The customer's latest ledger entry for (channel, marketing) grants it, and for e-mail is confirmed: the
# rule of customers.selectors.consent_is_active / with_active_consent, evaluated on the candidates only.
_CONSENT = """
    EXISTS (SELECT 1 FROM (
        SELECT k.is_granted, k.is_confirmed FROM customers_consent k
        WHERE k.brand_id = %(brand_id)s AND k.customer_id = cu.id AND k.channel = {channel}
          AND k.purpose = 'marketing'
        ORDER BY k.at DESC, k.id DESC LIMIT 1) last
      WHERE last.is_granted AND (last.is_confirmed OR {channel} <> 'email'))"""

INSERT_SQL = """
WITH candidates(customer_id, occasion, occasion_date, context) AS ({candidates})
INSERT INTO campaigns_recipient
    (brand_id, journey_id, campaign_id, customer_id, occasion, occasion_date, chosen_on, "group", status,
     skip_reason, message_key, context, created_at)
SELECT %(brand_id)s, %(journey_id)s, NULL, c.customer_id, c.occasion, c.occasion_date, %(day)s,
       CASE WHEN held THEN 'hold_out' ELSE 'recipient' END,
       CASE WHEN held THEN 'held_out' ELSE 'new' END,
       '', 'j' || %(journey_id)s || ':' || c.customer_id || ':' || c.occasion, c.context, now()
FROM candidates c
JOIN customers_customer cu ON cu.brand_id = %(brand_id)s AND cu.id = c.customer_id
CROSS JOIN LATERAL (SELECT {hold_out} AS held) h
WHERE cu.merged_into_id IS NULL AND NOT cu.is_pseudonymised {channel_filter} {segment_filter}
ON CONFLICT (brand_id, journey_id, customer_id, occasion) WHERE journey_id IS NOT NULL DO NOTHING
"""

CAMPAIGN_INSERT_SQL = """
INSERT INTO campaigns_recipient
    (brand_id, journey_id, campaign_id, customer_id, occasion, occasion_date, chosen_on, "group", status,
     skip_reason, message_key, context, created_at)
SELECT %(brand_id)s, NULL, %(campaign_id)s, cu.id, 'campaign', %(day)s, %(day)s,
       CASE WHEN held THEN 'hold_out' ELSE 'recipient' END,
       CASE WHEN held THEN 'held_out' ELSE 'new' END,
       '', 'c' || %(campaign_id)s || ':' || cu.id, '{{}}'::jsonb, now()
FROM segmentation_segmentmember m
JOIN customers_customer cu ON cu.brand_id = %(brand_id)s AND cu.id = m.customer_id
CROSS JOIN LATERAL (SELECT {hold_out} AS held) h
WHERE m.brand_id = %(brand_id)s AND m.segment_id = %(segment_id)s
  AND cu.merged_into_id IS NULL AND NOT cu.is_pseudonymised AND cu.email <> '' AND {consent}
ON CONFLICT (brand_id, campaign_id, customer_id) WHERE campaign_id IS NOT NULL DO NOTHING
"""

# Deterministic random: the first 32 bits of md5(salt:customer:occasion) decide the group, so a rerun or a
# catch-up puts everyone in the same group again, and the share is exact in expectation.
_HOLD_OUT = (
    "(('x' || substr(md5(%(salt)s || ':' || {customer} || ':' || {occasion}), 1, 8))::bit(32)::bigint "
    "%% 10000) < %(hold_out_basis_points)s"
)


def journey_insert(
    *,
    brand_id: int,
    journey_id: int,
    kind: str,
    channel: str,
    segment_id: int | None,
    hold_out_percent: int,
    day: date,
    occasion: Day,
) -> int:
    """Insert the journey's recipient rows for `occasion` (evaluated on local `day`); returns the new ones."""
    if channel == "email":
        channel_filter = "AND cu.email <> '' AND " + _CONSENT.format(channel="'email'")
    else:  # an associate calls or writes: a current consent on the phone or by e-mail
        channel_filter = (
            "AND (" + _CONSENT.format(channel="'phone'") + " OR " + _CONSENT.format(channel="'email'") + ")"
        )
    segment_filter = ""
    if segment_id is not None:
        segment_filter = (
            "AND EXISTS (SELECT 1 FROM segmentation_segmentmember m WHERE m.brand_id = %(brand_id)s "
            "AND m.segment_id = %(segment_id)s AND m.customer_id = cu.id)"
        )
    sql = INSERT_SQL.format(
        candidates=CANDIDATES[kind],
        hold_out=_HOLD_OUT.format(customer="c.customer_id", occasion="c.occasion"),
        channel_filter=channel_filter,
        segment_filter=segment_filter,
    )
    target = occasion.target
    params: dict[str, Any] = {
        "brand_id": brand_id,
        "journey_id": journey_id,
        "segment_id": segment_id,
        "day": day,
        "target": target,
        "year": target.year,
        "month": target.month,
        "quarter": f"{target.year}-q{(target.month - 1) // 3 + 1}",
        "mmdd": occasion.mmdd,
        "start": occasion.start,
        "end": occasion.end,
        "salt": f"j{journey_id}",
        "hold_out_basis_points": hold_out_percent * 100,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def campaign_insert(
    *, brand_id: int, campaign_id: int, segment_id: int, hold_out_percent: int, day: date
) -> int:
    """Insert a campaign's recipient rows: the segment's members now, with a current e-mail consent."""
    sql = CAMPAIGN_INSERT_SQL.format(
        hold_out=_HOLD_OUT.format(customer="cu.id", occasion="'campaign'"),
        consent=_CONSENT.format(channel="'email'"),
    )
    params: dict[str, Any] = {
        "brand_id": brand_id,
        "campaign_id": campaign_id,
        "segment_id": segment_id,
        "day": day,
        "salt": f"c{campaign_id}",
        "hold_out_basis_points": hold_out_percent * 100,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def customer_lock(*, brand_id: int, customer_id: int) -> None:
    """A transaction-level advisory lock per (brand, customer): the weekly cap is counted and a send
    recorded under it, so two deliveries to the same person never both pass the cap."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"campaigns-cap:{brand_id}:{customer_id}"],
        )


# --- Measurement ----------------------------------------------------------------------------------

# Per recipient row: did the customer buy (an order) or register a piece within the window after being
# chosen, and for how much (orders in the brand's currency where stored, else their own total).
OUTCOMES_SQL = """
SELECT r."group", r.status, r.customer_id, cu.home_store_id, sc.rfm_segment,
       (EXISTS (SELECT 1 FROM customers_order o
                  WHERE o.brand_id = %(brand_id)s AND o.customer_id = r.customer_id
                  AND o.status IN ('paid', 'partially_refunded')
                  AND o.ordered_at >= r.created_at AND o.ordered_at < r.created_at + %(window)s)
        OR EXISTS (SELECT 1 FROM warranties_registration g WHERE g.brand_id = %(brand_id)s
                  AND g.customer_id = r.customer_id
                  AND g.registered_at >= r.created_at AND g.registered_at < r.created_at + %(window)s))
         AS converted,
       COALESCE((SELECT sum(COALESCE(o.total_brand_currency, o.total) - o.refunded_amount)
                 FROM customers_order o WHERE o.brand_id = %(brand_id)s AND o.customer_id = r.customer_id
                  AND o.status IN ('paid', 'partially_refunded')
                  AND o.ordered_at >= r.created_at AND o.ordered_at < r.created_at + %(window)s), 0)
         AS revenue
FROM campaigns_recipient r
JOIN customers_customer cu ON cu.brand_id = %(brand_id)s AND cu.id = r.customer_id
LEFT JOIN segmentation_pipelinerun run ON run.brand_id = %(brand_id)s AND run.is_published
LEFT JOIN segmentation_customerscore sc
  ON sc.brand_id = %(brand_id)s AND sc.run_id = run.id AND sc.customer_id = r.customer_id
WHERE r.brand_id = %(brand_id)s AND {source} = %(source_id)s
"""


def outcomes(
    *, brand_id: int, journey_id: int | None = None, campaign_id: int | None = None, window_days: int
):
    source = "r.journey_id" if journey_id is not None else "r.campaign_id"
    with connection.cursor() as cursor:
        params: dict[str, Any] = {
            "brand_id": brand_id,
            "source_id": journey_id if journey_id is not None else campaign_id,
            "window": timedelta(days=window_days),
        }
        cursor.execute(OUTCOMES_SQL.format(source=source), params)
        return cursor.fetchall()


def run_claim(*, brand_id: int, day: date, trigger: str) -> int | None:
    """Insert the day's journey run; None when it exists. A concurrent insert of the same day waits for the
    first transaction: its commit makes this one insert nothing, its rollback lets this one through."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO campaigns_journeyrun (brand_id, local_date, trigger, started_at, counts, seconds) "
            "VALUES (%s, %s, %s, now(), '{}'::jsonb, 0) "
            "ON CONFLICT (brand_id, local_date) DO NOTHING RETURNING id",
            [brand_id, day, trigger],
        )
        row = cursor.fetchone()
    return row[0] if row else None
