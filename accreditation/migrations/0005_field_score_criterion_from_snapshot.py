import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Phase Two scores now point at the workshop's snapshot only (a migration of
    its own: PostgreSQL alters the table after the data step has committed)."""

    dependencies = [
        ("accreditation", "0004_field_scores_on_workshop_snapshot"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="fieldscore", name="field_score_unique"),
        migrations.RemoveField(model_name="fieldscore", name="criterion"),
        migrations.RenameField(model_name="fieldscore", old_name="snapshot_criterion", new_name="criterion"),
        migrations.AlterField(
            model_name="fieldscore",
            name="criterion",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="scores",
                to="workshops.workshopfieldcriterion",
            ),
        ),
        migrations.AddConstraint(
            model_name="fieldscore",
            constraint=models.UniqueConstraint(fields=("evaluation", "criterion"), name="field_score_unique"),
        ),
    ]
