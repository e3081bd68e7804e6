"""Interview metadata: the sidecar ``NAME.yaml`` or the spreadsheet row that describes each recording.

People write dates as dd/mm/yyyy and periods as "1965–1970"; everything is kept NFC, dates ISO. Every
problem names its file, line or row and field, in Vietnamese and in English, so a field researcher can
fix the file alone. yaml and openpyxl are imported only here.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import hashlib
import io
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import yaml

from . import errors
from .records import Consent, InterviewMeta, MetadataFound, MetadataProblem, PersonMeta, RoleHeld
from .text import fold, nfc


@dataclass(frozen=True)
class Field:
    """One metadata field: its sidecar key, Vietnamese label (messages, spreadsheet header) and template comment."""

    key: str
    label: str
    comment: str
    required: bool = False
    kind: str = "text"  # text | year | list | people | consent: how the template writes it
    example: str = ""  # a list item shown, commented out, in the template


FIELDS: tuple[Field, ...] = (
    Field("title", "Tên buổi phỏng vấn", "Tên buổi phỏng vấn (không bắt buộc)"),
    Field("date", "Ngày phỏng vấn", "Ngày phỏng vấn, dạng dd/mm/yyyy", True),
    Field("witnesses", "Người kể", "Người kể (nhân chứng) — ít nhất một người", True, "people"),
    Field("interviewers", "Người phỏng vấn", "Người phỏng vấn", kind="people"),
    Field("others_present", "Người cùng có mặt", "Người cùng có mặt (người nhà, cán bộ xã…)", kind="people"),
    Field("place", "Nơi phỏng vấn", "Nơi phỏng vấn, ví dụ nhà riêng của nhân chứng"),
    Field("commune", "Xã/Phường", "Xã / phường / thị trấn", True),
    Field("district", "Huyện", "Huyện / quận / thị xã"),
    Field("province", "Tỉnh", "Tỉnh / thành phố", True),
    Field("events", "Sự kiện", "Sự kiện được kể, mỗi sự kiện một dòng:", kind="list",
          example="Khởi nghĩa giành chính quyền tháng 8/1945"),
    Field("topics", "Chủ đề", "Chủ đề, mỗi chủ đề một dòng:", kind="list", example="xây dựng chi bộ"),
    Field("consent", "Đồng ý công bố", "Đồng ý công bố (để trống: coi như hạn chế)", kind="consent"),
    Field("notes", "Ghi chú", "Ghi chú"),
    Field("equipment", "Thiết bị", "Thiết bị ghi âm, ví dụ điện thoại Samsung A52"),
)
PERSON_FIELDS: tuple[Field, ...] = (
    Field("full_name", "Họ và tên", "Họ và tên đầy đủ", True),
    Field("birth_year", "Năm sinh", "Năm sinh, ví dụ 1932", kind="year"),
    Field("sex", "Giới tính", "nam / nữ"),
    Field("home_village", "Quê quán", "Quê quán"),
    Field("roles", "Chức vụ", "Chức vụ đã giữ, kèm thời gian, mỗi chức vụ một dòng:", kind="list",
          example="nguyên Bí thư Chi bộ xã Bắc Cường, 1965–1970"),
    Field("party_joined", "Ngày vào Đảng", "Ngày vào Đảng, dd/mm/yyyy hoặc năm"),
)
CONSENT_FIELDS: tuple[Field, ...] = (
    Field("status", "Đồng ý công bố", "được công bố / hạn chế / chưa công bố đến ngày"),
    Field("until", "Chưa công bố đến ngày", "Nếu chưa công bố: đến ngày nào, dd/mm/yyyy"),
    Field("given_by", "Người đồng ý", "Người đồng ý (nhân chứng hoặc người nhà)"),
)
_LABEL = {f.key: f.label for f in FIELDS + PERSON_FIELDS + CONSENT_FIELDS}

HEADERS: dict[str, tuple[str, ...]] = {
    "file": ("Tệp", "file", "Tên tệp", "Tệp ghi âm", "recording"),
    "title": ("Tên buổi phỏng vấn", "title", "Tiêu đề"),
    "date": ("Ngày phỏng vấn", "date", "Ngày"),
    "witnesses": ("Người kể", "witness", "witnesses", "Nhân chứng", "Họ và tên người kể"),
    "birth_year": ("Năm sinh", "birth_year"),
    "sex": ("Giới tính", "sex", "gender"),
    "home_village": ("Quê quán", "home_village"),
    "roles": ("Chức vụ", "roles", "role", "Chức vụ đã giữ"),
    "party_joined": ("Ngày vào Đảng", "party_joined"),
    "interviewers": ("Người phỏng vấn", "interviewer", "interviewers"),
    "others_present": ("Người cùng có mặt", "others_present", "Người có mặt"),
    "place": ("Nơi phỏng vấn", "place", "Địa điểm"),
    "commune": ("Xã/Phường", "commune", "Xã", "Phường", "Xã/Phường/Thị trấn"),
    "district": ("Huyện", "district", "Quận/Huyện", "Huyện/Quận/Thị xã"),
    "province": ("Tỉnh", "province", "Tỉnh/Thành phố"),
    "events": ("Sự kiện", "events"),
    "topics": ("Chủ đề", "topics"),
    "consent": ("Đồng ý công bố", "consent", "consent_status"),
    "until": ("Chưa công bố đến ngày", "until", "consent_until"),
    "given_by": ("Người đồng ý", "given_by", "consent_given_by"),
    "notes": ("Ghi chú", "notes"),
    "equipment": ("Thiết bị", "equipment", "Thiết bị ghi âm"),
}
"""Spreadsheet columns: Vietnamese or English headers, compared without tones, case, spaces or "(…)"."""
IGNORED_HEADERS = ("STT", "TT", "Số thứ tự", "#", "No.")
SHEET_NAMES = ("interviews.csv", "interviews.xlsx")

_MESSAGES = {
    "missing": ("Thiếu mục bắt buộc: {label}", "required field missing: {key}"),
    "date": ("{label} '{raw}' không hợp lệ: cần dạng dd/mm/yyyy, ví dụ 12/03/2020",
             "{key} '{raw}' is not a valid date: expected dd/mm/yyyy, e.g. 12/03/2020"),
    "date_or_year": ("{label} '{raw}' không hợp lệ: cần dạng dd/mm/yyyy hoặc năm, ví dụ 03/02/1960 hoặc 1960",
                     "{key} '{raw}' is not a valid date or year: expected dd/mm/yyyy or a year, "
                     "e.g. 03/02/1960 or 1960"),
    "year": ("Năm sinh '{raw}' không hợp lệ: cần một năm từ 1880 đến {last}, ví dụ 1932",
             "birth_year '{raw}' is not a plausible year: expected a year from 1880 to {last}, e.g. 1932"),
    "sex": ("Giới tính '{raw}' không hợp lệ: ghi nam hoặc nữ",
            "sex '{raw}' is not recognised: write nam or nữ (male or female)"),
    "consent": ("Đồng ý công bố '{raw}' không rõ: ghi được công bố, hạn chế, hoặc chưa công bố đến ngày",
                "consent status '{raw}' is not known: write allowed, restricted or embargoed"),
    "until": ("Chưa công bố nhưng thiếu ngày (until): cần dạng dd/mm/yyyy, ví dụ 01/01/2030",
              "consent is embargoed but has no until date: expected dd/mm/yyyy, e.g. 01/01/2030"),
    "period": ("Thời gian giữ chức vụ '{raw}' không hợp lệ: ghi dạng 'chức vụ, 1965–1970'",
               "role period '{raw}' is not valid: write 'title, 1965–1970'"),
    "shape": ("{label} không đúng dạng: cần {want_vi}", "{key} has the wrong form: expected {want_en}"),
    "unknown": ("Mục '{key}' không có trong mẫu{hint_vi}", "unknown field '{key}'{hint_en}"),
    "twice": ("Mục '{key}' được ghi hai lần: chỉ giữ một", "field '{key}' is written twice: keep one"),
    "syntax": ("Tệp YAML bị lỗi ở dòng {line} ({detail}): kiểm tra dấu hai chấm, dấu ngoặc kép và thụt đầu dòng "
               "(dùng dấu cách, không dùng Tab)",
               "the YAML does not parse at line {line} ({detail}): check the colons, quotes and indentation "
               "(spaces, not tabs)"),
    "encoding": ("Tệp không ở mã UTF-8 (ký tự lạ ở dòng {line}): hãy lưu lại với mã UTF-8 ({how_vi})",
                 "the file is not UTF-8 (unexpected byte on line {line}): save it again as UTF-8 ({how_en})"),
    "unreadable": ("Không đọc được tệp ({detail})", "the file cannot be read ({detail})"),
    "xlsx": ("Không mở được tệp Excel ({detail}): hãy lưu lại dạng .xlsx",
             "the Excel file cannot be opened ({detail}): save it again as .xlsx"),
    "few": ("Hàng này có {got} cột, ít hơn {want} cột của hàng tiêu đề: kiểm tra dấu phân cách",
            "this row has {got} columns, fewer than the {want} of the header row: check the separators"),
    "many": ("Hàng này có {got} cột, nhiều hơn {want} cột của hàng tiêu đề: "
             "giá trị có dấu phẩy phải đặt trong ngoặc kép",
             "this row has {got} columns, more than the {want} of the header row: put values containing commas "
             "in double quotes"),
    "align": ("{label} có {got} giá trị cho {want} người kể: tách bằng dấu ; theo đúng thứ tự tên",
              "{key} has {got} values for {want} witnesses: separate them with ';' in the order of the names"),
    "column": ("Cột '{key}' không rõ{hint_vi}", "unknown column '{key}'{hint_en}"),
    "no_file_column": ("Không thấy cột Tệp (tên tệp ghi âm) ở hàng tiêu đề",
                       "no file column (the recording's file name) in the header row"),
    "no_file": ("Hàng này không có tên tệp ghi âm (cột Tệp)", "this row has no recording file name (file column)"),
    "not_found": ("Không có tệp ghi âm '{name}' trong {folder}: kiểm tra tên tệp",
                  "there is no recording '{name}' in {folder}: check the file name"),
    "ambiguous": ("Tên tệp '{name}' ứng với nhiều tệp ghi âm ({names}): ghi cả thư mục, ví dụ {first}",
                  "'{name}' matches several recordings ({names}): write the folder too, e.g. {first}"),
    "duplicate": ("Tệp ghi âm này được mô tả nhiều lần ({rows}): chỉ giữ một hàng",
                  "this recording is described more than once ({rows}): keep one row"),
    "none": ("Chưa có thông tin buổi phỏng vấn cho {rel}: chạy `loike new recordings/{rel}` để tạo tệp mẫu, "
             "hoặc thêm một hàng vào interviews.csv",
             "no metadata found for {rel}: run `loike new recordings/{rel}` to write a template, "
             "or add a row to interviews.csv"),
}
_YAML_HOW = ("Notepad: Lưu thành / Save As → UTF-8", "Notepad: Save As → Encoding UTF-8")
_CSV_HOW = ("Excel: Lưu thành / Save As → CSV UTF-8", "Excel: Save As → CSV UTF-8")
_TEXT = ("một dòng chữ", "a line of text")
_FIRST_YEAR = 1880


class _Invalid(Exception):
    """A value that cannot be taken; ``kind`` names its message in ``_MESSAGES``."""

    def __init__(self, kind: str, at: str | None = None, **values: object):
        super().__init__(kind)
        self.kind, self.at, self.values = kind, at, values


@dataclass
class _Sink:
    """Collects the problems of one file (or one spreadsheet row); ``where`` turns a field path into a line."""

    source: str
    where: Callable[[str], str]
    problems: list[MetadataProblem] = field(default_factory=list)

    def add(self, path: str, kind: str, at: str | None = None, **values: object) -> None:
        vi, en = _MESSAGES[kind]
        self.problems.append(MetadataProblem(self.source, at or self.where(path), path or "—",
                                             vi.format(**values), en.format(**values)))

    def take(self, path: str, convert: Callable, raw: object, *args: object):
        """``convert(raw, *args)``, or None with the problem recorded."""
        try:
            return convert(raw, *args)
        except _Invalid as bad:
            self.add(path, bad.kind, bad.at, **bad.values)
            return None


# --- values ------------------------------------------------------------------------------------

def _blank(raw: object) -> bool:
    if isinstance(raw, dict):
        return all(_blank(v) for v in raw.values())
    if isinstance(raw, list):
        return all(_blank(v) for v in raw)
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _shown(raw: object) -> str:
    """A cell or scalar as the user wrote it (Excel hands out 1932.0 and datetimes)."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        raw = raw.date()
    return nfc(str(raw))


