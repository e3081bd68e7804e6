"""The transcription options of run, retranscribe, eval and watch: one declaration (pipeline.options), the same
flags, defaults, help and rules on every command that offers them."""

import re
from dataclasses import fields

import pytest
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.cli.transcription_flags import DECLARED, transcribe_options, transcription_options
from pipeline.errors import LoikeError
from pipeline.options import TranscribeOptions

OFFERED = {
    "run": ("model", "device", "compute_type", "beam_size", "language", "domain_words", "workers"),
    "retranscribe": ("model", "device", "compute_type", "beam_size", "language", "domain_words", "workers"),
    "eval": ("device", "compute_type", "beam_size", "language", "workers", "cpu_threads"),
    "watch": ("model",),
}
"""Which options each command offers, in the order its --help lists them (eval has its own --model: several)."""

CLUSTER = " With --cluster: transcribers on the cluster [default there: as many as it has room for]."
HELP = {
    "model": (
        "--model TEXT",
        "'base' (embedded), a model added by name (`loike models`), a CTranslate2 model folder, or one to "
        "download such as large-v3.  [default: {}]",
    ),
    "device": ("--device [cpu|cuda|auto]", "[default: {}]"),
    "compute_type": ("--compute-type TEXT", "int8, float32, float16, default …  [default: {}]"),
    "beam_size": ("--beam-size INTEGER RANGE", "[default: {}; 1<=x<=20]"),
    "language": ("--language TEXT", "[default: {}]"),
    "domain_words": (
        "--domain-words",
        "Hint Whisper with the names in the metadata and recordings/glossary.txt (off: see docs/benchmarks.md).",
    ),
    "workers": (
        "--workers INTEGER RANGE",
        "Recordings (or pieces of one) transcribed at once, up to 16; the cores "
        "are shared among them.{cluster}  [default: {}; x>=1]",
    ),
    "cpu_threads": (
        "--cpu-threads INTEGER RANGE",
        "Threads per worker. More can change the words on some "
        "processors (docs/reproducibility.md).  [default: {}; x>=1]",
    ),
}
"""Each option as `loike COMMAND --help` shows it (on one line), its default from TranscribeOptions."""


def shown_options(command: str) -> dict[str, str]:
    """The option lines of `loike COMMAND --help`, unwrapped: synopsis → help."""
    shown = CliRunner().invoke(cli.cli, [command, "--help"], terminal_width=1000)
    assert shown.exit_code == 0, shown.output
    lines = [re.match(r"^\s+(--\S+(?: \S+)*)(?:\s{2,}(.*))?$", line) for line in shown.output.splitlines()]
    return {found[1]: found[2] or "" for found in lines if found}


@pytest.mark.parametrize("command", OFFERED)
def test_each_command_shows_its_options_with_the_defaults_of_transcribe_options(command):
    defaults = TranscribeOptions()
    shown = shown_options(command)
    params = {param.name: param for param in cli.cli.commands[command].params}

    assert [name for name in params if name in DECLARED] == list(OFFERED[command])
    for name in OFFERED[command]:
        synopsis, text = HELP[name]
        assert params[name].default == getattr(defaults, name), f"{command} --{name}: not the dataclass default"
        expected = text.format(getattr(defaults, name), cluster=CLUSTER if command == "run" else "")
        assert shown.get(synopsis) == expected, f"loike {command} --help, {synopsis}"
    assert shown["--cache DIRECTORY"] == "Where the assembled model is kept [env LOIKE_CACHE]."
    assert params["cache"].envvar == "LOIKE_CACHE"


def test_eval_takes_several_models_with_the_default_of_transcribe_options():
    model = {param.name: param for param in cli.cli.commands["eval"].params}["models"]

    assert model.multiple and list(model.default) == [TranscribeOptions().model]
    assert shown_options("eval")["--model TEXT"].startswith("A model name, folder or hub name; give it again")


