import shutil
import unicodedata
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from pipeline.catalogue import metadata
from pipeline.database.metadata_records import Consent, InterviewMeta, PersonMeta
from pipeline.database.models import RoleHeld
from pipeline.errors import LoikeError

FIXTURES = Path(__file__).parent / "fixtures" / "metadata"
THIS_YEAR = date.today().year
BASE = 'date: "12/03/2020"\nwitnesses:\n  - full_name: Nguyễn Văn A\ncommune: Bắc Cường\nprovince: Lào Cai\n'


@pytest.fixture
def recordings(tmp_path) -> Path:
    folder = tmp_path / "recordings"
    folder.mkdir()
    return folder


def touch(recordings: Path, *relpaths: str) -> list[str]:
    for relpath in relpaths:
        (recordings / relpath).parent.mkdir(parents=True, exist_ok=True)
        (recordings / relpath).write_bytes(b"not really audio")
    return list(relpaths)


def read_sidecar(recordings: Path, text: str | bytes, name: str = "ong-a.mp3"):
    touch(recordings, name)
    sidecar = recordings / Path(name).with_suffix(".yaml")
    sidecar.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return metadata.read_all(recordings, [name])[name]


def pinned(found) -> list[tuple[str, str, str, str]]:
    return [(p.location, p.field, p.message_vi, p.message_en) for p in found.problems]


# --- the template ----------------------------------------------------------------------------------


def test_the_template_lists_every_field_with_its_vietnamese_comment():
    text = metadata.sidecar_template("ong-nguyen-van-a.mp3")
    assert text.startswith("# Lời Kể — thông tin buổi phỏng vấn cho tệp ghi âm: ong-nguyen-van-a.mp3\n")
    assert 'date: ""                   # Ngày phỏng vấn, dạng dd/mm/yyyy (bắt buộc)\n' in text
    assert '      # - "nguyên Bí thư Chi bộ xã Bắc Cường, 1965–1970"\n' in text
    for f in metadata.FIELDS + metadata.PERSON_FIELDS + metadata.CONSENT_FIELDS:
        assert f"{f.key}:" in text and f.comment in text


def test_the_template_read_back_unedited_only_misses_the_required_fields(recordings):
    found = read_sidecar(recordings, metadata.sidecar_template("ong-a.mp3"))

    assert found.meta == InterviewMeta(consent=Consent(status="restricted"))
    assert pinned(found) == [
        ("line 4", "date", "Thiếu mục bắt buộc: Ngày phỏng vấn", "required field missing: date"),
        (
            "line 5",
            "witnesses",
            "Thiếu mục bắt buộc: Người kể (ít nhất một người có họ và tên)",
            "required field missing: witnesses (at least one, with a full_name)",
        ),
        ("line 18", "commune", "Thiếu mục bắt buộc: Xã/Phường", "required field missing: commune"),
        ("line 20", "province", "Thiếu mục bắt buộc: Tỉnh", "required field missing: province"),
    ]


def test_write_sidecar_writes_beside_the_recording_and_never_overwrites(recordings):
    touch(recordings, "xã Bắc Cường/ông A.mp3")
    recording = recordings / "xã Bắc Cường" / "ông A.mp3"

    written = metadata.write_sidecar(recording)

    assert written == recordings / "xã Bắc Cường" / "ông A.yaml"
    assert written.read_text(encoding="utf-8") == metadata.sidecar_template("ông A.mp3")
    written.write_text(BASE, encoding="utf-8")
    with pytest.raises(LoikeError) as refused:
        metadata.write_sidecar(recording)
    assert str(refused.value) == f"{written} already exists: edit it, or delete it first to start again."
    assert written.read_text(encoding="utf-8") == BASE


def test_write_sidecar_also_respects_a_yml_sidecar(recordings):
    touch(recordings, "a.mp3")
    (recordings / "a.yml").write_text(BASE, encoding="utf-8")
    with pytest.raises(LoikeError, match=r"a\.yml already exists: edit it, or delete it first to start again\.$"):
        metadata.write_sidecar(recordings / "a.mp3")
    assert not (recordings / "a.yaml").exists()


# --- a good sidecar ---------------------------------------------------------------------------------


def test_a_good_sidecar_is_read_whole(recordings):
    touch(recordings, "ong-a.mp3")
    shutil.copyfile(FIXTURES / "good.yaml", recordings / "ong-a.yaml")

    found = metadata.read_all(recordings, ["ong-a.mp3"])["ong-a.mp3"]

    assert (found.source, found.problems) == ("ong-a.yaml", [])
    assert found.meta == InterviewMeta(
        witnesses=[
            PersonMeta(
                "Nguyễn Văn A",
                1932,
                "nam",
                "thôn Đông, xã Bắc Cường",
                [
                    RoleHeld("nguyên Bí thư Chi bộ xã Bắc Cường", 1965, 1970),
                    RoleHeld("Chủ tịch UBND xã", 1970, 1975),
                    RoleHeld("hội viên Hội Cựu chiến binh", 1990, None),
                ],
                "1955-02-03",
            ),
            PersonMeta("Lê Thị B"),
        ],
        interviewers=[PersonMeta("Trần Văn C")],
        date="2020-03-12",
        place="nhà riêng của nhân chứng",
        commune="Bắc Cường",
        district="Lào Cai",
        province="Lào Cai",
        events=["Khởi nghĩa giành chính quyền tháng 8/1945", "Chiến dịch Điện Biên Phủ 1954"],
        topics=["xây dựng chi bộ", "hợp tác xã"],
        consent=Consent("embargoed", "2030-01-01", "Nguyễn Văn A"),
        notes="Ông kể chậm, nghe hơi kém.\nCần hỏi lại về năm 1968.",
        equipment="điện thoại Samsung A52",
        title="Ông Nguyễn Văn A kể về chi bộ Bắc Cường",
    )
    assert found.fingerprint == metadata.fingerprint(found.meta) and len(found.fingerprint) == 64


