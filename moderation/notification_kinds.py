"""The notifications moderation sends (declared to accounts.notifications)."""

from accounts.notifications.kinds import register

FLAG_RAISED = register("flag_raised", label="A post was flagged (moderators)")
