"""The rebuild's SQL templates: set-based `INSERT … SELECT` statements over the facts other apps report."""

_REBUILD = """
WITH receipts AS ({receipts}),
registrations AS ({registrations}),
till_sales AS ({till_sales}),
sold AS (
    -- A piece sold by the till and registered too counts once, in the week of its first record.
    SELECT DISTINCT ON (store_id, serial) store_id, product_id, day
    FROM (
        SELECT store_id, product_id, day, serial FROM registrations
        UNION ALL
        SELECT store_id, product_id, day, serial FROM till_sales
    ) records
    ORDER BY store_id, serial, day
),
facts AS (
    SELECT store_id, product_id, day, 1 AS received, 0 AS sold, 0 AS registered, 0 AS grey FROM receipts
    UNION ALL
    SELECT store_id, product_id, day, 0, 1, 0, 0 FROM sold
    UNION ALL
    SELECT store_id, product_id, day, 0, 0, 1, CASE WHEN is_grey_market THEN 1 ELSE 0 END FROM registrations
)
INSERT INTO {table} (brand_id, store_id, product_id, week, received, sold, registered, grey_market)
SELECT %s, store_id, product_id, date_trunc('week', day)::date,
       sum(received), sum(sold), sum(registered), sum(grey)
FROM facts
WHERE store_id IS NOT NULL AND product_id IS NOT NULL
GROUP BY store_id, product_id, date_trunc('week', day)::date
-- In the order of the unique index: appended to it, not inserted at random pages.
ORDER BY 2, 3, 4
"""

_STORE_WEEK = """
INSERT INTO {table} (brand_id, store_id, week, received, sold, registered, grey_market)
SELECT %s, store_id, week, sum(received), sum(sold), sum(registered), sum(grey_market)
FROM ({weeks}) weeks
GROUP BY store_id, week
ORDER BY 2, 3
"""

_SALES = """
INSERT INTO {table} (brand_id, week, store_id, product_id, channel, country, units, revenue)
SELECT %s, date_trunc('week', day)::date, store_id, product_id, channel, country,
       sum(units), coalesce(sum(revenue), 0)
FROM ({lines}) lines
WHERE %s::date[] IS NULL OR date_trunc('week', day)::date = ANY(%s::date[])
GROUP BY date_trunc('week', day)::date, store_id, product_id, channel, country
-- In the order of the unique index: millions of rows appended to it, not inserted at random pages.
ORDER BY 2, 3, 4, 5, 6
"""

# The weeks whose grouped order lines differ from the stored ones: same rows, compared by their count and
# the sum of a 64-bit hash of each row (revenue rounded as the table stores it).
_SALES_CHANGED_WEEKS = """
WITH fresh AS (
    SELECT date_trunc('week', day)::date AS week, store_id, product_id, channel, country,
           sum(units) AS units, coalesce(sum(revenue), 0)::numeric(16, 2) AS revenue
    FROM ({lines}) lines
    GROUP BY 1, 2, 3, 4, 5
),
printed AS (
    SELECT week, count(*) AS n,
           sum(hashtextextended(concat_ws('|', coalesce(store_id::text, '-'), product_id, channel, country,
                                          units, revenue), 0)::numeric) AS print
    FROM fresh GROUP BY week
),
kept AS (
    SELECT week, count(*) AS n,
           sum(hashtextextended(concat_ws('|', coalesce(store_id::text, '-'), product_id, channel, country,
                                          units, revenue), 0)::numeric) AS print
    FROM {table} WHERE brand_id = %s GROUP BY week
)
SELECT coalesce(p.week, k.week)
FROM printed p FULL JOIN kept k ON k.week = p.week
WHERE p.week IS NULL OR k.week IS NULL OR p.n <> k.n OR p.print <> k.print
ORDER BY 1
"""

_STOCK_AGE = """
INSERT INTO {table} (brand_id, store_id, in_stock, over_180, over_365)
SELECT %s, store_id, count(*),
       count(*) FILTER (WHERE in_store_since < now() - interval '180 days'),
       count(*) FILTER (WHERE in_store_since < now() - interval '365 days')
FROM ({stock}) stock
GROUP BY store_id
"""

_AGED = """
INSERT INTO {table} (brand_id, item_id, store_id, product_id, in_store_since)
SELECT %s, item_id, store_id, product_id, in_store_since
FROM ({stock}) stock
WHERE in_store_since < now() - interval '180 days'
"""