def test_strings_are_nfc_and_trimmed_and_empty_ones_are_none(recordings):
    nfd = unicodedata.normalize("NFD", "Nguyễn  Văn A ")
    found = read_sidecar(recordings, BASE.replace("Nguyễn Văn A", f'"{nfd}"') + 'place: "  "\nnotes: ""\n')
    assert found.meta.witnesses[0].full_name == "Nguyễn Văn A"
    assert (found.meta.place, found.meta.notes) == (None, None)


def test_a_sidecar_named_in_nfd_or_another_case_is_found(recordings):
    touch(recordings, "ông A.mp3")
    (recordings / unicodedata.normalize("NFD", "Ông A.YML")).write_text(BASE, encoding="utf-8")
    found = metadata.read_all(recordings, ["ông A.mp3"])["ông A.mp3"]
    assert (found.source, found.problems) == ("Ông A.YML", [])


@pytest.mark.parametrize(
    "written, title, start, end",
    [
        ("nguyên Bí thư Chi bộ xã Bắc Cường, 1965–1970", "nguyên Bí thư Chi bộ xã Bắc Cường", 1965, 1970),
        ("Bí thư Chi bộ, 1965-1970", "Bí thư Chi bộ", 1965, 1970),
        ("Bí thư Chi bộ 1965 - 1970", "Bí thư Chi bộ", 1965, 1970),
        ("Bí thư Chi bộ (1965–1970)", "Bí thư Chi bộ", 1965, 1970),
        ("Bí thư Chi bộ, từ 1965 đến 1970", "Bí thư Chi bộ", 1965, 1970),
        ("Bí thư Chi bộ, từ năm 1965 đến năm 1970", "Bí thư Chi bộ", 1965, 1970),
        ("Bí thư Chi bộ, 1965–70", "Bí thư Chi bộ", 1965, 1970),
        ("Xã đội trưởng, 1947", "Xã đội trưởng", 1947, 1947),
        ("Hội viên Hội Người cao tuổi, 1995–nay", "Hội viên Hội Người cao tuổi", 1995, None),
        ("Hội viên Hội Người cao tuổi, từ 1995", "Hội viên Hội Người cao tuổi", 1995, None),
        ("Chủ nhiệm hợp tác xã", "Chủ nhiệm hợp tác xã", None, None),
    ],
)
def test_roles_are_split_into_title_and_period(written, title, start, end):
    assert metadata.parse_role(written) == RoleHeld(title, start, end)


@pytest.mark.parametrize("written", ["Bí thư, 1970–1965", "Bí thư, 1850–1860", f"Bí thư, 1990–{THIS_YEAR + 1}"])
def test_impossible_periods_are_refused(written):
    with pytest.raises(ValueError):
        metadata.parse_role(written)


@pytest.mark.parametrize(
    "written, iso",
    [
        ("12/03/2020", "2020-03-12"),
        ("2/3/2020", "2020-03-02"),
        ("12-03-2020", "2020-03-12"),
        ("12.03.2020", "2020-03-12"),
        (" 12/03/2020 ", "2020-03-12"),
        ("2020-03-12", "2020-03-12"),
        (date(2020, 3, 12), "2020-03-12"),
        (datetime(2020, 3, 12, 0, 0), "2020-03-12"),
        ("29/02/2020", "2020-02-29"),
    ],
)
def test_dates_in_every_accepted_form(written, iso):
    assert metadata.parse_date(written) == iso


@pytest.mark.parametrize("written", ["31/02/2020", "12/13/2020", "2020/03/12", "12/03/20", "12/03-2020", "1955", ""])
def test_dates_that_are_not(written):
    with pytest.raises(ValueError):
        metadata.parse_date(written)


def test_party_joined_may_be_a_bare_year_and_a_yaml_date_is_a_date(recordings):
    text = (
        "date: 2020-03-12\nwitnesses:\n  - full_name: Lê B\n    party_joined: 1955\n"
        "  - full_name: Lê C\n    party_joined: 03-02-1955\ncommune: X\nprovince: Y\n"
    )
    found = read_sidecar(recordings, text)
    assert found.problems == []
    assert found.meta.date == "2020-03-12"
    assert [w.party_joined for w in found.meta.witnesses] == ["1955", "1955-02-03"]


@pytest.mark.parametrize(
    "written, status, until",
    [
        ("allowed", "allowed", None),
        ("được công bố", "allowed", None),
        ("Được Công Bố", "allowed", None),
        ("duoc cong bo", "allowed", None),
        ("đồng ý", "allowed", None),
        ("restricted", "restricted", None),
        ("hạn chế", "restricted", None),
        ("không công bố", "restricted", None),
        ("không đồng ý", "restricted", None),
        ('"chưa công bố đến ngày 01/01/2030"', "embargoed", "2030-01-01"),
        ('"embargoed until 1/1/2030"', "embargoed", "2030-01-01"),
    ],
)
def test_consent_in_english_or_vietnamese(recordings, written, status, until):
    found = read_sidecar(recordings, BASE + f"consent: {written}\n")
    assert found.problems == []
    assert found.meta.consent == Consent(status, until)


