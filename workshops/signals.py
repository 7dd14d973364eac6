"""Conflicts of interest that appear when an account is linked to an official.

An expert's account may be linked to their official record after they were
assigned to assess a workshop or evaluate a mission (an invitation accepted
later, a correction in the back office). From then on the official's
administration is one of theirs (see selectors.assessor_administration_ids):
eligibility changes at once everywhere it is computed, and this receiver
writes an audit entry for the Secretariat naming the candidates concerned and
the scores that no longer count, whichever path created the link.
"""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from candidates.models import Official
from toa_portal.audit import audit_record

from .enums import NominationStatus
from .models import Nomination


@receiver(pre_save, sender=Official)
def _remember_linked_account(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._linked_user_before = None
        return
    instance._linked_user_before = Official.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()


@receiver(post_save, sender=Official)
def _flag_conflicts_of_a_new_link(sender, instance, created, raw=False, **kwargs):
    if raw or instance.user_id is None or instance.user_id == getattr(instance, "_linked_user_before", None):
        return
    concerned = list(
        Nomination.objects.filter(
            workshop__assignments__assessor_id=instance.user_id,
            official__administration_id=instance.administration_id,
            status=NominationStatus.ACCEPTED,
        )
        .select_related("official", "workshop")
        .distinct()
    )
    evaluated = list(
        Nomination.objects.filter(
            field_evaluation__evaluator_id=instance.user_id,
            official__administration_id=instance.administration_id,
        ).select_related("official")
    )
    if not concerned and not evaluated:
        return
    scored = set(
        Nomination.objects.filter(pk__in=[n.pk for n in concerned], scores__assessor_id=instance.user_id).values_list(
            "pk", flat=True
        )
    )
    for nomination in concerned + [n for n in evaluated if n not in concerned]:
        audit_record(
            actor=None,
            action="conflict.account_linked",
            obj=nomination,
            after={
                "assessor_user_id": instance.user_id,
                "administration": instance.administration_id,
                "scores_no_longer_count": nomination.pk in scored,
                "field_evaluator": nomination in evaluated,
            },
            workshop_id=nomination.workshop_id,
            official_id=nomination.official_id,
        )
