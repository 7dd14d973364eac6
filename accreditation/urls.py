from django.urls import path  # noqa: F401

app_name = "accreditation"

# Phase One scoring, moderation, decisions, Phase Two (accreditation/views/assessment.py, phase_two.py).
assessment_urls = []

# Certificates, verification, revocation, re-issue, bulk jobs, roster (accreditation/views/certificates.py).
certificate_urls = []

urlpatterns = assessment_urls + certificate_urls
