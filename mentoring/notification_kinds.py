"""The notifications mentoring sends (declared to accounts.notifications)."""

from django.utils.translation import gettext_lazy

from accounts.notifications.kinds import register

MENTOR_OFFER = register(
    "mentor_offer",
    label=gettext_lazy("A thread offered to me as a mentor"),
    subject=gettext_lazy("A thread for you to mentor: {title}"),
)
NEEDS_MENTOR = register(
    "needs_mentor",
    label=gettext_lazy("A thread needs a mentor (moderators)"),
    subject=gettext_lazy("Needs a mentor: {title}"),
)
RETAG_ASK = register(
    "retag_ask",
    label=gettext_lazy("No mentor yet: edit or re-tag my question"),
    subject=gettext_lazy("No mentor yet, could you edit or re-tag? {title}"),
)
MENTORING_PROBLEM = register(
    "mentoring_problem",
    label=gettext_lazy("Mentoring rated problematic (moderators)"),
    subject=gettext_lazy("Mentoring rated problematic: {title}"),
)
MENTOR_NUDGE = register(
    "mentor_nudge",
    label=gettext_lazy("A reminder that an asker waits for my reply"),
    subject=gettext_lazy("The asker is waiting for you: {title}"),
)
ASKER_NUDGE = register(
    "asker_nudge",
    label=gettext_lazy("A reminder that my mentor waits for my reply"),
    subject=gettext_lazy("Your mentor is waiting for your reply: {title}"),
)
MENTOR_CLAIMED = register(
    "mentor_claimed",
    label=gettext_lazy("A mentor took my thread"),
    subject=gettext_lazy("A mentor is helping you: {title}"),
)
MENTORSHIP = register("mentorship", label=gettext_lazy("Long-term mentorship requests and answers"))
