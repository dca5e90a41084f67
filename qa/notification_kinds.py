"""The notifications the questions and answers send (declared to accounts.notifications)."""

from accounts.notifications.kinds import register

NEW_ANSWER = register(
    "new_answer", label="A new answer on my thread", subject="New answer: {title}"
)
NEW_COMMENT = register(
    "new_comment", label="A new comment on my thread", subject="New comment: {title}"
)
ANSWER_COMMENT = register(
    "answer_comment", label="A comment on my answer", subject="Comment on your answer: {title}"
)
ANSWER_ACCEPTED = register(
    "answer_accepted", label="My answer accepted", subject="Your answer was accepted: {title}"
)
FOLLOWUP_REMINDER = register(
    "followup_reminder",
    label="A reminder to accept the answer that helped",
    subject="Did an answer fix it? {title}",
)
