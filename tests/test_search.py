import hashlib
import json
import re
import unicodedata

import pytest

from pipeline import database
from pipeline.catalogue import search
from pipeline.catalogue.search import SearchFilters
from pipeline.database import search_index
from pipeline.database.heard import MachineSegment
from pipeline.errors import LoikeError, NotFound
from pipeline.text import fold

RUN = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 3.0}
FILLER = [
    "hôm ấy trời mưa to lắm",
    "bà con ra đồng từ sáng sớm",
    "chúng tôi ăn cơm độn khoai",
    "cái giếng làng ở đầu xóm",
    "mẹ tôi dệt vải bán ở chợ",
    "anh em trong nhà đều đi học",
]


@pytest.fixture
def db(tmp_path):
    return database.open_database(tmp_path / "loike.db")


def interview(db, name: str, texts: list[str], speakers: list[str] | None = None, **metadata) -> tuple[int, list[int]]:
    """A transcribed interview holding ``texts`` (one segment each); returns its id and the segment ids."""
    recording = database.add_recording(db, hashlib.sha256(name.encode()).hexdigest(), f"{name}.wav", 1, name)
    segments = [
        MachineSegment(i, i + 1.0, text, -0.2, 0.01, 1.2, speaker=(speakers or [None] * len(texts))[i])
        for i, text in enumerate(texts)
    ]
    database.save_transcript(db, recording, segments, RUN)
    interview_id = database.interview_id_of(db, recording)
    if "search_text" in metadata:
        metadata["search_folded"] = fold(metadata["search_text"])
    if metadata:
        db["interviews"].update(interview_id, metadata)
    ids = [r[0] for r in db.execute("SELECT id FROM segments WHERE interview_id = ? ORDER BY idx", [interview_id])]
    return interview_id, ids


def texts(hits) -> list[str]:
    return [hit.text for hit in hits]


PARTY = "Đảng bộ Bắc Cường lãnh đạo nhân dân"
LEAVING = "hôm đó tôi đang bỏ ruộng đi"


@pytest.fixture
def party(db):
    interview(db, "a", [PARTY, LEAVING, *FILLER])
    return db


@pytest.mark.parametrize(
    "query",
    [
        "dang bo bac cuong",
        "Đảng bộ Bắc Cường",
        unicodedata.normalize("NFD", "Đảng bộ Bắc Cường"),
        "ĐẢNG BỘ BẮC CƯỜNG",
        "  đảng   bộ, bắc-cường ",
    ],
)
def test_tones_marks_case_and_spelling_do_not_matter(party, query):
    assert texts(search.search(party, query)) == [PARTY]


def test_unquoted_words_match_with_or_without_tones(party):
    assert set(texts(search.search(party, "dang bo"))) == {PARTY, LEAVING}
    assert set(texts(search.search(party, "đảng bộ"))) == {PARTY, LEAVING}
    assert set(texts(search.search(party, "ĐANG"))) == {PARTY, LEAVING}  # Đ and đ fold to d


def test_quoted_words_match_tones_and_marks_exactly(party):
    assert texts(search.search(party, '"Đảng bộ"')) == [PARTY]
    assert texts(search.search(party, '"đảng bộ"')) == [PARTY]  # case still does not matter
    assert texts(search.search(party, '"đang bỏ"')) == [LEAVING]
    assert texts(search.search(party, '"dang bo"')) == []
    assert texts(search.search(party, '"Đảng bộ" cuong')) == [PARTY]
    assert texts(search.search(party, "đảng bộ", exact=True)) == [PARTY]


def test_a_quoted_phrase_must_be_adjacent(db):
    interview(db, "a", ["bộ đội về làng đảng viên", "Đảng bộ huyện", *FILLER])
    assert texts(search.search(db, '"đảng bộ"')) == ["Đảng bộ huyện"]