# The slices of the overview: the whole brand, one store, one channel, one country, a store or a country on
# one channel. An order (or a sale) falls in one slice of each kind.
_SLICES = """
slices AS (
    SELECT * FROM (VALUES (false, false, false), (true, false, false), (false, true, false),
                          (false, false, true), (true, true, false), (false, true, true)
    ) s(by_store, by_channel, by_country)
)"""

_OVERVIEW_ORDERS = (
    """
WITH orders AS ({orders}),
firsts AS (
    SELECT customer_id, min(day) AS first_day FROM orders WHERE customer_id IS NOT NULL GROUP BY customer_id
),
valued AS (
    -- "New" revenue: the orders of a customer's first day of purchase with the brand.
    SELECT o.customer_id, o.store_id, o.channel, o.country, date_trunc('month', o.day)::date AS month,
           o.revenue, o.day = f.first_day AS is_new
    FROM orders o LEFT JOIN firsts f ON f.customer_id = o.customer_id
),"""
    + _SLICES
    + """,
per_cell AS (
    -- Money first grouped by store, channel, country and month: the slices then add up a few rows each.
    SELECT store_id, channel, country, month, count(*) AS orders, count(revenue) AS valued_orders,
           coalesce(sum(revenue), 0) AS revenue,
           coalesce(sum(revenue) FILTER (WHERE is_new), 0) AS new_revenue,
           coalesce(sum(revenue) FILTER (WHERE NOT is_new), 0) AS returning_revenue
    FROM valued GROUP BY store_id, channel, country, month
),
money AS (
    SELECT CASE WHEN s.by_store THEN c.store_id END AS store_id,
           CASE WHEN s.by_channel THEN c.channel ELSE '' END AS channel,
           CASE WHEN s.by_country THEN c.country ELSE '' END AS country,
           c.month, sum(c.orders) AS orders, sum(c.valued_orders) AS valued_orders, sum(c.revenue) AS revenue,
           sum(c.new_revenue) AS new_revenue, sum(c.returning_revenue) AS returning_revenue
    FROM per_cell c CROSS JOIN slices s
    WHERE (NOT s.by_store OR c.store_id IS NOT NULL) AND (NOT s.by_country OR c.country <> '')
    GROUP BY 1, 2, 3, 4
),
per_customer AS (
    SELECT customer_id, store_id, channel, country, month, count(*) AS orders
    FROM valued WHERE customer_id IS NOT NULL
    GROUP BY customer_id, store_id, channel, country, month
),
buying AS (
    -- One row per slice, customer and month with a purchase.
    SELECT CASE WHEN s.by_store THEN b.store_id END AS store_id,
           CASE WHEN s.by_channel THEN b.channel ELSE '' END AS channel,
           CASE WHEN s.by_country THEN b.country ELSE '' END AS country,
           b.customer_id, b.month, sum(b.orders) AS orders
    FROM per_customer b CROSS JOIN slices s
    WHERE (NOT s.by_store OR b.store_id IS NOT NULL) AND (NOT s.by_country OR b.country <> '')
    GROUP BY 4, 1, 2, 3, 5
),
walked AS (
    SELECT store_id, channel, country, month, orders,
           row_number() OVER w AS n, sum(orders) OVER w AS running,
           lag(month) OVER w AS previous_month, lead(month) OVER w AS next_month
    FROM buying
    -- The customer first: the sort of millions of rows then rarely compares the text columns.
    WINDOW w AS (PARTITION BY customer_id, store_id, channel, country ORDER BY month)
),
events AS (
    -- A purchase in month p keeps a customer active over 12 months p … p+11: +1 where a run of activity
    -- starts, -1 the month after it ends. The sums up to a month's end are the active customers then.
    SELECT store_id, channel, country, month,
           (n = 1)::int AS new_customers,
           (running >= 2 AND running - orders < 2)::int AS new_repeat,
           (previous_month IS NULL OR previous_month <= month - interval '12 months')::int AS a12,
           (previous_month IS NULL OR previous_month <= month - interval '24 months')::int AS a24
    FROM walked
    UNION ALL
    SELECT store_id, channel, country, (month + interval '12 months')::date, 0, 0, -1, 0
    FROM walked WHERE next_month IS NULL OR next_month >= month + interval '12 months'
    UNION ALL
    SELECT store_id, channel, country, (month + interval '24 months')::date, 0, 0, 0, -1
    FROM walked WHERE next_month IS NULL OR next_month >= month + interval '24 months'
)
INSERT INTO {table} (brand_id, month, store_id, channel, country, orders, valued_orders, revenue,
                     new_revenue, returning_revenue, new_customers, new_repeat_customers,
                     active_12m_change, active_24m_change, registrations, pieces_sold)
SELECT %s, month, store_id, channel, country, orders, valued_orders, revenue, new_revenue,
       returning_revenue, 0, 0, 0, 0, 0, 0
FROM money
UNION ALL
SELECT %s, month, store_id, channel, country, 0, 0, 0, 0, 0,
       sum(new_customers), sum(new_repeat), sum(a12), sum(a24), 0, 0
FROM events
GROUP BY month, store_id, channel, country
"""
)

