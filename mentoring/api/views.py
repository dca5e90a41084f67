"""Mentoring API: one view per operation, each calling a mentoring service or selector."""

from __future__ import annotations

from typing import cast

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from community.api_schema import error_response
from mentoring import selectors, services
from mentoring.api import serializers as s
from mentoring.models import Claim, MentorProfile, Offer
from qa.models import Question


class MentorMeApi(APIView):
    """GET: my mentor profile (404 before applying). PUT: apply, or edit my profile."""

    permission_classes = [IsAuthenticated]

    def _profile(self, request: Request) -> MentorProfile | None:
        return (
            MentorProfile.objects.filter(user=cast(User, request.user))
            .prefetch_related("expertise__tag")
            .first()
        )

    @extend_schema(responses={200: s.ProfileOutput, 404: error_response(404, "Not applied yet.")})
    def get(self, request: Request) -> Response:
        profile = self._profile(request)
        if profile is None:
            raise NotFound(_("You have not applied to mentor; PUT your profile to apply."))
        return Response(s.ProfileOutput(profile).data)

    @extend_schema(request=s.ProfileInput, responses={200: s.ProfileOutput, 201: s.ProfileOutput})
    def put(self, request: Request) -> Response:
        data = s.ProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        profile = self._profile(request)
        user = cast(User, request.user)
        if profile is None:
            profile = services.mentor_apply(user=user, **fields)
            code: int = status.HTTP_201_CREATED
        else:
            profile = services.mentor_update(profile=profile, **fields)
            code = status.HTTP_200_OK
        return Response(s.ProfileOutput(self._profile(request)).data, status=code)


class MentorApproveApi(APIView):
    """Staff approve a member's application to mentor."""

    permission_classes = [IsAdminUser]

    @extend_schema(request=None, responses=s.ProfileOutput)
    def post(self, request: Request, user_id: int) -> Response:
        profile = get_object_or_404(MentorProfile, user_id=user_id)
        services.mentor_approve(profile=profile, by=cast(User, request.user))
        profile = MentorProfile.objects.prefetch_related("expertise__tag").get(pk=profile.pk)
        return Response(s.ProfileOutput(profile).data)


class MentorMatchesApi(APIView):
    """Ranked mentors for a thread with score and reasons: for the asker, mentors, staff."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.MatchOutput(many=True), 403: error_response(403)})
    def get(self, request: Request, question_id: int) -> Response:
        question = get_object_or_404(
            Question.objects.visible_to(request.user).select_related("author"), pk=question_id
        )
        if not selectors.can_see_matches(viewer=request.user, question=question):
            raise PermissionDenied(_("Only the asker, mentors and staff see a thread's matches."))
        matches = selectors.mentor_matches(question=question)
        return Response(s.MatchOutput(matches, many=True).data)


class ClaimCreateApi(APIView):
    """ "I'll take this": 201 with the claim; 409 when another mentor holds the thread or
    I am at capacity; 403 when I am not a mentor."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: s.ClaimOutput, 409: error_response(409)})
    def post(self, request: Request, question_id: int) -> Response:
        question = get_object_or_404(Question.objects.visible_to(request.user), pk=question_id)
        claim = services.claim_create(mentor=cast(User, request.user), question=question)
        return Response(s.ClaimOutput(claim).data, status=status.HTTP_201_CREATED)


class ClaimReleaseApi(APIView):
    """The mentor who holds a claim releases it, with a reason for the next mentor."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.ReleaseInput, responses={200: s.ClaimOutput, 409: error_response(409)})
    def post(self, request: Request, claim_id: int) -> Response:
        claim = get_object_or_404(Claim.objects.select_related("mentor"), pk=claim_id)
        data = s.ReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_release(
            claim=claim, by=cast(User, request.user), reason=data.validated_data["reason"]
        )
        return Response(s.ClaimOutput(claim).data)


class MentorQueueApi(APIView):
    """Threads waiting for a mentor that I may take: best match, then longest wait."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.QueueItemOutput(many=True), 403: error_response(403)})
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)
        if not MentorProfile.objects.filter(
            user=user, status=MentorProfile.Status.APPROVED
        ).exists():
            raise PermissionDenied(_("The queue is for approved mentors."))
        items = selectors.mentor_queue(mentor=user)
        return Response(s.QueueItemOutput(items, many=True).data)


class OfferListApi(APIView):
    """Threads offered to me, newest first, with the reasons I was picked."""

    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(responses=s.OfferOutput(many=True))
    def get(self, request: Request) -> Response:
        offers = selectors.mentor_offers(mentor=cast(User, request.user))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(offers, request, view=self)
        return paginator.get_paginated_response(s.OfferOutput(page, many=True).data)


