from django.urls import path

from warranties.portal.views import (
    approval,
    auth,
    brand_css,
    confirm,
    dashboard,
    intranet,
    owner,
    public,
)

app_name = "portal"

_p = "portal/<slug:brand_slug>/"
_b = "b/<slug:brand_slug>/portal/"

urlpatterns = [
    # Public item page (C8): the address the QR code of the warranty card encodes.
    path("i/<str:code>", public.public_item, name="public_item"),
    path("i/<str:code>/found", public.found_report, name="found_report"),
    # The owner portal: public pages of one brand, no staff login.
    path(_p, auth.SignInView.as_view(), name="sign_in"),
    path(_p + "brand.css", brand_css.brand_css, name="brand_css"),
    path(_p + "confirm/<str:token>/", confirm.ConsentConfirmView.as_view(), name="confirm"),
    path(_p + "link-sent/", auth.LinkSentView.as_view(), name="link_sent"),
    path(_p + "link/<str:token>/", auth.LinkView.as_view(), name="link"),
    path(_p + "sign-out/", auth.SignOutView.as_view(), name="sign_out"),
    path(_p + "claim/", auth.ClaimView.as_view(), name="claim"),
    path(_p + "approve/<int:pk>/<str:token>/", approval.OwnerApprovalView.as_view(), name="approval"),
    path(_p + "pieces/", owner.PiecesView.as_view(), name="pieces"),
    path(_p + "pieces/<int:pk>/", owner.PieceView.as_view(), name="piece"),
    path(_p + "pieces/<int:pk>/warranty.pdf", owner.WarrantyCardView.as_view(), name="warranty_card"),
    path(_p + "pieces/<int:pk>/service/", owner.ServiceRequestView.as_view(), name="service_request"),
    path(_p + "pieces/<int:pk>/loss/", owner.LossView.as_view(), name="loss"),
    path(_p + "pieces/<int:pk>/recovered/", owner.RecoveredView.as_view(), name="recovered"),
    path(_p + "pieces/<int:pk>/transfer/", owner.TransferStartView.as_view(), name="transfer_start"),
    path(_p + "pieces/<int:pk>/transfer/cancel/", owner.TransferCancelView.as_view(), name="transfer_cancel"),
    path(_p + "my-data/", owner.MyDataView.as_view(), name="my_data"),
    path(_p + "my-data/export.json", owner.ExportView.as_view(), name="export"),
    path(_p + "my-data/delete/", owner.DeleteAccountView.as_view(), name="delete_account"),
    path(_p + "news/", owner.NewsView.as_view(), name="news"),
    path(_p + "news/<int:pk>/", owner.PostView.as_view(), name="post"),
    # Brand staff (dashboard): exclusive content.
    path(_b + "posts/", dashboard.PostListView.as_view(), name="staff_post_list"),
    path(_b + "posts/new/", dashboard.PostEditView.as_view(), name="staff_post_create"),
    path(_b + "posts/<int:pk>/", dashboard.PostEditView.as_view(), name="staff_post_edit"),
    path(_b + "posts/<int:pk>/publish/", dashboard.PostPublishView.as_view(), name="staff_post_publish"),
    # Brand staff (dashboard): lost or stolen pieces.
    path(_b + "pieces-lost-stolen/", dashboard.BrandLossView.as_view(), name="staff_loss"),
    path(
        _b + "pieces-lost-stolen/<int:pk>/recovered/",
        dashboard.BrandRecoveredView.as_view(),
        name="staff_recovered",
    ),
    # Retailer staff (intranet).
    path(_b + "requests/", intranet.QueueView.as_view(), name="store_queue"),
    path(_b + "requests/<int:pk>/receive/", intranet.ReceiveView.as_view(), name="store_receive"),
    path(_b + "lost-stolen/", intranet.LossView.as_view(), name="store_loss"),
    path(_b + "lost-stolen/<int:pk>/recovered/", intranet.RecoveredView.as_view(), name="store_recovered"),
    path(_b + "transfers/", intranet.TransferView.as_view(), name="store_transfer"),
]