def test_a_star_makes_a_prefix(party):
    assert texts(search.search(party, "bac cuo*")) == [PARTY]
    assert texts(search.search(party, '"Bắc Cườ*"')) == [PARTY]
    assert texts(search.search(party, "bac cuo")) == []


def test_words_side_by_side_rank_above_words_apart(db):
    together, apart = "năm ấy nạn đói kéo dài ở làng", "nạn lụt xong thì cả làng đói"
    interview(db, "a", [apart, together, *FILLER])
    hits = search.search(db, "nan doi")
    assert texts(hits) == [together, apart]
    assert hits[0].score > hits[1].score


def test_side_by_side_means_whole_words_and_allows_punctuation_after(db):
    interview(db, "a", ["tiền của vàng và bạc", "cả nhà của và", *FILLER])
    assert texts(search.search(db, "cua va")) == ["cả nhà của và", "tiền của vàng và bạc"]
    hits = search.search(db, "cua van*")  # a prefix may end inside a word
    assert texts(hits) == ["tiền của vàng và bạc"] and hits[0].score > search_index.ADJACENT_BONUS


def test_a_query_too_broad_to_rank_comes_newest_first(db, monkeypatch):
    monkeypatch.setattr(search_index, "RANK_AT_MOST", 3)
    interview(db, "a", ["nạn đói", "đói rồi nạn", "nạn lụt đói", "nạn đói năm ấy", "đói nạn", *FILLER])
    hits = search.search(db, "nan doi")
    assert texts(hits) == ["nạn đói năm ấy", "đói nạn", "nạn lụt đói"]  # the newest 3, side by side first
    assert [h.score for h in hits] == [search_index.ADJACENT_BONUS, 0, 0]
    monkeypatch.setattr(search_index, "RANK_AT_MOST", 5)
    assert texts(search.search(db, "nan doi"))[:2] == ["nạn đói", "nạn đói năm ấy"]  # ranked: shortest first


def test_more_mentions_rank_higher(db):
    twice, once = "hợp tác xã rồi lại hợp tác xã", "hợp tác xã thành lập năm ấy"
    interview(db, "a", [once, twice, *FILLER])
    assert texts(search.search(db, "hop tac xa")) == [twice, once]


def test_every_word_must_match(party):
    assert texts(search.search(party, "dang bo ruong")) == [LEAVING]
    assert texts(search.search(party, "dang bo ruong cuong")) == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'a"b',
        "OR",
        "NOT",
        "dang OR bo",
        "NOT dang",
        "-",
        "-dang",
        "*",
        "dang*bo",
        ":",
        "text:dang",
        "text_folded : dang",
        "(",
        "(dang",
        "dang)",
        "'",
        "l'dang",
        "",
        "   ",
        "NEAR(dang bo)",
        "^dang",
        "dang + bo",
        '""',
        '"""',
        "{text} : dang",
        "AND",
        "\x00",
        "đ̉",
    ],
)
def test_hostile_queries_do_not_raise(party, query):
    assert isinstance(search.search(party, query), list)
    assert isinstance(search.search(party, query, exact=True), list)


def test_syntax_words_are_plain_words(db):
    interview(db, "a", ["he said NOT now or never", *FILLER])
    assert len(search.search(db, "not now or")) == 1
    assert texts(search.search(db, "-never")) == ["he said NOT now or never"]


def test_an_empty_query_finds_nothing(party):
    assert search.search(party, "") == []
    assert search.search(party, " .,; ") == []


def test_snippets_mark_the_words_in_their_own_spelling(party):
    [hit] = search.search(party, "dang bo bac cuong")
    assert hit.snippet == "⟦Đảng⟧ ⟦bộ⟧ ⟦Bắc⟧ ⟦Cường⟧ lãnh đạo nhân dân"
    assert hit.snippet_html == "<mark>Đảng</mark> <mark>bộ</mark> <mark>Bắc</mark> <mark>Cường</mark> lãnh đạo nhân dân"
    [hit] = search.search(party, '"đang bỏ"')
    assert hit.snippet == "hôm đó tôi ⟦đang⟧ ⟦bỏ⟧ ruộng đi"