_OVERVIEW_WARRANTIES = (
    """
WITH registrations AS ({registrations}),
till_sales AS ({till_sales}),
stores AS ({stores}),
sold AS (
    SELECT DISTINCT ON (store_id, serial) store_id, day
    FROM (
        SELECT store_id, day, serial FROM registrations
        UNION ALL
        SELECT store_id, day, serial FROM till_sales
    ) records
    ORDER BY store_id, serial, day
),
facts AS (
    SELECT store_id, day, 1 AS registrations, 0 AS sold FROM registrations
    UNION ALL
    SELECT store_id, day, 0, 1 FROM sold
),"""
    + _SLICES
    + """
INSERT INTO {table} (brand_id, month, store_id, channel, country, orders, valued_orders, revenue,
                     new_revenue, returning_revenue, new_customers, new_repeat_customers,
                     active_12m_change, active_24m_change, registrations, pieces_sold)
SELECT %s, date_trunc('month', f.day)::date,
       CASE WHEN s.by_store THEN f.store_id END,
       CASE WHEN s.by_channel THEN 'store' ELSE '' END,
       CASE WHEN s.by_country THEN st.country ELSE '' END,
       0, 0, 0, 0, 0, 0, 0, 0, 0, sum(f.registrations), sum(f.sold)
FROM facts f JOIN stores st ON st.id = f.store_id CROSS JOIN slices s
WHERE NOT s.by_country OR st.country <> ''
GROUP BY 2, 3, 4, 5
"""
)


_COHORTS = """
WITH orders AS ({orders}),
bought AS (
    SELECT DISTINCT customer_id, date_trunc('quarter', day)::date AS quarter
    FROM orders WHERE customer_id IS NOT NULL
),
firsts AS (SELECT customer_id, min(quarter) AS cohort FROM bought GROUP BY customer_id)
INSERT INTO {table} (brand_id, cohort, quarter, customers)
SELECT %s, f.cohort, b.quarter, count(*)
FROM bought b JOIN firsts f ON f.customer_id = b.customer_id
GROUP BY f.cohort, b.quarter
"""

_SECOND_PURCHASE = """
WITH orders AS ({orders}),
days AS (SELECT DISTINCT customer_id, day FROM orders WHERE customer_id IS NOT NULL),
walked AS (
    SELECT day, lead(day) OVER w AS next_day, row_number() OVER w AS n
    FROM days WINDOW w AS (PARTITION BY customer_id ORDER BY day)
)
INSERT INTO {table} (brand_id, days, customers)
SELECT %s, next_day - day, count(*)
FROM walked WHERE n = 1 AND next_day IS NOT NULL
GROUP BY next_day - day
"""


_SERVICES = """
WITH facts AS ({interventions})
INSERT INTO {table} (brand_id, month, store_id, kind, received, under_warranty, returned, turnaround_days)
SELECT %s, month, store_id, kind, sum(received), sum(warranty), sum(returned), sum(days)
FROM (
    SELECT date_trunc('month', received_on)::date AS month, store_id, kind, 1 AS received,
           CASE WHEN is_under_warranty THEN 1 ELSE 0 END AS warranty, 0 AS returned, 0 AS days
    FROM facts
    UNION ALL
    SELECT date_trunc('month', returned_on)::date, store_id, kind, 0, 0, 1, returned_on - received_on
    FROM facts WHERE returned_on IS NOT NULL
) f
GROUP BY month, store_id, kind
"""

