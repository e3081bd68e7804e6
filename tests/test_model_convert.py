"""`loike models convert`: a Transformers Whisper model (a tiny one with random weights that the test builds, of
Whisper's real vocabulary) fetched from a loopback hub by its id, converted with CTranslate2's converter, added,
and used by name. Needs the optional extra (pip install .[convert])."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hub_server import Hub, Repo

from pipeline import cli
from pipeline.options import TranscribeOptions
from pipeline.speech import model_store
from pipeline.speech.model_checks import MANIFEST

transformers = pytest.importorskip("transformers", reason="the convert extra is not installed")
pytest.importorskip("torch", reason="the convert extra is not installed")


@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory, model_cache):
    """A Transformers Whisper model of one layer, random weights, and Whisper's multilingual tokenizer."""
    import torch

    folder = tmp_path_factory.mktemp("tiny-whisper")
    config = transformers.WhisperConfig(
        d_model=64,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
    )
    torch.manual_seed(0)
    transformers.WhisperForConditionalGeneration(config).save_pretrained(folder)
    tokenizer = model_store.embedded_model(model_cache) / "tokenizer.json"
    transformers.WhisperTokenizerFast(tokenizer_file=str(tokenizer)).save_pretrained(folder)
    (folder / "README.md").write_text("---\nlicense: bsd-3-clause\n---\n# tiny\n", encoding="utf-8")
    return folder


@pytest.fixture
def hub(tiny_whisper, monkeypatch):
    import huggingface_hub.constants

    files = {p.name: p for p in tiny_whisper.iterdir() if p.is_file()}
    with Hub({"lab/tiny-whisper": Repo(files)}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.delenv("HF_HUB_OFFLINE")
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        yield server


@pytest.mark.slow
def test_a_transformers_model_on_the_hub_is_converted_added_and_used_by_name(hub, tmp_path, model_cache):
    from pipeline.speech.transcribe import Transcriber

    cache = tmp_path / "cache"
    done = CliRunner().invoke(cli.cli, ["models", "--cache", str(cache), "convert", "lab/tiny-whisper"])

    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("Converted lab/tiny-whisper into tiny-whisper (")
    manifest = json.loads((cache / "tiny-whisper" / MANIFEST).read_text())
    assert (manifest["source"], manifest["origin"], manifest["licence"]) == (
        "converted",
        "lab/tiny-whisper",
        "bsd-3-clause",
    )
    assert {f["name"] for f in manifest["files"]} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    assert not [p for p in cache.iterdir() if p.name.startswith(".")], "the Transformers copy is gone"
    assert any(path.endswith("/model.safetensors") for _, path, _ in hub.requests)

    transcriber = Transcriber(TranscribeOptions(model="tiny-whisper", workers=1, beam_size=1), cache)
    samples = __import__("numpy").zeros(16_000 * 3, "float32")
    transcriber.transcribe([(0.0, samples)])  # random weights: any words, but the model loads and decodes
    assert transcriber.versions()["model"] == "tiny-whisper"


def test_a_folder_that_is_not_a_transformers_model_is_one_sentence(tmp_path):
    (tmp_path / "empty").mkdir()
    done = CliRunner().invoke(cli.cli, ["models", "--cache", str(tmp_path / "c"), "convert", str(tmp_path / "empty")])
    assert done.exit_code == 1
    assert done.output == (
        f"Error: {tmp_path / 'empty'} is not a Transformers model: it needs config.json and model.safetensors (or "
        "pytorch_model.bin).\n"
    )