def test_consent_not_stated_is_restricted_and_an_until_date_alone_means_embargoed(recordings):
    assert read_sidecar(recordings, BASE).meta.consent == Consent("restricted")
    found = read_sidecar(recordings, BASE + "consent:\n  until: 02/09/2045\n  given_by: con gái ông A\n")
    assert found.meta.consent == Consent("embargoed", "2045-09-02", "con gái ông A")


@pytest.mark.parametrize(
    "written, sex",
    [("nam", "nam"), ("Nữ", "nữ"), ("nu", "nữ"), ("male", "nam"), ("F", "nữ"), ("m", "nam"), ("bà", "nữ")],
)
def test_sex_words(recordings, written, sex):
    found = read_sidecar(recordings, BASE.replace("Nguyễn Văn A", f"Nguyễn Văn A\n    sex: {written}"))
    assert (found.problems, found.meta.witnesses[0].sex) == ([], sex)


def test_people_may_be_written_as_bare_names(recordings):
    found = read_sidecar(recordings, BASE + "interviewers: Trần C; Đỗ D\nothers_present:\n  - Lê E\n")
    assert found.problems == []
    assert [p.full_name for p in found.meta.interviewers + found.meta.others_present] == ["Trần C", "Đỗ D", "Lê E"]


# --- every problem, in both languages ------------------------------------------------------------------

MISSING = "Thiếu mục bắt buộc: {} / required field missing: {}"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            BASE.replace('date: "12/03/2020"\n', ""),
            ("line 1", "date", "Thiếu mục bắt buộc: Ngày phỏng vấn", "required field missing: date"),
        ),
        (
            BASE.replace("commune: Bắc Cường\n", ""),
            ("line 1", "commune", "Thiếu mục bắt buộc: Xã/Phường", "required field missing: commune"),
        ),
        (
            BASE.replace("province: Lào Cai\n", 'province: ""\n'),
            ("line 5", "province", "Thiếu mục bắt buộc: Tỉnh", "required field missing: province"),
        ),
        (
            BASE.replace("witnesses:\n  - full_name: Nguyễn Văn A\n", ""),
            (
                "line 1",
                "witnesses",
                "Thiếu mục bắt buộc: Người kể (ít nhất một người có họ và tên)",
                "required field missing: witnesses (at least one, with a full_name)",
            ),
        ),
        (
            BASE.replace("- full_name: Nguyễn Văn A", "- birth_year: 1932"),
            ("line 3", "witnesses[1].full_name", "Thiếu mục bắt buộc: Họ và tên", "required field missing: full_name"),
        ),
        (
            BASE.replace("12/03/2020", "31/02/2020"),
            (
                "line 1",
                "date",
                "Ngày phỏng vấn '31/02/2020' không hợp lệ: cần dạng dd/mm/yyyy, ví dụ 12/03/2020",
                "date '31/02/2020' is not a valid date: expected dd/mm/yyyy, e.g. 12/03/2020",
            ),
        ),
        (
            BASE.replace("Nguyễn Văn A", "Nguyễn Văn A\n    party_joined: tháng 3/1955"),
            (
                "line 4",
                "witnesses[1].party_joined",
                "Ngày vào Đảng 'tháng 3/1955' không hợp lệ: cần dạng dd/mm/yyyy hoặc năm, ví dụ 03/02/1960 hoặc 1960",
                "party_joined 'tháng 3/1955' is not a valid date or year: expected dd/mm/yyyy or a year, "
                "e.g. 03/02/1960 or 1960",
            ),
        ),
        (
            BASE.replace("Nguyễn Văn A", "Nguyễn Văn A\n    birth_year: 1832"),
            (
                "line 4",
                "witnesses[1].birth_year",
                f"Năm sinh '1832' không hợp lệ: cần một năm từ 1880 đến {THIS_YEAR}, ví dụ 1932",
                f"birth_year '1832' is not a plausible year: expected a year from 1880 to {THIS_YEAR}, e.g. 1932",
            ),
        ),
        (
            BASE.replace("Nguyễn Văn A", "Nguyễn Văn A\n    birth_year: khoảng 1932"),
            (
                "line 4",
                "witnesses[1].birth_year",
                f"Năm sinh 'khoảng 1932' không hợp lệ: cần một năm từ 1880 đến {THIS_YEAR}, ví dụ 1932",
                f"birth_year 'khoảng 1932' is not a plausible year: expected a year from 1880 to {THIS_YEAR}, e.g. 1932",
            ),
        ),
        (
            BASE.replace("Nguyễn Văn A", "Nguyễn Văn A\n    sex: x"),
            (
                "line 4",
                "witnesses[1].sex",
                "Giới tính 'x' không hợp lệ: ghi nam hoặc nữ",
                "sex 'x' is not recognised: write nam or nữ (male or female)",
            ),
        ),
        (
            BASE.replace("Nguyễn Văn A", "Nguyễn Văn A\n    roles:\n      - Bí thư, 1970–1965"),
            (
                "line 5",
                "witnesses[1].roles[1]",
                "Thời gian giữ chức vụ 'Bí thư, 1970–1965' không hợp lệ: ghi dạng 'chức vụ, 1965–1970'",
                "role period 'Bí thư, 1970–1965' is not valid: write 'title, 1965–1970'",
            ),
        ),
        (
            BASE + "consent:\n  status: có lẽ\n",
            (
                "line 7",
                "consent.status",
                "Đồng ý công bố 'có lẽ' không rõ: ghi được công bố, hạn chế, hoặc chưa công bố đến ngày",
                "consent status 'có lẽ' is not known: write allowed, restricted or embargoed",
            ),
        ),
        (
            BASE + "consent:\n  status: chưa công bố\n",
            (
                "line 6",
                "consent.until",
                "Chưa công bố nhưng thiếu ngày (until): cần dạng dd/mm/yyyy, ví dụ 01/01/2030",
                "consent is embargoed but has no until date: expected dd/mm/yyyy, e.g. 01/01/2030",
            ),
        ),
        (
            BASE + "consent:\n  status: embargoed\n  until: 2030\n",
            (
                "line 8",
                "consent.until",
                "Chưa công bố đến ngày '2030' không hợp lệ: cần dạng dd/mm/yyyy, ví dụ 12/03/2020",
                "until '2030' is not a valid date: expected dd/mm/yyyy, e.g. 12/03/2020",
            ),
        ),
        (
            BASE + "witnes:\n  - full_name: Lê B\n",
            (
                "line 6",
                "witnes",
                "Mục 'witnes' không có trong mẫu: có phải 'witnesses'?",
                "unknown field 'witnes': did you mean 'witnesses'?",
            ),
        ),
        (
            BASE.replace("Nguyễn Văn A", "Nguyễn Văn A\n    birth_yaer: 1932"),
            (
                "line 4",
                "witnesses[1].birth_yaer",
                "Mục 'birth_yaer' không có trong mẫu: có phải 'birth_year'?",
                "unknown field 'birth_yaer': did you mean 'birth_year'?",
            ),
        ),
        (
            BASE + "xyz: 1\n",
            (
                "line 6",
                "xyz",
                "Mục 'xyz' không có trong mẫu: các mục là title, date, witnesses, interviewers, "
                "others_present, place, commune, district, province, events, topics, consent, notes, equipment",
                "unknown field 'xyz': the fields are title, date, witnesses, interviewers, others_present, place, commune, "
                "district, province, events, topics, consent, notes, equipment",
            ),
        ),
        (
            BASE + "commune: Bắc Cường\n",
            (
                "line 6",
                "commune",
                "Mục 'commune' được ghi hai lần: chỉ giữ một",
                "field 'commune' is written twice: keep one",
            ),
        ),
        (
            BASE + "place:\n  - nhà ông A\n",
            (
                "line 6",
                "place",
                "Nơi phỏng vấn không đúng dạng: cần một dòng chữ",
                "place has the wrong form: expected a line of text",
            ),
        ),
        (
            BASE + "events:\n  name: Khởi nghĩa\n",
            (
                "line 6",
                "events",
                "Sự kiện không đúng dạng: cần danh sách",
                "events has the wrong form: expected a list",
            ),
        ),
    ],
)
def test_each_problem_is_pinned_in_both_languages(recordings, text, expected):
    found = read_sidecar(recordings, text)
    assert pinned(found) == [expected]
    assert found.meta is not None, "a readable sidecar with problems still gives its partial metadata"


