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
