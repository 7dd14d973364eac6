"""factory_boy factories. Workflow records go through the services, so a
factory never builds a state the portal itself could not reach."""

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accreditation.demo import rubric_programme
from candidates.enums import SECRETARIAT_GROUP
from candidates.models import Administration, FocalPoint, Official, Region, UserProfile
from workshops import services as workshop_services
from workshops.enums import NominationStatus, WorkshopStatus

_codes = itertools.count()


def _iso3():
    n = next(_codes)
    return "Z" + chr(65 + (n // 26) % 26) + chr(65 + n % 26)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "asia-pacific"
    name = "Asia/Pacific"


class AdministrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Administration

    code = factory.LazyFunction(_iso3)
    name = factory.LazyAttribute(lambda o: f"Administration {o.code}")
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-2023")

    @factory.post_generation
    def home(self, create, extracted, **kwargs):
        UserProfile.objects.update_or_create(user=self, defaults={"home_administration": extracted})
        self.save()


def secretariat_user(**kwargs):
    user = UserFactory(**kwargs)
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    user.groups.add(group)
    return user


def focal_point_user(administration, **kwargs):
    user = UserFactory(home=administration, **kwargs)
    FocalPoint.objects.create(user=user, administration=administration)
    return user


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    administration = factory.SubFactory(AdministrationFactory)
    name_latin = factory.Sequence(lambda n: f"Official Number{n}")
    email = factory.Sequence(lambda n: f"official{n}@customs.example")


def make_workshop(*, actor=None, programme=None, status=WorkshopStatus.OPEN, **fields):
    programme = programme or rubric_programme()
    actor = actor or secretariat_user()
    today = timezone.localdate()
    defaults = {
        "title": f"Workshop {next(_codes)}",
        "city": "Kashiwa",
        "host_administration": fields.pop("host_administration", None) or AdministrationFactory(),
        "start_date": today + dt.timedelta(days=40),
        "end_date": today + dt.timedelta(days=43),
        "capacity": 10,
        "nomination_deadline": timezone.now() + dt.timedelta(days=20),
        "timezone": "Asia/Tokyo",
        "status": status,
    }
    defaults.update(fields)
    return workshop_services.workshop_create(actor=actor, programme=programme, **defaults)


def nominate(workshop, official=None, *, actor=None, accept=False):
    official = official or OfficialFactory()
    actor = actor or secretariat_user()
    nomination = workshop_services.nomination_submit(
        actor=actor,
        workshop=workshop,
        official=official,
        letter_reference="REF/1",
        nominating_officer="Director General",
        nomination_date=timezone.localdate(),
    )
    if accept:
        nomination = workshop_services.nomination_accept(actor=actor, nomination=nomination)
        assert nomination.status == NominationStatus.ACCEPTED
    return nomination


def accredit(officials, *, actor=None, workshop=None, decided_on=None, release=True):
    """Take each official through both phases with passing scores, through the
    services, and release the Phase Two decisions unless release=False; returns
    their certificates (queued: the caller decides whether the on-commit render runs)."""
    from accreditation import services
    from accreditation.models import Certificate

    actor = actor or secretariat_user()
    decided_on = decided_on or timezone.localdate()
    evaluations = field_evaluations_submitted(officials, actor=actor, workshop=workshop, decided_on=decided_on)
    for evaluation in evaluations:
        decision = services.phase_two_decide(actor=actor, nomination=evaluation.nomination, effective_date=decided_on)
        if release:
            services.decision_release(actor=actor, decision=decision)
    return list(
        Certificate.objects.filter(accreditation__nomination__in=[e.nomination for e in evaluations]).order_by(
            "accreditation__nomination"
        )
    )


def field_evaluations_submitted(officials, *, actor, workshop=None, decided_on=None):
    """Each official passes Phase One (the demo's first candidate's scores) and
    has a passing field evaluation submitted, waiting for the Phase Two decision."""
    from accreditation import services
    from accreditation.demo import CELLS, KASHIWA
    from accreditation.enums import MissionRole, MissionType, Recommendation

    workshop = workshop or make_workshop(actor=actor)
    # No password for these accounts: hashing one costs more than the whole workflow.
    assessors = [UserFactory(home=AdministrationFactory(), password=None) for _ in range(2)]
    evaluator = UserFactory(home=AdministrationFactory(), password=None)
    for assessor in assessors:
        workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=assessor)
    nominations = [nominate(workshop, official, actor=actor, accept=True) for official in officials]
    exercises = {e.code: e for e in workshop.exercises.all()}
    criteria = {c.code: c for c in workshop.criteria.all()}
    tables = KASHIWA[0][5:7]
    for nomination in nominations:
        for assessor, table in zip(assessors, tables, strict=True):
            for (ex, c), value in zip(CELLS, table, strict=True):
                services.phase_one_score_record(
                    actor=assessor, nomination=nomination, exercise=exercises[ex], criterion=criteria[c], value=value
                )
    for exercise in exercises.values():
        for assessor in assessors:
            services.score_sheet_submit(actor=assessor, workshop=workshop, exercise=exercise)
    decided_on = decided_on or timezone.localdate()
    evaluations = []
    for nomination in nominations:
        services.phase_one_decide(actor=actor, nomination=nomination, effective_date=decided_on)
        evaluation = services.field_evaluation_assign(
            actor=actor,
            nomination=nomination,
            evaluator=evaluator,
            mission_place="National IPR enforcement training",
            mission_start=decided_on,
            mission_end=decided_on,
            mission_type=MissionType.NATIONAL_TRAINING,
            role=MissionRole.CO_FACILITATOR,
        )
        for criterion in workshop.field_criteria.all():
            services.field_score_record(actor=evaluator, evaluation=evaluation, criterion=criterion, value=4)
        evaluations.append(
            services.field_evaluation_submit(
                actor=evaluator,
                evaluation=evaluation,
                narrative="Well delivered.",
                recommendation=Recommendation.ACCREDIT,
            )
        )
    return evaluations