def _text(raw: object, key: str) -> str | None:
    if isinstance(raw, (list, dict)):
        raise _Invalid("shape", label=_LABEL[key], key=key, want_vi=_TEXT[0], want_en=_TEXT[1])
    return None if raw is None else _shown(raw) or None


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
    text = _shown(value)
    if year_ok and re.fullmatch(r"\d{4}", text) and _FIRST_YEAR <= int(text) <= date.today().year:
        return text
    if match := _DMY.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := _ISO.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise ValueError(f"not a date: {text!r}")
    return date(year, month, day).isoformat()


def _date(raw: object, key: str) -> str | None:
    if _blank(raw):
        return None
    try:
        return parse_date(raw, year_ok=key == "party_joined")
    except ValueError:
        kind = "date_or_year" if key == "party_joined" else "date"
        raise _Invalid(kind, label=_LABEL[key], key=key, raw=_shown(raw)) from None


def _year(raw: object) -> int | None:
    if _blank(raw):
        return None
    text = _shown(raw)
    if re.fullmatch(r"\d{4}", text) and _FIRST_YEAR <= int(text) <= date.today().year:
        return int(text)
    raise _Invalid("year", raw=text, last=date.today().year)


_SEXES = {"nam": "nam", "nam gioi": "nam", "male": "nam", "m": "nam", "ong": "nam",
          "nu": "nữ", "nu gioi": "nữ", "female": "nữ", "f": "nữ", "ba": "nữ"}


