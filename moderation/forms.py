from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from moderation.models import Flag


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Flag.Reason.choices, widget=forms.RadioSelect, label=gettext_lazy("What is wrong?")
    )
    duplicate_of = forms.IntegerField(
        required=False,
        min_value=1,
        label=gettext_lazy("The original thread (its number)"),
        help_text=gettext_lazy(
            "For a duplicate: the number in the original's address, as in /questions/42/."
        ),
    )
    note = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("A note for the moderators"),
        help_text=gettext_lazy("Needed for “something else”."),
    )  # fmt: skip
