"""The Simplified Chinese catalogue is complete and sound: every marked string of the
source is in it, translated, not fuzzy, with the same placeholders as the English; and
the compiled catalogue kept beside it says the same."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# %(name)s and the other named forms, %s / %d positional ones, and {name} / {} for
# str.format; "%%" and "{{" are literal.
PLACEHOLDER = re.compile(r"%\([^)]+\)[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdifr]|\{[^{}\s]*\}")


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "").replace("{{", "").replace("}}", "")))


def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def name(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def test_the_catalogue_declares_its_language_and_plural_forms():
    po = catalogue()
    assert po.metadata["Language"] == "zh_Hans"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    # A fuzzy header is skipped by msgfmt, and with it the plural forms.
    assert not po.metadata_is_fuzzy


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = catalogue()
    entries = [e for e in po if not e.obsolete]
    assert entries
    untranslated = [name(e) for e in entries if not e.translated() and "fuzzy" not in e.flags]
    fuzzy = [name(e) for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} without a translation: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy entries: {fuzzy[:20]}"
    empty_plurals = [
        name(e) for e in entries if e.msgid_plural and not all(e.msgstr_plural.values())
    ]
    assert not empty_plurals, f"plural forms left empty: {empty_plurals[:20]}"


def test_translations_keep_every_placeholder_of_the_english():
    problems = []
    for entry in catalogue():
        if entry.obsolete or not entry.translated():
            continue  # an untranslated entry fails the test above
        if entry.msgid_plural:
            # Chinese has one form for every count: it must carry the placeholders of
            # both English forms (the singular may leave the number out).
            wanted = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
            for index, text in entry.msgstr_plural.items():
                if placeholders(text) != wanted:
                    problems.append((name(entry), index, dict(wanted), dict(placeholders(text))))
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            problems.append(
                (
                    name(entry),
                    None,
                    dict(placeholders(entry.msgid)),
                    dict(placeholders(entry.msgstr)),
                )
            )
    assert not problems, "placeholders differ (entry, form, English, Chinese): " + repr(
        problems[:20]
    )


def test_the_placeholder_check_itself_tells_them_apart():
    assert placeholders("%(count)d updates: %(title)s") == Counter(["%(count)d", "%(title)s"])
    assert placeholders("New answer: {title}") == Counter(["{title}"])
    assert placeholders("100%% sure, {{literal}}") == Counter()
    assert placeholders("%s and %d") == Counter(["%s", "%d"])
    assert placeholders("第 %(step)s 步") != placeholders("Step %(number)s")


def copy_sources(target: Path) -> None:
    """The project's sources, without what makemessages skips anyway (and is large)."""
    skip = {
        ".venv",
        "var",
        "staticfiles",
        "node_modules",
        ".git",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "__pycache__",
    }

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if n in skip or n.endswith((".pyc", ".mo"))}

    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)


def test_every_marked_string_of_the_source_is_in_the_catalogue(tmp_path):
    """Run the project's makemessages on a copy of the tree: if it would add an entry
    (a string marked in the source and missing from the catalogue) or drop one (a string
    no longer in the source), the catalogue is out of date."""
    copy = tmp_path / "tree"
    copy_sources(copy)
    env = {**os.environ, "DJANGO_DEBUG": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--verbosity", "0"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    before = {name(e) for e in catalogue() if not e.obsolete}
    after = {name(e) for e in polib.pofile(str(copy / PO.relative_to(ROOT))) if not e.obsolete}
    missing = sorted(after - before)
    stale = sorted(before - after)
    assert not missing, (
        f"marked in the source, missing from the catalogue (make messages): {missing[:20]}"
    )
    assert not stale, f"in the catalogue, no longer in the source (make messages): {stale[:20]}"


def test_the_compiled_catalogue_says_what_the_po_file_says(tmp_path):
    """The .mo kept in the repository (for machines without gettext's msgfmt) is the
    compilation of the current .po."""
    fresh = tmp_path / "django.mo"
    catalogue().save_as_mofile(str(fresh))
    with MO.open("rb") as kept, fresh.open("rb") as compiled:
        kept_catalog = gettext.GNUTranslations(kept)._catalog  # type: ignore[attr-defined]
        wanted = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    # The header entry ("") differs by the tool that compiled it; the strings must not.
    kept_catalog.pop("", None)
    wanted.pop("", None)
    differing = sorted(str(k) for k in set(kept_catalog) ^ set(wanted)) + sorted(
        str(k) for k in set(kept_catalog) & set(wanted) if kept_catalog[k] != wanted[k]
    )
    assert not differing, f"locale/…/django.mo is out of date (make messages): {differing[:20]}"


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [("Questions", "问题"), ("Sign in", "登录"), ("Join", "注册"), ("Notifications", "通知")],
)
def test_django_uses_the_catalogue(msgid, chinese):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == chinese