def test_the_html_snippet_escapes_the_text_before_marking_it(db):
    interview(db, "a", ['Ông <script>alert("x")</script> & Đảng bộ', *FILLER])
    [hit] = search.search(db, "dang bo")
    assert "<script>" not in hit.snippet_html
    assert hit.snippet_html == (
        "Ông &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>Đảng</mark> <mark>bộ</mark>"
    )
    assert hit.snippet == 'Ông <script>alert("x")</script> & ⟦Đảng⟧ ⟦bộ⟧'
    [hit] = search.search(db, "script")
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet_html and "<script" not in hit.snippet_html


def test_a_long_passage_is_cut_around_the_first_match(db):
    words = [f"từ{n}" for n in range(100)]
    words[40] = "Cường"
    interview(db, "a", [" ".join(words), *FILLER])
    [hit] = search.search(db, "cuong")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert hit.snippet.split()[:11] == ["…từ30", *[f"từ{n}" for n in range(31, 40)], "⟦Cường⟧"]
    assert hit.snippet.split()[-1] == "từ69…"
    assert hit.text == " ".join(words)


def test_hits_carry_where_and_who(db):
    interview_id, [segment_id, *_] = interview(
        db,
        "a",
        [PARTY, *FILLER],
        speakers=["SPEAKER_1"] + [None] * len(FILLER),
        date="1995-04-30",
        consent_status="restricted",
    )
    person = db["people"].insert({"full_name": "Nguyễn Văn Cường", "name_folded": "nguyen van cuong"}).last_pk
    [hit] = search.search(db, "bac cuong")
    assert hit.speaker == "SPEAKER_1"
    db["speakers"].insert({"interview_id": interview_id, "label": "SPEAKER_1", "person_id": person})
    [hit] = search.search(db, "bac cuong")
    assert (hit.interview_id, hit.segment_id, hit.start, hit.end) == (interview_id, segment_id, 0, 1.0)
    assert (hit.speaker, hit.consent_status, hit.date, hit.interview_title) == (
        "Nguyễn Văn Cường",
        "restricted",
        "1995-04-30",
        "a",
    )
    assert hit.interview_code.startswith("LK-")


