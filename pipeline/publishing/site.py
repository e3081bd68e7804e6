"""The published site: an interactive transcript for readers, written as static files that work from a USB stick
(file://) or any web host.

One page per interview cleared for publication (``CODE.html``): the facts (no file paths, no editors' marks), the
access copy of the audio (silent over closed passages), the index, the text with click-to-seek and the line being
heard highlighted, speakers by name, and a citation box; an index page listing them, with search across the site
in the browser. Everything readers see comes through ``redaction.public_all``. Search data are JavaScript files
loaded by ``<script>`` (a browser refuses ``fetch`` from file://): ``search/catalogue.js`` (each interview and its
index) and ``search/CODE.js`` (its lines), read one after another as a search goes on.

``loike-site.json`` lists what the last run wrote; what it lists and this run does not write (an interview no
longer cleared, an access copy made again) is removed, so a site republished after consent was withdrawn no
longer carries the interview.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape

from pipeline import database, files
from pipeline.database import Database
from pipeline.database.search_records import DatedEvent
from pipeline.errors import ExportError, unwritable
from pipeline.i18n import _
from pipeline.publishing import access_audio, citations, exports, redaction, templating
from pipeline.publishing.quote_records import Quote
from pipeline.publishing.transcript import Transcript, clock, commune_phrase, date_vn, minutes
from pipeline.settings import Archive

log = logging.getLogger(__name__)

MANIFEST = "loike-site.json"
ASSETS = ("site.css", "site.js")


@dataclass
class SiteReport:
    dest: Path
    published: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # not cleared for publication
    audio_made: int = 0  # access copies encoded by this run (the others were reused)
    removed: int = 0  # files of an earlier run no longer published
    failed: list[str] = field(default_factory=list)  # one sentence per interview that could not be published


def publish(
    db: Database, archive: Archive, dest: Path, codes: list[str] | None = None, audio_format: str = "mp3"
) -> SiteReport:
    """Write the site into ``dest`` (made if needed): every interview cleared for publication, or those of
    ``codes`` that are; returns what was published and what was left out. An interview whose access copy cannot be
    made (its listening WAV missing or unreadable) is left out with one sentence in ``failed``; the rest go on."""
    dest = dest.expanduser().resolve()
    if dest == archive.root or any(dest.is_relative_to(inside) for inside in (archive.recordings, archive.transcripts)):
        raise ExportError(
            _("{dest} is the archive itself or inside it: publish into a folder of its own.").format(dest=dest)
        )
    transcripts, left_out = _chosen(db, codes)
    report = SiteReport(dest, left_out=left_out)
    env = templating.environment(archive.root, reload=False)
    written: list[str] = []
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for name in ASSETS:
            written.append(_write(dest, f"assets/{name}", templating.asset(env, name)))
        catalogue = []
        for t in transcripts:
            try:
                audio = _audio(archive, dest, t, audio_format, report)
            except ExportError as error:  # this interview's audio: the others go on
                report.failed.append(f"{t.code}: {error}")
                log.warning("site %s: %s left out: %s", dest, t.code, error)
                continue
            written.append(audio)
            written.append(_write(dest, templating.sheet_filename(t.code), _page(db, env, t, audio, archive)))
            written.append(_write(dest, f"search/{_safe(t.code)}.js", _lines_script(t)))
            catalogue.append(_entry(t))
            report.published.append(t.code)
        written.append(_write(dest, "search/catalogue.js", f"window.LOIKE_CATALOGUE = {_json(catalogue)};\n"))
        page = templating.render_page(env, "site_index.html.j2", interviews=catalogue, archive=_holder(db))
        written.append(_write(dest, templating.INDEX_NAME, page))
        report.removed = _remove_stale(dest, written)
        files.write_atomic(dest / MANIFEST, (_json({"files": sorted(written)}) + "\n").encode("utf-8"))
    except OSError as error:
        raise unwritable(dest, error, "The site") from error
    log.info("site %s: %d interviews, %d left out", dest, len(report.published), len(left_out))
    return report


def _chosen(db: Database, codes: list[str] | None) -> tuple[list[Transcript], list[str]]:
    transcripts, withheld = redaction.public_all(db, words=False)  # the pages need no word times
    if codes is None:
        return transcripts, withheld
    wanted = []
    for code in codes:
        found = database.interview(db, code)
        if found is None:
            raise ExportError(
                _("There is no interview {key!r}: `loike status` lists the interview codes.").format(key=code)
            )
        wanted.append(found.code)
    kept = [t for t in transcripts if t.code in wanted]
    return kept, [code for code in wanted if code not in {t.code for t in kept}]


def _audio(archive: Archive, dest: Path, t: Transcript, fmt: str, report: SiteReport) -> str:
    """The access copy in ``dest/audio/`` under its content name, linked (else copied) from the archive's."""
    existing = access_audio.access_dir(archive)
    before = set(existing.glob(f"{t.code}.*")) if existing.exists() else set()
    made = access_audio.access_copy(archive, t, fmt)
    report.audio_made += made not in before
    relative = f"audio/{made.name}"
    target = dest / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(made, target)
        except OSError:  # another file system (a USB stick), or one without links
            shutil.copyfile(made, target)
    return relative


