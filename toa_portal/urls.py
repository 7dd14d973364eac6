from django.contrib import admin
from django.urls import include, path

from workshops.views import home

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", home, name="home"),
    path("", include("candidates.urls")),
    path("workshops/", include("workshops.urls")),
    path("", include("accreditation.urls")),
]
