"""The moderation console in the Django admin: the flag queue (open flags grouped per
post, the post rendered safely with its author's history, and the actions), actions
with a reason form on questions, answers, comments and members, and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin import UserAdmin
from accounts.admin_forms import ModelAdmin
from accounts.models import User
from accounts.services import user_is_moderator
from moderation import services
from moderation.models import CloseReason, Flag, ModerationAction
from moderation.selectors import posts_with_thread
from qa.admin import AnswerAdmin, CommentAdmin, QuestionAdmin, ReadOnlyAdmin
from qa.models import POST_MODELS, Answer, Comment, Question, thread_of

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- Reason forms for the actions -------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the audit log; a suspended member sees it."),
    )


class CloseForm(forms.Form):
    close_reason = forms.ModelChoiceField(
        queryset=CloseReason.objects.all(), label=gettext_lazy("Reason"), empty_label=None
    )
    duplicate_of = forms.IntegerField(
        required=False,
        label=gettext_lazy("Original thread (number)"),
        help_text=gettext_lazy(
            "For a duplicate: the number of the thread it duplicates, as in /questions/42/."
        ),
    )
    note = forms.CharField(max_length=150, required=False, label=gettext_lazy("Note (optional)"))


class MergeForm(ReasonForm):
    into = forms.IntegerField(
        label=gettext_lazy("Merge into thread (number)"),
        help_text=gettext_lazy(
            "The thread that keeps going, as in /questions/42/. The answers and comments "
            "move there and the old address redirects to it."
        ),
    )


class SuspendForm(forms.Form):
    """Only parsed here: the rules (an end in the future, a reason) are the service's, so
    the action refuses what the member's page and the flag queue refuse, in the same
    words."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the audit log; the member sees it."),
    )
    until = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Suspended until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=gettext_lazy("In UTC. The member cannot sign in or post until then."),
    )


