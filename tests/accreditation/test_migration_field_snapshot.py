"""The Phase Two snapshot migration on a populated database: every existing
workshop gets its programme's field rubric, and every field score is repointed
to the criterion of the same code in its workshop's snapshot."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.postgres]

# The rows are created as the tables stood before the snapshot: officials without the
# native-script search key (filled in on the way forward), nominations with the CV type
# (a branch of the workshops migrations that the snapshot's merge joins).
BEFORE = [
    ("candidates", "0001_initial"),
    ("workshops", "0002_min_eligible_assessors"),
    ("workshops", "0002_nomination_cv_content_type"),
    ("accreditation", "0003_decision_not_assessable"),
]
AFTER = [
    ("candidates", "0002_official_native_name_key"),
    ("workshops", "0004_merge_cv_type_and_rubric_snapshot"),
    ("accreditation", "0005_field_score_criterion_from_snapshot"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _populate(apps):
    """Two workshops of one programme, one field evaluation scored in each."""
    User = apps.get_model("auth", "User")
    Region = apps.get_model("candidates", "Region")
    Administration = apps.get_model("candidates", "Administration")
    Official = apps.get_model("candidates", "Official")
    Programme = apps.get_model("workshops", "Programme")
    FieldCriterion = apps.get_model("workshops", "FieldCriterion")
    Workshop = apps.get_model("workshops", "Workshop")
    Nomination = apps.get_model("workshops", "Nomination")
    FieldEvaluation = apps.get_model("accreditation", "FieldEvaluation")
    FieldScore = apps.get_model("accreditation", "FieldScore")

    region = Region.objects.create(code="ap", name="Asia/Pacific")
    japan = Administration.objects.create(code="JPN", name="Japan", region=region)
    evaluator = User.objects.create(username="evaluator")
    programme = Programme.objects.create(
        code="ipr", name="IPR", certificate_prefix="IPR", field_pass_threshold=Decimal("65")
    )
    criteria = [
        FieldCriterion.objects.create(programme=programme, code=code, name=code, weight=weight, order=i)
        for i, (code, weight) in enumerate([("PREP", 2), ("DELIV", 3)])
    ]
    scores = []
    for n in range(2):
        workshop = Workshop.objects.create(
            programme=programme,
            title=f"Workshop {n}",
            city="Kashiwa",
            host_administration=japan,
            start_date=dt.date(2023, 10, 10),
            end_date=dt.date(2023, 10, 13),
            nomination_deadline=dt.datetime(2023, 9, 1, tzinfo=dt.UTC),
        )
        official = Official.objects.create(
            administration=japan, name_latin=f"Official {n}", email=f"o{n}@example.org", name_key=f"official {n}"
        )
        nomination = Nomination.objects.create(
            workshop=workshop,
            official=official,
            letter_reference="REF",
            nominating_officer="DG",
            nomination_date=dt.date(2023, 8, 1),
            status="accepted",
        )
        evaluation = FieldEvaluation.objects.create(
            nomination=nomination,
            evaluator=evaluator,
            mission_place="Tokyo",
            mission_start=dt.date(2024, 3, 4),
            mission_end=dt.date(2024, 3, 8),
            mission_type="national_training",
            role="lead",
        )
        for criterion, value in zip(criteria, (3 + n, 4), strict=True):
            scores.append(FieldScore.objects.create(evaluation=evaluation, criterion=criterion, value=value).pk)
    return scores


def test_migration_snapshots_the_field_rubric_and_repoints_the_scores():
    old_apps = _migrate(BEFORE)
    score_ids = _populate(old_apps)

    new_apps = _migrate(AFTER)
    Workshop = new_apps.get_model("workshops", "Workshop")
    WorkshopFieldCriterion = new_apps.get_model("workshops", "WorkshopFieldCriterion")
    FieldScore = new_apps.get_model("accreditation", "FieldScore")
    for workshop in Workshop.objects.all():
        assert workshop.field_pass_threshold == Decimal("65")
        assert list(
            WorkshopFieldCriterion.objects.filter(workshop=workshop).order_by("order").values_list("code", "weight")
        ) == [("PREP", 2), ("DELIV", 3)]
    moved = {
        (s.evaluation.nomination.workshop.title, s.criterion.code, s.value)
        for s in FieldScore.objects.select_related("criterion", "evaluation__nomination__workshop")
    }
    assert moved == {
        ("Workshop 0", "PREP", 3),
        ("Workshop 0", "DELIV", 4),
        ("Workshop 1", "PREP", 4),
        ("Workshop 1", "DELIV", 4),
    }
    assert sorted(FieldScore.objects.values_list("pk", flat=True)) == sorted(score_ids)
    for score in FieldScore.objects.select_related("criterion", "evaluation__nomination"):
        assert score.criterion.workshop_id == score.evaluation.nomination.workshop_id

    # and the rest of the migrations apply on top (the database ends where the suite expects it)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