def _sex(raw: object) -> str | None:
    if _blank(raw):
        return None
    if (sex := _SEXES.get(fold(_shown(raw)))) is None:
        raise _Invalid("sex", raw=_shown(raw))
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
    if not _FIRST_YEAR <= start <= date.today().year or (end is not None and not start <= end <= date.today().year):
        raise ValueError(f"implausible period in {text!r}")
    return RoleHeld(match["title"].strip(" ,;:-–("), start, end)


def _role(raw: object) -> RoleHeld | None:
    text = _text(raw, "roles")
    try:
        return parse_role(text) if text else None
    except ValueError:
        raise _Invalid("period", raw=text) from None


_CONSENT = {
    "allowed": ("allowed", "duoc cong bo", "cong bo", "dong y", "dong y cong bo", "cong khai", "co", "yes"),
    "restricted": ("restricted", "han che", "khong cong bo", "khong dong y", "noi bo", "khong", "no"),
    "embargoed": ("embargoed", "embargo", "chua cong bo", "cong bo sau ngay"),
}
_TRAILING_DATE = re.compile(r"(\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4})\W*$")


def _consent_status(raw: object) -> tuple[str, str | None]:
    """The status and, for "chưa công bố đến ngày 01/01/2030" written in one cell, its date."""
    text, until = _shown(raw), None
    if match := _TRAILING_DATE.search(text):
        until = _date(match[1], "until")
        text = text[:match.start()]
    words = re.sub(r"\s*\b(den ngay|toi ngay|den|until)$", "", fold(text).strip(" :,.-("))
    for status, accepted in _CONSENT.items():
        if words in accepted:
            return status, until
    raise _Invalid("consent", raw=_shown(raw))


