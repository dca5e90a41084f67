"""Hidden content is gone for everyone but moderators, on every surface: lists, the
thread page, search, similar threads, tag counts, profiles, the API, the mentor queue,
notifications and digests. Moderators still see it, with a banner."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Notification
from accounts.services import MODERATORS_GROUP
from mentoring.selectors import mentor_queue
from moderation.services import post_hide
from qa.services import search_vectors_refresh
from tests.factories import TagFactory, UserFactory, answer, approved_mentor, question
from tests.moderation.surfaces import SECRET, SHOWN, surfaces

pytestmark = pytest.mark.django_db


def test_a_hidden_thread_is_gone_from_every_surface_but_moderators_see_it(client):
    mod = UserFactory(is_staff=True)
    mod.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    ruby = TagFactory(name="ruby")
    author = UserFactory()
    thread = question(author=author, tags=[ruby], title=f"{SECRET} gems fail to install",
                      body=f"The {SECRET} gem breaks bundler.")  # fmt: skip
    search_vectors_refresh(question_ids=[thread.pk])
    mentor = approved_mentor()
    from mentoring.services import mentor_update

    mentor_update(profile=mentor.mentor_profile, expertise={"ruby": 3})
    api = APIClient()
    before = surfaces(client, api, thread, author)
    seen = [name for name, text in before.items() if any(part in text for part in SHOWN)]
    assert len(seen) >= 8, seen  # the walk really looks where the thread shows
    assert thread.pk in {i.question.pk for i in mentor_queue(mentor=mentor)}

    post_hide(moderator=mod, post=thread, reason="Spam")
    for viewer in [None, UserFactory()]:
        if viewer is not None:
            client.force_login(viewer)
            api.force_authenticate(viewer)
        after = surfaces(client, api, thread, author)
        leaks = [name for name, text in after.items() if any(part in text for part in SHOWN)]
        assert leaks == [], leaks
        assert '"question_count":0' in after["api tags"].replace(" ", "")
        assert client.get(thread.get_absolute_url()).status_code == 404
        assert api.get(f"/api/v1/questions/{thread.pk}/").status_code == 404
    assert thread.pk not in {i.question.pk for i in mentor_queue(mentor=mentor)}

    client.force_login(mod)
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200
    assert "This question is hidden" in page.content.decode()


def test_hiding_suppresses_its_pending_notifications():
    mod = UserFactory(is_staff=True)
    mod.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    asker = UserFactory()
    asker.notification_preferences.create(kind="new_answer", mode="digest")
    thread = question(author=asker)
    spam = answer(question_obj=thread, body="Visit my shop for cheap pills.")
    row = Notification.objects.get(kind="new_answer", recipient=asker)
    assert row.status == "pending"

    post_hide(moderator=mod, post=spam, reason="Spam")
    row.refresh_from_db()
    assert row.status == "suppressed"

    # A hidden thread's own pending notifications go too (a mentor offer, say).
    other = question()
    Notification.objects.create(
        recipient=UserFactory(), kind="mentor_offer", dedupe_key=f"offer:{other.pk}:1",
        payload={"title": other.title}, about_question=other.pk, delivery="digest",
    )  # fmt: skip
    post_hide(moderator=mod, post=other, reason="Spam")
    assert Notification.objects.get(dedupe_key=f"offer:{other.pk}:1").status == "suppressed"


def test_a_hidden_answer_is_gone_from_the_thread_the_api_and_the_profile(client):
    mod = UserFactory(is_staff=True)
    mod.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    thread = question()
    spammer = UserFactory()
    spam = answer(question_obj=thread, author=spammer, body="Cheap pills at pills.example")
    post_hide(moderator=mod, post=spam, reason="Spam")
    api = APIClient()
    for viewer in [None, UserFactory()]:
        if viewer is not None:
            client.force_login(viewer)
            api.force_authenticate(viewer)
        for text in [
            client.get(thread.get_absolute_url()).content.decode(),
            client.get(f"/members/{spammer.username}/").content.decode(),
            api.get(f"/api/v1/questions/{thread.pk}/").content.decode(),
        ]:
            assert "Cheap pills" not in text
    client.force_login(mod)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Cheap pills" in page
    assert "This answer is hidden." in page


@pytest.mark.parametrize("removal", ["hide", "delete", "merge"])
def test_a_removed_thread_leaves_the_mentors_offers_and_claims(client, removal):
    from django.db import transaction

    from mentoring.models import Claim
    from mentoring.services import claim_create, offers_make
    from moderation.services import post_delete, question_merge

    mod = UserFactory(is_staff=True)
    mod.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    offered, holder = approved_mentor(), approved_mentor()
    thread = question(tags=[], title=f"{SECRET} migrations clash")
    thread.tags.set([TagFactory._meta.model.objects.get(name="django")])
    with transaction.atomic():
        made = offers_make(question=thread, wave=1)
    assert offered.pk in {o.mentor_id for o in made}
    claim = claim_create(mentor=holder, question=thread)
    api = APIClient()
    api.force_authenticate(offered)
    client.force_login(offered)
    assert SECRET in api.get("/api/v1/mentoring/offers/").content.decode()
    assert SECRET in client.get("/mentoring/offers/").content.decode()
    holder_page = Client()
    holder_page.force_login(holder)
    assert SECRET in holder_page.get("/mentoring/claims/").content.decode()

    if removal == "hide":
        post_hide(moderator=mod, post=thread, reason="Spam")
    elif removal == "delete":
        post_delete(moderator=mod, post=thread, reason="Spam")
    else:
        question_merge(moderator=mod, question=thread, into=question(), reason="Same")

    claim.refresh_from_db()
    assert claim.state == Claim.State.RELEASED
    assert SECRET not in api.get("/api/v1/mentoring/offers/").content.decode()
    assert SECRET not in client.get("/mentoring/offers/").content.decode()
    assert SECRET not in holder_page.get("/mentoring/claims/").content.decode()
