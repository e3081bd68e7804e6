"""The hand-over package: a BagIt bag bagit's own validator accepts, that notices any change, built atomically
without touching the originals; and one real run from a recording to a verified bag."""

import hashlib
import json
import os
import time

import bagit
import pytest
from archive_data import build
from click.testing import CliRunner

from pipeline import cli
from pipeline.errors import ExportError, PackageInvalid
from pipeline.publishing import deposit, exports
from pipeline.run import process


@pytest.fixture
def data(tmp_path):
    return build(tmp_path)


@pytest.fixture
def bag(data, tmp_path):
    db, archive, _ = data
    deposit.build(db, archive, tmp_path / "nop-luu")
    return tmp_path / "nop-luu"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_bag_holds_originals_audio_every_format_and_metadata_and_validates(data, bag):
    db, archive, ids = data
    bagit.Bag(str(bag)).validate()  # bagit's own validator, every checksum
    payload = bag / "data"
    assert digest(payload / "originals" / "Bắc Cường" / "ông A.wav") == digest(
        archive.recordings / "Bắc Cường" / "ông A.wav"
    )
    assert (payload / "audio" / f"{ids['one']}.wav").exists()
    for fmt in exports.FORMATS:
        assert (payload / "transcripts" / ids["one"] / exports.filename(ids["one"], fmt)).stat().st_size > 0
    meta = json.loads((payload / "metadata" / f"{ids['one']}.json").read_text(encoding="utf-8"))
    assert meta["interview"]["code"] == ids["one"] and meta["files"]["original"] == "originals/Bắc Cường/ông A.wav"
    assert [e["action"] for e in meta["history"]] == ["ingested", "transcribed"]
    catalogue = json.loads((payload / "metadata" / "interviews.json").read_text(encoding="utf-8"))
    assert [(c["code"], c["restricted"]) for c in catalogue["interviews"]] == [(ids["one"], False), (ids["two"], True)]
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"):
        assert (bag / name).exists()
    info = bagit.Bag(str(bag)).info
    assert info["Source-Organization"] == "Lời Kể" and info["External-Identifier"].startswith("loike-")
    assert info["Payload-Oxum"].endswith(f".{len(bagit.Bag(str(bag)).payload_entries())}") and info["Bagging-Date"]
    assert info["Access-Restrictions"] == f"Hạn chế công bố: {ids['two']}"
    assert "Internal-Sender-Identifier" not in info and str(archive.root) not in (bag / "bag-info.txt").read_text()
    deposit.verify(bag)


def test_the_bag_carries_dublin_core_history_quotes_redaction_log_and_sidecars_readable_by_the_team(data, tmp_path):
    import subprocess
    import sys

    from lxml import etree

    db, archive, ids = data
    sidecar = archive.recordings / "Bắc Cường" / "ông A.wav.yaml"
    sidecar.write_text("nhân chứng: Nguyễn Văn A\n", encoding="utf-8")
    bag = tmp_path / "nop-luu"
    deposit.build(db, archive, bag)
    payload = bag / "data"
    dc = etree.parse(str(payload / "metadata" / f"{ids['one']}.dc.xml")).getroot()
    found = {e.tag.split("}")[1]: e.text for e in dc}
    assert found["title"] == "Ông A kể về chi bộ" and found["creator"] == "Nguyễn Văn A" and found["language"] == "vi"
    history = json.loads((payload / "history" / f"{ids['one']}.json").read_text(encoding="utf-8"))
    assert [r["action"] for r in history["segments"]][:2] == ["edit", "edit"] and history["recording"]
    document = json.loads((payload / "quotes" / "quotes.json").read_text(encoding="utf-8"))
    assert sum(len(g["quotes"]) for g in document["groups"]) == 3
    assert json.loads((payload / "metadata" / "redactions.json").read_text(encoding="utf-8")) == {"redactions": []}
    assert (payload / "originals" / "Bắc Cường" / "ông A.wav.yaml").read_bytes() == sidecar.read_bytes()
    assert bag.stat().st_mode & 0o077 == 0o777 & ~current_umask() & 0o077
    validated = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag)], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stderr


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_only_publishable_leaves_restricted_interviews_out(data, tmp_path):
    db, archive, ids = data
    report = deposit.build(db, archive, tmp_path / "public", deposit.PackageOptions(only_publishable=True))
    assert report.interviews == [ids["one"]] and report.withheld == [ids["two"]]
    assert not (tmp_path / "public" / "data" / "audio" / f"{ids['two']}.wav").exists()


