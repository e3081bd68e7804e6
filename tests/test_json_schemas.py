"""The JSON exports keep to the schemas published in docs/schemas/ (JSON Schema 2020-12): the transcript of each
interview (with an index, a restricted one too) and the quotes, as `loike export` and `loike quotes export` write
them."""

import json
from pathlib import Path

import jsonschema
import pytest
from archive_data import build

from pipeline import database
from pipeline.database.public_records import IndexPoint
from pipeline.publishing import exports, quotes, transcript

DOCS = Path(__file__).parent.parent / "docs" / "schemas"


def schema(name: str) -> dict:
    document = json.loads((DOCS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return document


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    db, archive, ids = build(tmp_path_factory.mktemp("json"))
    one = database.interview(db, ids["one"])
    database.save_index_point(db, IndexPoint(0, one.id, 2.0, "Mở đầu", keywords=["chi bộ"], title_alt="Opening"), "Lan")
    db.conn.commit()
    return db, archive, ids


def test_every_transcript_json_keeps_to_its_schema(data):
    db, _, ids = data
    validator = jsonschema.Draft202012Validator(schema("loike-transcript.schema.json"))
    for code in (ids["one"], ids["two"]):
        document = json.loads(exports.render(transcript.load(db, code), "json"))
        assert not list(validator.iter_errors(document)), [e.message for e in validator.iter_errors(document)]
    assert document["format"] == "loike-transcript/2"


def test_the_quotes_json_keeps_to_its_schema(data):
    db, archive, _ = data
    report = quotes.export_quotes(db, archive, quotes.QuoteFilters(include_restricted=True), "json")
    document = json.loads(report.data)
    validator = jsonschema.Draft202012Validator(schema("loike-quotes.schema.json"))
    assert not list(validator.iter_errors(document)), [e.message for e in validator.iter_errors(document)]
    assert sum(len(g["quotes"]) for g in document["groups"]) == 3