def test_several_problems_come_in_line_order_with_the_partial_metadata(recordings):
    touch(recordings, "v.mp3")
    shutil.copyfile(FIXTURES / "bad_values.yaml", recordings / "v.yaml")
    found = metadata.read_all(recordings, ["v.mp3"])["v.mp3"]
    assert [(p.location, p.field) for p in found.problems] == [
        ("line 1", "date"),
        ("line 2", "witnes"),
        ("line 6", "witnesses[1].birth_year"),
        ("line 7", "witnesses[1].sex"),
        ("line 9", "witnesses[1].roles[1]"),
        ("line 10", "witnesses[2].full_name"),
        ("line 13", "consent.until"),
    ]
    assert [w.full_name for w in found.meta.witnesses] == ["Nguyễn Văn A"]
    assert (found.meta.commune, found.meta.consent.status) == ("Bắc Cường", "embargoed")


def test_yaml_that_does_not_parse_says_the_line(recordings):
    touch(recordings, "s.mp3")
    shutil.copyfile(FIXTURES / "bad_syntax.yaml", recordings / "s.yaml")
    found = metadata.read_all(recordings, ["s.mp3"])["s.mp3"]
    assert (found.source, found.meta, found.fingerprint) == ("s.yaml", None, "")
    assert pinned(found) == [
        (
            "line 3",
            "—",
            "Tệp YAML bị lỗi ở dòng 3 (mapping values are not allowed here): kiểm tra dấu hai chấm, dấu ngoặc kép và "
            "thụt đầu dòng (dùng dấu cách, không dùng Tab)",
            "the YAML does not parse at line 3 (mapping values are not allowed here): check the colons, quotes and "
            "indentation (spaces, not tabs)",
        )
    ]


def test_tab_indentation_is_a_parse_error_at_its_line(recordings):
    found = read_sidecar(recordings, BASE.replace("  - full_name", "\t- full_name"))
    assert [(p.location, p.field) for p in found.problems] == [("line 3", "—")]
    assert "found character '\\t' that cannot start any token" in found.problems[0].message_en


