"""Search finds the points of the editors' index (title, synopsis, keywords, subjects, first words heard), tones
optional, as hits of their own with the interview and the time, within the same filters and consent as passages."""

import json

import pytest
from archive_data import build
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.catalogue import search
from pipeline.catalogue.search import SearchFilters
from pipeline.database.public_records import IndexPoint, Redaction

FOUNDING = IndexPoint(
    0,
    0,
    3.5,
    "Thành lập Đảng bộ Bắc Cường",
    "Ông A kể ngày chi bộ ra đời.",
    "Hồi ấy chúng tôi họp ở đình",
    ["mít tinh"],
    ["Cách mạng tháng Tám"],
    title_alt="Founding of the Party committee",
)
HOSTILE = IndexPoint(0, 0, 9.0, 'Ông nói <script>alert("x")</script>', keywords=['"cười" OR * AND (NOT'])


@pytest.fixture
def data(tmp_path):
    db, archive, ids = build(tmp_path)
    one, two = (database.interview(db, ids[key]).id for key in ("one", "two"))
    points = {
        "founding": database.save_index_point(db, _at(FOUNDING, one), "Lan"),
        "hostile": database.save_index_point(db, _at(HOSTILE, one), "Lan"),
        "fields": database.save_index_point(
            db, IndexPoint(0, two, 1.0, "Góp ruộng", "Bà kể chuyện vào hợp tác xã.", keywords=["hợp tác hóa"]), "Lan"
        ),
    }
    return db, archive, ids | {"points": points, "one_id": one}


def _at(point: IndexPoint, interview_id: int) -> IndexPoint:
    return IndexPoint(**{**{k: getattr(point, k) for k in point.__slots__}, "interview_id": interview_id})


def points(db, query: str, **filters) -> list[int | None]:
    return [h.index_point_id for h in search.search(db, query, SearchFilters(**filters)) if h.kind == "index_point"]


@pytest.mark.parametrize(
    "query",
    [
        "dang bo",  # the title, without tones
        "Đảng bộ Bắc Cường",
        "ra doi",  # the synopsis
        "mit tinh",  # a keyword
        "cach mang thang tam",  # a subject
        "hop o dinh",  # the first words heard
        "founding committee",  # the English title
        "dang bo mit tinh",  # words from the title and a keyword together
        "thanh lap dang*",  # a prefix
        '"Đảng bộ"',  # quoted: with its tones
    ],
)
def test_a_point_is_found_by_each_of_its_fields_without_tones(data, query):
    db, _, ids = data
    assert points(db, query) == [ids["points"]["founding"]]


@pytest.mark.parametrize("query", ['"đang bỏ"', "dang bo xyzzy", "dan", '"bộ Đảng"'])
def test_a_point_needs_every_word_and_a_quoted_phrase_as_written(data, query):
    assert points(data[0], query) == []


def test_a_point_is_a_hit_of_its_own_with_the_interview_and_the_time(data):
    db, _, ids = data
    hits = search.search(db, "dang bo")
    [point] = [h for h in hits if h.kind == "index_point"]
    assert (point.interview_code, point.start, point.segment_id, point.text) == (
        ids["one"],
        3.5,
        None,
        "Thành lập Đảng bộ Bắc Cường",
    )
    assert point.snippet.startswith("Thành lập ⟦Đảng⟧ ⟦bộ⟧ Bắc Cường — Ông A kể")
    assert "<mark>Đảng</mark>" in point.snippet_html
    # after the interviews found through their metadata, before the passages
    kinds = [h.kind for h in hits]
    assert kinds == sorted(kinds, key=["interview", "index_point", "passage"].index) and "passage" in kinds
    paged = [search.search(db, "dang bo", SearchFilters(limit=1, offset=n))[0] for n in range(len(hits))]
    assert [(h.kind, h.segment_id, h.index_point_id) for h in paged] == [
        (h.kind, h.segment_id, h.index_point_id) for h in hits
    ]


