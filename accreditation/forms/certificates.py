"""Forms and list filters for certificates and the roster."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from candidates.enums import PortalLanguage
from candidates.models import Region
from workshops.forms import DateInput
from workshops.models import Programme, Workshop

from ..enums import Availability, RenderState, Validity
from ..models import Certificate


class CertificateFilter(django_filters.FilterSet):
    workshop = django_filters.ModelChoiceFilter(
        label=_("Workshop"), field_name="accreditation__nomination__workshop", queryset=Workshop.objects.none()
    )
    validity = django_filters.ChoiceFilter(label=_("Validity"), choices=Validity.choices)
    render_state = django_filters.ChoiceFilter(label=_("PDF"), choices=RenderState.choices)

    class Meta:
        model = Certificate
        fields = ["workshop", "validity", "render_state"]

    def __init__(self, *args, workshops, secretariat: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["workshop"].queryset = workshops
        if not secretariat:
            del self.filters["render_state"]


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the revocation"),
        help_text=_("Kept in the audit trail; public verification shows only the date."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("What was corrected"),
        help_text=_("Kept in the audit trail."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ChoiceField(label=_("Language of the certificate"), choices=PortalLanguage.choices)


class RosterFilterForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.all(), required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    language = forms.CharField(label=_("Working language"), max_length=40, required=False)


class RosterProfileForm(forms.Form):
    availability = forms.ChoiceField(label=_("Availability for missions"), choices=Availability.choices)
    biography = forms.CharField(
        label=_("Short biography"),
        help_text=_("What mission planners should know: expertise, missions delivered, languages."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class SuspendForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Suspended until"),
        help_text=_("The last day of the suspension; it ends by itself after this date."),
        widget=DateInput(),
    )
    reason = forms.CharField(
        label=_("Reason for the suspension"),
        help_text=_(
            "Kept in the audit trail; public verification shows only that the certificate is suspended, and until when."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LiftSuspensionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the suspension ends early"),
        help_text=_("Kept in the audit trail."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VerifyUploadForm(forms.Form):
    """A credential (JSON) or certificate PDF to check; read in memory, never stored."""

    file = forms.FileField(
        label=_("Credential or certificate"),
        help_text=_("The credential file (.json) or the certificate PDF, at most %(size)s MB."),
    )

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["file"].help_text = self.fields["file"].help_text % {"size": max_bytes // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("This file is larger than %(size)s MB: a credential or certificate is much smaller."),
                params={"size": self.max_bytes // (1024 * 1024)},
            )
        return upload
