"""What every admin of the project shares."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.http import HttpRequest


class ValidInitialMixin:
    """Add forms take initial values from the address (`?tags=3` preselects a tag).

    Django renders them unchecked, so `?tags=x` broke the page with a 500. A value its
    field would refuse is dropped instead: the form opens empty there, as without it.
    """

    model: type[models.Model]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_changeform_initial_data(request)  # type: ignore[misc]
        return {
            name: value for name, value in initial.items() if _acceptable(self.model, name, value)
        }


def _acceptable(model: type[models.Model], name: str, value: Any) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    # A relation is given by the primary keys of the rows it points to.
    target = getattr(field, "target_field", None) if field.is_relation else field
    if not isinstance(target, models.Field):
        return False
    try:
        for item in value if isinstance(value, list) else [value]:
            target.to_python(item)
    except (ValidationError, TypeError, ValueError):
        return False
    return True


class ModelAdmin(ValidInitialMixin, admin.ModelAdmin):
    """The project's base admin."""

    # The related objects a change page reads of its object (its read-only foreign keys,
    # what its title names), fetched with it rather than one at a time as the page renders.
    change_related: tuple[str, ...] = ()

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and self.change_related:
            prefetch_related_objects([obj], *self.change_related)
        return obj
