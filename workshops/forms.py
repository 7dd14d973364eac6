import datetime as dt
import zoneinfo
from functools import cache

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.enums import PortalLanguage
from candidates.models import Administration, Official
from candidates.selectors import official_matches
from toa_portal import pending_uploads
from toa_portal.uploads import validate_upload

from .enums import Attendance, WorkshopStatus
from .models import Workshop
from .services import WORKSHOP_EDITABLE_FIELDS, deadline_local

TEXT_MAX = 2000


@cache
def timezone_choices():
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [(z, z) for z in zones]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class WorkshopForm(forms.ModelForm):
    """Create or edit a workshop. The deadline is typed in the workshop's own time zone."""

    timezone = forms.TypedChoiceField(label=_("Time zone of the deadline"), choices=timezone_choices, initial="UTC")
    nomination_deadline = forms.DateTimeField(
        label=_("Nomination deadline"),
        widget=LocalDateTimeInput(),
        help_text=_("Local time in the time zone chosen below."),
    )
    curriculum = forms.CharField(
        label=_("Curriculum"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One module per line."),
    )

    class Meta:
        model = Workshop
        fields = ["programme", *WORKSHOP_EDITABLE_FIELDS, "status"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (WorkshopStatus.DRAFT, WorkshopStatus.DRAFT.label),
            (WorkshopStatus.OPEN, WorkshopStatus.OPEN.label),
        ]
        if editing:
            del self.fields["programme"]
            del self.fields["status"]
            self.initial["nomination_deadline"] = deadline_local(self.instance).replace(tzinfo=None)
            self.initial["curriculum"] = "\n".join(self.instance.curriculum.values_list("title", flat=True))

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last day is before the first day."))
        deadline, tz = data.get("nomination_deadline"), data.get("timezone")
        if deadline and tz:
            naive = timezone.make_naive(deadline, timezone.get_current_timezone())
            data["nomination_deadline"] = naive.replace(tzinfo=zoneinfo.ZoneInfo(tz))
            if start and data["nomination_deadline"].date() > start:
                self.add_error("nomination_deadline", _("The deadline is after the first day of the workshop."))
        return data

    def workshop_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name not in ("curriculum", "status")}

    def curriculum_titles(self) -> list[str]:
        return [line.strip()[:250] for line in self.cleaned_data["curriculum"].splitlines() if line.strip()]


class QuotaForm(forms.Form):
    administration = forms.ModelChoiceField(label=_("Administration"), queryset=Administration.objects.all())
    limit = forms.IntegerField(label=_("Nominations allowed"), min_value=0, max_value=999)


class BaseQuotaFormSet(forms.BaseFormSet):
    def clean(self):
        seen = set()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form) or not form.is_valid():
                continue
            administration = form.cleaned_data["administration"]
            if administration in seen:
                form.add_error("administration", _("This administration already has a quota above."))
            seen.add(administration)

    def quotas(self) -> dict:
        return {
            f.cleaned_data["administration"]: f.cleaned_data["limit"]
            for f in self.forms
            if f.has_changed() and not self._should_delete_form(f) and f.cleaned_data
        }


QuotaFormSet = forms.formset_factory(
    QuotaForm, formset=BaseQuotaFormSet, extra=2, can_delete=True, max_num=300, validate_max=True
)


class ExerciseForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Exercise"), max_length=200)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999)


class BaseExerciseFormSet(forms.BaseFormSet):
    def __init__(self, *args, exercise_ids=(), **kwargs):
        self.exercise_ids = set(exercise_ids)
        super().__init__(*args, **kwargs)

    def clean(self):
        for form in self.forms:
            if form.is_valid() and form.cleaned_data.get("id") not in self.exercise_ids:
                raise ValidationError(_("An exercise does not belong to this workshop."))

    def exercises(self) -> dict:
        return {f.cleaned_data["id"]: (f.cleaned_data["name"], f.cleaned_data["order"]) for f in self.forms}


