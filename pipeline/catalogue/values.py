"""One value (dates, years, roles, consent) and one interview's fields, read alike from sidecars and rows."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
from datetime import date, datetime

from pipeline.catalogue.fields import (
    CONSENT_FIELDS,
    FIELDS,
    FIRST_YEAR,
    LABEL,
    PERSON_FIELDS,
    TEXT,
    Field,
    Invalid,
    Sink,
)
from pipeline.database.metadata_records import Consent, InterviewMeta, PersonMeta
from pipeline.database.models import RoleHeld
from pipeline.text import fold, nfc


def blank(raw: object) -> bool:
    if isinstance(raw, dict):
        return all(blank(v) for v in raw.values())
    if isinstance(raw, list):
        return all(blank(v) for v in raw)
    return raw is None or (isinstance(raw, str) and not raw.strip())


def shown(raw: object) -> str:
    """A cell or scalar as the user wrote it (Excel hands out 1932.0 and datetimes)."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        raw = raw.date()
    return nfc(str(raw))


def _text(raw: object, key: str) -> str | None:
    if isinstance(raw, (list, dict)):
        raise Invalid("shape", label=LABEL[key], key=key, want_vi=TEXT[0], want_en=TEXT[1])
    return None if raw is None else shown(raw) or None


def _notes(raw: object, key: str) -> str | None:
    # Notes are the one field where line breaks carry meaning, so each line is cleaned on its own.
    if _text(raw, key) is None:
        return None
    return "\n".join(nfc(line) for line in str(raw).strip().splitlines())


_DMY = re.compile(r"(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.+Z-]*)?")


