"""The mentoring pages: become a mentor, the dashboard, queue, claims and offers, a
mentor's public profile, and long-term mentorships. Each write calls the same service as
the API, so the rules and messages are the same."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.errors import REFUSALS, Conflict, refusal_message, refusal_status
from accounts.models import User
from mentoring import selectors, services
from mentoring.forms import FeedbackForm, MentorProfileForm, MentorshipRequestForm
from mentoring.models import Claim, MentorProfile, Offer
from qa.models import Question


def _refused(request: HttpRequest, question: Question, error: Exception) -> HttpResponse:
    """The page that says why a service refused a write, with the status the API gives for
    it (403, 400 or 409)."""
    return render(
        request,
        "mentoring/refused.html",
        {"question": question, "message": refusal_message(error)},
        status=refusal_status(error),
    )


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.visible_to(request.user), pk=pk)
    try:
        services.claim_create(mentor=cast(User, request.user), question=question)
    except REFUSALS as error:
        return _refused(request, question, error)
    messages.success(request, _("The thread is yours: the asker sees you are helping."))
    return redirect(question)


@login_required
@require_POST
def claim_release(request: HttpRequest, pk: int) -> HttpResponse:
    held = get_object_or_404(Claim.objects.select_related("question"), pk=pk)
    try:
        services.claim_release(
            claim=held, by=cast(User, request.user), reason=request.POST.get("reason", "")
        )
    except REFUSALS as error:
        return _refused(request, held.question, error)
    messages.success(request, _("Released: the thread is back in the queue."))
    return redirect(held.question)


def _approved(user: User) -> bool:
    return selectors.is_approved_mentor(viewer=user)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The mentor's queue: threads waiting for a mentor that they may take, and the open
    offers made to them marked."""
    user = cast(User, request.user)
    if not _approved(user):
        return render(request, "mentoring/not_a_mentor.html", status=403)
    items = selectors.mentor_queue(mentor=user)
    offered = dict(
        Offer.objects.filter(
            mentor=user, declined_at__isnull=True, question_id__in=[i.question.pk for i in items]
        ).values_list("question_id", "pk")
    )
    for item in items:
        item.offer_id = offered.get(item.question.pk)
    return render(request, "mentoring/queue.html", {"items": items})


def _claim_step(request: HttpRequest, pk: int, step: Any, done: str) -> HttpResponse:
    held = get_object_or_404(Claim.objects.select_related("question"), pk=pk)
    try:
        step(held)
    except REFUSALS as error:
        return _refused(request, held.question, error)
    messages.success(request, done)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = held.question.get_absolute_url()
    return redirect(back)