ExerciseFormSet = forms.formset_factory(ExerciseForm, formset=BaseExerciseFormSet, extra=0, max_num=50)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(ReasonForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("waitlist", _("Waiting list")), ("decline", _("Decline"))],
    )
    field_order = ["decision", "reason"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for declining."))
        return data


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids that are not integers of the database's range before querying
    (an `__in` lookup with a huge number overflows on SQLite)."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                number = None
            if number is None or not 0 < number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class BulkDecisionForm(DecisionForm):
    nominations = IdsChoiceField(label=_("Nominations"), queryset=None)

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominations"].queryset = workshop.nominations.select_related("official", "workshop")
        self.fields["nominations"].error_messages["required"] = _("Tick at least one nomination.")


class StatusForm(ReasonForm):
    status = forms.ChoiceField(label=_("New status"), choices=WorkshopStatus.choices)
    field_order = ["status", "reason"]


class AttendanceForm(forms.Form):
    attendance = forms.ChoiceField(label=_("Attendance"), choices=Attendance.choices)

    def __init__(self, *args, secretariat=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not secretariat:
            self.fields["attendance"].choices = [(Attendance.CONFIRMED, Attendance.CONFIRMED.label)]


class PrescreenForm(ReasonForm):
    passed = forms.TypedChoiceField(
        label=_("Pre-screening"),
        choices=[("1", _("Passed")), ("0", _("Not passed"))],
        coerce=lambda value: value == "1",
    )
    field_order = ["passed", "reason"]


class AssessorAssignForm(forms.Form):
    assessor = forms.ModelChoiceField(label=_("Assessor"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        )
        self.fields["assessor"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"


class ConflictForm(forms.Form):
    assessor = forms.ModelChoiceField(label=_("Assessor"), queryset=None)
    official = forms.ModelChoiceField(label=_("Official"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = get_user_model().objects.filter(assessor_assignments__workshop=workshop)
        self.fields["assessor"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["official"].queryset = Official.objects.filter(nominations__workshop=workshop).select_related(
            "administration"
        )
        self.fields["official"].label_from_instance = lambda o: f"{o.name_latin} ({o.administration.name})"


class NominationForm(forms.Form):
    """Nominate an existing official of the administration, or a new one. When
    the new person's e-mail or folded name matches an official already recorded
    for the administration, the form offers that person instead of creating a
    duplicate (a same-name match may be confirmed as a different person)."""

    administration = forms.ModelChoiceField(label=_("Administration"), queryset=None)
    official = forms.ModelChoiceField(
        label=_("Official already recorded"),
        queryset=None,
        required=False,
        empty_label=_("— a new official (fill in below) —"),
    )
    name_latin = forms.CharField(label=_("Name (Latin script, as in the passport)"), max_length=200, required=False)
    name_native = forms.CharField(label=_("Name in native script"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    languages = forms.CharField(label=_("Working languages"), max_length=200, required=False)
    years_experience = forms.IntegerField(
        label=_("Years of customs experience"), min_value=0, max_value=60, required=False
    )
    preferred_language = forms.ChoiceField(label=_("Correspondence language"), choices=PortalLanguage.choices)
    different_person = forms.BooleanField(
        label=_("This is a different person from the official(s) found with the same name"), required=False
    )
    letter_reference = forms.CharField(label=_("Nomination letter reference"), max_length=120)
    nominating_officer = forms.CharField(label=_("Nominating officer"), max_length=200)
    nomination_date = forms.DateField(label=_("Date of the nomination letter"), widget=DateInput())
    cv = forms.FileField(
        label=_("CV"), help_text=_("PDF, Word (DOCX), JPEG or PNG, at most 10 MB."), max_length=255, required=False
    )

    def __init__(self, *args, administrations, user_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.matches = []
        self.user_id = user_id
        # A CV chosen on an earlier try of this form, kept while the form is shown again.
        self.kept_cv_token = (self.data.get("cv_kept") or "")[:1000]
        self.kept_cv_name = pending_uploads.name_of(self.kept_cv_token, user_id=user_id) if self.kept_cv_token else None
        if not self.kept_cv_name:
            self.kept_cv_token = ""
        self.fields["administration"].queryset = administrations
        if len(administrations) == 1:
            self.fields["administration"].initial = administrations.first().pk
        self.fields["official"].queryset = Official.objects.filter(administration__in=administrations).select_related(
            "administration"
        )
        self.fields["official"].label_from_instance = lambda o: f"{o.name_latin} <{o.email}>"

    def clean_cv(self):
        cv = self.cleaned_data["cv"]
        if cv:
            self.discard_kept_cv()  # a newly chosen file replaces the kept one
            self.kept_cv_token, self.kept_cv_name = "", None
        elif self.kept_cv_token:
            cv = pending_uploads.load(self.kept_cv_token, user_id=self.user_id)
        if not cv:
            raise ValidationError(self.fields["cv"].error_messages["required"], code="required")
        validate_upload(cv)
        return cv

    def keep_cv(self) -> None:
        """Keep a valid CV chosen on this try, so the form shown again does not ask for it."""
        cv = self.cleaned_data.get("cv") if hasattr(self, "cleaned_data") else None
        if cv and not self.kept_cv_token and self.user_id is not None:
            self.kept_cv_token = pending_uploads.keep(cv, user_id=self.user_id)
            self.kept_cv_name = cv.name

    def discard_kept_cv(self) -> None:
        if self.kept_cv_token:
            pending_uploads.discard(self.kept_cv_token, user_id=self.user_id)

    def clean_nomination_date(self):
        value = self.cleaned_data["nomination_date"]
        if value > timezone.localdate() + dt.timedelta(days=1):
            raise ValidationError(_("The nomination letter cannot be dated in the future."))
        return value

    def clean(self):
        data = super().clean()
        administration, official = data.get("administration"), data.get("official")
        if administration is None:
            return data
        if official is not None:
            if official.administration_id != administration.pk:
                self.add_error("official", _("This official belongs to another administration."))
            return data
        if "official" in self.errors:
            return data
        for name in ("name_latin", "email"):
            if not (data.get(name) or "").strip() and name not in self.errors:
                self.add_error(name, _("Required for a new official."))
        if self.errors:
            return data
        self.matches = list(
            official_matches(administration_id=administration.pk, name=data["name_latin"], email=data["email"])
        )
        same_email = [m for m in self.matches if m.email_key == data["email"].strip().casefold()]
        if same_email:
            self.add_error(
                "email",
                _("An official with this e-mail is already recorded: %(names)s. Nominate them instead (below).")
                % {"names": ", ".join(m.name_latin for m in same_email)},
            )
        elif self.matches and not data.get("different_person"):
            self.add_error(
                "name_latin",
                _(
                    "An official with the same name is already recorded: nominate them instead (below), "
                    "or tick “This is a different person”."
                ),
            )
        return data

    def new_official_fields(self) -> dict:
        fields = (
            "name_latin",
            "name_native",
            "email",
            "position",
            "languages",
            "years_experience",
            "preferred_language",
        )
        return {name: self.cleaned_data[name] for name in fields}

    def nomination_fields(self) -> dict:
        cv = self.cleaned_data["cv"]
        return {
            "letter_reference": self.cleaned_data["letter_reference"],
            "nominating_officer": self.cleaned_data["nominating_officer"],
            "nomination_date": self.cleaned_data["nomination_date"],
            "cv": cv,
            "cv_name": (cv.name or "cv")[-255:],
        }
