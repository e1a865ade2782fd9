"""The page shell: menu per role, brand switcher, includes shared by every list and form."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from jewelcrm.accounts import navigation
from jewelcrm.accounts.navigation import NavEntry, entries_for
from tests.factories import BrandFactory, MembershipFactory, StoreFactory, UserFactory

# --- Navigation -------------------------------------------------------------------------------


@pytest.fixture
def fake_menu(monkeypatch):
    urls = {
        "accounts:dashboard": "/b/{}/",
        "accounts:intranet": "/b/{}/intranet/",
        "x:customers": "/b/{}/customers/",
        "x:customer-imports": "/b/{}/customers/imports/",
        "x:sales": "/b/{}/intranet/sales/",
        "x:settings": "/b/{}/settings/",
    }

    def fake_reverse(name, kwargs):
        if name not in urls:
            raise navigation.NoReverseMatch(name)
        return urls[name].format(kwargs["brand_slug"])

    entries = (
        NavEntry("dashboard", "Overview", "accounts:dashboard", frozenset({"owner", "marketer"}), 0),
        NavEntry("intranet", "Today", "accounts:intranet", frozenset({"sales_associate"}), 0),
        NavEntry("dashboard", "Customers", "x:customers", frozenset({"owner", "marketer"}), 10),
        NavEntry("dashboard", "Imports", "x:customer-imports", frozenset({"owner"}), 20),
        NavEntry("dashboard", "Missing", "x:not-mounted", None, 30),
        NavEntry("dashboard", "Settings", "x:settings", None, 90),
        NavEntry("intranet", "Register a sale", "x:sales", None, 10),
    )
    monkeypatch.setattr(navigation, "_entries", lambda: entries)
    monkeypatch.setattr(navigation, "reverse", fake_reverse)


def _menu(role, path, area="dashboard"):
    return [
        (i["label"], i["active"])
        for i in entries_for(area=area, role=role, brand_slug="m", current_path=path)
    ]


def test_menu_lists_the_role_s_entries_in_order_and_skips_unmounted_urls(fake_menu):
    assert _menu("owner", "/b/m/") == [
        ("Overview", True),
        ("Customers", False),
        ("Imports", False),
        ("Settings", False),
    ]
    assert _menu("marketer", "/b/m/") == [("Overview", True), ("Customers", False), ("Settings", False)]
    assert _menu("analyst", "/b/m/") == [("Settings", False)]
    assert _menu("sales_associate", "/b/m/intranet/", "intranet") == [
        ("Today", True),
        ("Register a sale", False),
    ]


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/b/m/customers/", "Customers"),
        ("/b/m/customers/42/", "Customers"),
        ("/b/m/customers/imports/7/", "Imports"),  # the longest matching entry wins
        ("/b/m/settings/users/", "Settings"),
        ("/b/m/reports/", None),  # the home entry is active on its own page only
    ],
)
def test_the_deepest_matching_entry_is_active(fake_menu, path, active):
    assert [label for label, is_active in _menu("owner", path) if is_active] == ([active] if active else [])


# --- Header ----------------------------------------------------------------------------------


def _switcher_links(html):
    match = re.search(r'<details class="dropdown brand-switch">(.*?)</details>', html, re.S)
    if not match:
        return None
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)<small>', match.group(1))


@pytest.mark.django_db
def test_brand_switcher_lists_only_the_user_s_own_brands(client):
    aurore = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    leman = BrandFactory(name="Horlogerie Léman", slug="horlogerie-leman")
    BrandFactory(name="Not Mine", slug="not-mine")
    dealer = UserFactory(email="dealer@example.test")
    MembershipFactory(brand=aurore, user=dealer, role="owner")
    MembershipFactory(brand=leman, user=dealer, role="sales_associate", store=StoreFactory(brand=leman))
    client.force_login(dealer)

    html = client.get("/b/maison-aurore/").content.decode()

    assert _switcher_links(html) == [
        ("/b/horlogerie-leman/intranet/", "Horlogerie Léman "),
        ("/b/maison-aurore/", "Maison Aurore "),
    ]
    assert 'href="/b/maison-aurore/" aria-current="true"' in html
    assert "Not Mine" not in html


@pytest.mark.django_db
def test_single_brand_user_sees_the_brand_name_without_a_switcher(owner_client, brand, other_brand):
    html = owner_client.get(f"/b/{brand.slug}/").content.decode()
    assert _switcher_links(html) is None
    assert '<span class="brand-name brand-switch-single">Maison Test</span>' in html
    assert other_brand.name not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path", "area_label", "home_label"),
    [
        ("owner", "", "Brand dashboard", "Overview"),
        ("sales_associate", "intranet/", "Store intranet", "Today"),
    ],
)
def test_shell_is_accessible_and_free_of_inline_code(client_for, brand, role, path, area_label, home_label):
    client = client_for(brand, role)
    response = client.get(f"/b/{brand.slug}/{path}")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<main id="main"' in html
    assert f'<p class="nav-area">{area_label}</p>' in html
    assert f'aria-current="page">{home_label}</a>' in html
    assert 'aria-controls="mainnav" aria-expanded="false"' in html
    assert "style=" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"\son[a-z]+=", html) == []
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_dashboard_menu_is_grouped_under_headings_in_both_languages(client_for, brand):
    """Every dashboard entry but the home sits under a heading; each heading appears once, in GROUPS'
    order, so a marketer scans five sections rather than thirty links."""
    entries = entries_for(area="dashboard", role="owner", brand_slug=brand.slug, current_path="/")
    assert entries[0]["label"] == "Overview" and entries[0]["group"] == ""
    headings = [str(e["group"]) for e in entries[1:]]
    assert "" not in headings
    runs = [h for i, h in enumerate(headings) if i == 0 or h != headings[i - 1]]
    assert runs == [str(label) for label in navigation.GROUPS.values() if label]
    html = client_for(brand, "owner").get(f"/b/{brand.slug}/").content.decode()
    assert re.findall(r'<p class="nav-group">([^<]+)</p>', html) == runs
    french = (
        client_for(brand, "marketer").get(f"/b/{brand.slug}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    assert re.findall(r'<p class="nav-group">([^<]+)</p>', french)[:3] == [
        "Clients et segments",
        "Marketing",
        "Analyses",
    ]


def test_an_entry_with_an_unknown_group_is_refused():
    with pytest.raises(ValueError, match="unknown group"):
        NavEntry("dashboard", "Reports", "x:reports", None, 10, group="reports")


@pytest.mark.django_db
def test_anonymous_pages_have_no_menu_and_no_account_menu(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'id="mainnav"' not in html
    assert 'data-testid="account-menu"' not in html
    assert 'data-testid="language-switcher"' in html


# --- Includes --------------------------------------------------------------------------------


def _render_pagination(query, number, count=95, per_page=10):
    request = RequestFactory().get("/b/m/customers/", query)
    page = Paginator(list(range(count)), per_page).get_page(number)
    return render_to_string("includes/pagination.html", {"page_obj": page}, request=request)


def test_pagination_keeps_the_other_query_parameters():
    html = _render_pagination({"q": "ring", "store": "3", "page": "4"}, 4)
    assert "95 results" in html
    assert 'aria-current="page">4 of 10</span>' in html
    assert 'href="?q=ring&amp;store=3&amp;page=3" rel="prev"' in html
    assert 'href="?q=ring&amp;store=3&amp;page=5" rel="next"' in html
    assert 'class="edge" href="?q=ring&amp;store=3&amp;page=1" aria-label="First page"' in html
    assert 'class="edge" href="?q=ring&amp;store=3&amp;page=10" aria-label="Last page"' in html


def test_pagination_on_the_first_and_only_pages():
    first = _render_pagination({}, 1)
    assert 'rel="prev"' not in first and "First page" not in first
    assert 'href="?page=2" rel="next"' in first
    single = _render_pagination({}, 1, count=1)
    assert "1 result" in single and "1 results" not in single
    assert 'class="pages"' not in single


class _SaleForm(forms.Form):
    email = forms.EmailField(label="E-mail", help_text="The owner's address.")
    is_gift = forms.BooleanField(label="Gift", required=False)
    channel = forms.ChoiceField(
        label="Channel", choices=[("email", "E-mail"), ("sms", "SMS")], widget=forms.RadioSelect
    )


def test_form_field_shows_label_help_and_errors_next_to_the_field():
    form = _SaleForm(data={"email": "not-an-address"})
    html = render_to_string("includes/form_field.html", {"field": form["email"], "class": "full"})
    assert '<div class="field has-error full" data-field="email">' in html
    assert '<label for="id_email">E-mail <span class="required" aria-hidden="true">*</span></label>' in html
    assert 'aria-invalid="true"' in html
    assert '<span class="help" id="id_email_helptext">The owner&#x27;s address.</span>' in html
    assert (
        '<ul class="errorlist" id="id_email_errors" role="alert"><li>Enter a valid email address.</li></ul>'
        in html
    )


def test_form_field_puts_checkboxes_inside_their_label_and_groups_radios():
    form = _SaleForm()
    checkbox = render_to_string("includes/form_field.html", {"field": form["is_gift"]})
    assert re.search(
        r'<label for="id_is_gift"><input type="checkbox" name="is_gift" id="id_is_gift"> Gift</label>',
        checkbox,
    )
    radios = render_to_string("includes/form_field.html", {"field": form["channel"]})
    assert "<legend>Channel" in radios
    assert radios.count('<input type="radio" name="channel"') == 2


@pytest.mark.django_db
def test_brand_switcher_queries_once_per_request_and_only_when_rendered(
    django_assert_num_queries, client_for, brand
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jewelcrm.accounts.context_processors import navigation as navigation_context

    membership = client_for(brand, "owner").membership
    request = RequestFactory().get(f"/b/{brand.slug}/")
    request.user = membership.user
    request.brand = brand
    request.membership = membership

    with django_assert_num_queries(0):
        context = navigation_context(request)  # nothing is fetched until a template reads it
    with CaptureQueriesContext(connection) as first:
        rows = list(context["brand_switch"])
    with django_assert_num_queries(0):
        assert list(navigation_context(request)["brand_switch"]) == rows  # cached on the request
    assert sum("accounts_membership" in q["sql"] for q in first.captured_queries) == 1
    assert rows == [
        {"name": "Maison Test", "url": "/b/maison-test/", "role": "Brand owner", "store": "", "current": True}
    ]


def test_the_500_page_renders_without_the_user_or_the_database():
    class Exploding:
        def __getattr__(self, name):
            raise RuntimeError("the session store is down")

    request = RequestFactory().get("/b/m/")
    request.user = Exploding()
    html = render_to_string("500.html", request=request)
    assert "<h1>Something went wrong</h1>" in html
    assert "/static/css/app.css" in html
