"""Every string is translated, and the pages really render in French.

(a) Every django.po of the repository has no empty msgstr and no fuzzy entry: the failure lists each
    file, line and msgid still to translate, whoever owns it.
(b) With the language cookie set to fr, the sign-in page and the dashboard render in French.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.ui.pofile import parse, po_files

ROOT = Path(settings.BASE_DIR)
PO_FILES = po_files(ROOT)


def _gaps(path: Path, name: str) -> list[str]:
    """One line per untranslated or fuzzy message: "<name>:<line>: <problem>: <msgid>"."""
    gaps = []
    for entry in parse(path):
        where = f"{name}:{entry.line}"
        if entry.is_header:
            if "fuzzy" in entry.flags:
                gaps.append(f'{where}: the header is marked fuzzy (remove "#, fuzzy" above msgid "")')
            continue
        if "fuzzy" in entry.flags:
            gaps.append(f"{where}: fuzzy: {entry.msgid!r}")
        elif not entry.is_translated:
            gaps.append(f"{where}: empty msgstr: {entry.msgid!r}")
    return gaps


def test_the_project_catalogue_exists_and_is_compiled():
    po = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert po in PO_FILES
    assert mo.exists(), "run `manage.py compilemessages` and commit locale/fr/LC_MESSAGES/django.mo"
    assert len(parse(po)) > 30


def test_the_project_catalogue_holds_no_strings_of_apps_with_their_own_catalogue():
    # makemessages run inside an app that has no locale/ yet writes into the project's catalogue.
    po = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    app_roots = [path.parents[3] for path in PO_FILES if path != po]
    strays = sorted(
        {
            reference.rsplit(":", 1)[0]
            for entry in parse(po)
            for reference in entry.references
            if any((ROOT / reference.rsplit(":", 1)[0]).is_relative_to(app) for app in app_roots)
        }
    )
    assert strays == [], (
        "strings of apps with their own locale/ in locale/fr/LC_MESSAGES/django.po: " + ", ".join(strays)
    )


@pytest.mark.parametrize("path", PO_FILES, ids=[str(p.relative_to(ROOT)) for p in PO_FILES])
def test_every_message_is_translated(path):
    name = str(path.relative_to(ROOT))
    gaps = _gaps(path, name)
    assert gaps == [], f"{len(gaps)} untranslated message(s) in {name}:\n" + "\n".join(gaps)


def test_the_gap_finder_reports_empty_and_fuzzy_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.html:1\nmsgid "Done"\nmsgstr "Fait"\n\n'
        '#: a.html:2\nmsgid "Empty"\nmsgstr ""\n\n'
        '#: a.html:3\n#, fuzzy\nmsgid "Guess"\nmsgstr "Devinette"\n\n'
        '#: a.html:4\nmsgid "%(n)s item"\nmsgid_plural "%(n)s items"\n'
        'msgstr[0] "%(n)s pièce"\nmsgstr[1] ""\n\n'
        '#: a.html:5\nmsgid ""\n"Long "\n"text"\nmsgstr ""\n"Texte "\n"long"\n',
        encoding="utf-8",
    )
    entries = parse(po)
    assert [e.msgid for e in entries] == ["", "Done", "Empty", "Guess", "%(n)s item", "Long text"]
    assert entries[5].msgstr == {0: "Texte long"}
    assert _gaps(po, "x.po") == [
        "x.po:10: empty msgstr: 'Empty'",
        "x.po:15: fuzzy: 'Guess'",
        "x.po:19: empty msgstr: '%(n)s item'",
    ]


def _french(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "no <h1> on the page"
    return re.sub(r"\s+", " ", match.group(1)).strip()


@pytest.mark.django_db
def test_sign_in_page_renders_in_french_with_the_language_cookie(client):
    _french(client)
    response = client.get("/accounts/login/")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<html lang="fr"' in html
    assert "Aller au contenu" in html
    assert "Garantie numérique et relation client pour les maisons de joaillerie et d’horlogerie" in html
    assert 'aria-label="FR · Français" aria-pressed="true"' in html
    # The page's own words come from the accounts catalogue.
    assert _h1(html) == "Se connecter"
    assert ">Mot de passe</label>" in html
    assert ">Se connecter</button>" in html


@pytest.mark.django_db
def test_sign_in_page_stays_english_without_the_cookie(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en"' in html
    assert "Skip to content" in html
    assert _h1(html) == "Sign in"


@pytest.mark.django_db
def test_dashboard_renders_in_french_with_the_language_cookie(owner_client, brand):
    _french(owner_client)
    response = owner_client.get(f"/b/{brand.slug}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<html lang="fr"' in html
    assert "Aller au contenu" in html
    assert ">Tableau de bord de la marque<" in html
    assert ">Se déconnecter<" in html
    assert 'aria-label="Principal"' in html
    assert _h1(html) == "Tableau de bord Maison Test"


@pytest.mark.django_db
def test_intranet_menu_heading_is_french(retailer_client, brand):
    _french(retailer_client)
    html = retailer_client.get(f"/b/{brand.slug}/intranet/").content.decode()
    assert ">Intranet boutique<" in html


@pytest.mark.django_db
def test_error_page_renders_in_french(client):
    _french(client)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert _h1(html) == "Page introuvable"
    assert "Cette page n’existe pas ou ne vous est pas accessible." in html


@pytest.mark.django_db
def test_language_switcher_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert _h1(client.get("/accounts/login/").content.decode()) == "Se connecter"
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert _h1(client.get("/accounts/login/").content.decode()) == "Sign in"


# Words that are spelt the same in English and French.
SAME_IN_FRENCH = {
    "Catalogue",
    "Segmentation",
    "Menu",
    "Imports",
    "Stock",
    "Design",
    "Newsletter",
    "Portfolio",
}


def test_every_menu_entry_has_a_french_label():
    from jewelcrm.accounts.navigation import _entries

    missing = []
    for entry in _entries():
        english = str(entry.label)
        with translation.override("fr"):
            french = str(entry.label)
        if french == english and english not in SAME_IN_FRENCH:
            missing.append(f"{entry.area}: {english!r} ({entry.url_name})")
    assert missing == [], "menu entries without a French label:\n" + "\n".join(missing)
