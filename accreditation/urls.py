from django.urls import path

from .views import certificates

app_name = "accreditation"

# Phase One scoring, moderation, decisions, Phase Two (accreditation/views/assessment.py, phase_two.py).
assessment_urls = []

# Certificates, verification, revocation, re-issue, bulk jobs, roster (accreditation/views/certificates.py).
certificate_urls = [
    path("verify/<str:code>/", certificates.verify, name="verify"),
    path("certificates/", certificates.certificate_list, name="certificate_list"),
    path("certificates/<int:pk>/", certificates.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/download/", certificates.certificate_download, name="certificate_download"),
    path("certificates/<int:pk>/revoke/", certificates.certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/reissue/", certificates.certificate_reissue, name="certificate_reissue"),
    path("certificates/<int:pk>/retry/", certificates.certificate_retry, name="certificate_retry"),
    path(
        "certificates/workshops/<int:workshop_id>/rerender/",
        certificates.workshop_rerender,
        name="certificate_workshop_rerender",
    ),
    path("certificates/jobs/<int:pk>/", certificates.bulk_job, name="bulk_job"),
]

urlpatterns = assessment_urls + certificate_urls
