"""Voice prints: the machine's print of each speaker label, the prints of the people editors named, the
proposals a run makes from them, and the people who asked not to be recognised.

A print is stored as 256 float32 numbers, little-endian (``pipeline.speech.voices`` turns them into arrays; this
layer only moves bytes). Voice prints are personal data: nothing here is read by the exports or the package unless
they are asked for (``voice_export``), and removing a print never touches a transcript.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.database.connection import Database, now, rows
from pipeline.errors import NotFound
from pipeline.i18n import _


@dataclass(slots=True)
class KnownPrint:
    """One print of a person an editor named, as the matching reads it."""

    id: int
    person_id: int
    interview_id: int
    label: str
    print: bytes
    seconds: float


@dataclass(slots=True)
class Proposal:
    """Who an unnamed speaker label may be: the person, and how alike the voices are (cosine, 0–1)."""

    label: str
    person_id: int
    full_name: str
    score: float


@dataclass(slots=True)
class Voice:
    """A person the archive knows the voice of: their prints, the interviews they came from, when last used."""

    person_id: int
    full_name: str
    prints: int
    seconds: float
    interviews: list[str] = field(default_factory=list)
    print_ids: list[int] = field(default_factory=list)
    last_used: str | None = None


@dataclass(slots=True)
class LabelView:
    """A speaker label of an interview: how many segments carry it, who it is, its print, who it may be."""

    label: str
    segments: int
    person_id: int | None
    person: str | None
    print_seconds: float | None
    proposal: Proposal | None = None


def speaker_overview(db: Database, interview_id: int) -> list[LabelView]:
    """The interview's speaker labels, the person each is, the seconds its print was made from, its proposal."""
    found = db.execute(
        "SELECT s.speaker, count(*), sp.person_id, p.full_name, lp.seconds FROM segments s "
        "LEFT JOIN speakers sp ON sp.interview_id = s.interview_id AND sp.label = s.speaker "
        "LEFT JOIN people p ON p.id = sp.person_id "
        "LEFT JOIN label_prints lp ON lp.interview_id = s.interview_id AND lp.label = s.speaker "
        "WHERE s.interview_id = ? AND s.speaker IS NOT NULL GROUP BY s.speaker ORDER BY s.speaker",
        [interview_id],
    )
    views = [LabelView(*row) for row in found.fetchall()]
    proposed = {p.label: p for p in proposals(db, interview_id)}
    for view in views:
        view.proposal = proposed.get(view.label)
    return views


def store_label_prints(db: Database, interview_id: int, prints: dict[str, tuple[bytes, float]]) -> None:
    """The prints of the labels of an interview's new transcript, replacing those of the one before."""
    db.execute("DELETE FROM label_prints WHERE interview_id = ?", [interview_id])
    made = now()
    for label, (data, seconds) in prints.items():
        db.execute(
            "INSERT INTO label_prints (interview_id, label, print, seconds, made_at) VALUES (?, ?, ?, ?, ?)",
            [interview_id, label, data, seconds, made],
        )


def label_prints(db: Database, interview_id: int) -> dict[str, tuple[bytes, float]]:
    """Label → (print, seconds of speech it was made from), for an interview's current transcript."""
    found = db.execute("SELECT label, print, seconds FROM label_prints WHERE interview_id = ?", [interview_id])
    return {label: (data, seconds) for label, data, seconds in found.fetchall()}


def known_prints(db: Database, leave_out_interview: int | None = None) -> list[KnownPrint]:
    """Every print of a named person (but those of people who refused, and those from ``leave_out_interview``:
    an interview transcribed again must not recognise its own labels by their own prints)."""
    found = db.execute(
        "SELECT id, person_id, interview_id, label, print, seconds FROM voice_prints "
        "WHERE interview_id IS NOT ? AND person_id NOT IN (SELECT person_id FROM voice_refusals) ORDER BY id",
        [leave_out_interview],
    )
    return [KnownPrint(*row) for row in found.fetchall()]


def store_proposals(db: Database, interview_id: int, proposals: dict[str, tuple[int, float, int]]) -> None:
    """Label → (person, score, the print that matched best): the proposals of an interview's new transcript,
    replacing the ones before; the prints that matched are marked as used now."""
    db.execute("DELETE FROM voice_proposals WHERE interview_id = ?", [interview_id])
    made = now()
    for label, (person_id, score, print_id) in proposals.items():
        db.execute(
            "INSERT INTO voice_proposals (interview_id, label, person_id, score, made_at) VALUES (?, ?, ?, ?, ?)",
            [interview_id, label, person_id, round(score, 4), made],
        )
        db.execute("UPDATE voice_prints SET last_used_at = ? WHERE id = ?", [made, print_id])