# --- the shape shared by sidecars and spreadsheet rows ---------------------------------------------

def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _unknown(raw: dict, fields: tuple[Field, ...], path: str, sink: _Sink) -> None:
    keys = [f.key for f in fields]
    for key in raw:
        if key not in keys:
            close = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.6)
            hint = ((f": có phải '{close[0]}'?", f": did you mean '{close[0]}'?") if close else
                    (f": các mục là {', '.join(keys)}", f": the fields are {', '.join(keys)}"))
            sink.add(_join(path, key), "unknown", key=key, hint_vi=hint[0], hint_en=hint[1])


def _items(raw: object, key: str, sink: _Sink, mapping_ok: bool = False) -> list:
    """A list as written: a YAML list, one mapping (a single person), or text separated by ';'."""
    if raw is None or (isinstance(raw, dict) and mapping_ok):
        return [] if raw is None else [raw]
    if isinstance(raw, dict):
        sink.add(key, "shape", label=_LABEL[key.rsplit(".", 1)[-1]], key=key, want_vi="danh sách", want_en="a list")
        return []
    if isinstance(raw, list):
        return raw
    return [part for part in re.split(r"[;\n]", str(raw)) if part.strip()]


def _person(raw: object, path: str, sink: _Sink) -> PersonMeta | None:
    if not isinstance(raw, dict):
        name = sink.take(path, _text, raw, "full_name")
        return PersonMeta(name) if name else None
    _unknown(raw, PERSON_FIELDS, path, sink)
    name = sink.take(f"{path}.full_name", _text, raw.get("full_name"), "full_name")
    roles = [sink.take(f"{path}.roles[{i}]", _role, item)
             for i, item in enumerate(_items(raw.get("roles"), f"{path}.roles", sink), 1)]
    person = PersonMeta(
        full_name=name or "",
        birth_year=sink.take(f"{path}.birth_year", _year, raw.get("birth_year")),
        sex=sink.take(f"{path}.sex", _sex, raw.get("sex")),
        home_village=sink.take(f"{path}.home_village", _text, raw.get("home_village"), "home_village"),
        roles=[role for role in roles if role],
        party_joined=sink.take(f"{path}.party_joined", _date, raw.get("party_joined"), "party_joined"),
    )
    if not name and not _blank(raw):
        sink.add(f"{path}.full_name", "missing", label=_LABEL["full_name"], key="full_name")
    return person if name else None


def _consent(raw: object, sink: _Sink) -> Consent:
    """Consent as stated; when nothing is stated it is "restricted", because unknown must never publish."""
    if isinstance(raw, dict):
        _unknown(raw, CONSENT_FIELDS, "consent", sink)
    values = raw if isinstance(raw, dict) else {"status": raw}
    written = values.get("status")
    stated = None if _blank(written) else sink.take("consent.status", _consent_status, written)
    until = sink.take("consent.until", _date, values.get("until"), "until")
    until = until or (stated[1] if stated else None)
    status = stated[0] if stated else ("embargoed" if until else "restricted")
    if status == "embargoed" and until is None and _blank(values.get("until")):
        sink.add("consent.until", "until")
    return Consent(status, until, sink.take("consent.given_by", _text, values.get("given_by"), "given_by"))


