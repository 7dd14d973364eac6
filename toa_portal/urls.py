from django.contrib import admin
from django.urls import include, path

from candidates.views import PasswordResetConfirmView, PasswordResetView
from workshops.views import home

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Django's own account views, the password reset throttled and clearing a lock-out.
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", home, name="home"),
    path("", include("candidates.urls")),
    path("workshops/", include("workshops.urls")),
    path("", include("accreditation.urls")),
]
