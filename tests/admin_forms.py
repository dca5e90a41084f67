"""Posting the Django admin's real change forms from tests."""

from __future__ import annotations

from typing import Any

from django.forms import MultiWidget


def change_form(client: Any, url: str) -> dict[str, Any]:
    """The data the admin's change page posts when nothing is touched: every field of the
    main form and of each inline form, and each inline formset's management form."""
    page = client.get(url)
    assert page.status_code == 200, url
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            widget = field.field.widget
            if isinstance(widget, MultiWidget):  # a date and a time, for one
                for i, part in enumerate(widget.decompress(value)):
                    if part is not None:
                        data[f"{field.html_name}_{i}"] = str(part)
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = str(value)
    return data
