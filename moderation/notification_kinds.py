"""The notifications moderation sends (declared to accounts.notifications)."""

from django.utils.translation import gettext_lazy

from accounts.notifications.kinds import register

FLAG_RAISED = register("flag_raised", label=gettext_lazy("A post was flagged (moderators)"))