def test_a_file_that_is_not_a_mapping(recordings):
    found = read_sidecar(recordings, "- Nguyễn Văn A\n- 1932\n")
    assert pinned(found) == [
        (
            "line 1",
            "—",
            "Nội dung tệp không đúng dạng: cần các mục 'tên: giá trị' như tệp mẫu",
            "the file has the wrong form: expected 'key: value' fields as in the template",
        )
    ]
    assert found.meta is None


def test_a_sidecar_not_in_utf8_says_to_save_it_as_utf8(recordings):
    found = read_sidecar(recordings, BASE.replace("Lào Cai", "Lao Cai – Tỉnh").encode("cp1252", errors="replace"))
    assert pinned(found) == [
        (
            "line 5",
            "—",
            "Tệp không ở mã UTF-8 (ký tự lạ ở dòng 5): hãy lưu lại với mã UTF-8 (Notepad: Lưu thành / Save As → UTF-8)",
            "the file is not UTF-8 (unexpected byte on line 5): save it again as UTF-8 (Notepad: Save As → Encoding UTF-8)",
        )
    ]
    assert found.meta is None


def test_an_empty_sidecar_misses_the_required_fields(recordings):
    found = read_sidecar(recordings, "# chưa điền\n")
    assert [p.field for p in found.problems] == ["date", "witnesses", "commune", "province"]


def test_no_metadata_anywhere_says_how_to_write_a_template(recordings):
    rels = touch(recordings, "xa/ong-a.mp3")
    found = metadata.read_all(recordings, rels)["xa/ong-a.mp3"]
    assert (found.source, found.meta, found.fingerprint) == (None, None, "")
    assert pinned(found) == [
        (
            "—",
            "—",
            "Chưa có thông tin buổi phỏng vấn cho xa/ong-a.mp3: chạy `loike new recordings/xa/ong-a.mp3` để tạo tệp mẫu, "
            "hoặc thêm một hàng vào interviews.csv",
            "no metadata found for xa/ong-a.mp3: run `loike new recordings/xa/ong-a.mp3` to write a template, "
            "or add a row to interviews.csv",
        )
    ]
    assert str(found.problems[0]).startswith("xa/ong-a.mp3, —, —: Chưa có thông tin")


def test_name_yaml_is_read_when_name_yml_is_there_too(recordings):
    touch(recordings, "a.mp3")
    (recordings / "a.yml").write_text("bị bỏ qua: [", encoding="utf-8")
    found = read_sidecar(recordings, BASE, "a.mp3")
    assert (found.source, found.problems) == ("a.yaml", [])


# --- spreadsheets ----------------------------------------------------------------------------------------


def test_a_good_csv_with_bom_and_nfd_file_names(recordings):
    rels = touch(recordings, "Bắc Cường/bà Lê Thị Hoa.mp3", "Bắc Cường/hai-cu.mp3")
    shutil.copyfile(FIXTURES / "good_bom.csv", recordings / "Bắc Cường" / "interviews.csv")

    found = metadata.read_all(recordings, rels)

    hoa, hai = found["Bắc Cường/bà Lê Thị Hoa.mp3"], found["Bắc Cường/hai-cu.mp3"]
    assert (hoa.source, hoa.problems, hai.problems) == ("Bắc Cường/interviews.csv", [], [])
    assert hoa.meta == InterviewMeta(
        witnesses=[PersonMeta("Lê Thị Hoa", 1940, "nữ")],
        interviewers=[PersonMeta("Trần Văn C")],
        date="2021-06-05",
        commune="Bắc Cường",
        district="Lào Cai",
        province="Lào Cai",
        events=["Khởi nghĩa 1945", "Kháng chiến chống Pháp"],
        consent=Consent("allowed"),
    )
    assert hai.meta.witnesses == [PersonMeta("Nguyễn Văn D", 1930, "nam"), PersonMeta("Phạm Thị E", 1935, "nữ")]
    assert [p.full_name for p in hai.meta.interviewers] == ["Trần Văn C", "Đỗ F"]
    assert (hai.meta.date, hai.meta.district, hai.meta.consent) == ("2021-08-07", None, Consent("restricted"))


def write_xlsx(path: Path, rows: list[list]) -> None:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def test_a_good_xlsx_with_english_headers_a_title_row_and_excel_cells(recordings):
    rels = touch(recordings, "xa/ong-a.mp3")
    write_xlsx(
        recordings / "xa" / "interviews.xlsx",
        [
            ["DANH SÁCH CÁC BUỔI PHỎNG VẤN"],
            [
                "STT",
                "File",
                "Witness",
                "Birth year",
                "Roles",
                "Date",
                "Commune",
                "District",
                "Province",
                "Consent",
                "Until",
                "Topics",
            ],
            [
                1,
                "ong-a.mp3",
                "Nguyễn Văn A",
                1932,
                "Bí thư Chi bộ, 1965–1970; Chủ tịch xã, 1970–1975",
                datetime(2020, 3, 12),
                "Bắc Cường",
                "Lào Cai",
                "Lào Cai",
                "embargoed",
                datetime(2030, 1, 1),
                "chi bộ",
            ],
        ],
    )
    found = metadata.read_all(recordings, rels)["xa/ong-a.mp3"]
    assert (found.source, found.problems) == ("xa/interviews.xlsx", [])
    assert found.meta.witnesses == [
        PersonMeta(
            "Nguyễn Văn A", 1932, roles=[RoleHeld("Bí thư Chi bộ", 1965, 1970), RoleHeld("Chủ tịch xã", 1970, 1975)]
        )
    ]
    assert (found.meta.date, found.meta.consent, found.meta.topics) == (
        "2020-03-12",
        Consent("embargoed", "2030-01-01"),
        ["chi bộ"],
    )


