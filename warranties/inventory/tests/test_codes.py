"""Public codes: format, randomness, normalisation, and the check symbol catching typing errors."""

import random
from types import SimpleNamespace

import pytest

from warranties.inventory.codes import (
    ALPHABET,
    public_code_new,
    public_code_normalise,
    public_code_prefix,
)

BRAND = SimpleNamespace(code_prefix="AUR")
rng = random.Random(20261123)


def _body(code: str) -> str:
    return code.replace("-", "")[len("AUR") :]


def test_format_is_prefix_and_four_groups_of_four():
    code = public_code_new(brand=BRAND)
    parts = code.split("-")
    assert parts[0] == "AUR"
    assert [len(p) for p in parts[1:]] == [4, 4, 4, 4]
    assert set(_body(code)) <= set(ALPHABET)
    assert not set(_body(code)) & set("ILOU")
    assert public_code_normalise(code) == code
    assert public_code_prefix(code) == "AUR"


def test_codes_carry_at_least_64_random_bits():
    # 15 random symbols of 5 bits; 2,000 codes never collide and use every symbol of the alphabet.
    codes = {public_code_new(brand=BRAND) for _ in range(2000)}
    assert len(codes) == 2000
    assert set("".join(_body(c)[:15] for c in codes)) == set(ALPHABET)
    assert 15 * 5 >= 64


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{lower}",
        "{nodash}",
        "  {spaced}  ",
        "{lower_nodash}",
        "http://127.0.0.1:8000/i/{code}",
        "https://crm.example/i/{code}/?utm_source=qr#top",
        "HTTPS://CRM.EXAMPLE/I/{lower}",
    ],
)
def test_normalise_accepts_what_people_type(typed):
    code = public_code_new(brand=BRAND)
    raw = typed.format(
        code=code,
        lower=code.lower(),
        nodash=code.replace("-", ""),
        spaced=code.replace("-", " "),
        lower_nodash=code.replace("-", "").lower(),
    )
    assert public_code_normalise(raw) == code


def test_normalise_reads_ambiguous_letters_as_digits():
    for _ in range(200):
        code = public_code_new(brand=BRAND)
        if "0" in _body(code) or "1" in _body(code):
            break
    body = _body(code)
    typed = "AUR" + body.replace("0", "o").replace("1", "l")
    assert public_code_normalise(typed) == code
    typed = "AUR" + body.replace("1", "I")
    assert public_code_normalise(typed) == code


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "AUR",
        "AUR-1234",
        "AUR-XXXX-XXXX-XXXX-XXXU",
        "TOOLONGPREFIX" + "0" * 16,
        "AUR-!!!!-0000-0000-0000",
    ],
)
def test_normalise_rejects_malformed_codes(raw):
    assert public_code_normalise(raw) is None


def test_every_single_character_substitution_is_caught():
    missed = []
    for _ in range(300):
        code = public_code_new(brand=BRAND)
        body = _body(code)
        for position in range(len(body)):
            for symbol in ALPHABET:
                if symbol == body[position]:
                    continue
                typo = body[:position] + symbol + body[position + 1 :]
                if public_code_normalise("AUR" + typo) is not None:
                    missed.append((code, position, symbol))
    assert missed == []


def test_every_adjacent_transposition_is_caught():
    missed, tried = [], 0
    for _ in range(1000):
        body = _body(public_code_new(brand=BRAND))
        for position in range(len(body) - 1):
            a, b = body[position], body[position + 1]
            if a == b:
                continue
            tried += 1
            swapped = body[:position] + b + a + body[position + 2 :]
            if public_code_normalise("AUR" + swapped) is not None:
                missed.append(body)
    assert tried > 10_000
    assert missed == []


def test_random_garbage_almost_never_passes_the_check():
    passed = sum(
        public_code_normalise("AUR" + "".join(rng.choice(ALPHABET) for _ in range(16))) is not None
        for _ in range(20_000)
    )
    # One chance in 32 for a random string; far from every string passing.
    assert 400 < passed < 900


def test_prefix_of_typed_code():
    code = public_code_new(brand=SimpleNamespace(code_prefix="LMN"))
    assert public_code_prefix(code.lower().replace("-", "")) == "LMN"
    assert public_code_prefix("short") == ""


def test_qr_svg_is_inline_markup_without_styles():
    from warranties.inventory.qr import qr_svg

    svg = qr_svg("https://crm.example/i/AUR-0000-0000-0000-0000")
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "style=" not in svg and 'id="' not in svg
    assert 'role="img"' in svg


def test_qr_png_when_pillow_is_present():
    from warranties.inventory import qr

    if not hasattr(qr, "qr_png"):
        pytest.skip("Pillow is not installed")
    assert qr.qr_png("https://crm.example/i/AUR").startswith(b"\x89PNG\r\n\x1a\n")
