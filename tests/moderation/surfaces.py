"""Every surface where a thread and its answers can show up, for the tests that hide,
delete or merge one and look that nothing of it is left."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

SECRET = "Zyxwquartz"  # a word found nowhere else
# What the thread shows of itself (a search page also shows the query it was given).
SHOWN = ("gems fail to install", "gem breaks bundler")


def surfaces(client: Client, api: APIClient, thread, member) -> dict[str, str]:
    """The text of every surface where a thread and its answers can show up."""
    return {
        "home": client.get("/").content.decode(),
        "list": client.get("/questions/").content.decode(),
        "list newest": client.get("/questions/?sort=newest").content.decode(),
        "tag page": client.get("/tags/ruby/").content.decode(),
        "tags": client.get("/tags/").content.decode(),
        "search": client.get(f"/search/?q={SECRET}").content.decode(),
        "profile": client.get(f"/members/{member.username}/").content.decode(),
        "api list": api.get("/api/v1/questions/").content.decode(),
        "api search": api.get(f"/api/v1/search/?q={SECRET}").content.decode(),
        "api similar": api.get(f"/api/v1/questions/similar/?title={SECRET} gems").content.decode(),
        "api tags": api.get("/api/v1/tags/").content.decode(),
    }
