"""Every model of the project's apps is in the admin (on its own or inline in its
parent), with a useful list; every list, search, filter and date drill-down renders for
an admin and for a moderator; every change page renders without a lazy load."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Notification, NotificationPreference
from accounts.services import MODERATORS_GROUP
from mentoring.models import (
    Claim,
    Escalation,
    Exclusion,
    Feedback,
    MentorProfile,
    Mentorship,
    Offer,
)
from moderation.models import CloseReason, Flag, ModerationAction
from qa.models import (
    AskDraft,
    FaqEntry,
    FaqEvidence,
    Question,
    Revision,
    SearchEvidence,
    SimilarShown,
    Vote,
)
from qa.services import comment_post
from tests.factories import UserFactory, answer, approved_mentor, question

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["accounts", "qa", "mentoring", "moderation"]


def _registered_and_inlined() -> tuple[dict, set]:
    registered = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
    }
    inlined = {
        inline.model for model_admin in registered.values() for inline in model_admin.inlines
    }
    return registered, inlined


def test_every_model_is_in_the_admin_with_a_useful_list():
    registered, inlined = _registered_and_inlined()
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            assert model in registered or model in inlined, model
    for model, model_admin in registered.items():
        columns = [c for c in model_admin.list_display if c != "__str__"]
        assert len(columns) >= 2, model
        assert model_admin.search_fields or model_admin.list_filter, model
        related = [f.name for f in model._meta.fields if f.many_to_one]
        shown = [c for c in model_admin.list_display if c in related]
        if shown:
            assert model_admin.list_select_related, model


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_every_list_renders_with_its_search_and_filters(client, role):
    thread = question()
    answer(question_obj=thread)
    user = UserFactory(is_staff=True, is_superuser=role == "admin")
    if role == "moderator":
        user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    client.force_login(user)
    registered, _ = _registered_and_inlined()
    filters_checked = 0
    for model, model_admin in registered.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        if role == "moderator" and response.status_code == 403:
            continue  # not a moderator's business (site settings, roles)
        assert response.status_code == 200, url
        if model_admin.search_fields:
            assert client.get(url, {"q": "django"}).status_code == 200, url
        if model_admin.date_hierarchy:
            assert client.get(url, {f"{model_admin.date_hierarchy}__year": "2026"}).status_code in (
                200, 302,
            ), url  # fmt: skip
        page = response.content.decode()
        # Every filter choice the page offers is a working link.
        for choice in _filter_links(page)[:40]:
            assert client.get(url + choice).status_code in (200, 302), url + choice
            filters_checked += 1
    assert filters_checked > 30  # the walk found the filters


def _one_row_of_each_model() -> None:
    """A row of every model in the admin, each of its foreign keys pointing at a row."""
    now = timezone.now()
    asker, mentor, staff = UserFactory(), approved_mentor(), UserFactory(is_staff=True)
    thread, original = question(author=asker), question()
    reply = answer(question_obj=thread)
    comment = comment_post(author=UserFactory(), body="Which version?", answer=reply)
    comment_post(author=UserFactory(), body="Thanks.", question=thread)
    Question.objects.filter(pk=thread.pk).update(accepted_answer=reply, duplicate_of=original)
    MentorProfile.objects.filter(user=mentor).update(approved_by=staff)
    Vote.objects.create(user=asker, answer=reply, value=1)
    Revision.objects.create(author=asker, question=thread, created_at=now, previous_body="Old.")
    entry = FaqEntry.objects.create(title="Migrations", slug="migrations", body="B", body_html="B")
    draft = AskDraft.objects.create(author=asker, question=thread, data={"title": "Merge?"})
    SimilarShown.objects.create(draft=draft, question=original, kind=SimilarShown.Kind.SHOWN)
    SearchEvidence.objects.create(user=asker, query="merge", source="search", draft=draft)
    FaqEvidence.objects.create(user=asker, entry=entry, draft=draft, question=thread)
    claim = Claim.objects.create(question=thread, mentor=mentor, reply_due_at=now)
    Feedback.objects.create(claim=claim, rating=Feedback.Rating.GREAT)
    Offer.objects.create(question=thread, mentor=mentor, wave=1, score=0.5)
    Exclusion.objects.create(question=original, mentor=mentor, reason=Exclusion.Reason.DECLINED)
    Escalation.objects.create(question=original, eligible_mentors=0, reason="No mentor.")
    Mentorship.objects.create(mentee=asker, mentor=mentor, goals="Django.", ended_by=asker)
    Notification.objects.create(recipient=asker, kind="new_answer", dedupe_key="one")
    NotificationPreference.objects.create(user=asker, kind="new_answer", mode="off")
    Flag.objects.create(flagger=asker, comment=comment, reason=Flag.Reason.SPAM,
                        duplicate_of=original, resolved_by=staff, resolved_at=now)  # fmt: skip
    ModerationAction.objects.create(
        moderator=staff, member=asker, answer=reply,
        kind=ModerationAction.Kind.HIDE, target="A", reason="Spam.",
    )  # fmt: skip
    CloseReason.objects.get_or_create(label="Off topic")


def test_every_change_page_fetches_what_it_shows_with_its_object(client):
    # The test client raises on a lazy load (tests/conftest.py): a read-only foreign key,
    # an object's title or an inline's rows read one at a time would fail the page.
    _one_row_of_each_model()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    registered, _ = _registered_and_inlined()
    for model in registered:
        rows = list(model._default_manager.values_list("pk", flat=True))
        assert rows, model
        for pk in rows:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{pk}/change/"
            assert client.get(url).status_code == 200, url


def _filter_links(page: str) -> list[str]:
    import html
    import re

    filters = page.split('id="changelist-filter"', 1)
    if len(filters) < 2:
        return []
    return sorted({html.unescape(href) for href in re.findall(r'href="(\?[^"]*)"', filters[1])})
