"""Forms and list filters for certificates."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from candidates.enums import PortalLanguage
from workshops.models import Workshop

from ..enums import RenderState, Validity
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
