"""The archival exports against the schemas their readers use: every OHMS export against the OHMS 6.0 XSD (as the
Science History Institute keeps it), every TEI export against TEI P5 ``tei_all`` 4.3.0, with an index (English
``_alt`` too), a restricted interview and an absolute media address. Attribution: tests/fixtures/schemas/SOURCE.md.
"""

import pytest
from archive_data import build
from lxml import etree

from pipeline import database
from pipeline.database.public_records import IndexPoint
from pipeline.publishing import exports, transcript

SCHEMAS = __import__("pathlib").Path(__file__).parent / "fixtures" / "schemas"
OHMS = "{https://www.weareavp.com/nunncenter/ohms}"


@pytest.fixture(scope="module")
def transcripts(tmp_path_factory):
    db, _, ids = build(tmp_path_factory.mktemp("schemas"))
    one = database.interview(db, ids["one"])
    point = IndexPoint(0, one.id, 3.5, "Thành lập chi bộ", "Ông kể ngày thành lập.", "Đảng bộ Bắc Cường", ["chi bộ"])
    database.save_index_point(db, point, "Lan")
    plain = IndexPoint(0, one.id, 0, "Mở đầu", title_alt="Opening", keywords_alt=["cell"], subjects=["Đảng bộ"])
    database.save_index_point(db, plain, "Lan")
    db.conn.commit()
    return [transcript.load(db, ids["one"]), transcript.load(db, ids["two"])]


OPTIONS = [exports.ExportOptions(), exports.ExportOptions(media_url="https://luutru.example.vn/loike/")]


@pytest.fixture(scope="module")
def ohms_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "ohms.xsd")))


@pytest.mark.parametrize("options", OPTIONS, ids=["no-media", "media-url"])
def test_every_ohms_export_is_valid_against_the_ohms_6_schema(transcripts, ohms_schema, options):
    for t in transcripts:
        document = etree.fromstring(exports.render(t, "ohms", options))
        assert ohms_schema.validate(document), f"{t.code}: {ohms_schema.error_log}"


def test_the_real_ohms_files_are_valid_and_hold_every_element_the_export_writes(transcripts, ohms_schema):
    real = set()
    for name in ("ohms-sample-vtt.xml", "ohms-sample-legacy.xml"):
        sample = etree.parse(str(SCHEMAS / name))
        assert ohms_schema.validate(sample), name
        real |= {element.tag for element in sample.iter()}
    ours = {element.tag for element in etree.fromstring(exports.render(transcripts[0], "ohms")).iter()}
    # The record's own subjects and keywords are in the schema though neither sample has any.
    assert ours <= real | {f"{OHMS}subject", f"{OHMS}keyword"}, ours - real
    record = etree.fromstring(exports.render(transcripts[1], "ohms")).find(f"{OHMS}record")
    assert record.findtext(f"{OHMS}userestrict") == "1" and record.findtext(f"{OHMS}translate") == "0"


@pytest.mark.slow  # tei_all.rng is a megabyte of RELAX NG: libxml2 takes ~9 s to compile it
@pytest.mark.parametrize("options", OPTIONS, ids=["no-media", "media-url"])
def test_every_tei_export_is_valid_against_tei_all(transcripts, options, tei_schema):
    for t in transcripts:
        document = etree.fromstring(exports.render(t, "tei", options))
        assert tei_schema.validate(document), f"{t.code}: {tei_schema.error_log}"


@pytest.fixture(scope="module")
def tei_schema():
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "tei_all.rng")))


@pytest.mark.slow
def test_a_gap_of_speech_not_written_is_valid_tei_and_ohms(tmp_path, tei_schema, ohms_schema):
    """A segment standing for speech heard and not written: TEI's <gap reason="untranscribed"> in its <u>."""
    from pipeline.database.heard import MachineSegment
    from pipeline.settings import Archive

    db = database.open_database(Archive(tmp_path).database)
    recording = database.add_recording(db, "c" * 64, "qua-dien-thoai.wav", 1, "qua điện thoại")
    gap = MachineSegment(0.0, 3.5, "", None, None, None, speaker="S1", speech_fraction=1.0, flags=["unwritten_speech"])
    run = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 4}
    database.save_transcript(db, recording, [gap], run)
    t = transcript.load(db, database.interview_for(db, recording).code)

    tei = etree.fromstring(exports.render(t, "tei"))
    assert tei_schema.validate(tei), tei_schema.error_log
    assert tei.find(".//{http://www.tei-c.org/ns/1.0}gap").get("reason") == "untranscribed"
    ohms = etree.fromstring(exports.render(t, "ohms"))
    assert ohms_schema.validate(ohms), ohms_schema.error_log


def test_an_interview_nobody_is_named_in_is_valid_tei(tmp_path, tei_schema):
    """No speaker label, no witness, no person tagged: no <particDesc> at all, as TEI allows no empty <listPerson>."""
    from pipeline.database.heard import MachineSegment
    from pipeline.settings import Archive

    db = database.open_database(Archive(tmp_path).database)
    recording = database.add_recording(db, "d" * 64, "khong-ten.wav", 1, "không tên")
    said = MachineSegment(0.0, 2.0, "Hồi đó làng tôi nghèo lắm", None, None, None)
    run = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 2}
    database.save_transcript(db, recording, [said], run)
    t = transcript.load(db, database.interview_for(db, recording).code)

    tei = etree.fromstring(exports.render(t, "tei"))
    assert tei_schema.validate(tei), tei_schema.error_log
    assert tei.find(".//{http://www.tei-c.org/ns/1.0}particDesc") is None