def _run(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any], *,
    title: StrOrPromise, form_class: type[forms.Form], apply: Any, done: StrOrPromise,
) -> HttpResponse | None:  # fmt: skip
    """An admin action that asks for a reason first (single and bulk): the first POST
    shows the form; the second applies the action to each selected object, each with
    its own audit record. Refusals are shown per object and change nothing."""
    if not user_is_moderator(user=request.user):  # type: ignore[arg-type]
        raise PermissionDenied(_("Only moderators can do this."))
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        applied = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
            except (ValidationError, PermissionDenied, services.FlagConflict) as error:
                text = " ".join(error.messages) if isinstance(error, ValidationError) else error
                model_admin.message_user(
                    request,
                    _("%(label)s: %(message)s") % {"label": obj, "message": text},
                    messages.ERROR,
                )
            else:
                applied += 1
        if applied:
            model_admin.message_user(
                request,
                _("%(done)s: %(count)s.") % {"done": done, "count": applied},
                messages.SUCCESS,
            )
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": list(queryset),
        "action": request.POST.get("action", ""),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/moderation/action_form.html", context)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _reason_action(
    service: Any, *, description: StrOrPromise, title: StrOrPromise, done: StrOrPromise
) -> Any:
    """An admin action that applies a post service with the moderator's reason."""

    @admin.action(description=description)
    def action(model_admin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return _run(model_admin, request, queryset, title=title, form_class=ReasonForm,
                    apply=lambda post, data: service(
                        moderator=_user(request), post=post, reason=data["reason"]),
                    done=done)  # fmt: skip

    return action


def _merge_apply(request: HttpRequest) -> Any:
    def apply(question: Question, data: dict[str, Any]) -> None:
        target = Question.objects.filter(pk=data["into"]).first()
        if target is None:
            raise ValidationError(_("There is no thread %(number)s.") % {"number": data["into"]})
        services.question_merge(
            moderator=_user(request), question=question, into=target, reason=data["reason"]
        )

    return apply


def _close_apply(request: HttpRequest) -> Any:
    def apply(question: Question, data: dict[str, Any]) -> None:
        target = None
        if data["duplicate_of"]:
            target = Question.objects.filter(pk=data["duplicate_of"]).first()
            if target is None:
                raise ValidationError(
                    _("There is no thread %(number)s.") % {"number": data["duplicate_of"]}
                )
        services.question_close(
            moderator=_user(request), question=question, close_reason=data["close_reason"],
            note=data["note"], duplicate_of=target,
        )  # fmt: skip

    return apply


# --- Posts ------------------------------------------------------------------------------


class PostActions:
    """What moderators do to any kind of post, each with a reason."""

    hide = _reason_action(
        services.post_hide,
        description=gettext_lazy("Hide (with a reason)"),
        title=gettext_lazy("Hide with a reason"),
        done=gettext_lazy("Hidden"),
    )
    unhide = _reason_action(
        services.post_unhide,
        description=gettext_lazy("Unhide (with a reason)"),
        title=gettext_lazy("Unhide with a reason"),
        done=gettext_lazy("Shown again"),
    )
    soft_delete = _reason_action(
        services.post_delete,
        description=gettext_lazy("Delete (with a reason; can be restored)"),
        title=gettext_lazy("Delete with a reason (can be restored)"),
        done=gettext_lazy("Deleted"),
    )
    restore = _reason_action(
        services.post_restore,
        description=gettext_lazy("Restore deleted (with a reason)"),
        title=gettext_lazy("Restore with a reason"),
        done=gettext_lazy("Restored"),
    )
    dismiss_flags = _reason_action(
        services.flags_dismiss,
        description=gettext_lazy("Dismiss their flags (with a reason)"),
        title=gettext_lazy("Dismiss the flags with a reason"),
        done=gettext_lazy("Flags dismissed"),
    )


admin.site.unregister(Question)
admin.site.unregister(Answer)
admin.site.unregister(Comment)


@admin.register(Question)
class ModeratedQuestionAdmin(PostActions, QuestionAdmin):
    actions = [
        "hide", "unhide", "close", "reopen", "lock", "unlock", "merge", "soft_delete",
        "restore", "dismiss_flags",
    ]  # fmt: skip

    @admin.action(description=gettext_lazy("Merge into another thread (with a reason)"))
    def merge(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return _run(self, request, queryset, title=_("Merge into another thread"),
                    form_class=MergeForm, apply=_merge_apply(request),
                    done=_("Merged"))  # fmt: skip

    @admin.action(description=gettext_lazy("Close (with a reason; a duplicate links the original)"))
    def close(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return _run(self, request, queryset, title=_("Close with a reason"), form_class=CloseForm,
                    apply=_close_apply(request), done=_("Closed"))  # fmt: skip

    @admin.action(description=gettext_lazy("Reopen (with a reason)"))
    def reopen(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return _run(self, request, queryset, title=_("Reopen with a reason"), form_class=ReasonForm,
                    apply=lambda q, data: services.question_reopen(
                        moderator=_user(request), question=q, reason=data["reason"]),
                    done=_("Reopened"))  # fmt: skip

    @admin.action(description=gettext_lazy("Lock (with a reason)"))
    def lock(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return _run(self, request, queryset, title=_("Lock with a reason"), form_class=ReasonForm,
                    apply=lambda q, data: services.question_lock(
                        moderator=_user(request), question=q, reason=data["reason"], locked=True),
                    done=_("Locked"))  # fmt: skip

    @admin.action(description=gettext_lazy("Unlock (with a reason)"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return _run(self, request, queryset, title=_("Unlock with a reason"), form_class=ReasonForm,
                    apply=lambda q, data: services.question_lock(
                        moderator=_user(request), question=q, reason=data["reason"],
                        locked=False),
                    done=_("Unlocked"))  # fmt: skip


@admin.register(Answer)
class ModeratedAnswerAdmin(PostActions, AnswerAdmin):
    actions = ["hide", "unhide", "soft_delete", "restore", "dismiss_flags"]


@admin.register(Comment)
class ModeratedCommentAdmin(PostActions, CommentAdmin):
    actions = ["hide", "unhide", "soft_delete", "restore", "dismiss_flags"]


# --- Members ----------------------------------------------------------------------------


class ModerationRecordInline(admin.TabularInline):
    """The audit records about a member, on their admin page."""

    model = ModerationAction
    fk_name = "member"
    fields = ("created_at", "kind", "target", "reason", "moderator")
    readonly_fields = ("created_at", "kind", "target", "reason", "moderator")
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("Moderation record")
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModerationAction]:
        # Each row names its moderator.
        return super().get_queryset(request).select_related("moderator")


admin.site.unregister(User)


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    actions = ["suspend", "unsuspend"]
    inlines = [*UserAdmin.inlines, ModerationRecordInline]

    def suspension_apply(
        self, request: HttpRequest, member: User, *, until: dt.datetime, reason: str
    ) -> None:
        """A suspension set on the member's page goes through the same service as the
        action and the flag queue: checked the same way, and recorded in the audit log."""
        services.member_suspend(moderator=_user(request), member=member, until=until,
                                reason=reason)  # fmt: skip

    def suspension_lift(self, request: HttpRequest, member: User, *, reason: str) -> None:
        services.member_unsuspend(moderator=_user(request), member=member,
                                  reason=reason or _("Lifted on the member's page."))  # fmt: skip

    @admin.action(description=gettext_lazy("Suspend until a date (with a reason)"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        def apply(member: User, data: dict[str, Any]) -> None:
            services.member_suspend(
                moderator=_user(request), member=member, until=data["until"],
                reason=data["reason"],
            )  # fmt: skip

        return _run(self, request, queryset, title=_("Suspend with a reason and an end"),
                    form_class=SuspendForm, apply=apply, done=_("Suspended"))  # fmt: skip

    @admin.action(description=gettext_lazy("Lift the suspension (with a reason)"))
    def unsuspend(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return _run(self, request, queryset, title=_("Lift the suspension"), form_class=ReasonForm,
                    apply=lambda member, data: services.member_unsuspend(
                        moderator=_user(request), member=member, reason=data["reason"]),
                    done=_("Suspension lifted"))  # fmt: skip


# --- The flag queue and the audit log ---------------------------------------------------


@admin.register(Flag)
class FlagAdmin(ModelAdmin):
    """Every flag; the queue view groups the open ones per post."""

    list_display = ["__str__", "post_link", "reason", "status", "flagger", "created_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["flagger", "question", "answer", "comment"]
    search_fields = ["flagger__username", "note", "question__title"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "flagger", "question", "answer", "comment", "reason", "note", "duplicate_of", "status",
        "created_at", "resolved_at", "resolved_by",
    ]  # fmt: skip
    change_related = (
        "flagger", "question", "answer", "comment", "duplicate_of", "resolved_by",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("Post"))
    def post_link(self, flag: Flag) -> str:
        from django.utils.html import format_html

        post = flag.post
        return format_html('<a href="{}">{}</a>', post.get_absolute_url(), str(post)[:80])

    def get_urls(self) -> list[Any]:
        return [
            path("queue/", self.admin_site.admin_view(self.queue_view), name="moderation_queue"),
            path(
                "queue/<str:kind>/<int:pk>/<str:step>/",
                self.admin_site.admin_view(self.queue_act),
                name="moderation_queue_act",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {"queue_url": reverse("admin:moderation_queue"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        from moderation.selectors import flag_queue

        if not user_is_moderator(user=request.user):  # type: ignore[arg-type]
            raise PermissionDenied(_("Only moderators work the flag queue."))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Flag queue"),
            "items": flag_queue(),
            "close_reasons": CloseReason.objects.all(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/moderation/flag_queue.html", context)

    def queue_act(self, request: HttpRequest, kind: str, pk: int, step: str) -> HttpResponse:
        """One action from the queue on one post: hide, dismiss, close or suspend."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:moderation_queue"))
        if kind not in POST_MODELS or step not in {"hide", "dismiss", "close", "suspend"}:
            raise PermissionDenied(_("Unknown action."))
        post: Any = get_object_or_404(posts_with_thread(kind=kind), pk=pk)
        me = _user(request)
        reason = request.POST.get("reason", "")
        try:
            if step == "hide":
                services.post_hide(moderator=me, post=post, reason=reason)
            elif step == "dismiss":
                services.flags_dismiss(moderator=me, post=post, reason=reason)
            elif step == "close":
                form = CloseForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose a closing reason."))
                _close_apply(request)(thread_of(post), form.cleaned_data)
            else:
                # Only parsed: a missing or past end is refused by the service's rules.
                until = forms.DateTimeField(required=False).clean(request.POST.get("until", ""))
                services.member_suspend(
                    moderator=me, member=post.author, until=until, reason=reason
                )
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, text, messages.ERROR)
        else:
            self.message_user(request, _("Done; it is in the audit log."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:moderation_queue"))


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The audit log: read-only."""

    list_display = ["created_at", "moderator", "kind", "target", "reason"]
    list_filter = ["kind", ("moderator", admin.RelatedOnlyFieldListFilter), "created_at"]
    list_select_related = ["moderator"]
    change_related = ("moderator", "member", "question", "answer", "comment")
    search_fields = ["target", "reason", "member__username", "moderator__username"]
    date_hierarchy = "created_at"


@admin.register(CloseReason)
class CloseReasonAdmin(ModelAdmin):
    list_display = ["label", "needs_target", "order"]
    list_editable = ["needs_target", "order"]
    list_filter = ["needs_target"]
    search_fields = ["label"]