def test_spreadsheet_rows_are_numbered_as_the_spreadsheet_shows_them(recordings):
    rels = touch(recordings, "ong-a.mp3", "ong-b.mp3")
    write_xlsx(
        recordings / "interviews.xlsx",
        [
            ["Tệp", "Người kể", "Năm sinh", "Ngày phỏng vấn", "Xã/Phường", "Tỉnh"],
            ["ong-a.mp3", "Nguyễn Văn A", 1932, "12/03/2020", "X", "Y"],
            [None] * 6,
            ["ong-b.mp3", "Trần B", 2999, "31/02/2020", "X", "Y"],
        ],
    )
    found = metadata.read_all(recordings, rels)
    assert found["ong-a.mp3"].problems == []
    assert pinned(found["ong-b.mp3"]) == [
        (
            "row 4",
            "witnesses[1].birth_year",
            f"Năm sinh '2999' không hợp lệ: cần một năm từ 1880 đến {THIS_YEAR}, ví dụ 1932",
            f"birth_year '2999' is not a plausible year: expected a year from 1880 to {THIS_YEAR}, e.g. 1932",
        ),
        (
            "row 4",
            "date",
            "Ngày phỏng vấn '31/02/2020' không hợp lệ: cần dạng dd/mm/yyyy, ví dụ 12/03/2020",
            "date '31/02/2020' is not a valid date: expected dd/mm/yyyy, e.g. 12/03/2020",
        ),
    ]
    assert found["ong-b.mp3"].meta.witnesses == [PersonMeta("Trần B")]


def test_rows_with_too_few_or_too_many_columns(recordings):
    rels = touch(recordings, "ong-a.mp3", "ba-b.mp3", "ong-c.mp3")
    shutil.copyfile(FIXTURES / "short_row.csv", recordings / "interviews.csv")
    found = metadata.read_all(recordings, rels)
    assert found["ong-a.mp3"].problems == []
    assert pinned(found["ba-b.mp3"])[0] == (
        "row 3",
        "—",
        "Hàng này có 4 cột, ít hơn 6 cột của hàng tiêu đề: kiểm tra dấu phân cách",
        "this row has 4 columns, fewer than the 6 of the header row: check the separators",
    )
    assert [p.field for p in found["ba-b.mp3"].problems[1:]] == ["commune", "province"]
    assert pinned(found["ong-c.mp3"]) == [
        (
            "row 4",
            "—",
            "Hàng này có 7 cột, nhiều hơn 6 cột của hàng tiêu đề: giá trị có dấu phẩy phải đặt trong ngoặc kép",
            "this row has 7 columns, more than the 6 of the header row: put values containing commas in double quotes",
        )
    ]


def test_a_csv_not_in_utf8_says_to_save_it_as_csv_utf8(recordings):
    rels = touch(recordings, "ong-a.mp3")
    shutil.copyfile(FIXTURES / "cp1258.csv", recordings / "interviews.csv")
    found = metadata.read_all(recordings, rels)["ong-a.mp3"]
    assert (found.source, found.meta) == ("interviews.csv", None)
    assert pinned(found) == [
        (
            "line 1",
            "—",
            "Tệp không ở mã UTF-8 (ký tự lạ ở dòng 1): hãy lưu lại với mã UTF-8 (Excel: Lưu thành / Save As → CSV UTF-8)",
            "the file is not UTF-8 (unexpected byte on line 1): save it again as UTF-8 (Excel: Save As → CSV UTF-8)",
        )
    ]


def test_a_semicolon_separated_csv_as_excel_writes_it_in_a_vietnamese_locale(recordings):
    rels = touch(recordings, "hai.mp3")
    (recordings / "interviews.csv").write_text(
        "Tệp;Người kể;Năm sinh;Ngày phỏng vấn;Xã;Huyện;Tỉnh\n"
        'hai.mp3;"Nguyễn Văn D; Phạm Thị E";"1930; 1935";1/2/2021;X;Bảo Thắng, Lào Cai;Y\n',
        encoding="utf-8",
    )
    found = metadata.read_all(recordings, rels)["hai.mp3"]
    assert found.problems == []
    assert found.meta.witnesses == [PersonMeta("Nguyễn Văn D", 1930), PersonMeta("Phạm Thị E", 1935)]
    assert found.meta.district == "Bảo Thắng, Lào Cai"