@pytest.mark.parametrize(
    "tamper, expected",
    [
        (
            lambda bag: (bag / "data/audio/LK-2026-001.wav").write_bytes(
                b"X" + (bag / "data/audio/LK-2026-001.wav").read_bytes()[1:]
            ),
            "data/audio/LK-2026-001.wav has changed since it was packaged (sha256 expected",
        ),
        (
            lambda bag: (bag / "data/metadata/LK-2026-001.json").unlink(),
            "data/metadata/LK-2026-001.json is listed in the manifest but missing: copy it back, or package again.",
        ),
        (
            lambda bag: (bag / "data/extra.txt").write_text("x"),
            "data/extra.txt is in the package but not in its manifest: remove it, or package again.",
        ),
        (
            lambda bag: (bag / "bag-info.txt").write_text("Source-Organization: khác\n", encoding="utf-8"),
            "bag-info.txt has changed since it was packaged",
        ),
    ],
)
def test_verify_finds_each_kind_of_tampering(bag, tamper, expected):
    tamper(bag)
    with pytest.raises(PackageInvalid) as error:
        deposit.verify(bag)
    assert any(expected in problem for problem in error.value.problems), error.value.problems
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(bag)).validate()


def test_an_existing_destination_is_never_overwritten(data, bag):
    db, archive, _ = data
    with pytest.raises(ExportError, match="already exists: give a new folder name"):
        deposit.build(db, archive, bag)


def test_a_failure_halfway_leaves_neither_the_bag_nor_its_scraps(data, tmp_path, monkeypatch):
    db, archive, _ = data
    calls = []

    def failing(t, fmt, options=exports.ExportOptions()):
        calls.append(fmt)
        if len(calls) > 9:
            raise ExportError("disk full")
        return b"x"

    monkeypatch.setattr(exports, "render", failing)
    with pytest.raises(ExportError):
        deposit.build(db, archive, tmp_path / "half")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]


def test_an_original_changed_since_intake_stops_the_package(data, tmp_path):
    db, archive, ids = data
    original = archive.recordings / "bà Bình.wav"
    original.write_bytes(original.read_bytes()[:-2] + b"\x01\x02")
    with pytest.raises(ExportError, match="no longer has the hash it had when taken in: run `loike verify`"):
        deposit.build(db, archive, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_cli_package_and_verify_exit_codes_and_messages(data, tmp_path):
    runner = CliRunner()
    loike = lambda *a: runner.invoke(cli.cli, ["--root", str(data[1].root), *map(str, a)])  # noqa: E731
    dest = tmp_path / "bag"
    result = loike("package", dest, "--organization", "Ban Tuyên giáo Huyện ủy", "--identifier", "BC-2026")
    assert result.exit_code == 0 and result.output.startswith("Packaged 2 interview(s), 27 files (")
    assert bagit.Bag(str(dest)).info["Source-Organization"] == "Ban Tuyên giáo Huyện ủy"
    result = loike("package", "--verify", dest)
    assert result.exit_code == 0
    assert result.output == f"{dest} is a valid BagIt package: every file is present and matches its SHA-256.\n"
    (dest / "data" / "metadata" / "interviews.json").write_text("{}")
    result = loike("package", "--verify", dest)
    assert result.exit_code == 1
    lines = result.output.strip().split("\n")
    assert lines[-1] == f"The package {dest} is not valid: 2 problems."
    assert "Payload-Oxum" in lines[0] and "interviews.json has changed since it was packaged" in lines[1]
    result = loike("package", "--verify", tmp_path)
    assert result.exit_code == 1 and "is not a BagIt package" in result.output


@pytest.fixture
def loike_run(monkeypatch, transcriber):
    real = process.process_archive

    def with_loaded_model(*args, **kwargs):
        return real(*args, **{**kwargs, "transcriber": transcriber, "settle_seconds": 0.2})

    monkeypatch.setattr(process, "process_archive", with_loaded_model)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.slow
def test_from_a_real_recording_to_every_format_and_a_valid_bag(archive, loike_run, tmp_path):
    path = archive.drop("vi_dialogue.ogg", "Bắc Cường/ông A.ogg")
    past = time.time() - 60
    os.utime(path, (past, past))
    assert loike_run("--root", archive.root, "run").exit_code == 0
    result = loike_run("--root", archive.root, "export", "--all", "--format", "srt", "--output-dir", tmp_path / "srt")
    assert "0 interview(s) exported" in result.output and "not cleared for publication" in result.output
    for fmt in exports.FORMATS:
        out = tmp_path / f"x{exports.EXTENSIONS[fmt]}"
        assert loike_run("--root", archive.root, "export", "1", "--format", fmt, "-o", out).exit_code == 0
        assert out.stat().st_size > 0
    result = loike_run("--root", archive.root, "package", tmp_path / "bag")
    assert result.exit_code == 0, result.output
    assert loike_run("--root", archive.root, "package", "--verify", tmp_path / "bag").exit_code == 0
    assert digest(tmp_path / "bag" / "data" / "originals" / "Bắc Cường" / "ông A.ogg") == digest(path)