@pytest.fixture(params=[0.0, 1.0], ids=["joined", "narrowed"])
def archive(db, request, monkeypatch):
    """Two interviews that both talk about the fields ("ruộng"), with everything a filter can look at.

    Each test runs twice: filters checked on the joined rows only, and checked first on the rowids.
    """
    monkeypatch.setattr(search_index, "NARROW_AT_MOST", request.param)
    province = db["places"].insert({"name": "Thái Nguyên", "name_folded": "thai nguyen", "kind": "province"}).last_pk
    district = (
        db["places"]
        .insert({"name": "Đại Từ", "name_folded": "dai tu", "kind": "district", "parent_id": province})
        .last_pk
    )
    commune = (
        db["places"]
        .insert(
            {
                "name": "Bắc Cường",
                "name_folded": "bac cuong",
                "kind": "commune",
                "parent_id": district,
                "former_names": '["Hợp Thành"]',
            }
        )
        .last_pk
    )
    hamlet = (
        db["places"]
        .insert({"name": "Xóm Đồng", "name_folded": "xom dong", "kind": "place", "parent_id": commune})
        .last_pk
    )
    elsewhere = db["places"].insert({"name": "Hà Nội", "name_folded": "ha noi", "kind": "province"}).last_pk
    first, (a1, a2, *_) = interview(
        db,
        "first",
        ["ruộng của hợp tác xã", "ruộng chia cho dân", *FILLER],
        speakers=["S1", "S2"] + [None] * len(FILLER),
        date="1995-04-30",
        place_id=hamlet,
        consent_status="allowed",
    )
    second, (b1, b2, *_) = interview(
        db,
        "second",
        ["ruộng bị bỏ hoang", "ruộng lúa chiêm", *FILLER],
        date="2001-12-01",
        place_id=elsewhere,
        consent_status="restricted",
    )
    lan = db["people"].insert({"full_name": "Trần Thị Lan", "name_folded": "tran thi lan"}).last_pk
    cuong = db["people"].insert({"full_name": "Nguyễn Văn Cường", "name_folded": "nguyen van cuong"}).last_pk
    db["interview_people"].insert({"interview_id": second, "person_id": lan, "role": "witness"})
    db["segment_people"].insert({"segment_id": a2, "person_id": cuong})
    famine = (
        db["events"]
        .insert({"name": "Nạn đói 1945", "name_folded": "nan doi 1945", "aliases": '["Nạn đói Ất Dậu"]'})
        .last_pk
    )
    reform = db["events"].insert({"name": "Cải cách ruộng đất", "name_folded": "cai cach ruong dat"}).last_pk
    db["segment_events"].insert({"segment_id": a1, "event_id": famine})
    db["interview_events"].insert({"interview_id": second, "event_id": reform})
    db["segment_places"].insert({"segment_id": b1, "place_id": district})
    db.execute("UPDATE segments SET review_status = 'verified' WHERE id = ?", [b2])
    db.execute("UPDATE segments SET review_status = 'edited' WHERE id = ?", [a1])
    return db, {
        "a1": a1,
        "a2": a2,
        "b1": b1,
        "b2": b2,
        "lan": lan,
        "cuong": cuong,
        "commune": commune,
        "famine": famine,
    }


def found(db, **filters) -> set[int]:
    return {hit.segment_id for hit in search.search(db, "ruong", SearchFilters(**filters))}


def test_no_filter_finds_all(archive):
    db, ids = archive
    assert found(db) == {ids["a1"], ids["a2"], ids["b1"], ids["b2"]}


def test_person_filter_follows_segment_tags_interview_people_and_speakers(archive):
    db, ids = archive
    assert found(db, person="Nguyễn Văn Cường") == {ids["a2"]}  # tagged on the passage
    assert found(db, person="nguyen van cuong") == found(db, person=ids["cuong"]) == {ids["a2"]}
    assert found(db, person="tran thi lan") == {ids["b1"], ids["b2"]}  # named in the interview
    assert found(db, person="Lan") == {ids["b1"], ids["b2"]}  # a given name alone, when nobody is called just that
    db["speakers"].insert(
        {"interview_id": db["segments"].get(ids["a1"])["interview_id"], "label": "S1", "person_id": ids["lan"]}
    )
    assert found(db, person=str(ids["lan"])) == {ids["a1"], ids["b1"], ids["b2"]}  # the speaker of a1


def test_person_filter_finds_a_merged_record(archive):
    db, ids = archive
    old = (
        db["people"]
        .insert({"full_name": "Nguyễn V. Cường", "name_folded": "nguyen v cuong", "merged_into": ids["cuong"]})
        .last_pk
    )
    assert found(db, person=old) == {ids["a2"]}


def test_event_filter_follows_segment_tags_interview_events_and_aliases(archive):
    db, ids = archive
    assert found(db, event="nạn đói 1945") == {ids["a1"]}
    assert found(db, event="nan doi at dau") == {ids["a1"]}
    assert found(db, event=ids["famine"]) == {ids["a1"]}
    assert found(db, event="Cải cách ruộng đất") == {ids["b1"], ids["b2"]}


def test_place_filter_takes_in_the_places_under_it(archive):
    db, ids = archive
    assert found(db, place="Thái Nguyên") == {ids["a1"], ids["a2"], ids["b1"]}  # a's hamlet, b1's district tag
    assert found(db, place="dai tu") == {ids["a1"], ids["a2"], ids["b1"]}
    assert found(db, place="xóm đồng") == {ids["a1"], ids["a2"]}
    assert found(db, place="Hà Nội") == {ids["b1"], ids["b2"]}


