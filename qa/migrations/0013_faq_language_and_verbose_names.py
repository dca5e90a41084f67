import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("qa", "0012_segmented_search_tokens"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="answer",
            options={"verbose_name": "answer", "verbose_name_plural": "answers"},
        ),
        migrations.AlterModelOptions(
            name="askdraft",
            options={"verbose_name": "ask draft", "verbose_name_plural": "ask drafts"},
        ),
        migrations.AlterModelOptions(
            name="comment",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "comment",
                "verbose_name_plural": "comments",
            },
        ),
        migrations.AlterModelOptions(
            name="faqevidence",
            options={"verbose_name": "faq evidence", "verbose_name_plural": "faq evidences"},
        ),
        migrations.AlterModelOptions(
            name="question",
            options={"verbose_name": "question", "verbose_name_plural": "questions"},
        ),
        migrations.AlterModelOptions(
            name="revision",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "revision",
                "verbose_name_plural": "revisions",
            },
        ),
        migrations.AlterModelOptions(
            name="searchevidence",
            options={"verbose_name": "search evidence", "verbose_name_plural": "search evidences"},
        ),
        migrations.AlterModelOptions(
            name="similarshown",
            options={
                "verbose_name": "similar shown",
                "verbose_name_plural": "similar threads shown",
            },
        ),
        migrations.AlterModelOptions(
            name="tag",
            options={"ordering": ["name"], "verbose_name": "tag", "verbose_name_plural": "tags"},
        ),
        migrations.AlterModelOptions(
            name="vote",
            options={"verbose_name": "vote", "verbose_name_plural": "votes"},
        ),
        migrations.AddField(
            model_name="faqentry",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                default="en",
                max_length=12,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="faqentry",
            name="translation_of",
            field=models.ForeignKey(
                blank=True,
                help_text="The entry this one says in another language, if any.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="translations",
                to="qa.faqentry",
                verbose_name="translation of",
            ),
        ),
    ]
