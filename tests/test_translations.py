"""Russian and Kazakh are complete: every catalogue of ours has no untranslated or fuzzy entry,
and the admin's own strings that Django's Kazakh catalogue lacks come from ours."""

import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

LANGUAGES = ("ru", "kk")


def _catalogues():
    for root in settings.LOCALE_PATHS:
        for language in LANGUAGES:
            yield from sorted((Path(root) / language / "LC_MESSAGES").glob("*.po"))


def _incomplete(entry) -> bool:
    if entry.obsolete:
        return False
    if "fuzzy" in entry.flags:
        return True
    if entry.msgid_plural:
        return not entry.msgstr_plural or not all(entry.msgstr_plural.values())
    return not entry.msgstr


@pytest.mark.parametrize("po", list(_catalogues()), ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_catalogue_complete(po):
    catalogue = polib.pofile(str(po))
    missing = [entry.msgid for entry in catalogue if _incomplete(entry)]
    assert not missing, f"{len(missing)} untranslated or fuzzy in {po}: {missing[:10]}"


def test_every_language_has_its_catalogues():
    names = {str(po.relative_to(settings.BASE_DIR)) for po in _catalogues()}
    for language in LANGUAGES:
        assert f"locale/{language}/LC_MESSAGES/django.po" in names
    assert "locale/overrides/kk/LC_MESSAGES/django.po" in names
    assert "locale/overrides/kk/LC_MESSAGES/djangojs.po" in names


PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdr]|\{[a-z_0-9.]*\}")


def test_placeholders_kept():
    """A translation uses only the msgid's placeholders (an unknown one raises on the page), and
    every positional %s or %d (a missing one raises too). Named ones may be left out where the
    language words it differently ("3 tasks were run": Kazakh needs no plural ending)."""
    wrong = []
    for po in _catalogues():
        for entry in polib.pofile(str(po)):
            if entry.obsolete or not entry.msgid:
                continue
            wanted = PLACEHOLDER.findall(entry.msgid_plural or entry.msgid)
            positional = sorted(p for p in wanted if p in ("%s", "%d"))
            for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
                got = PLACEHOLDER.findall(text)
                if not set(got) <= set(wanted) or (
                    sorted(p for p in got if p in ("%s", "%d")) != positional and not entry.msgid_plural
                ):
                    wrong.append((str(po), entry.msgid, text))
    assert not wrong, wrong[:10]


def test_compiled_catalogues_are_current():
    """A .po edited without `make messages` (compilemessages) would not reach the pages."""
    for po in _catalogues():
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} missing: run `make messages`"
        compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo)) if not e.msgid_plural}
        for entry in polib.pofile(str(po)):
            if entry.obsolete or entry.msgid_plural or not entry.msgid:
                continue
            assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, f"{mo} is older than {po}"


@pytest.mark.parametrize(
    ("text", "kazakh"),
    [
        ("View", "Қарау"),
        ("Recent actions", "Соңғы әрекеттер"),
        ("Show counts", "Санын көрсету"),
        ("Select %s to view", "Қарау үшін %s таңдаңыз"),
        ("Select %s to change", "Өзгерту үшін %s таңдаңыз"),
        ("Change", "Өзгерту"),
        ("Periodic Tasks", "Мерзімді тапсырмалар"),
        ("access attempts", "кіру әрекеттері"),
        ("Celery Results", "Celery нәтижелері"),
    ],
)
def test_admin_and_library_strings_in_kazakh(text, kazakh):
    with translation.override("kk"):
        assert translation.gettext(text) == kazakh
    assert "үщін" not in kazakh


def test_no_misspelling_left_in_kazakh_admin():
    """Django's Kazakh admin catalogue writes "үщін" for "үшін" ("for") and "Өзгетру" for "Өзгерту"
    ("Change"); ours corrects them, on the pages too."""
    with translation.override("kk"):
        assert translation.gettext("Select %s to change") == "Өзгерту үшін %s таңдаңыз"
        assert Template("{% load i18n %}{% translate 'Change' %}").render(Context()) == "Өзгерту"


def test_javascript_catalogue_in_kazakh(client, superuser):
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    response = client.get("/admin/jsi18n/")
    text = response.content.decode()
    for kazakh in ("Бүгін", "Уақытты таңдаңыз", "Қаңтар"):  # Today, Choose a Time, January
        assert json.dumps(kazakh)[1:-1] in text