def test_commune_filter_is_where_the_interview_was_held(archive):
    db, ids = archive
    assert found(db, commune="Bắc Cường") == {ids["a1"], ids["a2"]}
    assert found(db, commune="xã Bắc Cường") == found(db, commune="hop thanh") == {ids["a1"], ids["a2"]}
    assert found(db, commune=ids["commune"]) == {ids["a1"], ids["a2"]}
    with pytest.raises(NotFound, match="No commune called “Đại Từ”"):
        found(db, commune="Đại Từ")  # a district, not a commune


def test_date_filters_accept_what_people_write(archive):
    db, ids = archive
    a, b = {ids["a1"], ids["a2"]}, {ids["b1"], ids["b2"]}
    assert found(db, date_from="01/01/2000") == b
    assert found(db, date_to="30/04/1995") == a
    assert found(db, date_to="1995-04-29") == set()
    assert found(db, date_from="1995", date_to="1995") == a
    assert found(db, date_from="4/1995", date_to="12/2001") == a | b
    assert found(db, date_to="2001-11") == a


def test_reviewed_only_means_verified(archive):
    db, ids = archive
    assert found(db, reviewed_only=True) == {ids["b2"]}


def test_restricted_interviews_are_found_and_marked_unless_left_out(archive):
    db, ids = archive
    hits = search.search(db, "ruong")
    assert {h.consent_status for h in hits} == {"allowed", "restricted"}
    assert found(db, include_restricted=False) == {ids["a1"], ids["a2"]}
    db.execute(
        "UPDATE interviews SET consent_status = 'embargoed', consent_until = '2000-01-01' "
        "WHERE consent_status = 'restricted'"
    )  # an embargo that has ended
    assert found(db, include_restricted=False) == {ids["a1"], ids["a2"], ids["b1"], ids["b2"]}


def test_a_broad_filtered_query_keeps_the_newest_passages_that_pass(archive, monkeypatch):
    db, ids = archive
    monkeypatch.setattr(search_index, "RANK_AT_MOST", 1)
    assert found(db, place="Hà Nội") == {ids["b2"]}
    assert found(db, person="Nguyễn Văn Cường") == {ids["a2"]}
    assert found(db, reviewed_only=True) == {ids["b2"]}


def test_filters_combine(archive):
    db, ids = archive
    assert found(db, place="Thái Nguyên", date_from="2000") == {ids["b1"]}
    assert found(db, person="lan", reviewed_only=True) == {ids["b2"]}


def test_unknown_names_and_bad_dates_say_what_to_do(archive):
    db, _ = archive
    with pytest.raises(NotFound, match=r"No person called “Ai Đó” in the archive: `loike people` lists"):
        found(db, person="Ai Đó")
    with pytest.raises(NotFound, match="No person called “999”"):
        found(db, person=999)
    with pytest.raises(NotFound, match="No event called “Chiến dịch X”"):
        found(db, event="Chiến dịch X")
    with pytest.raises(NotFound, match="No place called “Mars”"):
        found(db, place="Mars")
    for bad in ("31/02/1995", "yesterday", "1995-13", "30.04.1975", "95"):
        with pytest.raises(LoikeError, match=f"“{bad}” is not a date: write it as dd/mm/yyyy, e.g. 30/04/1975."):
            found(db, date_from=bad)