def _meta(data: dict, sink: _Sink) -> InterviewMeta:
    """The InterviewMeta a sidecar or a row describes, as far as it can be read; problems go to ``sink``."""
    _unknown(data, FIELDS, "", sink)
    people = {key: [p for i, item in enumerate(_items(data.get(key), key, sink, mapping_ok=True), 1)
                    if (p := _person(item, f"{key}[{i}]", sink))]
              for key in ("witnesses", "interviewers", "others_present")}
    lists = {key: [t for i, item in enumerate(_items(data.get(key), key, sink), 1)
                   if (t := sink.take(f"{key}[{i}]", _text, item, key))]
             for key in ("events", "topics")}
    texts = {key: sink.take(key, _text, data.get(key), key)
             for key in ("title", "place", "commune", "district", "province", "equipment")}
    meta = InterviewMeta(**people, **lists, **texts, date=sink.take("date", _date, data.get("date"), "date"),
                         consent=_consent(data.get("consent"), sink),
                         notes=sink.take("notes", _notes, data.get("notes"), "notes"))
    for f in (f for f in FIELDS if f.required and _blank(data.get(f.key))):
        people = f.kind == "people"
        sink.add(f.key, "missing", label=f.label + (" (ít nhất một người có họ và tên)" if people else ""),
                 key=f.key + (" (at least one, with a full_name)" if people else ""))
    return meta


def fingerprint(meta: InterviewMeta | None) -> str:
    """sha256 of the same canonical JSON ``catalogue`` stores in metadata_versions; "" for no metadata."""
    if meta is None:
        return ""
    canonical = json.dumps(dataclasses.asdict(meta), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- sidecars ------------------------------------------------------------------------------------

def _decode(data: bytes, how: tuple[str, str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise _Invalid("encoding", at=f"line {line}", line=line, how_vi=how[0], how_en=how[1]) from None


def _plain(node: yaml.Node, path: str, lines: dict[str, int], sink: _Sink) -> object:
    """The node as plain dicts, lists and raw strings, remembering each field's line.

    Scalars stay the text the user typed (``yes`` is not True, ``1932`` not 1932), so every value is
    judged by the same rules as a spreadsheet cell.
    """
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key in out:
                sink.add(_join(path, key), "twice", at=f"line {key_node.start_mark.line + 1}", key=key)
                continue
            lines[_join(path, key)] = key_node.start_mark.line + 1
            out[key] = _plain(value_node, _join(path, key), lines, sink)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, f"{path}[{i}]", lines, sink) for i, item in enumerate(node.value, 1)]
    return None if node.tag == "tag:yaml.org,2002:null" else node.value


def _line_of(lines: dict[str, int], path: str) -> str:
    # A missing field has no line of its own: it is reported at the nearest enclosing one.
    while path and path not in lines:
        path = re.sub(r"(\.?[^.\[\]]+|\[\d+\])$", "", path)
    return f"line {lines.get(path, 1)}"


def _read_sidecar(path: Path, source: str) -> tuple[InterviewMeta | None, list[MetadataProblem]]:
    lines: dict[str, int] = {}
    sink = _Sink(source, lambda field_path: _line_of(lines, field_path))
    try:
        root = yaml.compose(_decode(path.read_bytes(), _YAML_HOW), Loader=yaml.SafeLoader)
    except _Invalid as bad:
        sink.add("", bad.kind, bad.at, **bad.values)
        return None, sink.problems
    except OSError as error:
        sink.add("", "unreadable", "—", detail=error.strerror or type(error).__name__)
        return None, sink.problems
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else 1
        sink.add("", "syntax", f"line {line}", line=line, detail=getattr(error, "problem", None) or str(error))
        return None, sink.problems
    data = {} if root is None else _plain(root, "", lines, sink)
    if not isinstance(data, dict):
        sink.add("", "shape", label="Nội dung tệp", key="the file",
                 want_vi="các mục 'tên: giá trị' như tệp mẫu", want_en="'key: value' fields as in the template")
        return None, sink.problems
    meta = _meta(data, sink)
    return meta, sorted(sink.problems, key=lambda p: int(p.location.split()[-1]) if p.location[-1].isdigit() else 0)


# --- spreadsheets ----------------------------------------------------------------------------------

def _header_key(text: object) -> str:
    folded = fold(re.sub(r"\(.*?\)|[*:]", "", str(text)))
    return re.sub(r"\s*/\s*", "/", re.sub(r"[\s_]+", " ", folded)).strip()


_HEADER_INDEX = {_header_key(h): target for target, headers in HEADERS.items() for h in headers}


@dataclass
class _Row:
    number: int  # as the spreadsheet shows it: the first row is 1
    file: str
    cells: dict[str, object]  # HEADERS key → raw cell
    problems: list[MetadataProblem]


@dataclass
class _Sheet:
    source: str  # relative to recordings/
    folder: str  # its folder, relative to recordings/; "" for recordings/ itself
    readable: bool = True
    problems: list[MetadataProblem] = field(default_factory=list)  # about the whole file
    rows: list[_Row] = field(default_factory=list)
    assigned: dict[str, list[_Row]] = field(default_factory=dict)  # recording relpath → its rows
    orphans: list[MetadataProblem] = field(default_factory=list)  # rows that describe no recording
    used: bool = False


def _csv_rows(path: Path) -> list[tuple[int, list]]:
    text = _decode(path.read_bytes(), _CSV_HOW)
    # Excel in a Vietnamese locale writes ';' between columns (the decimal mark is ','), and "Unicode text" tabs.
    start = "\n".join(text.splitlines()[:5])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=max(",;\t", key=start.count))
    return list(enumerate(reader, 1))


