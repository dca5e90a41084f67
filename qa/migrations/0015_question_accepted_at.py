from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    """Threads accepted before the column existed: the time the accepted answer was
    posted, the nearest moment known."""
    Question = apps.get_model("qa", "Question")
    Answer = apps.get_model("qa", "Answer")
    posted = Answer.objects.filter(pk=OuterRef("accepted_answer_id")).values("created_at")[:1]
    Question.objects.filter(accepted_answer__isnull=False).update(accepted_at=Subquery(posted))


class Migration(migrations.Migration):
    dependencies = [("qa", "0014_starter_faq_chinese")]

    operations = [
        migrations.AddField(
            model_name="question",
            name="accepted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
