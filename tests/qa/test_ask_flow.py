"""The ask flow in the browser without JavaScript: steps as pages of one form, the draft
kept on the server; and the htmx parts (live suggestions, threads and FAQ opened in place)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qa.models import AskDraft, FaqEntry, FaqEvidence, Question, SearchEvidence, SimilarShown
from qa.selectors import deflection_counts
from qa.services import answer_accept
from tests.factories import TRIED, TagFactory, UserFactory, answer, question, ready_to_ask

pytestmark = pytest.mark.django_db

ASK = "/questions/ask/"
HTMX = {"HX-Request": "true"}
TOPIC = {
    "title": "Celery beat sends the same task twice an hour",
    "body": "Every hour `cleanup` runs twice.\n\n```\ncelery beat -A proj\n```",
    "tags": "celery",
}
TRIED_STEP = {
    "what_i_tried": TRIED,
    "expected": "One run an hour",
    "actual": "Two runs an hour",
    "error_output": "",
    "environment": "Celery 5.7, Python 3.13",
}


@pytest.fixture
def member(client):
    TagFactory(name="celery")
    user = UserFactory()
    client.force_login(user)
    return user


def step(client, number, go="next", **fields):
    return client.post(ASK, {"step": number, "go": go, **fields})


def through_step_1(client):
    """Title typed, similar threads shown, then on to step 2, as a member without JS does."""
    first = step(client, 1, **TOPIC)
    assert first["Location"] == f"{ASK}?step=1"  # what the title brings up comes first
    client.get(first["Location"])
    second = step(client, 1, **TOPIC)
    assert second["Location"] == f"{ASK}?step=2"
    return second


def test_the_whole_flow_without_javascript_posts_the_question(client, member):
    original = question(title="Celery beat runs a periodic task twice")
    answer_accept(user=original.author, answer=answer(question_obj=original))

    through_step_1(client)
    assert SearchEvidence.objects.filter(user=member, source="similar").exists()

    faq_page = client.get(f"{ASK}?step=2").content.decode()
    entry = FaqEntry.objects.get(slug="how-to-ask")
    assert entry.title in faq_page
    opened = client.get(entry.get_absolute_url()).content.decode()
    assert "Back to your question" in opened
    assert FaqEvidence.objects.filter(user=member, entry=entry).exists()

    assert step(client, 2)["Location"] == f"{ASK}?step=3"
    assert step(client, 3, **TRIED_STEP)["Location"] == f"{ASK}?step=4"

    review = client.get(f"{ASK}?step=4").content.decode()
    assert "Your question as it will look" in review
    assert "<code>cleanup</code>" in review
    assert "What I already tried" in review
    assert "Two runs an hour" in review
    assert "Still to do" not in review

    posted = step(client, 4, go="post")

    q = Question.objects.get(author=member)
    assert posted.status_code == 302
    assert posted["Location"] == q.get_absolute_url()
    assert (q.title, q.what_i_tried, q.environment) == (
        TOPIC["title"],
        TRIED,
        "Celery 5.7, Python 3.13",
    )
    assert q.checklist_evidence["faq_entries"] == [entry.pk]
    draft = AskDraft.objects.get(author=member)
    assert (draft.status, draft.question_id) == (AskDraft.Status.POSTED, q.pk)
    # A new question starts from an empty draft.
    assert 'value="Celery beat' not in client.get(ASK).content.decode()


def test_the_draft_survives_going_back_and_forth(client, member):
    through_step_1(client)
    step(client, 2)
    step(client, 3, go="back", what_i_tried="Half written", environment="Ubuntu 24.04")

    assert TOPIC["title"] in client.get(f"{ASK}?step=1").content.decode()
    again = client.get(f"{ASK}?step=3").content.decode()
    assert "Half written" in again
    assert 'value="Ubuntu 24.04"' in again
    # Leaving for another page and coming back lands on the furthest step with its text.
    client.get("/questions/")
    assert "Half written" in client.get(ASK).content.decode()


def test_steps_cannot_be_skipped(client, member):
    assert "Step 1: Search first" in client.get(f"{ASK}?step=4").content.decode()
    step(client, 1, **TOPIC)
    assert "Step 1: Search first" in client.get(f"{ASK}?step=3").content.decode()
    response = step(client, "4", go="post")
    assert response.status_code in (302, 400)
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    ("number", "fields", "message"),
    [
        (1, {**TOPIC, "title": ""}, "This field is required."),
        (1, {**TOPIC, "tags": ""}, "This field is required."),
        (3, {**TRIED_STEP, "what_i_tried": "n/a"}, "Say what you tried"),
        (3, {**TRIED_STEP, "what_i_tried": "aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa"}, "Say"),
    ],
)
def test_a_step_with_bad_input_stays_put_with_the_reason(client, member, number, fields, message):
    if number == 3:
        through_step_1(client)
        step(client, 2)

    response = step(client, number, **fields)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_review_names_the_missing_steps_and_posting_is_refused(client, member):
    AskDraft.objects.create(author=member, reached=4, data={**TOPIC, **TRIED_STEP})

    review = client.get(f"{ASK}?step=4").content.decode()
    assert "Still to do before posting" in review
    assert "We have no search by you" in review
    assert "We have no FAQ reading by you" in review

    response = step(client, 4, go="post")

    assert response.status_code == 400
    assert "Search first: We have no search by you" in response.content.decode()
    assert not Question.objects.exists()


def test_a_pasted_github_token_blocks_posting_until_removed(client, member):
    ready_to_ask(member)
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    draft = AskDraft.objects.create(
        author=member, reached=4, data={**TOPIC, **TRIED_STEP, "body": f"My token: {token}"}
    )

    review = client.get(f"{ASK}?step=4").content.decode()
    assert "Must fix:" in review
    assert step(client, 4, go="post").status_code == 400
    assert not Question.objects.exists()

    draft.data["body"] = "My token is in the environment."
    draft.save()
    assert step(client, 4, go="post").status_code == 302
    assert token not in Question.objects.get().body


def test_discarding_the_draft_starts_over(client, member):
    step(client, 1, **TOPIC)

    response = step(client, 1, go="restart")

    assert response.status_code == 302
    assert AskDraft.objects.get().status == AskDraft.Status.DISCARDED
    assert TOPIC["title"] not in client.get(ASK).content.decode()


def test_whole_question_in_one_post_still_works(client, member):
    checklist = ready_to_ask(member)

    response = client.post(ASK, {**TOPIC, **TRIED_STEP, "what_i_tried": checklist["what_i_tried"]})

    q = Question.objects.get()
    assert response["Location"] == q.get_absolute_url()
    page = client.get(q.get_absolute_url()).content.decode()
    assert "<code>cleanup</code>" in page
    assert "What I already tried" in page


def test_whole_question_in_one_post_names_each_missing_step(client, member):
    response = client.post(ASK, {**TOPIC, "what_i_tried": "n/a"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Search first: We have no search by you" in page
    assert "Read the FAQ: We have no FAQ reading by you" in page
    assert "What I tried:" in page
    assert not Question.objects.exists()


def test_whole_question_in_one_post_shows_service_errors(client, member):
    tried = ready_to_ask(member)["what_i_tried"]

    response = client.post(ASK, {**TOPIC, "tags": "nosuchtag", "what_i_tried": tried})

    assert response.status_code == 400
    assert "No such tag: nosuchtag" in response.content.decode()
    assert not Question.objects.exists()


def test_live_suggestions_show_similar_threads_and_keep_the_draft(client, member):
    original = question(title="Celery task runs twice after worker restart")
    answer_accept(user=original.author, answer=answer(question_obj=original))

    response = client.get(
        "/questions/ask/suggestions/",
        {"title": "celery task runs twice", "body": "", "tags": ""},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Does this answer your question?" in html
    assert original.title in html
    assert SearchEvidence.objects.filter(user=member, source="similar").exists()
    draft = AskDraft.objects.get(author=member)
    assert draft.data["title"] == "celery task runs twice"
    assert SimilarShown.objects.filter(draft=draft, question=original, kind="shown").exists()
    # The member typed the title with live suggestions: Next goes straight on.
    assert step(client, 1, **{**TOPIC, "title": "celery task runs twice"})["Location"].endswith(
        "step=2"
    )


def test_a_similar_thread_opens_in_place_and_counts_for_deflection(client, member):
    solved = question(title="Celery task runs twice after worker restart")
    accepted = answer(question_obj=solved, body="Turn on **acks_late**.")
    answer_accept(user=solved.author, answer=accepted)
    client.get("/questions/ask/suggestions/", {"title": "celery task twice"}, headers=HTMX)

    in_place = client.get(f"/questions/ask/open/{solved.pk}/", headers=HTMX).content.decode()
    page = client.get(f"/questions/ask/open/{solved.pk}/").content.decode()

    assert "<html" not in in_place
    assert "<strong>acks_late</strong>" in in_place
    assert "The accepted answer" in in_place
    assert "Back to your question" in page
    assert "<html" in page
    draft = AskDraft.objects.get(author=member)
    assert draft.opened_solved
    assert SimilarShown.objects.filter(draft=draft, kind="opened").count() == 1


def test_a_hidden_thread_cannot_be_opened_from_the_ask_flow(client, member):
    hidden = question(title="Something hidden")
    Question.objects.filter(pk=hidden.pk).update(hidden=True)

    assert client.get(f"/questions/ask/open/{hidden.pk}/").status_code == 404
    assert client.get("/questions/ask/open/999999/").status_code == 404


def test_an_faq_entry_opens_in_place_and_counts_as_read(client, member):
    entry = FaqEntry.objects.get(slug="how-to-ask")

    response = client.get(entry.get_absolute_url(), headers=HTMX)

    assert "<html" not in response.content.decode()
    assert entry.body_html in response.content.decode()
    assert FaqEvidence.objects.filter(user=member, entry=entry).exists()


def test_a_draft_no_faq_entry_matches_is_recorded_as_such(client, member):
    step(client, 1, **{**TOPIC, "title": "zebrafish kubernetes xylophone", "body": "quux"})
    client.get(f"{ASK}?step=1")
    step(client, 1, **{**TOPIC, "title": "zebrafish kubernetes xylophone", "body": "quux"})

    page = client.get(f"{ASK}?step=2").content.decode()

    assert "No FAQ entry matches your draft" in page
    evidence = FaqEvidence.objects.get(user=member)
    assert evidence.no_match_query == "zebrafish kubernetes xylophone"


def test_deflection_counts(client, member):
    since = timezone.now() - dt.timedelta(days=1)
    solved = question(title="Celery task runs twice after worker restart")
    answer_accept(user=solved.author, answer=answer(question_obj=solved))
    other = question(title="Celery task twice a day on the schedule")
    client.get("/questions/ask/suggestions/", {"title": "celery task twice"}, headers=HTMX)
    client.get(f"/questions/ask/open/{solved.pk}/", headers=HTMX)
    client.get(f"/questions/ask/open/{other.pk}/", headers=HTMX)
    step(client, 1, go="restart")  # the member gave up: the solved thread answered it
    posted = AskDraft.objects.create(author=UserFactory(), status="posted")

    counts = deflection_counts(since=since)

    assert counts["drafts_started"] == 2
    assert counts["drafts_posted"] == 1
    assert counts["similar_shown"] >= 2
    assert counts["similar_opened"] == 2
    assert counts["solved_opened"] == 1
    assert counts["drafts_abandoned_after_opening_solved"] == 1
    # An open draft untouched for a day counts as abandoned too.
    AskDraft.objects.filter(pk=posted.pk).update(status="open", opened_solved=True)
    later = deflection_counts(since=since, now=timezone.now() + dt.timedelta(days=2))
    assert later["drafts_abandoned_after_opening_solved"] == 2


def test_ask_pages_need_a_signed_in_member(client):
    for url in (ASK, "/questions/ask/suggestions/", "/questions/ask/open/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_deflection_counts_are_served_to_staff_only(client, member):
    from rest_framework.test import APIClient

    solved = question(title="Celery task runs twice after worker restart")
    answer_accept(user=solved.author, answer=answer(question_obj=solved))
    client.get("/questions/ask/suggestions/", {"title": "celery task twice"}, headers=HTMX)
    client.get(f"/questions/ask/open/{solved.pk}/", headers=HTMX)
    api = APIClient()
    url = "/api/v1/metrics/ask-deflection/"

    api.force_authenticate(member)
    assert api.get(url).status_code == 403
    api.force_authenticate(UserFactory(is_staff=True))
    body = api.get(url, {"days": 7}).json()
    assert body["days"] == 7
    assert body["similar_opened"] == 1
    assert body["solved_opened"] == 1
    assert body["drafts_started"] == 1
    for bad in ("0", "91", "many"):
        response = api.get(url, {"days": bad})
        assert response.status_code == 400
        assert "days" in response.json()


def test_drafts_are_readable_in_the_admin(client, member):
    client.get("/questions/ask/suggestions/", {"title": "celery task twice"}, headers=HTMX)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    draft = AskDraft.objects.get()

    listing = client.get("/admin/qa/askdraft/")
    page = client.get(f"/admin/qa/askdraft/{draft.pk}/change/")

    assert listing.status_code == 200
    assert "celery task twice" in listing.content.decode()
    assert page.status_code == 200
