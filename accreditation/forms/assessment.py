"""Forms of Phase One scoring, moderation, decisions and Phase Two.

They only parse input; every rule is checked again by the service the view
calls, and a refusal is shown next to the form.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from candidates.enums import SECRETARIAT_GROUP
from toa_portal.uploads import validate_upload
from workshops.forms import DateInput
from workshops.models import DeclaredConflict
from workshops.selectors import assessor_administration_ids

from ..enums import AccreditationStatus, MissionRole, MissionType, Recommendation

TEXT_LIMIT = 5000
COMMENT_LIMIT = 2000


class ScoreForm(forms.Form):
    """One cell of a scoring sheet, as htmx posts it. The value is parsed by the
    service (parse_score) so the message is the same everywhere."""

    value = forms.CharField(required=False, max_length=20, strip=True)
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1)
    # The assessor's private comment on the cell; absent from the request = left unchanged.
    comment = forms.CharField(required=False, max_length=COMMENT_LIMIT, strip=True)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )


class ModerationForm(forms.Form):
    value = forms.CharField(label=_("Moderated score"), max_length=20)
    note = forms.CharField(
        label=_("Moderation note"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this value: kept in the audit trail, never shown to the candidate."),
    )


class DecisionForm(forms.Form):
    feedback = forms.CharField(
        label=_("Feedback for the candidate"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the candidate and their focal point once the decision is released."),
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seen by the Secretariat only."),
    )


class WorkshopDecisionForm(forms.Form):
    feedback = forms.CharField(
        label=_("Feedback for every candidate decided now"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PrescreenForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Pre-screening outcome"), choices=[("passed", _("Passed")), ("failed", _("Not passed"))]
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=TEXT_LIMIT)


def evaluator_candidates(nomination):
    """Accounts that may evaluate the expert's mission: Secretariat staff,
    workshop assessors, accredited experts and earlier field evaluators —
    without a conflict of interest with the expert, never the expert themself."""
    User = get_user_model()
    qs = (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__name=SECRETARIAT_GROUP)
            | Q(assessor_assignments__isnull=False)
            | Q(official__accreditations__status=AccreditationStatus.ACCREDITED)
            | Q(field_evaluations__isnull=False)
        )
        .exclude(pk=nomination.official.user_id or 0)
        .select_related("profile", "official")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    official = nomination.official
    declared = set(DeclaredConflict.objects.filter(official=official).values_list("assessor_id", flat=True))
    return [u for u in qs if u.pk not in declared and official.administration_id not in assessor_administration_ids(u)]


class EvaluatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class FieldAssignForm(forms.Form):
    evaluator = EvaluatorChoiceField(label=_("Field evaluator"), queryset=get_user_model().objects.none())
    mission_place = forms.CharField(label=_("Mission place"), max_length=200)
    # ISO values whatever the language: a date input shows nothing for "02/12/2026".
    mission_start = forms.DateField(label=_("Mission start"), widget=DateInput())
    mission_end = forms.DateField(label=_("Mission end"), widget=DateInput())
    mission_type = forms.ChoiceField(label=_("Mission type"), choices=MissionType.choices)
    role = forms.ChoiceField(label=_("Role of the expert"), choices=MissionRole.choices)

    def __init__(self, *args, nomination, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = evaluator_candidates(nomination)
        self.fields["evaluator"].queryset = get_user_model().objects.filter(pk__in=[u.pk for u in allowed])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("mission_start"), cleaned.get("mission_end")
        if start and end and end < start:
            self.add_error("mission_end", _("The mission ends before it starts."))
        return cleaned


class FieldReportForm(forms.Form):
    narrative = forms.CharField(
        label=_("Narrative"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the expert delivered, how, and how the audience responded."),
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        choices=[
            (Recommendation.ACCREDIT, Recommendation.ACCREDIT.label),
            (Recommendation.NOT_ACCREDIT, Recommendation.NOT_ACCREDIT.label),
        ],
        widget=forms.RadioSelect,
    )


class FieldReportDraftForm(forms.Form):
    """The report as typed so far, posted along with an upload (nothing is required)."""

    narrative = forms.CharField(required=False, max_length=20000, strip=False)
    recommendation = forms.CharField(required=False, max_length=16)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"), help_text=_("PDF, Word (DOCX), JPEG or PNG, at most 10 MB."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = validate_upload(upload)
        return upload


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent to the expert and their focal point with the corrected result."),
    )