@login_required
@require_POST
def claim_extend(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    return _claim_step(
        request,
        pk,
        lambda held: services.claim_extend(claim=held, by=user),
        _("Extended: you have more time for the first reply."),
    )


@login_required
@require_POST
def claim_handoff(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    username = request.POST.get("mentor", "").strip()

    def handoff(held: Claim) -> None:
        target = User.objects.filter(username=username).first()
        if target is None:
            raise ValidationError(
                {"mentor": _("No member is called “%(username)s”.") % {"username": username}}
            )
        services.claim_handoff(claim=held, by=user, to=target, note=request.POST.get("note", ""))

    done = _("Handed off to %(username)s with your note.") % {"username": username}
    return _claim_step(request, pk, handoff, done)


@login_required
@require_POST
def claim_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    form = FeedbackForm(request.POST)

    def rate(held: Claim) -> None:
        if not form.is_valid():
            raise ValidationError(_("Choose a rating: great, good, acceptable or problematic."))
        services.feedback_give(
            claim=held, by=user, rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )  # fmt: skip

    return _claim_step(request, pk, rate, _("Thank you: your rating helps us match mentors."))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The mentor's own figures and what they hold; the application's state before."""
    user = cast(User, request.user)
    profile = MentorProfile.objects.filter(user=user).first()
    context: dict[str, Any] = {"profile": profile}
    if profile is not None and profile.status == MentorProfile.Status.APPROVED:
        context["figures"] = selectors.mentor_figures(mentor=user)
    return render(request, "mentoring/dashboard.html", context)


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Become a mentor (the application staff approve), or edit the mentor profile."""
    user = cast(User, request.user)
    profile = MentorProfile.objects.filter(user=user).first()
    initial = {"languages": ", ".join(user.languages or ["en"]), "time_zone": user.time_zone}
    form = MentorProfileForm(request.POST or None, profile=profile, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if profile is None:
                services.mentor_apply(user=user, **form.service_fields())
                messages.success(request, _("Thank you! Staff will review your application."))
            else:
                services.mentor_update(profile=profile, **form.service_fields())
                messages.success(request, _("Your mentor profile is saved."))
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return redirect("mentoring:dashboard")
    status = 400 if form.errors else 200
    return render(
        request, "mentoring/profile_form.html", {"form": form, "profile": profile}, status=status
    )


@login_required
def my_claims(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    claims = selectors.mentor_claims(mentor=user)
    active = [c for c in claims if c.state == Claim.State.ACTIVE]
    past = [c for c in claims[:100] if c.state != Claim.State.ACTIVE]
    return render(request, "mentoring/claims.html", {"active": active, "past": past})


@login_required
def offers(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    made = selectors.mentor_offers(mentor=user)[:100]
    held = set(
        Claim.objects.filter(
            question_id__in=[o.question_id for o in made], state=Claim.State.ACTIVE
        ).values_list("question_id", flat=True)
    )
    return render(request, "mentoring/offers.html", {"offers": made, "taken": held})


@login_required
@require_POST
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer.objects.select_related("question"), pk=pk)
    try:
        services.offer_decline(offer=offer, by=cast(User, request.user))
    except REFUSALS as error:
        return _refused(request, offer.question, error)
    messages.success(request, _("Declined: you will not be offered this thread again."))
    return redirect("mentoring:offers")


def mentor_profile(request: HttpRequest, username: str) -> HttpResponse:
    """An approved mentor's public profile, with a request form for a mentorship."""
    profile = get_object_or_404(
        MentorProfile.objects.select_related("user"),
        user__username=username,
        status=MentorProfile.Status.APPROVED,
    )
    form = MentorshipRequestForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?next={request.path}")
        if form.is_valid():
            try:
                mentorship = services.mentorship_request(
                    mentee=request.user,
                    mentor=profile.user,
                    goals=form.cleaned_data["goals"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Asked %(mentor)s; you will be told.") % {"mentor": profile.user.public_name},
                )
                return redirect(mentorship)
    expertise = profile.expertise.select_related("tag").order_by("-level", "tag__name")
    return render(
        request,
        "mentoring/mentor_profile.html",
        {"profile": profile, "expertise": expertise, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def mentorships(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    context = {
        "mentorships": selectors.mentorships_of(user=user),
        # A mentor (or applicant) also has the mentoring pages' menu.
        "has_mentor_profile": MentorProfile.objects.filter(user=user).exists(),
    }
    return render(request, "mentoring/mentorships.html", context)


@login_required
def mentorship(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    shown = get_object_or_404(selectors.mentorships_of(user=user), pk=pk)
    return render(request, "mentoring/mentorship.html", {"mentorship": shown})


MENTORSHIP_DONE = {
    "accept": gettext_lazy("Accepted: your mentorship has begun."),
    "decline": gettext_lazy("Declined; the member has been told."),
    "end": gettext_lazy("Ended; the other side has been told."),
}


@login_required
@require_POST
def mentorship_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Accept, decline or end, by the mentor or the mentee (the service checks which)."""
    user = cast(User, request.user)
    shown = get_object_or_404(selectors.mentorships_of(user=user), pk=pk)
    try:
        services.mentorship_step(
            mentorship=shown, by=user, step=step, note=request.POST.get("note", "")
        )
    except REFUSALS as error:
        return render(
            request,
            "mentoring/mentorship.html",
            {"mentorship": shown, "error": refusal_message(error)},
            status=refusal_status(error),
        )
    messages.success(request, MENTORSHIP_DONE[step])
    return redirect(shown)
