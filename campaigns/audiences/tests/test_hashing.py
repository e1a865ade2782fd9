from types import SimpleNamespace

import pytest

from campaigns.audiences import hashing

# Digests computed outside Python (printf '%s' VALUE | sha256sum).
TEST_EMAIL = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"
PHONE_33612345678 = "8a3e7886c9335e82e02299fa3e87b46e2de3b0c63d56003e30a5029394a47661"
HELENE = "1a614fda1b9477d9caaa3d6a4eb41fdaafbc920ee6af3bbee1570b288f2765cf"
WEBER = "42258bfc34d01f0078c5c25148b235ea9f7a67fbd6ab5ac4efdacaf310825022"
FR = "67ad8f41a7bb0a18c45f3efd8f6a32bdcd832bcf8f3f2eb44006c03d53076e18"
ZIP_75008 = "90ec8b854deaf7b1a4e042dd5560f41bb54c0c8bea490d467827c51fe710aede"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Test@Example.COM ", "test@example.com"),
        ("test@example.com", "test@example.com"),
        ("not-an-email", ""),
        ("a@b", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_email_is_trimmed_and_lower_case(raw, expected):
    assert hashing.normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "country", "e164", "meta"),
    [
        ("+33 6 12 34 56 78", "FR", "+33612345678", "33612345678"),
        ("06 12 34 56 78", "FR", "+33612345678", "33612345678"),  # national form, the customer's country
        ("0033612345678", "FR", "+33612345678", "33612345678"),
        ("(415) 555-2671", "US", "+14155552671", "14155552671"),
        ("12", "FR", "", ""),
        ("call me", "FR", "", ""),
        ("", "FR", "", ""),
    ],
)
def test_phone_is_e164_then_digits(raw, country, e164, meta):
    assert hashing.phone_e164(raw, country) == e164
    assert hashing.normalise_phone(raw, country) == meta


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Hélène ", "hélène"),
        ("Anne-Marie", "annemarie"),
        ("O'Neil", "oneil"),
        ("Jean Paul", "jeanpaul"),
        ("", ""),
    ],
)
def test_names_are_lower_case_letters_only(raw, expected):
    assert hashing.normalise_name(raw) == expected


def test_country_and_postcode():
    assert hashing.normalise_country("FR") == "fr"
    assert hashing.normalise_country("France") == ""
    assert hashing.normalise_postal_code(" 75 008 ", "FR") == "75008"
    assert hashing.normalise_postal_code("SW1A 1AA", "GB") == "sw1a1aa"
    assert hashing.normalise_postal_code("94105-1234", "US") == "94105"


def test_hashed_identifiers_of_a_customer():
    customer = SimpleNamespace(
        email=" Test@Example.com",
        phone="+33612345678",
        first_name="Hélène",
        last_name="WEBER",
        country="FR",
        postal_code="75008",
    )
    hashed = hashing.hashed_identifiers(customer)
    assert hashed.row() == [TEST_EMAIL, PHONE_33612345678, HELENE, WEBER, FR, ZIP_75008]
    assert hashed.is_matchable


def test_missing_values_stay_empty_and_names_alone_do_not_match():
    customer = SimpleNamespace(
        email="", phone="", first_name="Hélène", last_name="", country="", postal_code=""
    )
    hashed = hashing.hashed_identifiers(customer)
    assert hashed.row() == ["", "", HELENE, "", "", ""]
    assert not hashed.is_matchable
