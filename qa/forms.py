from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from qa.checklist import TRIED_MIN_LENGTH, tried_problem
from qa.linter import Draft
from qa.models import BODY_MAX, COMMENT_MAX, TITLE_MAX
from qa.selectors import SORTS, STATUSES

STEP_NAMES = {
    "searched": _("Search first"),
    "read_faq": _("Read the FAQ"),
    "tried_locally": _("What I tried"),
}
SORT_LABELS = {
    "active": pgettext_lazy("sort", "Active"),
    "newest": pgettext_lazy("sort", "Newest"),
    "votes": pgettext_lazy("sort", "Votes"),
    "unanswered": pgettext_lazy("sort", "Unanswered"),
}
STATUS_LABELS = {
    "open": pgettext_lazy("status", "Open"),
    "solved": pgettext_lazy("status", "Solved"),
    "unanswered": pgettext_lazy("status", "Unanswered"),
    "closed": pgettext_lazy("status", "Closed"),
}


def labelled(label: object, message: object) -> str:
    """A message under the name of its field or step, "Title: ...", in the active language."""
    return gettext("%(label)s: %(message)s") % {"label": label, "message": message}


class QuestionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_(
            "A specific summary of the problem, e.g. “makemigrations conflict after "
            "merging two branches”."
        ),
    )
    body = forms.CharField(
        label=_("Body"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown. Put code and error output in fenced blocks (```)."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        max_length=200,
        help_text=_("One to five tags separated by spaces or commas, e.g. django orm."),
    )

    def clean_tags(self) -> list[str]:
        raw: str = self.cleaned_data["tags"]
        return [name for name in raw.replace(",", " ").split() if name]


class AskTopicForm(QuestionForm):
    """Step 1 of the ask flow: the title (which brings up similar threads), body and tags."""

    def __init__(self, *args: Any, suggestions_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if suggestions_url:
            # With JavaScript, similar threads follow the title as it is typed.
            self.fields["title"].widget.attrs.update(
                {
                    "hx-get": suggestions_url,
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#suggestions",
                    "hx-include": "[name=body],[name=tags]",
                    "hx-sync": "this:replace",
                    "autocomplete": "off",
                }
            )


class AskTriedForm(forms.Form):
    """Step 3 of the ask flow: the checklist in the asker's own words."""

    what_i_tried = forms.CharField(
        label=_("What I already tried"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=format_lazy(
            _(
                "The commands, changes and searches you tried, and what each one did "
                "(at least {count} characters)."
            ),
            count=TRIED_MIN_LENGTH,
        ),
    )
    expected = forms.CharField(
        label=_("What I expected"), max_length=BODY_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    actual = forms.CharField(
        label=_("What happened instead"), max_length=BODY_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    error_output = forms.CharField(
        label=_("The exact error output"), max_length=BODY_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "monospace"}),
        help_text=_("Paste it whole, as text."),
    )  # fmt: skip
    environment = forms.CharField(
        label=_("Environment"), max_length=500, required=False,
        help_text=_("Operating system and versions, e.g. Ubuntu 24.04, Python 3.13, Django 6.1."),
    )  # fmt: skip

    def clean_what_i_tried(self) -> str:
        tried: str = self.cleaned_data["what_i_tried"]
        problem = tried_problem(tried)
        if problem:
            raise forms.ValidationError(problem)
        return tried


class AskForm(AskTopicForm, AskTriedForm):
    """The whole question with the checklist's own words; the evidence comes from the server."""

    CHECKLIST_FIELDS = ("what_i_tried", "expected", "actual", "error_output", "environment")

    def clean_what_i_tried(self) -> str:
        # At posting time the checklist names this step itself, with the others.
        tried: str = self.cleaned_data["what_i_tried"]
        return tried

    def draft(self) -> Draft:
        """The draft as typed so far, valid or not, for suggestions and the linter."""
        return draft_of(self.data)

    def checklist_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: self.cleaned_data[k] for k in self.CHECKLIST_FIELDS}
        return {"searched": True, "read_faq": True, "tried_locally": True, **data}

    def question_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("title", "body", "tags")}


def draft_of(data: Any) -> Draft:
    """A linter Draft from typed fields (a QueryDict or a stored draft's data)."""
    return Draft(
        title=str(data.get("title", "")), body=str(data.get("body", "")),
        what_i_tried=str(data.get("what_i_tried", "")), expected=str(data.get("expected", "")),
        actual=str(data.get("actual", "")), error_output=str(data.get("error_output", "")),
        environment=str(data.get("environment", "")),
    )  # fmt: skip


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. Explain why, not only what."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SolutionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("What fixed it?"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few lines for the next person with the same problem."),
    )


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(
        choices=[
            (1, pgettext_lazy("vote", "up")),
            (-1, pgettext_lazy("vote", "down")),
            (0, pgettext_lazy("vote", "withdraw")),
        ],
        coerce=int,
    )


class ListFilterForm(forms.Form):
    sort = forms.ChoiceField(
        label=_("Sort"), choices=[(s, SORT_LABELS[s]) for s in SORTS], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *((s, STATUS_LABELS[s]) for s in STATUSES)],
        required=False,
    )
    tag = forms.SlugField(required=False, max_length=40)

    def values(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"sort": "active", "status": None, "tag": None}
        return {
            "sort": self.cleaned_data["sort"] or "active",
            "status": self.cleaned_data["status"] or None,
            "tag": self.cleaned_data["tag"] or None,
        }


def apply_service_errors(form: forms.Form, error: Any) -> None:
    """Show a service's ValidationError on the form: on its field when it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            if field in form.fields:
                form.add_error(field, messages)
            else:
                form.add_error(None, [labelled(STEP_NAMES.get(field, field), m) for m in messages])
    else:
        form.add_error(None, error.messages)
