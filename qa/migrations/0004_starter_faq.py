"""The starter FAQ, written for this platform; admins edit it in the Django admin."""

from django.db import migrations

ENTRIES = [
    (
        "how-to-ask",
        "How do I ask a good question here?",
        10,
        """\
Before asking, **search**: type your title and look at the similar threads that appear;
many questions are already answered. Then read the FAQ entries shown to you.

When you ask:

- Write a **specific title**: the tool, the action and the symptom, such as
  "migrate fails with 'relation does not exist' after renaming a model".
- Say **what you already tried** and what each attempt did.
- Give **expected and actual** behaviour, the **exact error** in a code block, and the
  **versions** of what you use (Python, Django, database, operating system).
- Add a **minimal reproduction** (see the entry on that).

Afterwards, when an answer solves it, accept it and write a line on **what fixed it**.
""",
    ),
    (
        "what-are-mentors",
        "What are mentors?",
        20,
        """\
Mentors are experienced members who volunteered to help newcomers. Each mentor lists
the tags they know, how many threads they can take at once, their languages and the
hours they are usually around. When you ask, the mentors who fit your question best
are offered your thread, with the reasons they were picked.
""",
    ),
    (
        "how-claims-work",
        "How do claims work?",
        30,
        """\
A mentor who takes your thread **claims** it: the thread shows "being helped by" and
since when, and you are told. The mentor must reply within a few hours; if they go
silent, the claim expires and the thread goes back to the queue with its history,
so other mentors are offered it. A mentor can also hand the thread to a colleague.
""",
    ),
    (
        "minimal-reproduction",
        "How do I write a minimal reproduction?",
        40,
        """\
A minimal reproduction is the smallest code that still shows the problem.

1. Start from a new project (`django-admin startproject repro`) or a copy of yours.
2. Remove everything that is not needed for the error to happen: other apps, views,
   fields, settings.
3. Stop when removing anything more makes the problem disappear.
4. Paste the remaining files and the exact commands you ran.

Very often you find the cause yourself on the way; say so in the thread.
""",
    ),
    (
        "formatting-code",
        "How do I format code and error messages?",
        50,
        """\
Put code and error output between lines of three backticks, with the language after
the first ones:

````text
```python
def view(request):
    return render(request, "page.html")
```
````

Paste the **whole** traceback as text, not a screenshot. Use `single backticks` for a
name inside a sentence. Remove passwords, tokens and keys before posting: the
question form warns you when it sees one.
""",
    ),
    (
        "nobody-answers",
        "What happens when nobody answers?",
        60,
        """\
Your thread is offered to the best-matching mentors at once and to more mentors two
hours later. If nobody has claimed it after twelve hours, the moderators are told.
After a week without an answer you are asked to edit or re-tag it: a clearer title,
the exact error and versions often make the difference.
""",
    ),
]


def create(apps, schema_editor):
    FaqEntry = apps.get_model("qa", "FaqEntry")
    from qa.markdown import render_markdown

    for slug, title, order, body in ENTRIES:
        FaqEntry.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "order": order,
                "body": body,
                "body_html": render_markdown(body),
            },
        )


def remove(apps, schema_editor):
    apps.get_model("qa", "FaqEntry").objects.filter(slug__in=[e[0] for e in ENTRIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("qa", "0003_faq_and_evidence")]

    operations = [migrations.RunPython(create, remove)]
