"""A Transformers Whisper model (``vinai/PhoWhisper-large``, or its folder) made into a CTranslate2 one and added to
the cache (``loike models convert``), for a team whose model has no CTranslate2 copy on the hub yet.

Needs the optional extra (``pip install .[convert]``: transformers and torch); transformers and CTranslate2's
converter are imported here only. A hub id is first fetched into the cache's hidden working folder (never the
hub's own cache), then converted; the result is checked and added like any other model, with a manifest that says
what it was converted from.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pipeline.errors import ModelError
from pipeline.i18n import _
from pipeline.speech import model_catalogue, model_download, model_store
from pipeline.speech.model_checks import Manifest, ModelFile, check_structure, model_files, sha256_file

log = logging.getLogger(__name__)

SOURCE_FILES = (
    "config.json",
    "generation_config.json",
    "preprocessor_config.json",
    "model.safetensors",
    "pytorch_model.bin",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.json",
    "merges.txt",
    "normalizer.json",
    "added_tokens.json",
    "special_tokens_map.json",
    "README.md",
)
"""What a Transformers Whisper model is made of (one of the two weight files)."""
QUANTIZATIONS = ("float16", "int8", "int8_float16", "float32")


def convert(
    source: str,
    cache: Path,
    name: str | None = None,
    quantization: str = "float16",
    progress: type | None = None,
) -> model_store.LocalModel:
    """Convert the Transformers Whisper model ``source`` (a folder, or a hub id fetched first) and add it as
    ``name`` (default: the source's last part, lower case)."""
    try:
        from ctranslate2.converters import TransformersConverter
        from transformers import AutoTokenizer
    except ImportError as error:
        raise ModelError(
            _(
                "Converting needs the optional extra ({missing} is missing): pip install .[convert] (transformers "
                "and torch, about 1.5 GB), or convert on another machine and bring the result with `loike models add`."
            ).format(missing=error.name)
        ) from error
    chosen = model_store.name_for(name or source.rstrip("/").split("/")[-1])
    with model_store.staging(cache, "converting") as work:
        folder = Path(source).expanduser()
        if not folder.is_dir():
            if not model_catalogue.is_hub_id(source):
                raise ModelError(
                    _("{source} is neither a folder nor a hub id (owner/name): check the name.").format(source=source)
                )
            folder = model_download.fetch_repository(source, work / "source", SOURCE_FILES, progress)
        _check_transformers_model(folder)
        out = work / "model"
        copy = [name for name in ("tokenizer.json", "preprocessor_config.json") if (folder / name).is_file()]
        log.info("converting %s to CTranslate2 (%s)", folder, quantization)
        try:
            TransformersConverter(
                str(folder), copy_files=copy, load_as_float16=quantization in ("float16", "int8_float16")
            ).convert(str(out), quantization=quantization)
        except (ValueError, OSError, RuntimeError, KeyError) as error:
            raise ModelError(
                _("{source} could not be converted ({error}): is it a Whisper model?").format(
                    source=source, error=error
                )
            ) from error
        if not (out / "tokenizer.json").is_file():  # many fine-tunes ship only vocab.json and merges.txt
            AutoTokenizer.from_pretrained(str(folder)).backend_tokenizer.save(str(out / "tokenizer.json"))
        check_structure(out)
        files = [ModelFile(n, (out / n).stat().st_size, sha256_file(out / n)) for n in model_files(out)]
        manifest = Manifest(chosen, files, "converted", origin=source, licence=_licence(folder), notes=[quantization])
        return model_store.place(out, manifest, cache)


def _check_transformers_model(folder: Path) -> None:
    weights = [n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).is_file()]
    config = folder / "config.json"
    if not weights or not config.is_file():
        raise ModelError(
            _(
                "{folder} is not a Transformers model: it needs config.json and model.safetensors (or "
                "pytorch_model.bin)."
            ).format(folder=folder)
        )
    architectures = json.loads(config.read_text(encoding="utf-8")).get("architectures") or []
    if "WhisperForConditionalGeneration" not in architectures:
        raise ModelError(
            _("{folder} holds a {kind}, not a Whisper model.").format(
                folder=folder, kind=", ".join(architectures) or "model"
            )
        )


def _licence(folder: Path) -> str | None:
    readme = folder / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines()[:20]:
            if line.lower().startswith("license:"):
                return line.split(":", 1)[1].strip()
    return None