_CLAIMS = """
WITH facts AS ({claims})
INSERT INTO {table} (brand_id, month, store_id, currency, submitted, claimed, paid, payout, rejected)
SELECT %s, month, store_id, currency, sum(submitted), sum(claimed), sum(paid), sum(payout), sum(rejected)
FROM (
    SELECT date_trunc('month', submitted_on)::date AS month, store_id, currency, 1 AS submitted,
           claimed, 0 AS paid, 0 AS payout, 0 AS rejected
    FROM facts
    UNION ALL
    SELECT date_trunc('month', decided_on)::date, store_id, currency, 0, 0,
           CASE WHEN is_paid THEN 1 ELSE 0 END, payout, CASE WHEN is_rejected THEN 1 ELSE 0 END
    FROM facts WHERE decided_on IS NOT NULL
) f
GROUP BY month, store_id, currency
"""

_DUE = """
WITH facts AS ({due})
INSERT INTO {table} (brand_id, store_id, due_month, pieces)
SELECT %s, store_id, due_month, count(*)
FROM (
    SELECT store_id,
           date_trunc(
               'month', coalesce(last_service, sold_on) + make_interval(months => interval_months::int)
           )::date AS due_month
    FROM facts
) f
GROUP BY store_id, due_month
"""


_MIX = """
WITH sales AS ({sales}),
products AS ({products}),
banded AS (
    SELECT p.id, p.collection, p.category, p.metal,
           CASE WHEN p.price IS NULL THEN -1
                ELSE (SELECT count(*) FROM unnest(%s::int[]) AS l(upper_limit) WHERE l.upper_limit <= p.price)
           END AS band
    FROM products p
),
facts AS (
    -- The week's sales per store, channel and country by the products' attributes (products sharing them
    -- add up here already).
    SELECT s.week, s.store_id, s.channel, s.country, p.collection, p.category, p.metal, p.band,
           sum(s.units) AS units, sum(s.revenue) AS revenue
    FROM sales s JOIN banded p ON p.id = s.product_id
    GROUP BY s.week, s.store_id, s.channel, s.country, p.collection, p.category, p.metal, p.band
),
slices AS (
    SELECT *
    FROM (VALUES (false, false), (true, false), (false, true), (true, true)) v(by_country, by_category)
),
sliced AS (
    SELECT f.*, CASE WHEN v.by_country THEN f.country ELSE '' END AS slice_country,
           CASE WHEN v.by_category THEN f.category ELSE '' END AS slice_category
    FROM facts f CROSS JOIN slices v
    WHERE NOT v.by_country OR f.country <> ''
),
grouped AS (
    -- One pass of grouping sets over the sliced weeks: one set per dimension.
    SELECT week, slice_country, slice_category,
           CASE WHEN GROUPING(collection) = 0 THEN 'collection'
                WHEN GROUPING(category) = 0 THEN 'category'
                WHEN GROUPING(metal) = 0 THEN 'metal'
                WHEN GROUPING(band) = 0 THEN 'price_band'
                WHEN GROUPING(country) = 0 THEN 'country'
                WHEN GROUPING(store_key) = 0 THEN 'store'
                WHEN GROUPING(channel) = 0 THEN 'channel'
                ELSE 'country_band' END AS dimension,
           CASE WHEN GROUPING(collection) = 0 THEN collection
                WHEN GROUPING(category) = 0 THEN category
                WHEN GROUPING(metal) = 0 THEN metal
                WHEN GROUPING(band) = 0 THEN band::text
                WHEN GROUPING(country) = 0 THEN country
                WHEN GROUPING(store_key) = 0 THEN store_key
                WHEN GROUPING(channel) = 0 THEN channel
                ELSE country_band END AS key,
           sum(units) AS units, sum(revenue) AS revenue
    FROM (
        SELECT sliced.*, coalesce(store_id::text, '') AS store_key,
               CASE WHEN country <> '' AND band >= 0 THEN country || ':' || band END AS country_band
        FROM sliced
    ) keyed
    GROUP BY GROUPING SETS (
        (week, slice_country, slice_category, collection),
        (week, slice_country, slice_category, category),
        (week, slice_country, slice_category, metal),
        (week, slice_country, slice_category, band),
        (week, slice_country, slice_category, country),
        (week, slice_country, slice_category, store_key),
        (week, slice_country, slice_category, channel),
        (week, slice_country, slice_category, country_band)
    )
)
INSERT INTO {table} (brand_id, week, country, category, dimension, key, units, revenue)
SELECT %s, week, slice_country, slice_category, dimension, coalesce(key, ''), units, revenue
FROM grouped
WHERE dimension <> 'country_band' OR key IS NOT NULL
ORDER BY dimension, slice_country, slice_category, week
"""
