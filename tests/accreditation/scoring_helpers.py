"""Building blocks for the assessment tests: a workshop in progress with its
assessors and accepted candidates, scored and submitted through the services."""

from __future__ import annotations

from accreditation import services
from accreditation.demo import CELLS
from tests.factories import (
    AdministrationFactory,
    OfficialFactory,
    UserFactory,
    make_workshop,
    nominate,
    secretariat_user,
)
from workshops import services as workshop_services
from workshops.enums import WorkshopStatus

# the worked example of docs/domain.md (the demo's Sato Haruki): assessors A and B, moderated ROLE/F → 4.
EXAMPLE_A = [4, 3, 4, 3, 4, 4, 4, 3, 5]
EXAMPLE_B = [4, 4, 5, 4, 4, 4, 3, 3, 3]
PASSING = [4] * 9


class Setup:
    """A workshop with `assessors`, accepted `nominations`, its exercises and criteria by code."""

    def __init__(self, *, candidates=1, assessors=2, secretariat=None, assessor_users=None, officials=None):
        self.secretariat = secretariat or secretariat_user()
        self.workshop = make_workshop(actor=self.secretariat)
        self.assessors = list(assessor_users or [UserFactory(home=AdministrationFactory()) for _ in range(assessors)])
        for assessor in self.assessors:
            workshop_services.assessor_assign(actor=self.secretariat, workshop=self.workshop, assessor=assessor)
        officials = officials or [OfficialFactory() for _ in range(candidates)]
        self.nominations = [
            nominate(self.workshop, official, actor=self.secretariat, accept=True) for official in officials
        ]
        for status in (WorkshopStatus.CLOSED, WorkshopStatus.IN_PROGRESS):
            self.workshop = workshop_services.workshop_set_status(
                actor=self.secretariat, workshop=self.workshop, status=status
            )
        self.exercises = {e.code: e for e in self.workshop.exercises.all()}
        self.criteria = {c.code: c for c in self.workshop.criteria.all()}

    @property
    def nomination(self):
        return self.nominations[0]

    def score(self, assessor, nomination, exercise: str, criterion: str, value, **kwargs):
        return services.phase_one_score_record(
            actor=assessor,
            nomination=nomination,
            exercise=self.exercises[exercise],
            criterion=self.criteria[criterion],
            value=value,
            **kwargs,
        )

    def score_table(self, assessor, nomination, table, *, exercise: str | None = None):
        """Score the nine cells (PRES T D C, GROUP T F C, ROLE T D F), or those of one exercise."""
        for (ex, c), value in zip(CELLS, table, strict=True):
            if exercise is None or ex == exercise:
                self.score(assessor, nomination, ex, c, value)

    def score_all(self, tables, *, exercise: str | None = None):
        """tables: one list of nine values per assessor, used for every candidate."""
        for nomination in self.nominations:
            for assessor, table in zip(self.assessors, tables, strict=True):
                self.score_table(assessor, nomination, table, exercise=exercise)

    def submit(self, assessor, exercise: str):
        return services.score_sheet_submit(actor=assessor, workshop=self.workshop, exercise=self.exercises[exercise])

    def submit_all(self, *, exercise: str | None = None):
        for code in self.exercises:
            if exercise is None or code == exercise:
                for assessor in self.assessors:
                    self.submit(assessor, code)

    def moderate(self, nomination, exercise: str, criterion: str, value, note="Agreed after review."):
        return services.phase_one_moderate(
            actor=self.secretariat,
            nomination=nomination,
            exercise=self.exercises[exercise],
            criterion=self.criteria[criterion],
            value=value,
            note=note,
        )

    def worked_example(self):
        """Score every candidate as the worked example of docs/domain.md, submit every sheet, moderate ROLE/F to 4."""
        self.score_all([EXAMPLE_A, EXAMPLE_B])
        self.submit_all()
        for nomination in self.nominations:
            self.moderate(nomination, "ROLE", "F", "4")


def sheet_url(setup, exercise="PRES"):
    from django.urls import reverse

    return reverse("accreditation:score_sheet", args=[setup.workshop.pk, setup.exercises[exercise].pk])


def save_url(setup, nomination, exercise="PRES", criterion="T"):
    from django.urls import reverse

    return reverse(
        "accreditation:score_save",
        args=[setup.workshop.pk, setup.exercises[exercise].pk, nomination.pk, setup.criteria[criterion].pk],
    )
