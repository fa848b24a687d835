"""Dutch by default, a complete English translation, and switching between them.

The catalog tests read locale/en/LC_MESSAGES/django.po as committed. The
completeness test runs makemessages on a copy of the sources, so the real
locale directory is never written to.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

BASE_DIR = Path(django_settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
PO_FILE = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

# As `make messages` runs makemessages.
MAKEMESSAGES_IGNORE = [".venv/*", "node_modules/*", "var/*"]
# What makemessages reads for the "django" domain (its default --extension).
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
# Never copied for the extraction: big, generated, or the catalog itself.
NOT_COPIED = {".venv", "node_modules", "var", ".git", "__pycache__", "locale"}


# --- A small .po reader --------------------------------------------------------------------

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid or "")

    def __str__(self) -> str:
        return (f"[{self.msgctxt}] " if self.msgctxt else "") + repr(self.msgid)


def read_po(path: Path) -> list[Entry]:
    """Every entry of a .po/.pot file, header (msgid "") included."""
    entries: list[Entry] = []
    current = Entry()
    last: tuple[str, int] | None = None  # the field a continuation line extends

    def flush() -> None:
        nonlocal current, last
        if current.msgid is not None:
            entries.append(current)
        current, last = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            if current.msgid is not None and not current.obsolete:
                flush()
            current.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        elif not line:
            flush()
            continue
        elif line.startswith("#"):
            if current.msgid is not None:
                flush()
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith('"'):
            assert last is not None, f"{path}: continuation line without a keyword: {raw!r}"
            name, index = last
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
            continue
        match = _KEYWORD.match(line)
        assert match, f"{path}: cannot read line {raw!r}"
        keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
        if keyword in ("msgctxt", "msgid") and current.msgid is not None:
            flush()
        if keyword.startswith("msgstr"):
            last = ("msgstr", int(index or 0))
            current.msgstr[last[1]] = value
        else:
            last = (keyword, 0)
            setattr(current, keyword, value)
    flush()
    return [e for e in entries if not e.obsolete]


def nplurals(entries: list[Entry]) -> int:
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None).msgstr[0]
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    assert match, "the catalog header has no Plural-Forms"
    return int(match.group(1))


def require_gettext(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip(f"GNU gettext is not installed ({', '.join(missing)}); `make system-deps`")


# --- The catalog ------------------------------------------------------------------------------


def test_every_catalog_entry_is_translated_and_none_is_fuzzy():
    entries = read_po(PO_FILE)
    forms = nplurals(entries)
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    untranslated = []
    for e in entries:
        if e.msgid == "":
            continue
        wanted = range(forms) if e.msgid_plural is not None else range(1)
        if any(not e.msgstr.get(i) for i in wanted):
            untranslated.append(str(e))
    assert not fuzzy, f"fuzzy entries (header included) in {PO_FILE}: {fuzzy}"
    assert not untranslated, f"untranslated entries in {PO_FILE}: {untranslated}"
    assert len(entries) > 1


def test_msgfmt_counts_no_untranslated_or_fuzzy_entries_and_placeholders_match():
    require_gettext("msgfmt")
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.fullmatch(r"\d+ translated messages?\.\s*", output), output


def test_catalog_has_every_msgid_makemessages_extracts(tmp_path, settings, monkeypatch):
    """`make messages` would add nothing: every string in the sources is in the .po.

    makemessages writes into the locale directory whose parent holds the source file,
    so it runs on a copy of the sources with the committed catalog copied next to them.
    """
    require_gettext("xgettext", "msguniq", "msgmerge")
    committed_po = PO_FILE.read_bytes()

    def not_copied(directory: str, names: list[str]) -> set[str]:
        return {
            name
            for name in names
            if name in NOT_COPIED
            or (Path(directory, name).is_file() and Path(name).suffix not in SOURCE_SUFFIXES)
        }

    project = tmp_path / "project"
    shutil.copytree(BASE_DIR, project, ignore=not_copied)
    shutil.copytree(LOCALE_DIR, project / "locale")
    settings.LOCALE_PATHS = [str(project / "locale")]
    monkeypatch.chdir(project)
    call_command(
        "makemessages",
        locale=["en"],
        no_obsolete=True,
        no_location=True,
        keep_pot=True,
        ignore_patterns=MAKEMESSAGES_IGNORE,
        verbosity=0,
    )

    extracted = {e.key for e in read_po(project / "locale" / "django.pot") if e.msgid}
    committed = {e.key for e in read_po(PO_FILE) if e.msgid}
    missing = sorted(
        (f"[{context}] {msgid!r}" if context else repr(msgid))
        for context, msgid in extracted - committed
    )
    assert len(extracted) > 1
    assert not missing, (
        f"{len(missing)} source string(s) are not in {PO_FILE.relative_to(BASE_DIR)}; "
        f"run `make messages` and translate them: {missing}"
    )
    assert PO_FILE.read_bytes() == committed_po, "the test must not touch the real catalog"


def test_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    require_gettext("msgfmt")
    fresh = tmp_path / "django.mo"
    # What compilemessages runs.
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with MO_FILE.open("rb") as committed_mo, fresh.open("rb") as fresh_mo:
        committed = gettext.GNUTranslations(committed_mo)._catalog  # type: ignore[attr-defined]
        expected = gettext.GNUTranslations(fresh_mo)._catalog  # type: ignore[attr-defined]
    stale = sorted(
        str(k) for k in committed.keys() | expected.keys() if committed.get(k) != expected.get(k)
    )
    assert not stale, f"{MO_FILE.name} is out of date; run `make messages`. Differs: {stale}"


# --- The pages --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """LocaleMiddleware activates a language for the thread; later tests expect the default."""
    yield
    translation.deactivate()


def set_language(client, language: str) -> None:  # noqa: ANN001
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"


def page(client, url: str = "/", accept_language: str | None = None) -> str:  # noqa: ANN001
    headers = {"accept-language": accept_language} if accept_language else {}
    return client.get(url, headers=headers).content.decode()


@pytest.mark.django_db
def test_the_default_language_is_dutch(client, login_as):
    login_as("maximo")
    html = page(client)
    assert '<html lang="nl">' in html
    assert "Servercertificaten" in html
    assert "Uitloggen" in html
    assert "Log out" not in html


@pytest.mark.django_db
def test_set_language_switches_home_to_english_and_back_to_dutch(client, login_as):
    login_as("maximo")
    set_language(client, "en")
    html = page(client)
    assert '<html lang="en">' in html
    assert "Server certificates" in html
    assert "Log out" in html
    assert "Servercertificaten" not in html
    assert "Uitloggen" not in html

    set_language(client, "nl")
    html = page(client)
    assert '<html lang="nl">' in html
    assert "Servercertificaten" in html
    assert "Uitloggen" in html
    assert "Log out" not in html


@pytest.mark.django_db
def test_set_language_switches_the_not_logged_in_page_to_english_and_back(client):
    set_language(client, "en")
    response = client.get(reverse("home"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You are not logged in." in html
    assert "No personal certificate was presented." in html
    assert "U bent niet ingelogd" not in html

    set_language(client, "nl")
    html = page(client)
    assert "U bent niet ingelogd." in html
    assert "Er is geen persoonlijk certificaat aangeboden." in html
    assert "You are not logged in" not in html


@pytest.mark.django_db
def test_accept_language_en_on_a_fresh_client_gives_english(client, login_as):
    assert "You are not logged in." in page(client, accept_language="en")
    login_as("maximo")
    html = page(client, accept_language="en-GB,en;q=0.9,nl;q=0.5")
    assert '<html lang="en">' in html
    assert "Server certificates" in html
    assert "Log out" in html
    assert "Uitloggen" not in html