def test_an_interview_found_through_its_metadata_alone_comes_first(db):
    meta = "Nguyễn Văn Cường · xã Bắc Cường · Cải cách ruộng đất"
    interview_id, _ = interview(db, "a", ["hồi ấy khổ lắm", *FILLER], search_text=meta, consent_status="allowed")
    interview(db, "b", ["chuyện cải cách ruộng đất", *FILLER])
    hits = search.search(db, "cai cach ruong")
    assert [(h.interview_id, h.segment_id, h.start, h.end, h.speaker) for h in hits[:1]] == [
        (interview_id, None, None, None, None)
    ]
    assert hits[0].snippet == "Nguyễn Văn Cường · xã Bắc Cường · ⟦Cải⟧ ⟦cách⟧ ⟦ruộng⟧ đất"
    assert (hits[0].text, hits[0].consent_status, hits[0].interview_title) == (meta, "allowed", "a")
    assert texts(hits[1:]) == ["chuyện cải cách ruộng đất"]
    assert [h.segment_id for h in search.search(db, "nguyen van cuong")] == [None]
    assert search.search(db, "nguyen van cuong", SearchFilters(interviews=False)) == []
    assert search.search(db, "nguyen van cuong", SearchFilters(reviewed_only=True)) == []


def test_an_interview_whose_passages_match_is_not_listed_again(db):
    interview(db, "a", ["cải cách xong thì chia ruộng", *FILLER], search_text="Cải cách ruộng đất")
    assert [h.segment_id is None for h in search.search(db, "cai cach")] == [False]
    assert [h.segment_id is None for h in search.search(db, "cai cach dat")] == [True]  # "đất" is not said


def test_interview_hits_follow_the_filters(archive):
    db, ids = archive
    db.execute("UPDATE interviews SET search_text = 'Bà Lan kể chuyện', search_folded = 'ba lan ke chuyen'")
    assert {h.interview_code for h in search.search(db, "ke chuyen")} == {
        r[0] for r in db.execute("SELECT code FROM interviews")
    }
    [hit] = search.search(db, "ke chuyen", SearchFilters(person="Trần Thị Lan"))
    assert hit.interview_title == "second"
    [hit] = search.search(db, "ke chuyen", SearchFilters(date_to="1999"))
    assert hit.interview_title == "first"
    assert search.search(db, "ke chuyen", SearchFilters(event="nạn đói 1945")) == []


def test_limit_and_offset_page_through_interviews_then_passages(db):
    interview(db, "a", ["hồi ấy khổ lắm", *FILLER], search_text="Cải cách ruộng đất")
    interview(db, "b", ["chuyện cải cách ruộng đất", *FILLER])
    everything = search.search(db, "cai cach", SearchFilters(limit=10))
    assert [h.segment_id is None for h in everything] == [True, False]
    pages = [search.search(db, "cai cach", SearchFilters(limit=1, offset=n)) for n in range(3)]
    assert [h for page in pages for h in page] == everything
    assert search.search(db, "cai cach", SearchFilters(limit=0)) == []


def test_many_hits_are_cut_to_the_limit_best_first(db):
    interview(db, "a", [f"ruộng số {n}" + " lúa" * (n % 7) for n in range(60)] + FILLER)
    hits = search.search(db, "ruong", SearchFilters(limit=25))
    assert len(hits) == 25
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    rest = search.search(db, "ruong", SearchFilters(limit=100, offset=25))
    assert len(rest) == 35 and not {h.segment_id for h in hits} & {h.segment_id for h in rest}


def test_an_edit_is_found_as_soon_as_it_is_saved(party):
    segment_id = party.execute("SELECT id FROM segments WHERE text = ?", [LEAVING]).fetchone()[0]
    edited = "hôm đó tôi đang bỏ ruộng đi Thái Nguyên"
    with party.atomic():
        party.execute("UPDATE segments SET text = ?, text_folded = ? WHERE id = ?", [edited, fold(edited), segment_id])
    assert texts(search.search(party, "thai nguyen")) == [edited]
    assert texts(search.search(party, "dang bo ruong")) == [edited]


