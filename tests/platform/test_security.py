"""Security headers, CSRF failures and the custom error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz"])
def test_responses_carry_the_security_headers(url):
    response = Client().get(url)
    csp = _csp(response)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["script-src"][0] == "'self'"
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_brand_pages_carry_them_too(owner_client, brand):
    response = owner_client.get(f"/b/{brand.slug}/")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in _csp(response)["script-src"]
    assert response["X-Frame-Options"] == "DENY"


def _templates() -> list[Path]:
    found = []
    for base in ("templates", "jewelcrm", "customers", "warranties", "segmentation", "campaigns"):
        found.extend(p for p in (ROOT / base).rglob("*.html") if "node_modules" not in p.parts)
    return sorted(found)


def _without_comments(text: str) -> str:
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
    text = re.sub(r"{#.*?#}", "", text, flags=re.S)
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def test_no_template_has_an_inline_script_handler_or_style():
    """The CSP would block them in the browser; catch them here instead."""
    offenders = []
    for template in _templates():
        text = _without_comments(template.read_text())
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
            if (
                "src=" not in tag
                and 'type="application/json"' not in tag
                and "type='application/json'" not in tag
            ):
                offenders.append(f"{template.relative_to(ROOT)}: inline <script>")
        # E-mails are read by mail clients, which need inline styles and never see the CSP.
        is_email = "email" in template.relative_to(ROOT).parts
        if not is_email and re.search(r"\sstyle=[\"']", text, flags=re.I):
            offenders.append(f"{template.relative_to(ROOT)}: style attribute")
        if re.search(r"\son(click|load|submit|change|input)=", text, flags=re.I):
            offenders.append(f"{template.relative_to(ROOT)}: inline event handler")
    assert offenders == []


# --- CSRF ------------------------------------------------------------------------------------


def test_a_missing_csrf_token_gets_the_form_expired_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a@example.test", "password": "x"})
    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "403_csrf.html"
    assert "Form expired" in response.content.decode()


def test_a_tampered_csrf_token_gets_the_form_expired_page_in_french():
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"username": "a@example.test", "password": "x", "csrfmiddlewaretoken": "A" * 64},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "403_csrf.html"
    assert "Formulaire expiré" in response.content.decode()
    assert "CSRF verification failed" not in response.content.decode()


# --- error pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "template", "text"),
    [
        (400, "400.html", "Bad request"),
        (403, "403.html", "Access denied"),
        (404, "404.html", "Page not found"),
        (500, "500.html", "Something went wrong"),
    ],
)
def test_error_pages_render_with_their_status_and_no_details(settings, status, template, text):
    settings.ROOT_URLCONF = "tests.platform.urls"
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get(f"/test-errors/{status}/")
    body = response.content.decode()
    assert response.status_code == status
    assert template in [t.name for t in response.templates]
    assert text in body
    assert "secret detail" not in body
    assert "Traceback" not in body and "RuntimeError" not in body
    assert "'unsafe-inline'" not in _csp(response)["script-src"]


def test_an_unknown_url_gets_the_404_page():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- cookies ---------------------------------------------------------------------------------


def test_session_and_csrf_cookies_are_http_only_or_same_site(brand):
    from tests.factories import MembershipFactory

    user = MembershipFactory(brand=brand, role="owner").user
    client = Client()
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"username": user.email, "password": "correct-horse-battery"},
        REMOTE_ADDR="10.9.9.9",
    )
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert client.cookies[settings.CSRF_COOKIE_NAME]["samesite"] == "Lax"
