import factory

from campaigns.content.models import EmailTemplate
from tests.factories import BrandFactory, BrandScopedFactory


class EmailTemplateFactory(BrandScopedFactory):
    class Meta:
        model = EmailTemplate

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Birthday {n}")
    subject_en = "Happy birthday, {{ first_name|default('dear friend') }}"
    subject_fr = "Joyeux anniversaire, {{ first_name|default('chère amie') }}"
    body_en = "{{ salutation }},\n\nVisit {{ store_name }} for a gift.\n\nhttps://example.com/gift"
    body_fr = "{{ salutation }},\n\nPassez à {{ store_name }} pour un cadeau.\n\nhttps://example.com/cadeau"