class OfferDeclineApi(APIView):
    """Decline an offer: no penalty; the thread is not offered to me again."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: s.OfferOutput, 409: error_response(409)})
    def post(self, request: Request, offer_id: int) -> Response:
        offer = get_object_or_404(Offer.objects.select_related("question"), pk=offer_id)
        offer = services.offer_decline(offer=offer, by=cast(User, request.user))
        return Response(s.OfferOutput(offer).data)


def _held_claim(claim_id: int) -> Claim:
    return get_object_or_404(Claim.objects.select_related("mentor", "question"), pk=claim_id)


class ClaimExtendApi(APIView):
    """The holder extends the first-reply time once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: s.ClaimOutput, 409: error_response(409)})
    def post(self, request: Request, claim_id: int) -> Response:
        claim = services.claim_extend(claim=_held_claim(claim_id), by=cast(User, request.user))
        return Response(s.ClaimOutput(claim).data)


class ClaimHandoffApi(APIView):
    """The holder hands the thread to another mentor, with a note; 201 with the new claim."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.HandoffInput, responses={201: s.ClaimOutput, 409: error_response(409)})
    def post(self, request: Request, claim_id: int) -> Response:
        claim = _held_claim(claim_id)
        data = s.HandoffInput(data=request.data)
        data.is_valid(raise_exception=True)
        target = User.objects.filter(username=data.validated_data["mentor"]).first()
        if target is None:
            raise ValidationError({"mentor": _("No member with that username.")})
        new = services.claim_handoff(
            claim=claim,
            by=cast(User, request.user),
            to=target,
            note=data.validated_data["note"],
        )
        return Response(s.ClaimOutput(new).data, status=status.HTTP_201_CREATED)


class FeedbackApi(APIView):
    """The asker rates the mentor's help once the thread is solved."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=s.FeedbackInput, responses={201: s.FeedbackOutput, 409: error_response(409)}
    )
    def post(self, request: Request, claim_id: int) -> Response:
        claim = _held_claim(claim_id)
        data = s.FeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = services.feedback_give(
            claim=claim,
            by=cast(User, request.user),
            rating=data.validated_data["rating"],
            comment=data.validated_data.get("comment", ""),
        )
        return Response(s.FeedbackOutput(feedback).data, status=status.HTTP_201_CREATED)


class MentorFiguresApi(APIView):
    """My figures as a mentor: claims by outcome, median first reply, expiries, ratings."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: s.MentorFiguresOutput, 404: error_response(404, "No mentor profile.")}
    )
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)
        if not MentorProfile.objects.filter(user=user).exists():
            raise NotFound(_("You have no mentor profile; apply with PUT /api/v1/mentors/me/."))
        return Response(s.MentorFiguresOutput(selectors.mentor_figures(mentor=user)).data)


class UnservedTagsApi(APIView):
    """Staff: tags whose threads escalated with no eligible mentor (?days=30)."""

    permission_classes = [IsAdminUser]

    @extend_schema(parameters=[s.DaysInput], responses=s.UnservedTagOutput(many=True))
    def get(self, request: Request) -> Response:
        params = s.DaysInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        days = params.validated_data["days"]
        return Response(s.UnservedTagOutput(selectors.unserved_tags(days=days), many=True).data)


class MentorshipListApi(APIView):
    """GET: my mentorships, as mentee or mentor, newest first. POST: ask a mentor for a
    long-term mentorship with goals (201); 409 when one is already open with them."""

    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(responses=s.MentorshipOutput(many=True))
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.mentorships_of(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(s.MentorshipOutput(page, many=True).data)

    @extend_schema(
        request=s.MentorshipInput, responses={201: s.MentorshipOutput, 409: error_response(409)}
    )
    def post(self, request: Request) -> Response:
        data = s.MentorshipInput(data=request.data)
        data.is_valid(raise_exception=True)
        mentor = User.objects.filter(username=data.validated_data["mentor"]).first()
        if mentor is None:
            raise ValidationError({"mentor": _("No member with that username.")})
        mentorship = services.mentorship_request(
            mentee=cast(User, request.user), mentor=mentor, goals=data.validated_data["goals"]
        )
        return Response(s.MentorshipOutput(mentorship).data, status=status.HTTP_201_CREATED)


class _MentorshipStep(APIView):
    """One step of a mentorship by the member signed in; 404 for someone else's."""

    permission_classes = [IsAuthenticated]
    step = ""  # accept, decline or end (services.MENTORSHIP_STEPS)

    @extend_schema(
        request=s.MentorshipNoteInput,
        responses={200: s.MentorshipOutput, 409: error_response(409)},
    )
    def post(self, request: Request, mentorship_id: int) -> Response:
        user = cast(User, request.user)
        mentorship = get_object_or_404(selectors.mentorships_of(user=user), pk=mentorship_id)
        data = s.MentorshipNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        mentorship = services.mentorship_step(
            mentorship=mentorship, by=user, step=self.step,
            note=data.validated_data.get("note", ""),
        )  # fmt: skip
        return Response(s.MentorshipOutput(mentorship).data)


class MentorshipAcceptApi(_MentorshipStep):
    """The mentor accepts a request, within their capacity (409 when full)."""

    step = "accept"


class MentorshipDeclineApi(_MentorshipStep):
    """The mentor declines a request, with an optional note."""

    step = "decline"


class MentorshipEndApi(_MentorshipStep):
    """Either side ends an active mentorship; the mentee may withdraw a request."""

    step = "end"