def test_aligned_columns_must_match_the_witnesses(recordings):
    rels = touch(recordings, "hai.mp3")
    (recordings / "interviews.csv").write_text(
        "Tệp,Người kể,Năm sinh,Giới tính,Quê quán,Chức vụ,Ngày phỏng vấn,Xã,Tỉnh\n"
        'hai.mp3,Nguyễn Văn D; Phạm Thị E,1930;1935;1940,nam;nữ,;Thôn Đông,"Bí thư, 1965–1970; ",1/2/2021,X,Y\n',
        encoding="utf-8",
    )
    found = metadata.read_all(recordings, rels)["hai.mp3"]
    assert pinned(found) == [
        (
            "row 2",
            "witnesses.birth_year",
            "Năm sinh có 3 giá trị cho 2 người kể: tách bằng dấu ; theo đúng thứ tự tên",
            "birth_year has 3 values for 2 witnesses: separate them with ';' in the order of the names",
        )
    ]
    assert found.meta.witnesses == [
        PersonMeta("Nguyễn Văn D", 1930, "nam", None, [RoleHeld("Bí thư", 1965, 1970)]),
        PersonMeta("Phạm Thị E", 1935, "nữ", "Thôn Đông"),
    ]


def test_unknown_columns_are_problems_for_every_recording_they_describe(recordings):
    rels = touch(recordings, "a.mp3")
    (recordings / "interviews.csv").write_text(
        "STT,Tệp,Người kể,Năm sinhh,Ngày phỏng vấn,Xã,Tỉnh,Ghi chú riêng\n1,a.mp3,A,1932,1/2/2021,X,Y,z\n",
        encoding="utf-8",
    )
    found = metadata.read_all(recordings, rels)["a.mp3"]
    assert pinned(found) == [
        (
            "row 1",
            "Năm sinhh",
            "Cột 'Năm sinhh' không rõ: có phải 'Năm sinh'?",
            "unknown column 'Năm sinhh': did you mean 'birth_year'?",
        ),
        (
            "row 1",
            "Ghi chú riêng",
            "Cột 'Ghi chú riêng' không rõ: xem danh sách cột trong tệp mẫu",
            "unknown column 'Ghi chú riêng': see the list of columns",
        ),
    ]


def test_a_spreadsheet_without_a_file_column(recordings):
    rels = touch(recordings, "a.mp3")
    (recordings / "interviews.csv").write_text("Người kể,Tỉnh\nA,Y\n", encoding="utf-8")
    found = metadata.read_all(recordings, rels)["a.mp3"]
    assert (found.source, found.meta) == ("interviews.csv", None)
    assert pinned(found) == [
        (
            "row 1",
            "file",
            "Không thấy cột Tệp (tên tệp ghi âm) ở hàng tiêu đề",
            "no file column (the recording's file name) in the header row",
        )
    ]


def test_a_damaged_xlsx(recordings):
    rels = touch(recordings, "a.mp3")
    (recordings / "interviews.xlsx").write_text("Tệp,Người kể\n", encoding="utf-8")
    found = metadata.read_all(recordings, rels)["a.mp3"]
    assert found.meta is None
    assert found.problems[0].message_en.startswith("the Excel file cannot be opened (")
    assert found.problems[0].message_en.endswith("): save it again as .xlsx")


def test_rows_that_describe_no_recording_are_reported_under_the_spreadsheet(recordings):
    rels = touch(recordings, "xa/a.mp3", "xa/b/c.mp3", "xa/d/c.mp3")
    touch(recordings, "xa/dang-chep.mp3")  # on disk but not in this batch: no error
    (recordings / "xa" / "interviews.csv").write_text(
        "Tệp,Người kể,Ngày phỏng vấn,Xã,Tỉnh\na.mp3,A,1/2/2021,X,Y\nmat.mp3,B,1/2/2021,X,Y\n,C,1/2/2021,X,Y\n"
        "C.MP3,D,1/2/2021,X,Y\ndang-chep.mp3,E,1/2/2021,X,Y\n",
        encoding="utf-8",
    )

    read = metadata.read_metadata(recordings, rels)

    assert list(read.recordings) == rels
    assert read.recordings["xa/a.mp3"].problems == []
    assert [
        (p.source, *pinned_one)
        for p in read.spreadsheets["xa/interviews.csv"]
        for pinned_one in [(p.location, p.field, p.message_vi, p.message_en)]
    ] == [
        (
            "xa/interviews.csv",
            "row 3",
            "file",
            "Không có tệp ghi âm 'mat.mp3' trong recordings/xa: kiểm tra tên tệp",
            "there is no recording 'mat.mp3' in recordings/xa: check the file name",
        ),
        (
            "xa/interviews.csv",
            "row 4",
            "file",
            "Hàng này không có tên tệp ghi âm (cột Tệp)",
            "this row has no recording file name (file column)",
        ),
        (
            "xa/interviews.csv",
            "row 5",
            "file",
            "Tên tệp 'C.MP3' ứng với nhiều tệp ghi âm (xa/b/c.mp3, xa/d/c.mp3): ghi cả thư mục, ví dụ b/c.mp3",
            "'C.MP3' matches several recordings (xa/b/c.mp3, xa/d/c.mp3): write the folder too, e.g. b/c.mp3",
        ),
    ]
    assert metadata.read_all(recordings, rels).keys() == set(rels)


def test_a_bare_file_name_matches_a_recording_in_a_sub_folder_when_unique(recordings):
    rels = touch(recordings, "xa/thon-dong/ong-a.mp3")
    (recordings / "interviews.csv").write_text(
        "file,witness,date,commune,province\nONG-A.mp3,A,1/2/2021,X,Y\n", encoding="utf-8"
    )
    found = metadata.read_all(recordings, rels)["xa/thon-dong/ong-a.mp3"]
    assert (found.source, found.problems, found.meta.witnesses) == ("interviews.csv", [], [PersonMeta("A")])


