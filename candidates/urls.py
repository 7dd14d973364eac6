from django.urls import path

from . import views

app_name = "candidates"

urlpatterns = [
    path("locked-out/", views.locked_out, name="locked_out"),
    path("welcome/<uidb64>/<token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("welcome/done/", views.InvitationDoneView.as_view(), name="invitation_done"),
    path("officials/", views.official_list, name="official_list"),
    path("officials/duplicates/", views.official_duplicates, name="official_duplicates"),
    path("officials/<int:pk>/", views.official_detail, name="official_detail"),
    path("people/", views.account_list, name="account_list"),
    path("people/invite/", views.account_invite, name="account_invite"),
    path("people/<int:pk>/deactivate/", views.account_deactivate, name="account_deactivate"),
    path("people/<int:pk>/reactivate/", views.account_reactivate, name="account_reactivate"),
    path("people/<int:pk>/resend/", views.account_resend, name="account_resend"),
    path("administrations/", views.administration_list, name="administration_list"),
    path("administrations/<int:pk>/handover/", views.administration_handover, name="administration_handover"),
]
