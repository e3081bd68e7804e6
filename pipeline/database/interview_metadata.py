"""An interview's metadata applied to the archive: the people, places and events it names, its consent, and every
version kept (``metadata_versions``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from pipeline.database.connection import now
from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound
from pipeline.database.sqlite import Database
from pipeline.database.subjects import ROLES, event_id, person_id, place_id
from pipeline.text import fold, nfc


@dataclass(frozen=True)
class Applied:
    """What ``apply_metadata`` did: true when anything changed; ``narrowed`` the consent that took effect from
    metadata that could not be applied otherwise."""

    changed: bool
    narrowed: Consent | None = None

    def __bool__(self) -> bool:
        return self.changed


def apply_metadata(db: Database, interview_id: int, found: MetadataFound) -> Applied:
    """Bring one interview in line with its metadata.

    Metadata with problems is not applied in part: the interview waits for a fix and keeps what it
    had, except its consent, which narrows at once (see ``narrowed_consent``). A new version is recorded
    in ``metadata_versions`` before it replaces the old one.
    """
    current = db.table("interviews").get(interview_id)
    usable = None if found.problems else found.meta  # the metadata to apply, if any
    status = "ok" if usable else ("missing" if found.meta is None and found.source is None else "waiting")
    problems = "\n".join(str(p) for p in found.problems) or None
    fingerprint = found.fingerprint if usable else current["metadata_fingerprint"]
    narrowed = None if usable else narrowed_consent(current, found)
    stale = usable and (found.fingerprint != current["metadata_fingerprint"] or _consent_of(current) != usable.consent)
    if (
        not stale
        and not narrowed
        and (current["metadata_status"], current["metadata_problems"], current["metadata_fingerprint"])
        == (status, problems, fingerprint)
    ):
        return Applied(False)
    with db.atomic():
        if usable and found.fingerprint != current["metadata_fingerprint"]:
            db.table("metadata_versions").insert(
                {
                    "interview_id": interview_id,
                    "source": found.source,
                    "fingerprint": found.fingerprint,
                    "metadata": json.dumps(asdict(usable), ensure_ascii=False, sort_keys=True),
                    "recorded_at": now(),
                }
            )
        if usable and stale:
            _write_interview(db, interview_id, usable, found.source)
        if narrowed:
            db.table("interviews").update(
                interview_id,
                {"consent_status": narrowed.status, "consent_until": narrowed.until, "consent_by": narrowed.given_by},
            )
        db.table("interviews").update(
            interview_id,
            {
                "metadata_status": status,
                "metadata_problems": problems,
                "metadata_fingerprint": fingerprint,
            },
        )
    return Applied(True, narrowed)


def narrowed_consent(current: dict, found: MetadataFound) -> Consent | None:
    """The consent that takes effect from metadata that cannot be applied, when it publishes less than the
    stored one: a withdrawn consent must not wait for a typo elsewhere in the file to be fixed. A file that
    cannot be read at all states nothing anyone can trust, so it withholds the interview until it is fixed.
    Widening takes valid metadata."""
    if found.meta is not None:
        stated = found.meta.consent
    elif found.source is not None:
        stated = Consent("restricted")
    else:  # no metadata at all (a sidecar moved away): the last valid statement stands
        return None
    return stated if stated.narrows(current["consent_status"], current["consent_until"]) else None


def _consent_of(interview: dict) -> Consent:
    return Consent(interview["consent_status"], interview["consent_until"], interview["consent_by"])


def _write_interview(db: Database, interview_id: int, meta: InterviewMeta, source: str | None) -> None:
    db.execute("DELETE FROM interview_people WHERE interview_id = ?", [interview_id])
    db.execute("DELETE FROM interview_events WHERE interview_id = ?", [interview_id])
    for role, attribute in ROLES.items():
        for person in getattr(meta, attribute):
            db.table("interview_people").insert(
                {"interview_id": interview_id, "person_id": person_id(db, person), "role": role}, ignore=True
            )
    for name in meta.events:
        db.table("interview_events").insert({"interview_id": interview_id, "event_id": event_id(db, name)}, ignore=True)
    text = search_text(meta)
    changes = {
        "date": meta.date,
        "place": meta.place,
        "place_id": place_id(db, meta.province, meta.district, meta.commune),
        "topics": json.dumps(meta.topics, ensure_ascii=False),
        "consent_status": meta.consent.status,
        "consent_until": meta.consent.until,
        "consent_by": meta.consent.given_by,
        "notes": meta.notes,
        "equipment": meta.equipment,
        "metadata_source": source,
        "search_text": text,
    }
    changes["search_folded"] = fold(text)
    if meta.title:
        changes["title"] = meta.title
    db.table("interviews").update(interview_id, changes)


def search_text(meta: InterviewMeta) -> str:
    """What the interview-level index holds: names, roles, places, events, topics and notes."""
    parts = [meta.title]
    for attribute in ROLES.values():
        for person in getattr(meta, attribute):
            parts += [person.full_name, person.home_village] + [role.title for role in person.roles]
    parts += [meta.place, meta.commune, meta.district, meta.province, *meta.events, *meta.topics, meta.notes]
    return nfc(" · ".join(p for p in parts if p))
