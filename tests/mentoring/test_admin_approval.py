"""A mentor is approved only through mentor_approve (the "Approve" action): the status
is read-only on the profile's admin page, so posting it there changes nothing."""

from __future__ import annotations

import pytest

from mentoring.models import MentorProfile
from mentoring.services import mentor_apply
from tests.admin_forms import change_form
from tests.factories import MENTOR_PROFILE, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application() -> MentorProfile:
    TagFactory(name="django")
    TagFactory(name="orm")
    return mentor_apply(user=UserFactory(), **MENTOR_PROFILE)


def test_posting_approved_on_the_change_form_does_not_approve(client, application):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = f"/admin/mentoring/mentorprofile/{application.pk}/change/"
    data = change_form(client, url)
    assert "status" not in data  # shown, not editable
    assert "expertise-TOTAL_FORMS" in data

    response = client.post(url, {**data, "status": "approved", "capacity": "3"})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.capacity == 3  # the rest of the page still saves
    assert application.status == MentorProfile.Status.PENDING
    assert (application.approved_at, application.approved_by) == (None, None)


def test_the_approve_action_goes_through_mentor_approve(client, application):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        "/admin/mentoring/mentorprofile/",
        {"action": "approve", "_selected_action": [str(application.pk)]},
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == MentorProfile.Status.APPROVED
    assert application.approved_by == admin
    assert application.approved_at is not None
