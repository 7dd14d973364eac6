import django.db.models.deletion
from django.db import migrations, models


def repoint_field_scores(apps, schema_editor):
    """Each Phase Two score moves from the programme's criterion to the criterion
    of the same code in its workshop's snapshot (taken by workshops 0003)."""
    FieldScore = apps.get_model("accreditation", "FieldScore")
    WorkshopFieldCriterion = apps.get_model("workshops", "WorkshopFieldCriterion")
    snapshot = {
        (c.workshop_id, c.code): c.pk for c in WorkshopFieldCriterion.objects.all().only("pk", "workshop_id", "code")
    }
    for score in FieldScore.objects.select_related("criterion", "evaluation__nomination").iterator():
        key = (score.evaluation.nomination.workshop_id, score.criterion.code)
        score.snapshot_criterion_id = snapshot[key]
        score.save(update_fields=["snapshot_criterion"])


class Migration(migrations.Migration):
    dependencies = [
        ("accreditation", "0003_decision_not_assessable"),
        ("workshops", "0003_phase_two_rubric_snapshot"),
    ]

    operations = [
        migrations.AddField(
            model_name="fieldscore",
            name="snapshot_criterion",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="workshops.workshopfieldcriterion",
            ),
        ),
        migrations.RunPython(repoint_field_scores, migrations.RunPython.noop),
    ]