def proposals(db: Database, interview_id: int) -> list[Proposal]:
    """The proposals for an interview's labels that nobody has named yet, best first."""
    found = db.execute(
        "SELECT v.label, v.person_id, p.full_name, v.score FROM voice_proposals v JOIN people p ON p.id = v.person_id "
        "WHERE v.interview_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM speakers s WHERE s.interview_id = v.interview_id AND s.label = v.label) "
        "AND v.person_id NOT IN (SELECT person_id FROM voice_refusals) ORDER BY v.score DESC, v.label",
        [interview_id],
    )
    return [Proposal(*row) for row in found.fetchall()]


def keep_voice(db: Database, interview_id: int, label: str, person_id: int, editor: str | None = None) -> bool:
    """An editor named ``label`` as ``person_id``: keep the label's print as one of that person's (replacing the
    print this label gave before). False when there is no print to keep (no speaker model when the interview was
    transcribed, too little speech) or the person asked not to be recognised."""
    db.execute("DELETE FROM voice_prints WHERE interview_id = ? AND label = ?", [interview_id, label])
    db.execute("DELETE FROM voice_proposals WHERE interview_id = ? AND label = ?", [interview_id, label])
    refused = db.execute("SELECT 1 FROM voice_refusals WHERE person_id = ?", [person_id]).fetchone()
    found = db.execute(
        "SELECT print, seconds FROM label_prints WHERE interview_id = ? AND label = ?", [interview_id, label]
    ).fetchone()
    if refused or found is None:
        return False
    db.execute(
        "INSERT INTO voice_prints (person_id, interview_id, label, print, seconds, added_at, added_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [person_id, interview_id, label, found[0], found[1], now(), editor],
    )
    return True


def drop_voice(db: Database, interview_id: int, label: str) -> None:
    """A label's name was taken back: the print it gave its person goes too."""
    db.execute("DELETE FROM voice_prints WHERE interview_id = ? AND label = ?", [interview_id, label])


def voices(db: Database) -> list[Voice]:
    """Everyone the archive knows the voice of, by name."""
    found: dict[int, Voice] = {}
    for row in rows(
        db.execute(
            "SELECT v.id, v.person_id, p.full_name, v.seconds, v.last_used_at, i.code FROM voice_prints v "
            "JOIN people p ON p.id = v.person_id JOIN interviews i ON i.id = v.interview_id ORDER BY p.full_name, v.id"
        )
    ):
        voice = found.setdefault(row["person_id"], Voice(row["person_id"], row["full_name"], 0, 0.0))
        voice.prints += 1
        voice.seconds += row["seconds"]
        voice.print_ids.append(row["id"])
        if row["code"] not in voice.interviews:
            voice.interviews.append(row["code"])
        if row["last_used_at"] and (voice.last_used is None or row["last_used_at"] > voice.last_used):
            voice.last_used = row["last_used_at"]
    return list(found.values())


def remove_print(db: Database, print_id: int) -> None:
    """Remove one voice print; the transcripts stay as they are."""
    if db.execute("SELECT 1 FROM voice_prints WHERE id = ?", [print_id]).fetchone() is None:
        raise NotFound(
            _("There is no voice print {number}: `loike voices` lists them with their numbers.").format(number=print_id)
        )
    db.execute("DELETE FROM voice_prints WHERE id = ?", [print_id])


def forget_voice(db: Database, person_id: int) -> int:
    """A person asked not to be recognised: every print of theirs and every proposal of them goes, and no print
    of them is kept again. Names already given and the transcripts stay. Returns how many prints were removed."""
    if db.execute("SELECT 1 FROM people WHERE id = ?", [person_id]).fetchone() is None:
        raise NotFound(
            _("There is no person {number}: `loike people` lists them with their numbers.").format(number=person_id)
        )
    removed = db.execute("DELETE FROM voice_prints WHERE person_id = ?", [person_id]).rowcount
    db.execute("DELETE FROM voice_proposals WHERE person_id = ?", [person_id])
    db.execute("INSERT OR REPLACE INTO voice_refusals (person_id, at) VALUES (?, ?)", [person_id, now()])
    return removed


def voice_export(db: Database) -> list[dict]:
    """Every voice print with its person and interview, for a package that asks for them (print as hex)."""
    return [
        {**row, "print": bytes(row["print"]).hex()}
        for row in rows(
            db.execute(
                "SELECT v.id, v.person_id, p.full_name, i.code AS interview, v.label, v.seconds, v.added_at, "
                "v.print FROM voice_prints v JOIN people p ON p.id = v.person_id "
                "JOIN interviews i ON i.id = v.interview_id ORDER BY v.id"
            )
        )
    ]