def _page(db: Database, env: templating.Environment, t: Transcript, audio: str, archive: Archive) -> str:
    whole = _citation(db, t, archive, "⟨start⟩", "⟨end⟩")
    return templating.render_page(
        env,
        "site_interview.html.j2",
        t=t,
        interview=templating.interview_view(t.interview),
        audio=audio,
        lines=Markup("\n".join(_line(t, n) for n in range(len(t.lines)))),
        index=[exports.index_point_json(p) | {"clock": clock(p.time)} for p in t.index],
        citation=whole.replace("⟨start⟩", "00:00").replace("⟨end⟩", _minutes_end(t)),
        citation_template=whole,
        date_vn=date_vn,
        place=", ".join(t.place_path),
    )


def _line(t: Transcript, n: int) -> str:
    """One line of the text: its time (a button that plays from there), the speaker when it changes, the words."""
    line = t.lines[n]
    speaker = line.speaker if line.speaker and (n == 0 or t.lines[n - 1].speaker != line.speaker) else ""
    who = f'<span class="who">{escape(speaker)}</span>' if speaker else ""
    return (
        f'<li id="l{line.idx + 1}" data-s="{line.start:.2f}" data-e="{line.end:.2f}">'
        f'<button type="button" class="t">{clock(line.start)}</button>{who}<p>{escape(line.text)}</p></li>'
    )


def _citation(db: Database, t: Transcript, archive: Archive, start: str, end: str) -> str:
    """The citation of the interview (or, with the tokens, of any stretch of it), as quotes are cited."""
    witness = t.witnesses[0] if len(t.witnesses) == 1 else None
    events = [DatedEvent(e.id, e.name, e.date_start, e.date_end) for e in t.events]
    quote = Quote(
        0,
        t.code,
        "",
        0,
        t.interview.length,
        witness,
        citations.role_phrase(witness, citations.dated(db, events), t.interview.date) if witness else None,
        [p.name for p in t.interviewers],
        t.interview.date,
        commune_phrase(t.commune),
        t.consent,
        False,
        all(line.review_status == "verified" for line in t.lines),
        district=t.district,
        province=t.province,
        holding_archive=t.holding_archive,
    )
    citations.cite([quote], archive, start=start, end=end)
    return quote.citation


def _minutes_end(t: Transcript) -> str:
    return minutes(t.interview.length, up=True)


def _entry(t: Transcript) -> dict:
    """What the index page and the search know of an interview."""
    i = t.interview
    return {
        "code": t.code,
        "page": templating.sheet_filename(t.code),
        "lines": f"search/{_safe(t.code)}.js",
        "title": i.title or t.code,
        "date": date_vn(i.date) or "",
        "witnesses": [p.name for p in t.witnesses],
        "place": ", ".join(t.place_path),
        "length": clock(i.length),
        "index": [{"t": p.time, "title": p.title, "synopsis": p.synopsis, "keywords": p.keywords} for p in t.index],
    }


def _lines_script(t: Transcript) -> str:
    lines = [[round(line.start, 2), line.speaker or "", line.text] for line in t.lines]
    return f"(window.LOIKE_LINES = window.LOIKE_LINES || {{}})[{_json(t.code)}] = {_json(lines)};\n"


def _json(value) -> str:
    # "</" would end a script element when the data are read inline; \u2028 and \u2029 end lines in old engines.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _safe(code: str) -> str:
    return templating.sheet_filename(code)[: -len(".html")]


def _holder(db: Database) -> str | None:
    return database.holding_archive(db)


def _write(dest: Path, relative: str, content: str) -> str:
    files.write_if_changed(dest / relative, content.encode("utf-8"))
    return relative


def _remove_stale(dest: Path, written: list[str]) -> int:
    """Remove what the last run wrote and this one did not; returns how many files."""
    try:
        before = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    keep = set(written)
    stale = [name for name in before if name not in keep and ".." not in name and not name.startswith("/")]
    for name in stale:
        (dest / name).unlink(missing_ok=True)
    return len(stale)
