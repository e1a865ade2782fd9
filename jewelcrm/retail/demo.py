"""Demo retail network: own boutiques, corners and authorised dealers in several countries and currencies."""

from jewelcrm.demo import DemoContext
from jewelcrm.retail.models import Retailer, Store

NETWORKS = {
    "maison-aurore": [
        ("PAR-VDM", "Boutique Place Vendôme", "boutique", "Maison Aurore (own)", "Paris", "75001", "FR", "EUR", "Europe/Paris", "FR"),
        ("PAR-GL", "Corner Galeries", "corner", "Galeries Haussmann SA", "Paris", "75009", "FR", "EUR", "Europe/Paris", "FR"),
        ("LYO-01", "Bijouterie Bellecour", "authorised_dealer", "Bijouterie Bellecour SARL", "Lyon", "69002", "FR", "EUR", "Europe/Paris", "FR"),
        ("GVA-01", "Joaillerie du Rhône", "authorised_dealer", "Rhône Joaillerie SA", "Genève", "1204", "CH", "CHF", "Europe/Zurich", "CH"),
        ("LON-01", "Aurore Bond Street", "boutique", "Maison Aurore (own)", "London", "W1S 1SR", "GB", "GBP", "Europe/London", "GB"),
        ("NYC-01", "Aurore Madison", "boutique", "Maison Aurore (own)", "New York", "10022", "US", "USD", "America/New_York", "US"),
        ("DXB-01", "Gulf Jewels Dubai Mall", "authorised_dealer", "Gulf Jewels LLC", "Dubai", "00000", "AE", "AED", "Asia/Dubai", "AE"),
        ("TYO-01", "Ginza Aurore", "authorised_dealer", "Ginza Fine Jewels KK", "Tokyo", "104-0061", "JP", "JPY", "Asia/Tokyo", "JP"),
        ("WEB-EU", "E-shop Europe", "eshop", "Maison Aurore (own)", "Paris", "75001", "FR", "EUR", "Europe/Paris", "EU"),
    ],
    "horlogerie-leman": [
        ("GVA-RH", "Manufacture Boutique Rhône", "boutique", "Horlogerie Léman (own)", "Genève", "1204", "CH", "CHF", "Europe/Zurich", "CH"),
        ("ZRH-01", "Uhren Bahnhofstrasse", "authorised_dealer", "Bahnhof Uhren AG", "Zürich", "8001", "CH", "CHF", "Europe/Zurich", "CH"),
        ("PAR-01", "Horlogerie Saint-Honoré", "authorised_dealer", "Saint-Honoré Heures SAS", "Paris", "75008", "FR", "EUR", "Europe/Paris", "FR"),
        ("MUC-01", "Uhrenhaus Maximilian", "authorised_dealer", "Maximilian Zeit GmbH", "München", "80539", "DE", "EUR", "Europe/Berlin", "DE"),
        ("HKG-01", "Léman Canton Road", "boutique", "Horlogerie Léman (own)", "Hong Kong", "", "HK", "HKD", "Asia/Hong_Kong", "HK"),
        ("SIN-01", "Orchard Timepieces", "authorised_dealer", "Orchard Time Pte Ltd", "Singapore", "238859", "SG", "SGD", "Asia/Singapore", "SG"),
    ],
}


def seed(ctx: DemoContext) -> None:
    stores = {}
    for code, name, kind, retailer_name, city, postal, country, currency, tz, market in NETWORKS[ctx.brand.slug]:
        retailer, _ = Retailer.objects.get_or_create(
            brand=ctx.brand, name=retailer_name, defaults={"is_own": "(own)" in retailer_name}
        )
        store, _ = Store.objects.update_or_create(
            brand=ctx.brand, code=code,
            defaults={
                "retailer": retailer, "name": name, "type": kind, "city": city, "postal_code": postal,
                "country": country, "currency": currency, "time_zone": tz, "market": market,
                "address": f"{10 + len(stores) * 7} {name.split()[-1]}",
            },
        )
        stores[code] = store
    ctx.shared["stores"] = stores
