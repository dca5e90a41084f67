from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.SITE_NAME,
        # In development the header says where outgoing mail is written.
        "mail_dir": getattr(settings, "EMAIL_FILE_PATH", None)
        if settings.DEBUG and settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
        else None,
    }