def test_reindex_refolds_text_changed_behind_the_index(party):
    segment_id = party.execute("SELECT id FROM segments WHERE text = ?", [LEAVING]).fetchone()[0]
    party.execute("UPDATE segments SET text = 'Hợp tác xã Đồng Tâm' WHERE id = ?", [segment_id])
    assert search.search(party, "dong tam") == []  # text_folded is stale
    assert database.reindex(party) == 2 + len(FILLER)
    assert texts(search.search(party, "dong tam")) == ["Hợp tác xã Đồng Tâm"]
    assert texts(search.search(party, "dang bo")) == [PARTY]
    assert (
        party.execute("SELECT text_folded FROM segments WHERE id = ?", [segment_id]).fetchone()[0]
        == "hop tac xa dong tam"
    )


def test_reindex_refolds_interview_metadata(db):
    interview_id, _ = interview(db, "a", FILLER, search_text="Cải cách ruộng đất")
    db.execute("UPDATE interviews SET search_text = 'Nạn đói Ất Dậu' WHERE id = ?", [interview_id])
    assert search.search(db, "nan doi") == []
    database.reindex(db)
    assert [h.interview_id for h in search.search(db, "nan doi at dau")] == [interview_id]


def test_parse_reads_quotes_prefixes_and_runs():
    Part = search.Part
    assert search.parse('Đảng bộ "Bắc Cường" xóm*') == [
        Part(("dang", "bo"), False, False),
        Part(("bắc", "cường"), True, True),
        Part(("xom",), False, False, True),
    ]
    assert search.parse("đảng bộ", exact=True) == [Part(("đảng", "bộ"), True, False)]
    assert search.match_expression(search.parse('ba "x"" y'), "f", "e") == 'f : "ba" AND e : "x" AND f : "y"'


def test_a_prefix_under_three_letters_is_read_as_a_word():
    assert search.parse("ch* cuo*") == [search.Part(("ch", "cuo"), False, False, True)]
    assert search.parse('"ch*"') == [search.Part(("ch",), True, True, False)]


def test_loike_search_marks_every_hit_that_may_not_be_published_unknown_consent_too(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    db = database.open_database(tmp_path / "transcripts" / "loike.db")
    for name, consent, until in [
        ("chua-ro", None, None),
        ("han-che", "restricted", None),
        ("cho-den", "embargoed", "2040-01-01"),
        ("da-het-han", "embargoed", "2001-01-01"),
        ("duoc", "allowed", None),
    ]:
        interview(db, name, [f"{PARTY} ({name})", *FILLER], consent_status=consent, consent_until=until)
    loike = lambda *args, lang="en": CliRunner().invoke(  # noqa: E731
        cli, ["--lang", lang, "--root", str(tmp_path), "search", *args]
    )

    lines = loike("bac cuong").output.splitlines()
    hits = json.loads(loike("bac cuong", "--json").output)

    publishable = {re.search(r"\((\S+)\)", hit["text"]).group(1): hit["publishable"] for hit in hits}
    assert publishable == {"chua-ro": False, "han-che": False, "cho-den": False, "da-het-han": True, "duoc": True}
    marks = {re.search(r"\((\S+)\)", line).group(1): re.findall(r" \[(not for [^]]+)\]", line) for line in lines}
    assert marks == {
        "chua-ro": ["not for publication: consent unknown"],
        "han-che": ["not for publication: restricted"],
        "cho-den": ["not for publication: embargoed until 01/01/2040"],
        "da-het-han": [],
        "duoc": [],
    }
    vietnamese = loike("bac cuong", lang="vi").output.splitlines()
    marks = {re.search(r"\((\S+)\)", line).group(1): re.findall(r" \[(không [^]]+)\]", line) for line in vietnamese}
    assert marks == {
        "chua-ro": ["không công bố: chưa rõ quyền công bố"],
        "han-che": ["không công bố: hạn chế công bố"],
        "cho-den": ["không công bố: chưa được công bố đến 01/01/2040"],
        "da-het-han": [],
        "duoc": [],
    }
