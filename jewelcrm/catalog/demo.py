"""Demo catalogues: Maison Aurore's fine jewellery (about 50 references), Horlogerie Léman's watches (30)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jewelcrm.catalog.models import Category, Product
from jewelcrm.demo import DemoContext

# (collection, code letter, name EN, name FR)
AURORE_COLLECTIONS = [
    ("Aurore", "A", "Aurore", "Aurore"),
    ("Céleste", "C", "Céleste", "Céleste"),
    ("Lien", "L", "Lien", "Lien"),
    ("Étoile du Nord", "E", "North Star", "Étoile du Nord"),
    ("Lierre", "I", "Ivy", "Lierre"),
    ("Perle de Pluie", "P", "Raindrop Pearl", "Perle de Pluie"),
]
# (category, reference prefix, EN noun, FR noun, price range in EUR)
AURORE_PIECES = [
    (Category.RING, "BA", "ring", "Bague", (900, 9800)),
    (Category.BRACELET, "BR", "bracelet", "Bracelet", (700, 6400)),
    (Category.CHARM, "CH", "charm", "Breloque", (180, 950)),
    (Category.NECKLACE, "CO", "necklace", "Collier", (850, 12500)),
    (Category.EARRINGS, "BO", "earrings", "Boucles d'oreilles", (480, 5200)),
    (Category.PENDANT, "PE", "pendant", "Pendentif", (390, 3900)),
]
METALS = ["Or jaune 18 carats", "Or blanc 18 carats", "Or rose 18 carats", "Platine", "Argent 925"]
# (French as the ERP writes it, English)
STONES = [
    ("", ""),
    ("Diamant", "diamond"),
    ("Saphir", "sapphire"),
    ("Émeraude", "emerald"),
    ("Rubis", "ruby"),
    ("Perle de culture", "cultured pearl"),
    ("Diamants pavés", "pavé diamonds"),
    ("", ""),
]

LEMAN_LINES = [
    ("Lac", "LAC", "Lac", "Lac", (3200, 9800)),
    ("Rhône", "RHO", "Rhône", "Rhône", (4500, 14500)),
    ("Mont-Blanc", "MTB", "Mont-Blanc", "Mont-Blanc", (6800, 24000)),
    ("Chronographe 1887", "C87", "Chronograph 1887", "Chronographe 1887", (9500, 38000)),
    ("Dame du Lac", "DDL", "Lady of the Lake", "Dame du Lac", (3800, 16500)),
]
LEMAN_VARIANTS = [
    ("36 mm steel", "36 mm acier", "Acier 316L"),
    ("39 mm steel", "39 mm acier", "Acier 316L"),
    ("39 mm rose gold", "39 mm or rose", "Or rose 18 carats"),
    ("41 mm titanium", "41 mm titane", "Titane grade 5"),
    ("41 mm white gold", "41 mm or blanc", "Or blanc 18 carats"),
    ("42 mm platinum", "42 mm platine", "Platine 950"),
]


def _aurore(ctx: DemoContext) -> list[dict[str, Any]]:
    rows = []
    number = 1000
    for c_index, (collection, letter, name_en, name_fr) in enumerate(AURORE_COLLECTIONS):
        for p_index, (category, prefix, noun_en, noun_fr, (low, high)) in enumerate(AURORE_PIECES):
            # Not every collection has every piece: 6 x 6 minus a few, plus variants below (about 50).
            if (c_index + p_index) % 5 == 4:
                continue
            variants = (
                2 if category in (Category.RING, Category.CHARM, Category.BRACELET, Category.EARRINGS) else 1
            )
            for variant in range(variants):
                number += 7
                stone, stone_en = STONES[(c_index * 3 + p_index + variant) % len(STONES)]
                price = Decimal(ctx.rng.randrange(low, high, 10))
                suffix_en, suffix_fr = "", ""
                if variant:
                    suffix_en = f" with {stone_en}" if stone else ", large model"
                    suffix_fr = f" {stone.lower()}" if stone else " grand modèle"
                rows.append(
                    {
                        "reference": f"{prefix}-{letter}{number}",
                        "collection": collection,
                        "category": category,
                        "name_en": f"{name_en} {noun_en}{suffix_en}",
                        "name_fr": f"{noun_fr} {name_fr}{suffix_fr}",
                        "metal": METALS[(c_index + p_index + variant) % len(METALS)],
                        "stones": stone,
                        "price": price,
                        "currency": "EUR",
                        "warranty_months": 24,
                        "service_interval_months": 36
                        if category in (Category.RING, Category.BRACELET)
                        else None,
                    }
                )
    return rows


def _leman(ctx: DemoContext) -> list[dict[str, Any]]:
    rows = []
    for l_index, (line, code, name_en, name_fr, (low, high)) in enumerate(LEMAN_LINES):
        for v_index, (variant_en, variant_fr, metal) in enumerate(LEMAN_VARIANTS):
            price = Decimal(ctx.rng.randrange(low, high, 50)) * (
                2 if "gold" in variant_en or "platinum" in variant_en else 1
            )
            rows.append(
                {
                    "reference": f"{code}.{39 + v_index}{l_index}.{100 + v_index * 11}",
                    "collection": line,
                    "category": Category.WATCH,
                    "name_en": f"{name_en} {variant_en}",
                    "name_fr": f"{name_fr} {variant_fr}",
                    "metal": metal,
                    "stones": "Diamants" if line == "Dame du Lac" and v_index % 2 else "",
                    "price": price,
                    "currency": "CHF",
                    "warranty_months": 60,
                    "service_interval_months": 48,
                }
            )
    return rows


def seed(ctx: DemoContext) -> None:
    rows = _aurore(ctx) if ctx.profile.get("kind") != "watches" else _leman(ctx)
    existing = set(Product.objects.filter(brand=ctx.brand).values_list("reference", flat=True))
    Product.objects.bulk_create(
        [Product(brand=ctx.brand, **row) for row in rows if row["reference"] not in existing]
    )
    products = list(Product.objects.filter(brand=ctx.brand).order_by("reference"))
    _photos(ctx, products)
    _complements(ctx, products)
    ctx.shared["products"] = products


# Colours of the demo's drawn pieces: metal, then stone.
_METALS = {"watch": (70, 74, 82), "default": (201, 162, 39)}
_STONES = [(220, 235, 250), (155, 17, 30), (15, 82, 186), (80, 200, 120), (245, 245, 245)]


def demo_photo(*, category: str, seed: int, size: int = 640) -> bytes:
    """A simple drawing of a piece (a ring, a pendant, a watch face…) made with Pillow: the demo's
    product photos, without the network."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), (246, 242, 236))
    draw = ImageDraw.Draw(image)
    metal = _METALS.get(category, _METALS["default"])
    stone = _STONES[seed % len(_STONES)]
    c, r = size // 2, size // 4
    if category == "watch":
        draw.rectangle([c - r // 3, 20, c + r // 3, size - 20], fill=(60, 40, 30))
        draw.ellipse([c - r, c - r, c + r, c + r], fill=metal)
        draw.ellipse([c - r + 18, c - r + 18, c + r - 18, c + r - 18], fill=(250, 250, 248))
        draw.line([c, c, c, c - r + 40], fill=(20, 20, 20), width=6)
        draw.line([c, c, c + r // 2, c], fill=(20, 20, 20), width=6)
    elif category in ("necklace", "pendant"):
        draw.arc([c - 2 * r, 10 - 2 * r, c + 2 * r, c + r // 2], 20, 160, fill=metal, width=6)
        diamond = [(c, c + r), (c - r // 2, c), (c, c - r // 3), (c + r // 2, c)]
        draw.polygon(diamond, fill=stone, outline=metal)
    elif category in ("bracelet", "charm"):
        draw.ellipse([c - int(1.6 * r), c - r, c + int(1.6 * r), c + r], outline=metal, width=22)
        draw.ellipse([c - 24, c + r - 34, c + 24, c + r + 14], fill=stone, outline=metal, width=4)
    else:  # rings, earrings and the rest
        draw.ellipse([c - r, c - r // 2, c + r, c + int(1.5 * r)], outline=metal, width=26)
        draw.polygon([(c, c - r), (c - r // 2, c - r // 2 - 10), (c + r // 2, c - r // 2 - 10)], fill=stone)
        draw.ellipse([c - r // 2, c - r - r // 2, c + r // 2, c - r // 2], fill=stone, outline=metal, width=5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _photos(ctx: DemoContext, products: list[Product]) -> None:
    """A drawn photo and its thumbnail for each product that has none (catalog.photos, as an upload)."""
    from jewelcrm.catalog.photos import product_photo_store

    for n, product in enumerate(products):
        if product.photo:
            continue
        data = demo_photo(category=product.category, seed=n)
        product_photo_store(brand=ctx.brand, product=product, data=data)
        product.save(update_fields=["photo", "photo_thumbnail"])


def _complements(ctx: DemoContext, products: list[Product]) -> None:
    """Charms go with the bracelets of their collection, earrings with the rings, pendants with necklaces."""
    through = Product.complements.through
    by_collection: dict[str, dict[str, list[Product]]] = {}
    for product in products:
        by_collection.setdefault(product.collection, {}).setdefault(product.category, []).append(product)
    links = []
    for pieces in by_collection.values():
        for bracelet in pieces.get(Category.BRACELET, []):
            links += [(bracelet, charm) for charm in pieces.get(Category.CHARM, [])]
        for ring in pieces.get(Category.RING, []):
            links += [(ring, earrings) for earrings in pieces.get(Category.EARRINGS, [])]
        for necklace in pieces.get(Category.NECKLACE, []):
            links += [(necklace, pendant) for pendant in pieces.get(Category.PENDANT, [])]
    through.objects.bulk_create(
        [through(brand_id=a.brand_id, from_product_id=a.pk, to_product_id=b.pk) for a, b in links],
        ignore_conflicts=True,
    )
