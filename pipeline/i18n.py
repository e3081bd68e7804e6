"""Messages in the user's language: Vietnamese by default, English on request, through gettext.

Every message is written in English in the code, marked ``_("…")`` (``ngettext`` where a number decides the form,
``N_("…")`` where the text is only marked, to be translated later: click's help). The Vietnamese catalog
``pipeline/locale/vi/LC_MESSAGES/messages.po`` is the only source of the translations. It is compiled with Babel
the first time it is needed, and again whenever it changes, into a ``.mo`` in the user's cache folder (keyed by
the catalog's hash): nothing is built at install, so a fresh clone, an editable install and a wheel work alike,
offline, on Windows and Linux. Where the cache cannot be written the catalog is compiled in memory.

The language: ``loike --lang vi|en``, else ``LOIKE_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``)
when it names English or Vietnamese, else Vietnamese. ``python3 dev.py messages`` brings new strings into the
catalog (see the README, "Messages and their translation").
"""

from __future__ import annotations

import gettext
import hashlib
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from pipeline import files, settings

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
LANG_ENV = "LOIKE_LANG"
LOCALE_DIR = Path(__file__).parent / "locale"
CATALOG = LOCALE_DIR / "vi" / "LC_MESSAGES" / "messages.po"
DOMAIN = "messages"
"""Babel's default domain, and the one click's own messages ("Usage:", "Show this message and exit.") are looked
up in through the standard library's gettext: one catalog serves both."""

_current: dict[str, object] = {}


def choose(requested: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The language to speak: ``requested`` (``--lang``), else LOIKE_LANG, else the locale, else Vietnamese."""
    for value in (requested, environ.get(LANG_ENV)):
        if value:
            return value if value in LANGUAGES else DEFAULT
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:  # the first one set decides, as for gettext; "C" or "fr_FR" fall back to Vietnamese
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in LANGUAGES else DEFAULT
    return DEFAULT


def use(language: str) -> None:
    """Speak ``language`` from now on, in this process: our messages and click's."""
    if language not in LANGUAGES:
        raise ValueError(f"{language!r} is not one of {', '.join(LANGUAGES)}")
    translations: gettext.NullTranslations = gettext.NullTranslations()
    if language != "en":
        translations = _catalog(language)
    _current.update(language=language, translations=translations)
    # click asks the standard library's gettext, which reads LANGUAGE on every call.
    os.environ["LANGUAGE"] = language


def language() -> str:
    """The language being spoken (chosen from the environment on first use)."""
    if not _current:
        use(choose())
    return str(_current["language"])


def reset() -> None:
    """Forget the language; the next message chooses it again from the environment (for tests)."""
    _current.clear()


def _(message: str) -> str:
    """``message`` in the language being spoken."""
    return _translations().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message that fits ``count``, in the language being spoken (Vietnamese has one form)."""
    return _translations().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (click's help, translated when shown)."""
    return message


def _translations() -> gettext.NullTranslations:
    if not _current:
        use(choose())
    return cast(gettext.NullTranslations, _current["translations"])


def _catalog(language: str) -> gettext.NullTranslations:
    source = (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").read_bytes()
    folder = settings.messages_cache() / hashlib.sha256(source).hexdigest()[:16]
    compiled = folder / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.exists():
        data = compile_catalog(source, language)
        try:
            files.write_atomic(compiled, data)
        except OSError:  # a read-only home: translate all the same, click's own messages stay English
            return gettext.GNUTranslations(io.BytesIO(data))
    gettext.bindtextdomain(DOMAIN, str(folder))
    with compiled.open("rb") as mo:
        return gettext.GNUTranslations(mo)


def compile_catalog(source: bytes, language: str) -> bytes:
    """A .po catalog as a .mo (Babel is imported only here: once, after the catalog changes)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = io.BytesIO()
    write_mo(compiled, read_po(io.BytesIO(source), locale=language))
    return compiled.getvalue()