def test_a_point_found_by_its_title_comes_before_one_found_by_its_synopsis(data):
    db, _, ids = data
    database.save_index_point(db, IndexPoint(0, ids["one_id"], 6.0, "Mít tinh", "Nói về Đảng bộ."), "Lan")
    found = search.search(db, "dang bo")
    assert [h.text for h in found if h.kind == "index_point"] == ["Thành lập Đảng bộ Bắc Cường", "Mít tinh"]


def test_consent_and_filters_hold_for_points_as_for_passages(data):
    db, _, ids = data
    assert points(db, "hop tac") == [ids["points"]["fields"]]
    [hit] = [h for h in search.search(db, "hop tac hoa") if h.kind == "index_point"]
    assert hit.consent_status == "restricted"
    assert points(db, "hop tac", include_restricted=False) == []  # as its passages are left out
    assert {h.interview_code for h in search.search(db, "hop tac", SearchFilters(include_restricted=False))} == {
        ids["one"]
    }
    assert points(db, "dang bo", reviewed_only=True) == []  # an index point is not a verified passage
    assert points(db, "dang bo", event="Hợp tác hóa nông nghiệp") == []
    assert points(db, "dang bo", commune="Bắc Cường", index=False) == []
    assert points(db, "dang bo", commune="Bắc Cường") == [ids["points"]["founding"]]


def test_a_point_inside_a_closed_passage_is_found_by_editors_as_the_passage_is(data):
    db, _, ids = data
    database.add_redaction(db, Redaction(0, ids["one_id"], 0.0, 12.0, "Người kể xin giữ kín", "2099-12-31", "Lan", ""))
    found = search.search(db, "dang bo")
    assert {h.kind for h in found} >= {"index_point", "passage"}, "the archive copy keeps everything"


def test_markup_and_search_syntax_in_a_point_or_a_query_are_text(data):
    db, _, ids = data
    assert points(db, 'script alert "x"') == [ids["points"]["hostile"]]
    assert points(db, "cuoi OR * AND ( NOT") == [ids["points"]["hostile"]]
    [hit] = [h for h in search.search(db, "script") if h.kind == "index_point"]
    assert "<script>" not in hit.snippet_html and "&lt;<mark>script</mark>&gt;" in hit.snippet_html
    assert search.search(db, '" * ( :') == []


def test_loike_search_shows_points_with_the_interview_and_the_time(data):
    db, archive, ids = data
    runner = CliRunner()

    def loike(*args):
        return runner.invoke(cli.cli, ["--root", str(archive.root), *args])

    found = loike("search", "dang", "bo")
    assert found.exit_code == 0
    assert f"{ids['one']} 00:04 [index point] Thành lập Đảng bộ Bắc Cường — Ông A kể" in found.output
    restricted = loike("search", "gop", "ruong").output
    assert f"{ids['two']} 00:01 [index point] [not for publication: restricted] Góp ruộng" in restricted
    hits = json.loads(loike("search", "mit", "tinh", "--json").output)
    assert [(h["kind"], h["index_point_id"], h["start"]) for h in hits] == [
        ("index_point", ids["points"]["founding"], 3.5)
    ]


def test_points_placed_before_m017_are_folded_when_the_archive_is_opened(data):
    db, archive, ids = data
    saved = db.execute("SELECT id, search_folded FROM index_points ORDER BY id").fetchall()
    db.execute("ALTER TABLE index_points DROP COLUMN search_folded")  # as the archive was before m017
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm017_index_points_folded'")
    db.conn.commit()
    db.close()
    again = database.open_database(archive.database)
    assert "m017_index_points_folded" in {row["name"] for row in again["_sqlite_migrations"].rows}
    [folded] = again.execute("SELECT search_folded FROM index_points WHERE id = ?", [ids["points"]["founding"]])
    assert folded[0] == (
        "thanh lap dang bo bac cuong ong a ke ngay chi bo ra doi. hoi ay chung toi hop o dinh "
        "founding of the party committee mit tinh cach mang thang tam"
    )
    assert again.execute("SELECT id, search_folded FROM index_points ORDER BY id").fetchall() == saved
    assert points(again, "dang bo mit tinh") == [ids["points"]["founding"]]
