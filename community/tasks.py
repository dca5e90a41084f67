from __future__ import annotations

from celery import shared_task

from community import digest


@shared_task(ignore_result=True)
def health_digests_send() -> int:
    """Record the weekly community health digest for the moderators who have not had the
    last week's yet (beat, hourly); a second run in the week writes nothing."""
    return digest.health_digests_send()