def _xlsx_rows(path: Path) -> list[tuple[int, list]]:
    import openpyxl  # here, not at the top: it takes a moment to import and most runs read no workbook

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as error:  # a damaged or renamed file raises zipfile, KeyError, InvalidFileException…
        raise _Invalid("xlsx", at="—", detail=str(error) or type(error).__name__) from None
    return list(enumerate((list(row) for row in book.worksheets[0].iter_rows(values_only=True)), 1))


def _read_sheet(path: Path, source: str) -> _Sheet:
    sheet = _Sheet(source, source.rpartition("/")[0])
    sink = _Sink(source, lambda _: "—", sheet.problems)
    try:
        table = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    except _Invalid as bad:
        sink.add("", bad.kind, bad.at, **bad.values)
        table = []
    except (OSError, csv.Error) as error:
        sink.add("", "unreadable", "—", detail=str(error))
        table = []
    # The header is the first row with a file column, so a title row above it does no harm.
    at = next((i for i, (_, cells) in enumerate(table[:10])
               if "file" in {_HEADER_INDEX.get(_header_key(c)) for c in cells if not _blank(c)}), None)
    if at is None:
        if not sheet.problems:
            sink.add("file", "no_file_column", "row 1")
        sheet.readable = False
        return sheet
    columns, width = _columns(table[at], sink)
    for number, cells in table[at + 1:]:
        if not _blank(cells):
            sheet.rows.append(_row(source, number, cells, columns, width))
    return sheet


def _columns(header: tuple[int, list], sink: _Sink) -> tuple[dict[str, int], int]:
    """HEADERS key → column (from 1), and how many columns the header has; unknown headers are problems."""
    number, names = header
    columns, ignored = {}, {_header_key(h) for h in IGNORED_HEADERS}
    for i, name in enumerate(names, 1):
        key = "" if _blank(name) else _header_key(name)
        if key in _HEADER_INDEX:
            columns[_HEADER_INDEX[key]] = i
        elif key and key not in ignored:
            close = difflib.get_close_matches(key, list(_HEADER_INDEX), n=1, cutoff=0.75)
            known = HEADERS[_HEADER_INDEX[close[0]]] if close else None
            hint = ((f": có phải '{known[0]}'?", f": did you mean '{known[1]}'?") if known else
                    (": xem danh sách cột trong tệp mẫu", ": see the list of columns"))
            sink.add(_shown(name), "column", f"row {number}", key=_shown(name), hint_vi=hint[0], hint_en=hint[1])
    return columns, max((i for i, name in enumerate(names, 1) if not _blank(name)), default=0)


def _row(source: str, number: int, cells: list, columns: dict[str, int], width: int) -> _Row:
    sink = _Sink(source, lambda _: f"row {number}")
    filled = max(i for i, cell in enumerate(cells, 1) if not _blank(cell))
    if len(cells) < width:
        sink.add("", "few", got=len(cells), want=width)
    elif filled > width:
        sink.add("", "many", got=filled, want=width)
    values = {key: cells[i - 1] for key, i in columns.items() if i <= len(cells)}
    return _Row(number, _shown(values.pop("file", None) or ""), values, sink.problems)


def _assign(sheet: _Sheet, wanted: dict[str, str], disk: _Disk) -> None:
    """Match each row's file cell to a recording: its path from the sheet's folder, else its bare name if unique."""
    prefix = f"{sheet.folder}/" if sheet.folder else ""
    by_name: dict[str, list[str]] = {}
    for key, rel in wanted.items():
        if key.startswith(_key(prefix)):
            by_name.setdefault(key.rpartition("/")[2], []).append(rel)
    for row in sheet.rows:
        sink = _Sink(sheet.source, lambda _, n=row.number: f"row {n}", sheet.orphans)
        name = row.file.replace("\\", "/").removeprefix("./")
        # Relative to the spreadsheet's folder, else to recordings/ (still below it), else a bare name found once.
        keys = (_key(prefix + name), _key(name) if _key(name).startswith(_key(prefix)) else "")
        matches = [wanted[k] for k in keys if k in wanted][:1]
        if not matches and "/" not in name:
            matches = by_name.get(_key(name), [])
        if not row.file:
            sink.add("file", "no_file")
        elif len(matches) == 1:
            sheet.assigned.setdefault(matches[0], []).append(row)
        elif matches:
            sink.add("file", "ambiguous", name=row.file, names=", ".join(sorted(matches)),
                     first=sorted(matches)[0][len(prefix):])
        elif not disk.exists(prefix + name):  # a recording not in this batch (still being copied) is no error
            sink.add("file", "not_found", name=row.file, folder=f"recordings/{sheet.folder}".rstrip("/"))