def test_every_option_but_chunk_seconds_is_offered_somewhere():
    offered = {name for names in OFFERED.values() for name in names}
    assert offered == set(DECLARED) == {f.name for f in fields(TranscribeOptions)} - {"chunk_seconds"}


@pytest.fixture
def caught(monkeypatch):
    """The TranscribeOptions each command hands to the library, which then stops it (exit 1) before any work."""
    from pipeline.run import process, retranscribe, watch
    from pipeline.speech import evaluate

    handed = []

    def stop_here(*args, **kwargs):
        handed.extend(a for a in (*args, *kwargs.values()) if isinstance(a, TranscribeOptions))
        raise LoikeError("Stopped by the test.")

    for module, name in (
        (process, "process_archive"),
        (retranscribe, "retranscribe"),
        (evaluate, "evaluate"),
        (watch, "watch"),
    ):
        monkeypatch.setattr(module, name, stop_here)
    return handed


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run"], TranscribeOptions()),
        (
            [
                "run",
                "--model",
                "large-v3",
                "--device",
                "cuda",
                "--compute-type",
                "float16",
                "--beam-size",
                "1",
                "--language",
                "en",
                "--domain-words",
                "--workers",
                "16",
            ],
            TranscribeOptions(
                model="large-v3",
                device="cuda",
                compute_type="float16",
                beam_size=1,
                language="en",
                domain_words=True,
                workers=16,
            ),
        ),
        (["retranscribe", "LK-2026-001"], TranscribeOptions()),
        (
            ["retranscribe", "LK-2026-001", "--model", "small", "--beam-size", "3", "--workers", "1"],
            TranscribeOptions(model="small", beam_size=3, workers=1),
        ),
        (["eval", "corpus"], TranscribeOptions()),
        (
            ["eval", "corpus", "--compute-type", "float32", "--cpu-threads", "4", "--workers", "1", "--json"],
            TranscribeOptions(compute_type="float32", cpu_threads=4, workers=1),
        ),
        (["watch", "--once"], TranscribeOptions()),
        (["watch", "--once", "--model", "tiny"], TranscribeOptions(model="tiny")),
    ],
)
def test_the_options_given_reach_the_library_the_others_keep_their_defaults(archive, caught, args, expected):
    database.open_database(archive.database).close()  # retranscribe opens it first

    result = CliRunner().invoke(cli.cli, ["--root", str(archive.root), *args])

    assert result.exit_code == 1 and "Error: Stopped by the test." in result.output, result.output
    assert caught == [expected]


def test_more_than_16_workers_only_on_a_cluster(archive, caught):
    database.open_database(archive.database).close()
    loike = CliRunner()

    run = loike.invoke(cli.cli, ["--root", str(archive.root), "run", "--workers", "17"])
    assert run.exit_code == 2
    assert "Error: Invalid value for --workers: at most 16 on one machine (more go with --cluster)." in run.output
    for args in (["retranscribe", "LK-2026-001"], ["eval", "corpus"]):  # no --cluster there to point to
        refused = loike.invoke(cli.cli, ["--root", str(archive.root), *args, "--workers", "17"])
        assert refused.exit_code == 2
        assert refused.output.endswith("Error: Invalid value for --workers: at most 16 on one machine.\n")
    assert caught == [], "refused before any work"

    assert transcribe_options({"workers": 17}, on_cluster=True).workers == 17
    zero = loike.invoke(cli.cli, ["--root", str(archive.root), "run", "--workers", "0"])
    assert zero.exit_code == 2 and "Invalid value for '--workers': 0 is not in the range x>=1." in zero.output


def test_the_builder_refuses_what_is_not_declared():
    with pytest.raises(ValueError, match="TranscribeOptions has no field 'chunk_seconds' with a command-line Flag"):
        transcription_options("model", "chunk_seconds")
    with pytest.raises(TypeError):
        transcribe_options({"cache": None})
