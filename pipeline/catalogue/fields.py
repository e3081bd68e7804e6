"""The metadata fields, spreadsheet headers and the messages a field researcher reads (vi and en)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.database.metadata_records import MetadataProblem

log = logging.getLogger(__name__)


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
    Field(
        "events",
        "Sự kiện",
        "Sự kiện được kể, mỗi sự kiện một dòng:",
        kind="list",
        example="Khởi nghĩa giành chính quyền tháng 8/1945",
    ),
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
    Field(
        "roles",
        "Chức vụ",
        "Chức vụ đã giữ, kèm thời gian, mỗi chức vụ một dòng:",
        kind="list",
        example="nguyên Bí thư Chi bộ xã Bắc Cường, 1965–1970",
    ),
    Field("party_joined", "Ngày vào Đảng", "Ngày vào Đảng, dd/mm/yyyy hoặc năm"),
)
CONSENT_FIELDS: tuple[Field, ...] = (
    Field("status", "Đồng ý công bố", "được công bố / hạn chế / chưa công bố đến ngày"),
    Field("until", "Chưa công bố đến ngày", "Nếu chưa công bố: đến ngày nào, dd/mm/yyyy"),
    Field("given_by", "Người đồng ý", "Người đồng ý (nhân chứng hoặc người nhà)"),
)
LABEL = {f.key: f.label for f in FIELDS + PERSON_FIELDS + CONSENT_FIELDS}

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

MESSAGES = {
    "missing": ("Thiếu mục bắt buộc: {label}", "required field missing: {key}"),
    "date": (
        "{label} '{raw}' không hợp lệ: cần dạng dd/mm/yyyy, ví dụ 12/03/2020",
        "{key} '{raw}' is not a valid date: expected dd/mm/yyyy, e.g. 12/03/2020",
    ),
    "date_or_year": (
        "{label} '{raw}' không hợp lệ: cần dạng dd/mm/yyyy hoặc năm, ví dụ 03/02/1960 hoặc 1960",
        "{key} '{raw}' is not a valid date or year: expected dd/mm/yyyy or a year, e.g. 03/02/1960 or 1960",
    ),
    "year": (
        "Năm sinh '{raw}' không hợp lệ: cần một năm từ 1880 đến {last}, ví dụ 1932",
        "birth_year '{raw}' is not a plausible year: expected a year from 1880 to {last}, e.g. 1932",
    ),
    "sex": (
        "Giới tính '{raw}' không hợp lệ: ghi nam hoặc nữ",
        "sex '{raw}' is not recognised: write nam or nữ (male or female)",
    ),
    "consent": (
        "Đồng ý công bố '{raw}' không rõ: ghi được công bố, hạn chế, hoặc chưa công bố đến ngày",
        "consent status '{raw}' is not known: write allowed, restricted or embargoed",
    ),
    "until": (
        "Chưa công bố nhưng thiếu ngày (until): cần dạng dd/mm/yyyy, ví dụ 01/01/2030",
        "consent is embargoed but has no until date: expected dd/mm/yyyy, e.g. 01/01/2030",
    ),
    "period": (
        "Thời gian giữ chức vụ '{raw}' không hợp lệ: ghi dạng 'chức vụ, 1965–1970'",
        "role period '{raw}' is not valid: write 'title, 1965–1970'",
    ),
    "shape": ("{label} không đúng dạng: cần {want_vi}", "{key} has the wrong form: expected {want_en}"),
    "unknown": ("Mục '{key}' không có trong mẫu{hint_vi}", "unknown field '{key}'{hint_en}"),
    "twice": ("Mục '{key}' được ghi hai lần: chỉ giữ một", "field '{key}' is written twice: keep one"),
    "syntax": (
        "Tệp YAML bị lỗi ở dòng {line} ({detail}): kiểm tra dấu hai chấm, dấu ngoặc kép và thụt đầu dòng "
        "(dùng dấu cách, không dùng Tab)",
        "the YAML does not parse at line {line} ({detail}): check the colons, quotes and indentation "
        "(spaces, not tabs)",
    ),
    "encoding": (
        "Tệp không ở mã UTF-8 (ký tự lạ ở dòng {line}): hãy lưu lại với mã UTF-8 ({how_vi})",
        "the file is not UTF-8 (unexpected byte on line {line}): save it again as UTF-8 ({how_en})",
    ),
    "unreadable": ("Không đọc được tệp ({detail})", "the file cannot be read ({detail})"),
    "alias": (
        "Tệp dùng ký hiệu & hoặc * (YAML anchor/alias), tệp mẫu không cần: xoá chúng",
        "the file uses YAML anchors or aliases (& or *), which a metadata file never needs: remove them",
    ),
    "deep": (
        "Tệp lồng nhau quá sâu (hơn {limit} mức): tệp mẫu chỉ cần vài mức, hãy viết lại theo tệp mẫu",
        "the file nests more than {limit} levels deep where the template needs a few: write it again from the template",
    ),
    "not_a_file": (
        "Đây là {what_vi}, không phải một tệp bình thường: đổi tên hoặc chuyển nó đi",
        "this is {what_en}, not an ordinary file: rename it or move it away",
    ),
    "too_big": (
        "Tệp quá lớn cho một tệp thông tin ({size}, tối đa {limit}): kiểm tra xem có đúng tệp không",
        "the file is too big for a metadata file ({size}, at most {limit}): check that it is the right file",
    ),
    "rows": (
        "Bảng có hơn {limit} hàng: chia thành nhiều bảng, mỗi thư mục một bảng interviews",
        "the spreadsheet has more than {limit} rows: split it, one interviews spreadsheet per folder",
    ),
    "xlsx_big": (
        "Tệp Excel chứa quá nhiều dữ liệu ({detail_vi}): hãy lưu lại dạng .xlsx chỉ với bảng thông tin phỏng vấn",
        "the Excel file holds too much ({detail_en}): save it again as .xlsx with only the interview table",
    ),
    "broken": (
        "Không đọc được tệp này ({detail}): kiểm tra lại tệp hoặc {how_vi}",
        "this file could not be read ({detail}): check it, or {how_en}",
    ),
    "xlsx": (
        "Không mở được tệp Excel ({detail}): hãy lưu lại dạng .xlsx",
        "the Excel file cannot be opened ({detail}): save it again as .xlsx",
    ),
    "few": (
        "Hàng này có {got} cột, ít hơn {want} cột của hàng tiêu đề: kiểm tra dấu phân cách",
        "this row has {got} columns, fewer than the {want} of the header row: check the separators",
    ),
    "many": (
        "Hàng này có {got} cột, nhiều hơn {want} cột của hàng tiêu đề: giá trị có dấu phẩy phải đặt trong ngoặc kép",
        "this row has {got} columns, more than the {want} of the header row: put values containing commas "
        "in double quotes",
    ),
    "align": (
        "{label} có {got} giá trị cho {want} người kể: tách bằng dấu ; theo đúng thứ tự tên",
        "{key} has {got} values for {want} witnesses: separate them with ';' in the order of the names",
    ),
    "column": ("Cột '{key}' không rõ{hint_vi}", "unknown column '{key}'{hint_en}"),
    "no_file_column": (
        "Không thấy cột Tệp (tên tệp ghi âm) ở hàng tiêu đề",
        "no file column (the recording's file name) in the header row",
    ),
    "no_file": ("Hàng này không có tên tệp ghi âm (cột Tệp)", "this row has no recording file name (file column)"),
    "not_found": (
        "Không có tệp ghi âm '{name}' trong {folder}: kiểm tra tên tệp",
        "there is no recording '{name}' in {folder}: check the file name",
    ),
    "ambiguous": (
        "Tên tệp '{name}' ứng với nhiều tệp ghi âm ({names}): ghi cả thư mục, ví dụ {first}",
        "'{name}' matches several recordings ({names}): write the folder too, e.g. {first}",
    ),
    "duplicate": (
        "Tệp ghi âm này được mô tả nhiều lần ({rows}): chỉ giữ một hàng",
        "this recording is described more than once ({rows}): keep one row",
    ),
    "none": (
        "Chưa có thông tin buổi phỏng vấn cho {rel}: chạy `loike new recordings/{rel}` để tạo tệp mẫu, "
        "hoặc thêm một hàng vào interviews.csv",
        "no metadata found for {rel}: run `loike new recordings/{rel}` to write a template, "
        "or add a row to interviews.csv",
    ),
}
YAML_HOW = ("Notepad: Lưu thành / Save As → UTF-8", "Notepad: Save As → Encoding UTF-8")
CSV_HOW = ("Excel: Lưu thành / Save As → CSV UTF-8", "Excel: Save As → CSV UTF-8")
TEXT = ("một dòng chữ", "a line of text")
FIRST_YEAR = 1880


class Invalid(Exception):
    """A value that cannot be taken; ``kind`` names its message in ``MESSAGES``."""

    def __init__(self, kind: str, at: str | None = None, **values: object):
        super().__init__(kind)
        self.kind, self.at, self.values = kind, at, values


@dataclass
class Sink:
    """Collects the problems of one file (or one spreadsheet row); ``where`` turns a field path into a line."""

    source: str
    where: Callable[[str], str]
    problems: list[MetadataProblem] = field(default_factory=list)

    def add(self, path: str, kind: str, at: str | None = None, **values: object) -> None:
        vi, en = MESSAGES[kind]
        self.problems.append(
            MetadataProblem(self.source, at or self.where(path), path or "—", vi.format(**values), en.format(**values))
        )

    def unexpected(self, error: Exception, how: tuple[str, str]) -> None:
        """The last resort: an error no reader foresaw becomes this file's problem, so the other files are
        still read; ``how`` says how to make the file again (vi, en). The traceback goes to the debug log."""
        log.debug("Reading %s failed", self.source, exc_info=error)
        detail = f"{type(error).__name__}: {error}".splitlines()[0][:200]
        self.add("", "broken", "—", detail=detail, how_vi=how[0], how_en=how[1])

    def take(self, path: str, convert: Callable, raw: object, *args: object):
        """``convert(raw, *args)``, or None with the problem recorded."""
        try:
            return convert(raw, *args)
        except Invalid as bad:
            self.add(path, bad.kind, bad.at, **bad.values)
            return None
