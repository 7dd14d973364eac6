"""The demo data: the Kashiwa 2023 IPR TOA workshop (real dates, invented
people), a workshop in progress around today and an upcoming one open for
nominations. Everything goes through the same services as the portal."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from candidates.enums import SECRETARIAT_GROUP
from candidates.models import Administration, FocalPoint, Official, UserProfile
from candidates.reference_data import reference_data_load
from workshops import services as workshop_services
from workshops.enums import ExpertType, WorkshopStatus
from workshops.models import (
    FieldCriterion,
    Programme,
    ProgrammeCriterion,
    ProgrammeExercise,
    ProgrammeGradeBand,
    Workshop,
)

from . import services
from .enums import MissionRole, MissionType, Recommendation

KASHIWA_TITLE = "IPR Technical and Operational Advisor accreditation workshop — Kashiwa 2023"
IN_PROGRESS_TITLE = "IPR TOA accreditation workshop — Bangkok"
UPCOMING_TITLE = "IPR TOA accreditation workshop — Seoul"

CURRICULUM = [
    "International and regional IP legal frameworks",
    "Counterfeit detection: visual inspection and technical analysis",
    "Risk assessment, intelligence gathering and cross-border investigations",
    "International cooperation and information sharing",
    "Training delivery and knowledge transfer methods",
]

# (code, name, weight, minimum, critical)
CRITERIA = [
    ("T", "Technical knowledge of IP enforcement", 3, Decimal("3"), True),
    ("D", "Training delivery", 2, Decimal("3"), False),
    ("F", "Facilitation of discussion", 1, None, False),
    ("C", "Communication", 1, None, False),
]
EXERCISES = [
    ("PRES", "Presentation", ["T", "D", "C"]),
    ("GROUP", "Group discussion", ["T", "F", "C"]),
    ("ROLE", "Role-play", ["T", "D", "F"]),
]
GRADES = [("Distinction", Decimal("85")), ("Merit", Decimal("70")), ("Pass", Decimal("60"))]
FIELD_CRITERIA = [
    ("PREP", "Preparation and mastery of the material", 2, Decimal("3")),
    ("DELIV", "Delivery to the audience", 2, Decimal("3")),
    ("ADAPT", "Adaptation to the administration's needs", 1, None),
]

# The cells in the order of EXERCISES: PRES T D C, GROUP T F C, ROLE T D F.
CELLS = [(ex, c) for ex, _, criteria in EXERCISES for c in criteria]

# (iso3, Latin name, native name, its language, e-mail language, scores A, scores B, moderation)
KASHIWA = [
    ("AUS", "Olivia Hartley", "", "", "en", [5, 4, 4, 4, 4, 5, 5, 4, 4], [5, 5, 4, 4, 5, 4, 4, 4, 4], None),
    ("BGD", "Farhana Rahman", "ফারহানা রহমান", "bn", "en", [4, 3, 4, 3, 4, 4, 2, 3, 4], [4, 4, 5, 4, 4, 4, 3, 3, 4], None),
    ("KHM", "Sokha Chhay", "ឆាយ សុខា", "km", "fr", [3, 3, 3, 3, 2, 3, 3, 3, 2], [3, 3, 2, 3, 3, 3, 3, 3, 3], None),
    ("CHN", "Wang Jianhua", "王建华", "zh-Hans", "en", [4, 4, 4, 4, 4, 4, 4, 4, 4], [4, 4, 4, 4, 4, 4, 4, 4, 4], None),
    ("HKG", "Chan Ka-wai", "陳嘉慧", "zh-Hant", "en", [4, 4, 4, 4, 3, 4, 4, 4, 4], [4, 4, 5, 4, 4, 4, 4, 4, 4], None),
    (
        "IND",
        "Priya Raghunathan",
        "प्रिया रघुनाथन",
        "hi",
        "en",
        [4, 3, 3, 3, 3, 4, 3, 3, 3],
        [4, 3, 4, 3, 4, 3, 3, 4, 3],
        None,
    ),
    ("IDN", "Dewi Kusumawati", "", "", "en", [4, 4, 3, 3, 4, 4, 4, 3, 4], [4, 3, 4, 4, 4, 3, 4, 4, 3], None),
    # The worked example of the pass rule: Role-play / F is moderated to 4.
    (
        "JPN",
        "Sato Haruki",
        "佐藤 陽輝",
        "ja",
        "en",
        [4, 3, 4, 3, 4, 4, 4, 3, 5],
        [4, 4, 5, 4, 4, 4, 3, 3, 3],
        ("ROLE", "F", "4"),
    ),
    (
        "PAK",
        "Ayesha Siddiqui",
        "عائشہ صدیقی",
        "ur",
        "en",
        [4, 2, 4, 4, 4, 4, 4, 2, 4],
        [4, 2, 4, 4, 4, 4, 4, 3, 4],
        None,
    ),
    ("LKA", "Nimal Perera", "නිමල් පෙරේරා", "si", "en", [5, 5, 5, 5, 4, 5, 5, 4, 5], [5, 4, 5, 5, 5, 5, 4, 5, 5], None),
]
# Phase Two: (iso3, field scores, recommendation, submitted, decided)
KASHIWA_FIELD = [
    ("AUS", [4, 5, 4], Recommendation.ACCREDIT, True, True),
    ("JPN", [4, 4, 5], Recommendation.ACCREDIT, True, True),
    ("LKA", [4, 4, 4], Recommendation.PENDING, False, False),
]

IN_PROGRESS = [
    ("MYS", "Nur Aisyah Binti Hamzah"),
    ("THA", "Somchai Wongsakul"),
    ("VNM", "Nguyễn Thị Lan"),
    ("PHL", "Maria Santos Reyes"),
    ("KOR", "Kim Min-jun"),
    ("MNG", "Batbayar Ganbold"),
    ("NPL", "Sita Sharma"),
    ("FJI", "Josefa Ratu"),
]
UPCOMING = [("SGP", "Tan Wei Ling"), ("NZL", "Aroha Ngata"), ("BTN", "Karma Dorji")]


def _user(username: str, *, password: str, first="", last="", email="", home=None, language="en", staff=False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": email or f"{username}@demo.toa-portal.example"},
    )
    if created:
        user.set_password(password)
        user.is_staff = staff
        user.save()
    UserProfile.objects.update_or_create(user=user, defaults={"home_administration": home, "language": language})
    return user


def rubric_programme() -> Programme:
    programme, _ = Programme.objects.get_or_create(
        code="ipr",
        expert_type=ExpertType.TOA,
        defaults={
            "name": "Intellectual Property Rights",
            "certificate_prefix": "IPR",
            "certificate_validity_months": 48,
            "scale_min": 1,
            "scale_max": 5,
            "tolerance": Decimal("1"),
            "pass_threshold": Decimal("60"),
            "description": "Accreditation of Technical and Operational Advisors in IPR border enforcement.",
        },
    )
    if not programme.criteria.exists():
        criteria = {}
        for order, (code, name, weight, minimum, critical) in enumerate(CRITERIA):
            criteria[code] = ProgrammeCriterion.objects.create(
                programme=programme,
                code=code,
                name=name,
                weight=weight,
                minimum=minimum,
                critical=critical,
                order=order,
            )
        for order, (code, name, assessed) in enumerate(EXERCISES):
            exercise = ProgrammeExercise.objects.create(programme=programme, code=code, name=name, order=order)
            exercise.criteria.set([criteria[c] for c in assessed])
        for name, minimum in GRADES:
            ProgrammeGradeBand.objects.create(programme=programme, name=name, min_percent=minimum)
        for order, (code, name, weight, minimum) in enumerate(FIELD_CRITERIA):
            FieldCriterion.objects.create(
                programme=programme, code=code, name=name, weight=weight, minimum=minimum, order=order
            )
    return programme


def _official(iso3, name, *, native="", lang="", mail_lang="en", with_account=False, password=""):
    administration = Administration.objects.get(code=iso3)
    slug = name.lower().replace(" ", ".").replace("-", "")
    official, _ = Official.objects.get_or_create(
        administration=administration,
        name_latin=name,
        defaults={
            "name_native": native,
            "name_native_lang": lang,
            "email": f"{slug.encode('ascii', 'ignore').decode()}@customs.{iso3.lower()}.example",
            "position": "Customs officer, IPR enforcement unit",
            "languages": "English" + (", French" if mail_lang == "fr" else ""),
            "years_experience": 8,
            "preferred_language": mail_lang,
        },
    )
    if with_account and official.user_id is None:
        official.user = _user(
            f"expert-{iso3.lower()}", password=password, first=name, email=official.email, language=mail_lang
        )
        official.save(update_fields=["user"])
    return official


@contextmanager
def _at(moment: dt.datetime):
    """Build this part of the story at its own moment, so that every timestamp
    (submitted, decided, released, the audit trail) follows the story."""
    import time_machine

    with time_machine.travel(moment, tick=True):
        yield


def _nominate(actor, workshop, official, when: dt.datetime):
    return workshop_services.nomination_submit(
        actor=actor,
        workshop=workshop,
        official=official,
        letter_reference=f"{official.administration.code}/IPR/{when:%Y}/{official.pk:03d}",
        nominating_officer=f"Director General, {official.administration.name} Customs",
        nomination_date=when.date(),
        now=when,
    )


def _score_sheets(workshop, nomination, assessors, tables):
    exercises = {e.code: e for e in workshop.exercises.all()}
    criteria = {c.code: c for c in workshop.criteria.all()}
    for assessor, table in zip(assessors, tables, strict=True):
        for (ex, c), value in zip(CELLS, table, strict=True):
            services.phase_one_score_record(
                actor=assessor, nomination=nomination, exercise=exercises[ex], criterion=criteria[c], value=value
            )


def build_kashiwa(*, programme, secretariat, assessors, fieldeval, password):
    jpn = Administration.objects.get(code="JPN")
    tz = ZoneInfo("Asia/Tokyo")
    with _at(dt.datetime(2023, 6, 15, 10, 0, tzinfo=tz)):
        workshop = workshop_services.workshop_create(
            actor=secretariat,
            programme=programme,
            curriculum=CURRICULUM,
            title=KASHIWA_TITLE,
            venue="WCO Regional Training Centre",
            city="Kashiwa",
            host_administration=jpn,
            start_date=dt.date(2023, 10, 10),
            end_date=dt.date(2023, 10, 13),
            language="en",
            funder="Customs Cooperation Fund of Japan (CCF/Japan)",
            capacity=10,
            nomination_deadline=dt.datetime(2023, 8, 31, 17, 0, tzinfo=tz),
            timezone="Asia/Tokyo",
            status=WorkshopStatus.OPEN,
        )
        for assessor in assessors:
            workshop_services.assessor_assign(actor=secretariat, workshop=workshop, assessor=assessor)
    nominations = {}
    for day, (iso3, name, native, lang, mail_lang, *_rest) in enumerate(KASHIWA):
        when = dt.datetime(2023, 8, 1 + day, 9, 0, tzinfo=tz)
        with _at(when):
            official = _official(
                iso3, name, native=native, lang=lang, mail_lang=mail_lang, with_account=True, password=password
            )
            nominations[iso3] = _nominate(secretariat, workshop, official, when)
    with _at(dt.datetime(2023, 9, 5, 10, 0, tzinfo=tz)):
        for iso3, nomination in nominations.items():
            nominations[iso3] = workshop_services.nomination_accept(actor=secretariat, nomination=nomination)
        workshop_services.workshop_set_status(actor=secretariat, workshop=workshop, status=WorkshopStatus.CLOSED)
    with _at(dt.datetime(2023, 10, 10, 8, 30, tzinfo=tz)):
        workshop_services.workshop_set_status(actor=secretariat, workshop=workshop, status=WorkshopStatus.IN_PROGRESS)
        for iso3, *_rest in KASHIWA:
            workshop_services.nomination_attendance(
                actor=secretariat, nomination=nominations[iso3], attendance="attended"
            )
    with _at(dt.datetime(2023, 10, 12, 15, 0, tzinfo=tz)):
        for iso3, *_names, table_a, table_b, _moderation in KASHIWA:
            _score_sheets(workshop, nominations[iso3], assessors, [table_a, table_b])
    with _at(dt.datetime(2023, 10, 13, 17, 0, tzinfo=tz)):
        for exercise in workshop.exercises.all():
            for assessor in assessors:
                services.score_sheet_submit(actor=assessor, workshop=workshop, exercise=exercise)
    exercises = {e.code: e for e in workshop.exercises.all()}
    criteria = {c.code: c for c in workshop.criteria.all()}
    with _at(dt.datetime(2023, 10, 18, 11, 0, tzinfo=tz)):
        for iso3, *_rest, moderation in KASHIWA:
            if moderation:
                ex, c, value = moderation
                services.phase_one_moderate(
                    actor=secretariat,
                    nomination=nominations[iso3],
                    exercise=exercises[ex],
                    criterion=criteria[c],
                    value=value,
                    note="Assessors reviewed the role-play recording together and agreed on 4.",
                )
    with _at(dt.datetime(2023, 10, 27, 10, 0, tzinfo=tz)):
        for nomination in nominations.values():
            decision = services.phase_one_decide(
                actor=secretariat,
                nomination=nomination,
                feedback="Thank you for your active participation in the Kashiwa workshop.",
                effective_date=dt.date(2023, 10, 27),
            )
            services.decision_release(actor=secretariat, decision=decision)
        workshop_services.workshop_set_status(actor=secretariat, workshop=workshop, status=WorkshopStatus.COMPLETED)

    field_criteria = list(workshop.field_criteria.all())
    for iso3, values, recommendation, submitted, decided in KASHIWA_FIELD:
        nomination = nominations[iso3]
        with _at(dt.datetime(2024, 1, 15, 10, 0, tzinfo=tz)):
            evaluation = services.field_evaluation_assign(
                actor=secretariat,
                nomination=nomination,
                evaluator=fieldeval,
                mission_place=f"{nomination.official.administration.name}: national IPR enforcement training",
                mission_start=dt.date(2024, 3, 4),
                mission_end=dt.date(2024, 3, 8),
                mission_type=MissionType.NATIONAL_TRAINING,
                role=MissionRole.CO_FACILITATOR,
            )
        with _at(dt.datetime(2024, 3, 8, 16, 0, tzinfo=tz)):
            for criterion, value in zip(field_criteria, values, strict=True):
                services.field_score_record(actor=fieldeval, evaluation=evaluation, criterion=criterion, value=value)
        if submitted:
            with _at(dt.datetime(2024, 3, 12, 10, 0, tzinfo=tz)):
                services.field_evaluation_submit(
                    actor=fieldeval,
                    evaluation=evaluation,
                    narrative=(
                        "Delivered the counterfeit-detection sessions confidently and adapted cases to local seizures."
                    ),
                    recommendation=recommendation,
                )
        if decided:
            with _at(dt.datetime(2024, 4, 15, 10, 0, tzinfo=tz)):
                decision = services.phase_two_decide(
                    actor=secretariat,
                    nomination=nomination,
                    feedback="Congratulations on your accreditation.",
                    effective_date=dt.date(2024, 4, 15),
                )
                services.decision_release(actor=secretariat, decision=decision)
    return workshop


def build_in_progress(*, programme, secretariat, assessors, password, today):
    tha = Administration.objects.get(code="THA")
    now = timezone.now()
    with _at(now - dt.timedelta(days=60)):
        workshop = workshop_services.workshop_create(
            actor=secretariat,
            programme=programme,
            curriculum=CURRICULUM,
            title=IN_PROGRESS_TITLE,
            venue="WCO Regional Office for Capacity Building Asia/Pacific",
            city="Bangkok",
            host_administration=tha,
            start_date=today - dt.timedelta(days=1),
            end_date=today + dt.timedelta(days=2),
            language="en",
            funder="Customs Cooperation Fund of Korea (CCF/Korea)",
            capacity=12,
            nomination_deadline=now - dt.timedelta(days=30),
            timezone="Asia/Bangkok",
            status=WorkshopStatus.OPEN,
        )
        for assessor in assessors:
            workshop_services.assessor_assign(actor=secretariat, workshop=workshop, assessor=assessor)
    nominations = []
    when = now - dt.timedelta(days=45)
    with _at(when):
        for iso3, name in IN_PROGRESS:
            official = _official(iso3, name)
            nominations.append(_nominate(secretariat, workshop, official, when))
    with _at(now - dt.timedelta(days=28)):
        nominations = [
            workshop_services.nomination_accept(actor=secretariat, nomination=nomination) for nomination in nominations
        ]
        workshop_services.workshop_set_status(actor=secretariat, workshop=workshop, status=WorkshopStatus.CLOSED)
    with _at(now - dt.timedelta(days=1)):
        workshop_services.workshop_set_status(actor=secretariat, workshop=workshop, status=WorkshopStatus.IN_PROGRESS)
    # assessor1 has scored the whole Presentation sheet, assessor2 half of it.
    presentation = workshop.exercises.get(code="PRES")
    for i, nomination in enumerate(nominations):
        for j, criterion in enumerate(presentation.criteria.all()):
            services.phase_one_score_record(
                actor=assessors[0],
                nomination=nomination,
                exercise=presentation,
                criterion=criterion,
                value=3 + (i + j) % 3,
            )
            if i < len(nominations) // 2:
                services.phase_one_score_record(
                    actor=assessors[1],
                    nomination=nomination,
                    exercise=presentation,
                    criterion=criterion,
                    value=3 + (i + j + 1) % 3,
                )
    return workshop


def build_upcoming(*, programme, secretariat, today):
    kor = Administration.objects.get(code="KOR")
    workshop = workshop_services.workshop_create(
        actor=secretariat,
        programme=programme,
        curriculum=CURRICULUM,
        title=UPCOMING_TITLE,
        venue="Korea Customs Service Academy",
        city="Seoul",
        host_administration=kor,
        start_date=today + dt.timedelta(days=45),
        end_date=today + dt.timedelta(days=49),
        language="en",
        funder="Customs Cooperation Fund of Korea (CCF/Korea)",
        capacity=12,
        default_quota=2,
        nomination_deadline=timezone.now() + dt.timedelta(days=21),
        timezone="Asia/Seoul",
        status=WorkshopStatus.OPEN,
    )
    for iso3, name in UPCOMING:
        official = _official(iso3, name)
        _nominate(secretariat, workshop, official, timezone.now())
    return workshop


@transaction.atomic
def load_demo(*, password: str, today: dt.date | None = None) -> bool:
    """Build the demo. Returns False when it was already there (nothing changes)."""
    if Workshop.objects.filter(title=KASHIWA_TITLE).exists():
        return False
    today = today or timezone.localdate()
    reference_data_load()
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    secretariat = _user("secretariat", password=password, first="Claire", last="Dubois", staff=True)
    secretariat.groups.add(group)
    secretariat.is_superuser = True
    secretariat.save(update_fields=["is_superuser"])
    assessors = [
        _user("assessor1", password=password, first="Marco", last="Bianchi"),
        _user("assessor2", password=password, first="Amina", last="Diallo", language="fr"),
    ]
    fieldeval = _user(
        "fieldeval", password=password, first="Lee", last="Ji-ho", home=Administration.objects.get(code="KOR")
    )
    for iso3, *_rest in KASHIWA:
        administration = Administration.objects.get(code=iso3)
        user = _user(
            f"focal-{iso3.lower()}",
            password=password,
            first="Focal point",
            last=administration.name,
            home=administration,
        )
        FocalPoint.objects.get_or_create(user=user, administration=administration, active=True)
    programme = rubric_programme()
    build_kashiwa(
        programme=programme, secretariat=secretariat, assessors=assessors, fieldeval=fieldeval, password=password
    )
    build_in_progress(programme=programme, secretariat=secretariat, assessors=assessors, password=password, today=today)
    build_upcoming(programme=programme, secretariat=secretariat, today=today)
    return True


DEMO_ACCOUNTS = [
    ("secretariat", "WCO Secretariat staff (also Django admin)"),
    ("assessor1, assessor2", "facilitators assessing the workshops"),
    ("fieldeval", "Phase Two field evaluator"),
    ("focal-aus … focal-lka", "focal points of the ten Kashiwa administrations"),
    ("expert-aus … expert-lka", "the ten Kashiwa officials"),
]
