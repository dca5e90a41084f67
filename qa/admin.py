from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_forms import ModelAdmin
from accounts.models import User
from qa.markdown import render_markdown
from qa.models import (
    Answer,
    AskDraft,
    Comment,
    FaqEntry,
    FaqEvidence,
    Question,
    Revision,
    SearchEvidence,
    SimilarShown,
    Tag,
    Vote,
)
from qa.services import answer_edit, comment_edit, question_edit, resolve_tags


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ["name", "slug", "description"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


class VisibilityFilter(admin.SimpleListFilter):
    """Public, hidden (by a moderator or by flags), deleted, or merged away."""

    title = gettext_lazy("visibility")
    parameter_name = "visibility"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        choices = [("public", _("Public")), ("hidden", _("Hidden")), ("deleted", _("Deleted"))]
        if model_admin.model is Question:
            choices.append(("merged", _("Merged away")))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "public":
            return queryset.filter(hidden=False)
        if value == "hidden":
            queryset = queryset.filter(hidden=True, deleted_at__isnull=True)
            if queryset.model is Question:
                queryset = queryset.filter(merged_into__isnull=True)
            return queryset
        if value == "deleted":
            return queryset.filter(deleted_at__isnull=False)
        if value == "merged":
            return queryset.filter(merged_into__isnull=False)
        return queryset


class PublicLinkMixin:
    @admin.display(description=gettext_lazy("Public page"))
    def public_link(self, post: Any) -> str:
        return format_html('<a href="{}">{}</a>', post.get_absolute_url(), _("view"))


# What moderators change through the actions (with a reason and an audit record) only.
MODERATED_FIELDS = ["hidden", "deleted_at"]


def _editor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # the admin site signs staff in


def _edit_body(*, editor: User, post: Answer | Comment, body: str) -> None:
    """An answer's or a comment's text changes only through its edit service: the HTML
    rendered again by the sanitiser, and for an answer a revision naming the editor."""
    if isinstance(post, Answer):
        answer_edit(editor=editor, answer=post, body=body)
    else:
        comment_edit(editor=editor, comment=post, body=body)


class PostInline(admin.TabularInline):
    """Answers or comments shown in their parent's page, with their text editable there.

    Posts are neither added nor deleted here: they are written by members, and removed by
    moderators with a reason through the actions (soft delete, which keeps the counts).
    The parent admin's save_formset sends a changed text to the edit service.
    """

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Each row names its author.
        return super().get_queryset(request).select_related("author")


class AnswerInline(PostInline):
    model = Answer
    fields = ["author", "body", "score", "hidden", "deleted_at", "created_at"]
    readonly_fields = ["author", "score", *MODERATED_FIELDS, "created_at"]


class CommentInline(PostInline):
    model = Comment
    fields = ["author", "body", "hidden", "deleted_at", "created_at"]
    readonly_fields = ["author", *MODERATED_FIELDS, "created_at"]


class QuestionCommentInline(CommentInline):
    fk_name = "question"
    verbose_name_plural = gettext_lazy("Comments on the question")


class AnswerCommentInline(CommentInline):
    fk_name = "answer"
    verbose_name_plural = gettext_lazy("Comments on the answer")


class PostAdmin(PublicLinkMixin, ModelAdmin):
    """A post's page in the admin: its title, body and tags are written by the same edit
    services as the pages and the API (a revision naming the staff member, body_html
    rendered by the sanitiser, the search data refreshed), never by the admin itself;
    the other fields are saved as the admin saves them. Posts are not added here: they
    are written by members (or imported)."""

    # The form fields that only the edit service writes.
    service_fields: tuple[str, ...] = ("body",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Removing a post is the soft delete (an action with a reason and an audit record,
        # which keeps the thread's counts and accepted answer right), never a row delete.
        return False

    def edit_post(self, request: HttpRequest, post: Any, changes: dict[str, Any]) -> None:
        """Hand the changed service fields to the post's edit service."""
        _edit_body(editor=_editor(request), post=post, body=changes["body"])

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:  # has_add_permission refuses already; never write a post here
            raise PermissionDenied(_("Posts are written by members, not in the admin."))
        changes = {name: form.cleaned_data[name] for name in self.service_fields
                   if name in form.changed_data}  # fmt: skip
        others = [name for name in form.changed_data if name not in self.service_fields]
        if changes:
            # The service decides who may edit from the post as stored, not as this page
            # would change it (a new author, say).
            self.edit_post(request, type(obj).objects.get(pk=obj.pk), changes)
        if others:
            obj.save(update_fields=others)
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # form.save_m2m() would write the tags past question_edit; the other posts have no
        # many-to-many fields. The inlines go through save_formset.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model not in (Answer, Comment):
            return super().save_formset(request, form, formset, change)
        # Only the text is editable in these inlines (PostInline: no adding, no deleting).
        changed = []
        for inline_form in formset.initial_forms:
            if inline_form.has_changed() and "body" in inline_form.changed_data:
                _edit_body(editor=_editor(request), post=inline_form.instance,
                           body=inline_form.cleaned_data["body"])  # fmt: skip
                changed.append((inline_form.instance, ["body"]))
        # What formset.save() would have noted, for the admin's change history.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], changed, []
        return None


class QuestionAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "tags" in self.changed_data and "tags" in cleaned:
            # The edit service's own check (how many tags), shown on the field.
            try:
                resolve_tags([tag.name for tag in cleaned["tags"]])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Question)
class QuestionAdmin(PostAdmin):
    form = QuestionAdminForm
    list_display = [
        "title", "author", "status", "score", "answer_count", "hidden", "locked", "created_at",
        "public_link",
    ]  # fmt: skip
    list_filter = ["status", VisibilityFilter, "locked", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "author__username"]
    autocomplete_fields = ["author", "tags"]
    date_hierarchy = "created_at"
    # The solution note is the asker's own words (question_set_solution_note renders it).
    readonly_fields = [
        "status", "closed_reason", "duplicate_of", "locked", *MODERATED_FIELDS, "merged_into",
        "score", "answer_count", "view_count", "accepted_answer", "solution_note",
        "created_at", "updated_at", "last_activity_at", "external_id",
    ]  # fmt: skip
    change_related = ("duplicate_of", "accepted_answer", "merged_into")
    exclude = ["search_vector"]
    inlines = [AnswerInline, QuestionCommentInline]
    view_on_site = True
    service_fields = ("title", "body", "tags")

    def edit_post(self, request: HttpRequest, post: Any, changes: dict[str, Any]) -> None:
        if "tags" in changes:
            changes = {**changes, "tags": [tag.name for tag in changes["tags"]]}
        question_edit(editor=_editor(request), question=post, **changes)


@admin.register(Answer)
class AnswerAdmin(PostAdmin):
    list_display = ["__str__", "question", "author", "score", "hidden", "created_at", "public_link"]
    list_filter = [VisibilityFilter]
    list_select_related = ["author", "question"]
    search_fields = ["body", "author__username"]
    autocomplete_fields = ["author"]
    # An answer moves to another thread only by a merge, which keeps both threads' counts.
    readonly_fields = [
        "question", *MODERATED_FIELDS, "score", "created_at", "updated_at", "external_id",
    ]  # fmt: skip
    change_related = ("question",)
    date_hierarchy = "created_at"
    inlines = [AnswerCommentInline]
    view_on_site = True


@admin.register(Comment)
class CommentAdmin(PostAdmin):
    list_display = ["__str__", "author", "hidden", "created_at", "public_link"]
    list_filter = [VisibilityFilter]
    list_select_related = ["author", "answer"]
    search_fields = ["body", "author__username"]
    autocomplete_fields = ["author"]
    readonly_fields = ["question", "answer", *MODERATED_FIELDS, "created_at"]
    change_related = ("question", "answer")
    date_hierarchy = "created_at"
    view_on_site = True


class ReadOnlyAdmin(ModelAdmin):
    """Records the site keeps (votes behind scores, edit history): read, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["user", "value", "question", "answer", "created_at"]
    list_filter = ["value"]
    list_select_related = ["user", "question", "answer"]
    change_related = ("user", "question", "answer")
    search_fields = ["user__username", "question__title"]
    date_hierarchy = "created_at"


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "author", "question", "answer", "created_at"]
    list_select_related = ["author", "question", "answer"]
    change_related = ("author", "question", "answer")
    search_fields = ["author__username", "previous_title", "previous_body"]
    date_hierarchy = "created_at"


@admin.register(FaqEntry)
class FaqEntryAdmin(ModelAdmin):
    list_display = ["title", "language", "translation_of", "order", "published", "updated_at"]
    list_editable = ["order", "published"]
    list_filter = ["language", "published", "tags"]
    list_select_related = ["translation_of"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "translation_of"]
    view_on_site = True

    def save_model(self, request: Any, obj: FaqEntry, form: Any, change: bool) -> None:
        # The stored HTML is always rendered by the one safe renderer.
        obj.body_html = render_markdown(obj.body)
        super().save_model(request, obj, form, change)


@admin.register(SearchEvidence)
class SearchEvidenceAdmin(ModelAdmin):
    list_display = ["user", "query", "source", "created_at"]
    list_filter = ["source"]
    list_select_related = ["user"]
    search_fields = ["query", "user__username"]
    readonly_fields = ["user", "query", "source", "created_at"]
    change_related = ("user",)


@admin.register(FaqEvidence)
class FaqEvidenceAdmin(ModelAdmin):
    list_display = ["user", "entry", "no_match_query", "created_at"]
    list_select_related = ["user", "entry"]
    search_fields = ["user__username", "no_match_query"]
    readonly_fields = ["user", "entry", "no_match_query", "created_at"]
    change_related = ("user", "entry")


class SimilarShownInline(admin.TabularInline):
    model = SimilarShown
    fields = ["kind", "question", "solved", "created_at"]
    readonly_fields = ["kind", "question", "solved", "created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Each row names the thread shown.
        return super().get_queryset(request).select_related("question")


@admin.register(AskDraft)
class AskDraftAdmin(ModelAdmin):
    """Drafts of the ask flow, read-only: what was typed and what it was shown."""

    list_display = ["__str__", "author", "status", "reached", "opened_solved", "updated_at"]
    list_filter = ["status", "opened_solved"]
    list_select_related = ["author"]
    search_fields = ["author__username"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "author", "data", "reached", "status", "opened_solved", "question", "started_at",
        "updated_at",
    ]  # fmt: skip
    change_related = ("author", "question")
    inlines = [SimilarShownInline]

    def has_add_permission(self, request: Any) -> bool:
        return False