def test_a_file_named_from_recordings_is_matched_but_never_outside_the_spreadsheets_folder(recordings):
    rels = touch(recordings, "xa/a.mp3", "b.mp3")
    (recordings / "xa" / "interviews.csv").write_text(
        "file,witness,date,commune,province\nxa/a.mp3,A,1/2/2021,X,Y\nb.mp3,B,1/2/2021,X,Y\n", encoding="utf-8"
    )
    read = metadata.read_metadata(recordings, rels)
    assert read.recordings["xa/a.mp3"].meta.witnesses == [PersonMeta("A")]
    assert read.recordings["b.mp3"].source is None
    assert [p.message_en for p in read.spreadsheets["xa/interviews.csv"]] == [
        "there is no recording 'b.mp3' in recordings/xa: check the file name"
    ]


def test_a_recording_described_twice_in_one_spreadsheet(recordings):
    rels = touch(recordings, "a.mp3")
    (recordings / "interviews.csv").write_text(
        "file,witness,date,commune,province\na.mp3,A,1/2/2021,X,Y\n./a.mp3,B,1/2/2021,X,Y\n", encoding="utf-8"
    )
    found = metadata.read_all(recordings, rels)["a.mp3"]
    assert found.meta.witnesses == [PersonMeta("A")]
    assert pinned(found) == [
        (
            "row 3",
            "file",
            "Tệp ghi âm này được mô tả nhiều lần (interviews.csv row 2, interviews.csv row 3): chỉ giữ một hàng",
            "this recording is described more than once (interviews.csv row 2, interviews.csv row 3): keep one row",
        )
    ]


SHEET = "file,witness,date,commune,province\n{}\n"


def test_the_sidecar_beats_the_spreadsheet(recordings):
    rels = touch(recordings, "a.mp3")
    (recordings / "interviews.csv").write_text(SHEET.format("a.mp3,Từ bảng,1/2/2021,X,Y"), encoding="utf-8")
    (recordings / "a.yaml").write_text(BASE, encoding="utf-8")
    found = metadata.read_all(recordings, rels)["a.mp3"]
    assert (found.source, found.meta.witnesses[0].full_name) == ("a.yaml", "Nguyễn Văn A")


def test_the_nearest_spreadsheet_that_lists_the_recording_wins(recordings):
    rels = touch(recordings, "xa/thon/a.mp3", "xa/thon/b.mp3")
    (recordings / "interviews.csv").write_text(
        SHEET.format("xa/thon/a.mp3,Gốc A,1/2/2021,X,Y\nxa/thon/b.mp3,Gốc B,1/2/2021,X,Y"), encoding="utf-8"
    )
    (recordings / "xa" / "interviews.csv").write_text(SHEET.format("thon/a.mp3,Xã A,1/2/2021,X,Y"), encoding="utf-8")
    found = metadata.read_all(recordings, rels)
    assert (found["xa/thon/a.mp3"].source, found["xa/thon/a.mp3"].meta.witnesses[0].full_name) == (
        "xa/interviews.csv",
        "Xã A",
    )
    assert (found["xa/thon/b.mp3"].source, found["xa/thon/b.mp3"].meta.witnesses[0].full_name) == (
        "interviews.csv",
        "Gốc B",
    )


def test_an_unreadable_nearer_spreadsheet_stops_the_search(recordings):
    rels = touch(recordings, "xa/a.mp3")
    (recordings / "interviews.csv").write_text(SHEET.format("xa/a.mp3,A,1/2/2021,X,Y"), encoding="utf-8")
    shutil.copyfile(FIXTURES / "cp1258.csv", recordings / "xa" / "interviews.csv")
    found = metadata.read_all(recordings, rels)["xa/a.mp3"]
    assert (found.source, found.meta) == ("xa/interviews.csv", None)


def test_each_file_is_read_once(recordings, monkeypatch):
    rels = touch(recordings, "a.mp3", "b.mp3", "c.mp3", "c.wav", "xa/d.mp3")
    (recordings / "interviews.csv").write_text(
        SHEET.format("a.mp3,A,1/2/2021,X,Y\nb.mp3,B,1/2/2021,X,Y\nxa/d.mp3,D,1/2/2021,X,Y"), encoding="utf-8"
    )
    (recordings / "c.yaml").write_text(BASE, encoding="utf-8")  # describes c.mp3 and c.wav alike
    calls = []
    for name in ("read_sheet", "read_sidecar"):
        real = getattr(metadata, name)
        monkeypatch.setattr(metadata, name, lambda path, source, real=real: calls.append(source) or real(path, source))

    found = metadata.read_all(recordings, rels)

    assert sorted(calls) == ["c.yaml", "interviews.csv"]
    assert all(item.problems == [] for item in found.values())


# --- fingerprint ----------------------------------------------------------------------------------------


def test_the_fingerprint_follows_the_fields_not_the_comments_or_spaces(recordings):
    first = read_sidecar(recordings, BASE).fingerprint
    same = read_sidecar(recordings, "# ghi chú của nhóm\n" + BASE.replace("Lào Cai", "  Lào   Cai   # tỉnh"))
    changed = read_sidecar(recordings, BASE.replace("Lào Cai", "Yên Bái"))
    assert first and same.fingerprint == first
    assert changed.fingerprint != first
    assert metadata.fingerprint(None) == ""
