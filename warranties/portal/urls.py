from django.urls import path

from warranties.portal.views import auth, brand_css, confirm, public

app_name = "portal"

# The portal is public (no staff login): pages mount under "portal/<slug:brand_slug>/...".
# The public item page (C8) is "i/<code>", the address the QR code of the warranty card encodes.
urlpatterns = [
    path("i/<str:code>", public.public_item, name="public_item"),
    path("portal/<slug:brand_slug>/brand.css", brand_css.brand_css, name="brand_css"),
    path("portal/<slug:brand_slug>/", auth.SignInView.as_view(), name="sign_in"),
    path("portal/<slug:brand_slug>/confirm/<str:token>/", confirm.ConsentConfirmView.as_view(), name="confirm"),
]
