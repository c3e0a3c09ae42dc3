"""`[tool.ftprep.rules]`: what validates, and errors that name the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from behaviour_helpers import needs_pii

from ftprep.checks.behaviour.settings import RulesSettings, load_rules
from ftprep.config import ConfigError, load_config


def config_file(tmp_path: Path, body: str, name: str = "ftprep.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_enable_pii_and_the_dataset_rules_only() -> None:
    settings = RulesSettings()
    assert settings.pii.enabled and settings.consistency.enabled and settings.knowledge.enabled
    assert not settings.required and not settings.forbidden and settings.output is None
    assert settings.system_prompt.max_share == 0.5 and settings.coverage.target == 100


def test_kebab_and_snake_case_keys(tmp_path: Path) -> None:
    path = config_file(tmp_path, """
[rules]
reply_field = "answer"
output = {applies-to = "all", regex = ".+"}
system-prompt = {max_share = 0.3}
""")
    rules = load_rules(load_config(path))
    assert rules.settings.reply_field == "answer" and rules.reply_fields == ("answer",)
    assert rules.settings.output is not None and rules.settings.output.applies_to == "all"
    assert rules.settings.system_prompt.max_share == 0.3


def test_pyproject_table(tmp_path: Path) -> None:
    path = config_file(tmp_path, """
[tool.ftprep]
labels = ["billing", "complaints"]
[tool.ftprep.check]
label-field = "category"
[tool.ftprep.rules.required]
complaints = ["We are sorry", {pattern = "^Hi", regex = true}]
""", "pyproject.toml")
    rules = load_rules(load_config(path))
    assert rules.label_field == "category"
    assert [p.text for p in rules.required["complaints"]] == ["We are sorry", "^Hi"]


@pytest.mark.parametrize(("body", "expected"), [
    ("[rules]\nrequried = {x = ['a']}", "requried: Extra inputs are not permitted (unknown key"),
    ("[rules.consistency]\nlenght-mad = 3", "consistency.lenght-mad: Extra inputs"),
    ("[rules.required]\n'*' = [{pattern = '(unclosed', regex = true}]", "required.*.0: "
     "invalid regex '(unclosed'"),
    ("[rules.forbidden]\n'*' = [{text = 'x'}]", "forbidden.*.0.pattern: Field required"),
    ("[rules.forbidden]\n'*' = ['  ']", "forbidden.*.0: a phrase must not be blank"),
    ("[rules.output]\napplies-to = 'first'", "output.applies-to: Input should be 'last' or 'all'"),
    ("[rules.output]\nregex = '[a-'", "output.regex: invalid regex"),
    ("[rules.pii]\nseverity = {EMAIL = 'fatal'}", "pii.severity.EMAIL: Input should be"),
    ("[rules.consistency]\nmin-share = 0.3", "consistency.min-share: Input should be greater than 0.5"),
    ("[rules.coverage]\nuseful = 80\ntarget = 50", "coverage: target (50) must be at least"),
    ("[rules.knowledge]\nmax-share = 2", "knowledge.max-share: Input should be less than or equal to 1"),
    # TOML has types: a string or a number where a bool is expected is a mistake, not "yes".
    ("[rules.consistency]\nenabled = 'no'", "consistency.enabled: Input should be a valid boolean"),
    ("[rules.forbidden]\n'*' = [{pattern = 'x', regex = 1}]",
     "forbidden.*.0.regex: Input should be a valid boolean"),
    ("[rules.coverage]\ntarget = 100.0", "coverage.target: Input should be a valid integer"),
])
def test_invalid_settings_name_the_key(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_rules(load_config(config_file(tmp_path, body)))
    assert "invalid settings in [rules]" in str(err.value)  # as written in ftprep.toml
    assert expected in str(err.value)


@pytest.mark.parametrize(("body", "expected"), [
    ("labels = ['billing']\n[rules.required]\ncomplain = ['x']",
     "rules.required.complain: 'complain' is not one of the configured labels (billing)"),
    ("[rules.output]\nschema = 'missing.json'", "rules.output.schema: cannot read"),
    ("[rules.output]\nschema = 'bad.json'", "rules.output.schema: "),
    ("[rules.output]\nschema = {type = 'objekt'}", "rules.output.schema: not a valid Draft 2020-12 "
     "schema"),
    ("[rules.pii]\nseverity = {ORDER = 'error'}", "rules.pii.severity: unknown PII kind(s) ORDER"),
])
def test_rules_that_cannot_be_used_name_the_key(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError) as err:
        load_rules(load_config(config_file(tmp_path, body)))
    assert expected in str(err.value)


def test_schema_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "reply.json").write_text(json.dumps({"type": "object"}))
    path = config_file(tmp_path / "conf", "[rules.output]\nschema = 'reply.json'")
    assert load_rules(load_config(path)).output_schema == {"type": "object"}


@needs_pii
def test_custom_pii_kinds_come_from_the_pii_table(tmp_path: Path) -> None:
    path = config_file(tmp_path, """
[pii]
patterns = {ORDER_ID = "ORD-\\\\d{6}"}
[rules.pii]
severity = {ORDER_ID = "error"}
""")
    rules = load_rules(load_config(path))
    assert rules.pii_detector().custom.keys() == {"ORDER_ID"}
    assert rules.pii_severity("ORDER_ID") is not None and rules.pii_severity("ORDER_ID").label == "error"


@pytest.mark.parametrize("name", ["ftprep.toml", "ftprep-json.toml"])
def test_the_example_configs_load(name: str) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    rules = load_rules(load_config(examples / name))
    assert rules.label_field == "category" and rules.settings.reply_field == "reply"
    assert set(rules.required) == {"complaints", "*"}
    assert (rules.output_schema is not None) == (name == "ftprep-json.toml")


def test_whole_numbers_are_fine_where_a_float_is_expected(tmp_path: Path) -> None:
    path = config_file(tmp_path, "[rules.knowledge]\nmax-share = 1\n[rules.consistency]\nlength-mad = 3\n")
    rules = load_rules(load_config(path))
    assert rules.settings.knowledge.max_share == 1.0 and rules.settings.consistency.length_mad == 3.0
