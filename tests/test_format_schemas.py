"""schemas/<name>.schema.json is what `LineFormat.json_schema()` generates, for every
line format, and each is a valid JSON Schema (draft 2020-12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from ftprep.formats import LINE_FORMATS, get_format

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def _render(name: str) -> str:
    # Exactly what `ftprep schema NAME` prints.
    return json.dumps(get_format(name).json_schema(), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("name", sorted(LINE_FORMATS))
def test_checked_in_schema_is_current(name: str) -> None:
    path = SCHEMAS / f"{name}.schema.json"
    assert path.is_file(), f"missing {path}: run `ftprep schema {name} > {path}`"
    assert path.read_text(encoding="utf-8") == _render(name), (
        f"{path} is stale: run `ftprep schema {name} > schemas/{name}.schema.json`")


@pytest.mark.parametrize("name", sorted(LINE_FORMATS))
def test_schema_is_valid_against_its_metaschema(name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert validator_for(schema) is Draft202012Validator
    Draft202012Validator.check_schema(schema)


def test_no_stray_schema_files() -> None:
    names = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")}
    assert names == set(LINE_FORMATS)


SAMPLES = {
    "openai-chat": {"messages": [{"role": "user", "content": "q"},
                                 {"role": "assistant", "content": "a", "weight": 1}]},
    "openai-dpo": {"input": {"messages": [{"role": "user", "content": "q"}]},
                   "preferred_output": [{"role": "assistant", "content": "a"}],
                   "non_preferred_output": [{"role": "assistant", "content": "b"}]},
    "vertex-gemini": {"systemInstruction": {"role": "system", "parts": [{"text": "s"}]},
                      "contents": [{"role": "user", "parts": [{"text": "q"}]},
                                   {"role": "model", "parts": [{"text": "a"}]}]},
    "bedrock-nova": {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "s"}],
                     "messages": [{"role": "user", "content": [{"text": "q"}]},
                                  {"role": "assistant", "content": [{"text": "a"}]}]},
    "bedrock-claude": {"system": "s", "messages": [{"role": "user", "content": "q"},
                                                   {"role": "assistant", "content": "a"}]},
    "sharegpt": {"system": "s", "conversations": [{"from": "human", "value": "q"},
                                                  {"from": "gpt", "value": "a"}]},
    "alpaca": {"instruction": "i", "input": "", "output": "o", "history": [["q", "a"]]},
    "trl-prompt-completion": {"prompt": "The sky is", "completion": " blue."},
}


@pytest.mark.parametrize("name", sorted(LINE_FORMATS))
def test_schema_and_model_agree_on_a_sample(name: str) -> None:
    sample = SAMPLES[name]
    get_format(name).adapter().validate_python(sample)
    Draft202012Validator(get_format(name).json_schema()).validate(sample)
    extra = {**sample, "unexpected": 1}
    assert list(Draft202012Validator(get_format(name).json_schema()).iter_errors(extra))