def parse_date(value: object, year_ok: bool = False) -> str:
    """ISO yyyy-mm-dd from dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd or a date object.

    With ``year_ok`` a bare year is kept as "yyyy". Raises ValueError otherwise, for 31/02/2020 too.
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = shown(value)
    if year_ok and re.fullmatch(r"\d{4}", text) and FIRST_YEAR <= int(text) <= date.today().year:
        return text
    if match := _DMY.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := _ISO.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise ValueError(f"not a date: {text!r}")
    return date(year, month, day).isoformat()


def _date(raw: object, key: str) -> str | None:
    if blank(raw):
        return None
    try:
        return parse_date(raw, year_ok=key == "party_joined")
    except ValueError:
        kind = "date_or_year" if key == "party_joined" else "date"
        raise Invalid(kind, label=LABEL[key], key=key, raw=shown(raw)) from None


def _year(raw: object) -> int | None:
    if blank(raw):
        return None
    text = shown(raw)
    if re.fullmatch(r"\d{4}", text) and FIRST_YEAR <= int(text) <= date.today().year:
        return int(text)
    raise Invalid("year", raw=text, last=date.today().year)


_SEXES = {
    "nam": "nam",
    "nam gioi": "nam",
    "male": "nam",
    "m": "nam",
    "ong": "nam",
    "nu": "nữ",
    "nu gioi": "nữ",
    "female": "nữ",
    "f": "nữ",
    "ba": "nữ",
}


def _sex(raw: object) -> str | None:
    if blank(raw):
        return None
    if (sex := _SEXES.get(fold(shown(raw)))) is None:
        raise Invalid("sex", raw=shown(raw))
    return sex


_PERIOD = re.compile(
    r"(?P<title>.+?)[\s,;:(]*(?:(?P<since>từ|from)\s+)?(?:năm\s+)?(?<!\d)(?P<start>\d{4})"
    r"(?:\s*(?:[-–—]|đến|tới|to)\s*(?:năm\s+)?(?P<end>\d{4}|\d{2}|nay|hiện nay|now|present))?\s*\)?",
    re.IGNORECASE,
)


def parse_role(text: str) -> RoleHeld:
    """ "nguyên Bí thư Chi bộ xã Bắc Cường, 1965–1970" → RoleHeld(title, 1965, 1970).

    Also "1965-1970", "1965–70", "từ 1965 đến 1970", "(1965–1970)"; "1965" alone is that year (end 1965);
    "1965–nay" and "từ 1965" have no end (still held). Without a period the whole text is the title.
    Raises ValueError for a period outside 1880–this year or one that ends before it starts.
    """
    text = nfc(text)
    match = _PERIOD.fullmatch(text)
    if not match:
        return RoleHeld(text)
    start, end_text = int(match["start"]), (match["end"] or "").lower()
    if not end_text:
        end = None if match["since"] else start
    elif end_text.isdigit():
        end = int(end_text) if len(end_text) == 4 else start // 100 * 100 + int(end_text)
        end += 100 if end < start and len(end_text) == 2 else 0
    else:
        end = None
    if not FIRST_YEAR <= start <= date.today().year or (end is not None and not start <= end <= date.today().year):
        raise ValueError(f"implausible period in {text!r}")
    return RoleHeld(match["title"].strip(" ,;:-–("), start, end)


def _role(raw: object) -> RoleHeld | None:
    text = _text(raw, "roles")
    try:
        return parse_role(text) if text else None
    except ValueError:
        raise Invalid("period", raw=text) from None


_CONSENT = {
    "allowed": ("allowed", "duoc cong bo", "cong bo", "dong y", "dong y cong bo", "cong khai", "co", "yes"),
    "restricted": ("restricted", "han che", "khong cong bo", "khong dong y", "noi bo", "khong", "no"),
    "embargoed": ("embargoed", "embargo", "chua cong bo", "cong bo sau ngay"),
}
_TRAILING_DATE = re.compile(r"(\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4})\W*$")


def _consent_status(raw: object) -> tuple[str, str | None]:
    """The status and, for "chưa công bố đến ngày 01/01/2030" written in one cell, its date."""
    text, until = shown(raw), None
    if match := _TRAILING_DATE.search(text):
        until = _date(match[1], "until")
        text = text[: match.start()]
    words = re.sub(r"\s*\b(den ngay|toi ngay|den|until)$", "", fold(text).strip(" :,.-("))
    for status, accepted in _CONSENT.items():
        if words in accepted:
            return status, until
    raise Invalid("consent", raw=shown(raw))


def join_path(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _unknown(raw: dict, fields: tuple[Field, ...], path: str, sink: Sink) -> None:
    keys = [f.key for f in fields]
    for key in raw:
        if key not in keys:
            close = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.6)
            hint = (
                (f": có phải '{close[0]}'?", f": did you mean '{close[0]}'?")
                if close
                else (f": các mục là {', '.join(keys)}", f": the fields are {', '.join(keys)}")
            )
            sink.add(join_path(path, key), "unknown", key=key, hint_vi=hint[0], hint_en=hint[1])


def listed(raw: object, key: str, sink: Sink, mapping_ok: bool = False) -> list:
    """A list as written: a YAML list, one mapping (a single person), or text separated by ';'."""
    if raw is None or (isinstance(raw, dict) and mapping_ok):
        return [] if raw is None else [raw]
    if isinstance(raw, dict):
        sink.add(key, "shape", label=LABEL[key.rsplit(".", 1)[-1]], key=key, want_vi="danh sách", want_en="a list")
        return []
    if isinstance(raw, list):
        return raw
    return [part for part in re.split(r"[;\n]", str(raw)) if part.strip()]


def _person(raw: object, path: str, sink: Sink) -> PersonMeta | None:
    if not isinstance(raw, dict):
        name = sink.take(path, _text, raw, "full_name")
        return PersonMeta(name) if name else None
    _unknown(raw, PERSON_FIELDS, path, sink)
    name = sink.take(f"{path}.full_name", _text, raw.get("full_name"), "full_name")
    roles = [
        sink.take(f"{path}.roles[{i}]", _role, item)
        for i, item in enumerate(listed(raw.get("roles"), f"{path}.roles", sink), 1)
    ]
    person = PersonMeta(
        full_name=name or "",
        birth_year=sink.take(f"{path}.birth_year", _year, raw.get("birth_year")),
        sex=sink.take(f"{path}.sex", _sex, raw.get("sex")),
        home_village=sink.take(f"{path}.home_village", _text, raw.get("home_village"), "home_village"),
        roles=[role for role in roles if role],
        party_joined=sink.take(f"{path}.party_joined", _date, raw.get("party_joined"), "party_joined"),
    )
    if not name and not blank(raw):
        sink.add(f"{path}.full_name", "missing", label=LABEL["full_name"], key="full_name")
    return person if name else None


def _consent(raw: object, sink: Sink) -> Consent:
    """Consent as stated; when nothing is stated it is "restricted", because unknown must never publish."""
    if isinstance(raw, dict):
        _unknown(raw, CONSENT_FIELDS, "consent", sink)
    values = raw if isinstance(raw, dict) else {"status": raw}
    written = values.get("status")
    stated = None if blank(written) else sink.take("consent.status", _consent_status, written)
    until = sink.take("consent.until", _date, values.get("until"), "until")
    until = until or (stated[1] if stated else None)
    status = stated[0] if stated else ("embargoed" if until else "restricted")
    if status == "embargoed" and until is None and blank(values.get("until")):
        sink.add("consent.until", "until")
    return Consent(status, until, sink.take("consent.given_by", _text, values.get("given_by"), "given_by"))


def interview_meta(data: dict, sink: Sink) -> InterviewMeta:
    """The InterviewMeta a sidecar or a row describes, as far as it can be read; problems go to ``sink``."""
    _unknown(data, FIELDS, "", sink)
    people = {
        key: [
            p
            for i, item in enumerate(listed(data.get(key), key, sink, mapping_ok=True), 1)
            if (p := _person(item, f"{key}[{i}]", sink))
        ]
        for key in ("witnesses", "interviewers", "others_present")
    }
    lists = {
        key: [
            t
            for i, item in enumerate(listed(data.get(key), key, sink), 1)
            if (t := sink.take(f"{key}[{i}]", _text, item, key))
        ]
        for key in ("events", "topics")
    }
    texts = {
        key: sink.take(key, _text, data.get(key), key)
        for key in ("title", "place", "commune", "district", "province", "equipment")
    }
    meta = InterviewMeta(
        witnesses=people["witnesses"],
        interviewers=people["interviewers"],
        others_present=people["others_present"],
        events=lists["events"],
        topics=lists["topics"],
        **texts,
        date=sink.take("date", _date, data.get("date"), "date"),
        consent=_consent(data.get("consent"), sink),
        notes=sink.take("notes", _notes, data.get("notes"), "notes"),
    )
    for f in (f for f in FIELDS if f.required and blank(data.get(f.key))):
        of_people = f.kind == "people"
        sink.add(
            f.key,
            "missing",
            label=f.label + (" (ít nhất một người có họ và tên)" if of_people else ""),
            key=f.key + (" (at least one, with a full_name)" if of_people else ""),
        )
    return meta


def fingerprint(meta: InterviewMeta | None) -> str:
    """sha256 of the same canonical JSON ``catalogue`` stores in metadata_versions; "" for no metadata."""
    if meta is None:
        return ""
    canonical = json.dumps(dataclasses.asdict(meta), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def decode(data: bytes, how: tuple[str, str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Invalid("encoding", at=f"line {line}", line=line, how_vi=how[0], how_en=how[1]) from None
