from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from toa_portal.mail import mail_queue

from .enums import PortalLanguage
from .models import Administration, Official
from .services import InviteRole

ROLE_CHOICES = [
    (InviteRole.FOCAL_POINT, _("Focal point of an administration")),
    (InviteRole.ASSESSOR, _("Assessor (facilitator or field evaluator)")),
    (InviteRole.EXPERT, _("Expert (a nominated official)")),
]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    administration = forms.ModelChoiceField(
        label=_("Administration"),
        queryset=Administration.objects.all(),
        required=False,
        help_text=_("The administration a focal point represents, or an assessor's home administration."),
    )
    official = forms.ModelChoiceField(
        label=_("Official"),
        queryset=Official.objects.filter(user__isnull=True).select_related("administration"),
        required=False,
        help_text=_("For an expert: the official record the account belongs to."),
    )
    language = forms.ChoiceField(label=_("Language of e-mails"), choices=PortalLanguage.choices)

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == InviteRole.FOCAL_POINT and not data.get("administration"):
            self.add_error("administration", _("A focal point represents an administration: choose it."))
        if role == InviteRole.EXPERT and not data.get("official"):
            self.add_error("official", _("Choose the official this account belongs to."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class HandoverForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail of the new focal point"),
        max_length=254,
        help_text=_("An existing account with this e-mail takes over; otherwise the person is invited."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language of e-mails"), choices=PortalLanguage.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset form, its e-mail sent by the background worker."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        subject = " ".join(render_to_string(subject_template_name, context).split())
        body = render_to_string(email_template_name, context)
        mail_queue(subject=subject, body=body, to=to_email)
