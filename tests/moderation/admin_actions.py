"""Running a moderation action of the Django admin as a moderator does in the browser."""

from __future__ import annotations

from typing import Any


def act(client: Any, model: str, action: str, ids: list[int], **fields: Any) -> Any:
    """Run an admin action: the first POST shows the reason form, the second applies."""
    url = f"/admin/{model}/"
    data = {"action": action, "_selected_action": [str(i) for i in ids]}
    form = client.post(url, data)
    if not fields:
        return form
    return client.post(url, {**data, "apply": "1", **fields})
