"""The notifications mentoring sends (declared to accounts.notifications)."""

from accounts.notifications.kinds import register

MENTOR_OFFER = register(
    "mentor_offer",
    label="A thread offered to me as a mentor",
    subject="A thread for you to mentor: {title}",
)
NEEDS_MENTOR = register(
    "needs_mentor",
    label="A thread needs a mentor (moderators)",
    subject="Needs a mentor: {title}",
)
RETAG_ASK = register(
    "retag_ask",
    label="No mentor yet: edit or re-tag my question",
    subject="No mentor yet, could you edit or re-tag? {title}",
)
MENTORING_PROBLEM = register(
    "mentoring_problem",
    label="Mentoring rated problematic (moderators)",
    subject="Mentoring rated problematic: {title}",
)
MENTOR_NUDGE = register(
    "mentor_nudge",
    label="A reminder that an asker waits for my reply",
    subject="The asker is waiting for you: {title}",
)
ASKER_NUDGE = register(
    "asker_nudge",
    label="A reminder that my mentor waits for my reply",
    subject="Your mentor is waiting for your reply: {title}",
)
MENTOR_CLAIMED = register(
    "mentor_claimed", label="A mentor took my thread", subject="A mentor is helping you: {title}"
)
MENTORSHIP = register("mentorship", label="Long-term mentorship requests and answers")