def _row_data(cells: dict[str, object], sink: _Sink) -> dict:
    """A row in the shape of a sidecar: several witnesses separated by ';', their details aligned."""
    data = {f.key: cells[f.key] for f in FIELDS if f.key in cells and f.key not in ("witnesses", "consent")}
    witnesses: list[dict] = [{"full_name": name} for name in _items(cells.get("witnesses"), "witnesses", sink)]
    for key in ("birth_year", "sex", "home_village", "roles", "party_joined"):
        raw = cells.get(key)
        values = [] if _blank(raw) else re.split(r"\s*[;\n]\s*", raw) if isinstance(raw, str) else [raw]
        witnesses = witnesses or ([{}] if values else [])
        if key == "roles" and len(witnesses) == 1:
            witnesses[0]["roles"] = values  # one witness: every role in the cell is theirs
            continue
        if values and len(values) != len(witnesses):
            sink.add(f"witnesses.{key}", "align", label=_LABEL[key], key=key, got=len(values), want=len(witnesses))
        for witness, value in zip(witnesses, values):
            witness[key] = value
    data["witnesses"] = witnesses
    data["consent"] = {"status": cells.get("consent"), "until": cells.get("until"), "given_by": cells.get("given_by")}
    return data


def _from_sheets(rel: str, chain: list[list[_Sheet]]) -> MetadataFound | None:
    """The nearest spreadsheet row for ``rel``; an unreadable spreadsheet on the way stops the search."""
    for level in chain:
        rows = [(sheet, row) for sheet in level for row in sheet.assigned.get(rel, [])]
        if rows:
            sheet, row = rows[0]
            sheet.used = True
            sink = _Sink(sheet.source, lambda _: f"row {row.number}", list(sheet.problems) + row.problems)
            meta = _meta(_row_data(row.cells, sink), sink)
            if len(rows) > 1:
                sink.add("file", "duplicate", f"row {rows[1][1].number}",
                         rows=", ".join(f"{s.source} row {r.number}" for s, r in rows))
            return MetadataFound(rel, sheet.source, meta, sink.problems, fingerprint(meta))
        for sheet in level:
            if not sheet.readable:
                sheet.used = True
                return MetadataFound(rel, sheet.source, None, list(sheet.problems))
    return None


# --- finding files -----------------------------------------------------------------------------------

