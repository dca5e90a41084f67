"""The notifications the questions and answers send (declared to accounts.notifications)."""

from django.utils.translation import gettext_lazy

from accounts.notifications.kinds import register

NEW_ANSWER = register(
    "new_answer",
    label=gettext_lazy("A new answer on my thread"),
    subject=gettext_lazy("New answer: {title}"),
)
NEW_COMMENT = register(
    "new_comment",
    label=gettext_lazy("A new comment on my thread"),
    subject=gettext_lazy("New comment: {title}"),
)
ANSWER_COMMENT = register(
    "answer_comment",
    label=gettext_lazy("A comment on my answer"),
    subject=gettext_lazy("Comment on your answer: {title}"),
)
ANSWER_ACCEPTED = register(
    "answer_accepted",
    label=gettext_lazy("My answer accepted"),
    subject=gettext_lazy("Your answer was accepted: {title}"),
)
FOLLOWUP_REMINDER = register(
    "followup_reminder",
    label=gettext_lazy("A reminder to accept the answer that helped"),
    subject=gettext_lazy("Did an answer fix it? {title}"),
)