def _key(name: str) -> str:
    """A file name as people see it: NFC (macOS hands out NFD), any case, no stray spaces."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name.strip()).casefold())


class _Disk:
    """Folder listings under one root, read once, looked up by ``_key``."""

    def __init__(self, root: Path):
        self.root = root
        self._listings: dict[str, dict[str, Path]] = {}

    def listing(self, folder: str) -> dict[str, Path]:
        if folder not in self._listings:
            parent, _, name = folder.rpartition("/")
            path = self.root if not folder else self.listing(parent).get(_key(name))
            try:
                self._listings[folder] = {_key(e.name): Path(e.path) for e in os.scandir(path)} if path else {}
            except OSError:  # not a folder, or unreadable: nothing to find there
                self._listings[folder] = {}
        return self._listings[folder]

    def find(self, folder: str, name: str) -> tuple[Path, str] | None:
        """The file and its relpath (NFC) for ``name`` in ``folder``, if there is one."""
        path = self.listing(folder).get(_key(name))
        if path is None:
            return None
        return path, unicodedata.normalize("NFC", (PurePosixPath(folder) / path.name).as_posix())

    def exists(self, rel: str) -> bool:
        folder, _, name = rel.rpartition("/")
        return self.find(folder, name) is not None


# --- reading everything -----------------------------------------------------------------------------

@dataclass
class MetadataRead:
    """What ``read_metadata`` found: per recording, and per spreadsheet for rows that describe no recording."""

    recordings: dict[str, MetadataFound]
    spreadsheets: dict[str, list[MetadataProblem]]


def read_all(recordings: Path, relpaths: list[str]) -> dict[str, MetadataFound]:
    """The metadata of every recording in ``relpaths`` (relative to ``recordings``, forward slashes, NFC).

    The keys are exactly ``relpaths``. Problems that belong to a spreadsheet rather than to a recording
    (a row naming a recording that is not there, a row without a file name, a name that fits several
    recordings) are left out here: ``read_metadata`` returns them too.
    """
    return read_metadata(recordings, relpaths).recordings


def read_metadata(recordings: Path, relpaths: list[str]) -> MetadataRead:
    """Like ``read_all``, plus ``spreadsheets``: spreadsheet relpath → problems that belong to no recording.

    For each recording: the sidecar (same folder, same stem, .yaml or .yml) wins; else the nearest
    ``interviews.csv`` / ``interviews.xlsx`` from its folder up to ``recordings`` that has a row for it;
    an unreadable spreadsheet on the way stops the search and its problems are the recording's. Each
    file is read once. A problem about a whole spreadsheet (an unknown column) goes to every recording
    it describes, or to ``spreadsheets`` if it describes none.
    """
    disk, wanted = _Disk(recordings), {_key(rel): rel for rel in relpaths}
    sheets = {folder: [_read_sheet(*hit) for name in SHEET_NAMES if (hit := disk.find(folder, name))]
              for folder in sorted({f for rel in relpaths for f in _folders_up(rel)})}
    for sheet in (sheet for level in sheets.values() for sheet in level):
        _assign(sheet, wanted, disk)
    sidecars: dict[str, tuple[InterviewMeta | None, list[MetadataProblem]]] = {}
    found = {}
    for rel in relpaths:
        folder, _, name = rel.rpartition("/")
        hits = [hit for ext in (".yaml", ".yml") if (hit := disk.find(folder, PurePosixPath(name).stem + ext))]
        if hits:  # NAME.yaml is read when NAME.yml is there too
            path, source = hits[0]
            if source not in sidecars:
                sidecars[source] = _read_sidecar(path, source)
            meta, problems = sidecars[source]
            found[rel] = MetadataFound(rel, source, meta, list(problems), fingerprint(meta))
        else:
            found[rel] = _from_sheets(rel, [sheets[f] for f in _folders_up(rel)]) or _nothing(rel)
    leftovers = {s.source: s.orphans + ([] if s.used else s.problems) for level in sheets.values() for s in level}
    return MetadataRead(found, {source: problems for source, problems in leftovers.items() if problems})


def _folders_up(rel: str) -> list[str]:
    """The folders a spreadsheet for ``rel`` may sit in, nearest first: "a/b/c.mp3" → "a/b", "a", ""."""
    parts = rel.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]


def _nothing(rel: str) -> MetadataFound:
    sink = _Sink(rel, lambda _: "—")
    sink.add("", "none", rel=rel)
    return MetadataFound(rel, None, None, sink.problems)


# --- the template -------------------------------------------------------------------------------------

_COMMENT_AT = 26


def _template_lines(f: Field, indent: str, bullet: str = "") -> list[str]:
    lead = indent + bullet
    value = "" if f.kind in ("year", "list", "people", "consent") else ' ""'
    line = f"{lead}{f.key}:{value}".ljust(_COMMENT_AT) + f" # {f.comment}" + (" (bắt buộc)" if f.required else "")
    inner = indent + ("    " if bullet else "  ")
    if f.kind == "list":
        return [line, f'{inner}# - "{f.example}"']
    if f.kind == "consent":
        return [line] + [x for sub in CONSENT_FIELDS for x in _template_lines(sub, inner)]
    if f.kind == "people":
        people = PERSON_FIELDS if f.key == "witnesses" else PERSON_FIELDS[:1]
        bullets = ["- "] + ["  "] * (len(people) - 1)  # the first field of a list item carries its dash
        return [line] + [x for sub, bullet in zip(people, bullets) for x in _template_lines(sub, inner, bullet)]
    return [line]


def sidecar_template(recording_name: str) -> str:
    """The sidecar to fill in: every field with its Vietnamese comment. Read back unedited, it only lacks
    the required fields."""
    lines = [f"# Lời Kể — thông tin buổi phỏng vấn cho tệp ghi âm: {nfc(recording_name)}",
             "# Điền vào giữa hai dấu ngoặc kép; mục (bắt buộc) phải có. Lưu tệp với mã UTF-8."]
    for f in FIELDS:
        lines += _template_lines(f, "")
    return "\n".join(lines) + "\n"


def write_sidecar(recording: Path) -> Path:
    """Write NAME.yaml beside ``recording``; refuses to overwrite a sidecar that is already there."""
    if not recording.is_file():
        raise errors.NotFound(f"{recording} does not exist: check the path.")
    disk = _Disk(recording.parent)
    hits = [hit[0] for ext in (".yaml", ".yml") if (hit := disk.find("", recording.stem + ext))]
    target = hits[0] if hits else recording.with_suffix(".yaml")
    try:
        if hits:
            raise FileExistsError(target)
        with open(target, "x", encoding="utf-8", newline="\n") as out:
            out.write(sidecar_template(recording.name))
    except FileExistsError:
        raise errors.LoikeError(f"{target} already exists: edit it, or delete it first to start again.") from None
    return target
