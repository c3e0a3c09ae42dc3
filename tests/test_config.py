"""Config files as users write them: the upward search, strict types, severity overrides,
and errors that name the file and the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import chat, write_jsonl

from ftprep.checks.registry import Selection, get
from ftprep.config import ConfigError, load_config
from ftprep.report.finding import Severity


def _few(tmp_path: Path) -> Path:
    """12 examples: FT124 few-examples, a warning by default."""
    return write_jsonl(tmp_path / "few.jsonl", [chat()] * 12)


# ---- the upward search ------------------------------------------------------------------


@pytest.mark.parametrize(("content", "expected"), [
    (b'[tool.ftprep]\nstrict = true\nselect = ["FT1"\n', "invalid TOML"),
    (b'[tool.ftprep]\nmodel = "caf\xe9"\n', "not UTF-8"),
])
def test_a_broken_pyproject_found_upwards_is_an_error(tmp_path: Path, monkeypatch, content: bytes,
                                                      expected: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(content)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    with pytest.raises(ConfigError) as err:
        load_config()
    assert str(tmp_path / "pyproject.toml") in str(err.value) and expected in str(err.value)


def test_broken_toml_error_gives_the_position(tmp_path: Path, monkeypatch, run_cli) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ftprep]\nstrict = true\nmodel = \n')
    file = _few(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", str(file))
    assert result.exit_code == 2
    assert "pyproject.toml: invalid TOML" in result.output and "line 3" in result.output


def test_pyprojects_without_ftprep_settings_are_passed_over(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "ftprep.toml").write_text('model = "gpt-4.1"\n')
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.black]\nline-length = 100\n')
    (tmp_path / "a" / "b").mkdir()
    # Broken, but it cannot hold ftprep settings: not ours to judge.
    (tmp_path / "a" / "b" / "pyproject.toml").write_text('[project\nname = "x"\n')
    monkeypatch.chdir(tmp_path / "a" / "b")
    config = load_config()
    assert config.source == tmp_path / "ftprep.toml" and config.general.model == "gpt-4.1"


# ---- --config and the [tool.ftprep] header ----------------------------------------------


def test_explicit_pyproject_without_the_table_is_an_error(tmp_path: Path, run_cli) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.ftprp]\nstrict = true\n')
    result = run_cli("validate", str(_few(tmp_path)), "--config", str(config))
    assert result.exit_code == 2
    assert "no [tool.ftprep] table" in result.output and "[tool.ftprp]" in result.output
    config.write_text('[project]\nname = "x"\n')
    result = run_cli("validate", str(_few(tmp_path)), "--config", str(config))
    assert result.exit_code == 2 and "no [tool.ftprep] table" in result.output


def test_ftprep_toml_with_the_pyproject_header_is_read(tmp_path: Path) -> None:
    config = tmp_path / "ftprep.toml"
    config.write_text('[tool.ftprep]\nstrict = true\n[tool.ftprep.check]\nmin-label-count = 3\n')
    loaded = load_config(config)
    assert loaded.general.strict is True and loaded.raw_sections["check"] == {"min-label-count": 3}
    config.write_text('strict = true\n[tool.ftprep]\nmodel = "gpt-4.1"\n')
    with pytest.raises(ConfigError, match=re.escape("drop the [tool.ftprep] header")):
        load_config(config)


# ---- strict types -----------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ('strict = "yes"', "strict: Input should be a valid boolean"),
    ("strict = 1", "strict: Input should be a valid boolean"),
    ('strict = "false"', "strict: Input should be a valid boolean"),
    ('labels = ["billing", 3]', "labels.1: Input should be a valid string"),
    ('label-map = {Billing = 1}', "label-map.Billing: Input should be a valid string"),
])
def test_wrong_types_at_the_top_are_config_errors(tmp_path: Path, body: str, expected: str) -> None:
    config = tmp_path / "ftprep.toml"
    config.write_text(body + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert str(config) in str(err.value) and expected in str(err.value)


@pytest.mark.parametrize(("body", "expected"), [
    ("min-label-count = true", "min-label-count: Input should be a valid integer"),
    ('near-duplicates = "no"', "near-duplicates: Input should be a valid boolean"),
    ("num-perm = 128.0", "num-perm: Input should be a valid integer"),
])
def test_wrong_types_in_check_are_config_errors(tmp_path: Path, run_cli, body: str,
                                                expected: str) -> None:
    config = tmp_path / "ftprep.toml"
    config.write_text(f"[check]\n{body}\n")
    result = run_cli("check", str(_few(tmp_path)), "--config", str(config))
    assert result.exit_code == 2
    assert str(config) in result.output and expected in result.output


@pytest.mark.parametrize(("body", "expected"), [
    ('[convert]\nredact-pii = "no"', "redact-pii"),
    ('[convert]\ndrop-duplicates = 1', "drop-duplicates"),
    ('[convert.clean]\nmin-chars = "5"', "min-chars"),
    ('[convert.email]\ninclude-subject = "yes"', "include-subject"),
    ('[pii]\nregions = "GB"', "regions"),
    ('[convert.columns]\nauto = "no"', "auto"),
    ('[convert.columns]\nlabel = 3', "label"),
])
def test_wrong_types_in_convert_are_config_errors(tmp_path: Path, run_cli, body: str,
                                                  expected: str) -> None:
    table = tmp_path / "t.csv"
    table.write_text("text,label\nmy invoice is wrong,billing\n", encoding="utf-8")
    config = tmp_path / "ftprep.toml"
    config.write_text(body + "\n")
    result = run_cli("convert", str(table), "-o", str(tmp_path / "o.jsonl"), "--config", str(config))
    assert result.exit_code == 2
    assert expected in result.output and not (tmp_path / "o.jsonl").exists()


def test_convert_config_of_the_right_types_is_read(tmp_path: Path, run_cli) -> None:
    table = tmp_path / "t.csv"
    table.write_text("text,label\nmy invoice is wrong,billing\n", encoding="utf-8")
    config = tmp_path / "ftprep.toml"
    config.write_text('[convert]\nredact-pii = false\n[convert.clean]\nmin-chars = 2\n'
                      'strip-quotes = true\n[convert.email]\nlabel-map-file = "labels.csv"\n'
                      '[convert.columns]\ntext = ["text"]\n[pii]\nregions = ["GB", "us"]\n')
    result = run_cli("convert", str(table), "-o", str(tmp_path / "o.jsonl"), "--config", str(config))
    assert result.exit_code == 0, result.output


def test_whole_numbers_where_floats_are_expected(tmp_path: Path) -> None:
    from ftprep.dataset import DatasetCheckSettings

    config = tmp_path / "ftprep.toml"
    config.write_text("[check]\nnear-duplicate-threshold = 1\nmax-imbalance = 20\n")
    settings = DatasetCheckSettings.from_config(load_config(config))
    assert settings.near_duplicate_threshold == 1.0 and settings.max_imbalance == 20.0


@pytest.mark.parametrize("body", ['labels = ["billing", "technical", "billing"]',
                                  '[check]\nlabels = ["billing", "billing"]'])
def test_a_label_listed_twice_is_a_config_error(tmp_path: Path, run_cli, body: str) -> None:
    config = tmp_path / "ftprep.toml"
    config.write_text(body + "\n")
    result = run_cli("check", str(_few(tmp_path)), "--config", str(config))
    assert result.exit_code == 2
    assert "listed more than once: 'billing'" in result.output and str(config) in result.output


# ---- severity overrides -----------------------------------------------------------------


def test_severity_by_prefix_name_and_code() -> None:
    few, schema = get("FT124"), get("FT107")
    by_prefix = Selection(severity={"FT1": Severity.ERROR})
    assert by_prefix.severity_of(few) is Severity.ERROR
    assert by_prefix.severity_of(get("FT301")) is get("FT301").severity
    by_name = Selection(severity={"few-examples": Severity.INFO})
    assert by_name.severity_of(few) is Severity.INFO
    # The exact check beats its prefix; a longer prefix beats a shorter one.
    mixed = Selection(severity={"FT1": Severity.INFO, "FT12": Severity.WARNING,
                                "schema-violation": Severity.WARNING, "ft": Severity.ERROR})
    assert mixed.severity_of(few) is Severity.WARNING
    assert mixed.severity_of(schema) is Severity.WARNING
    assert mixed.severity_of(get("FT100")) is Severity.INFO
    assert mixed.severity_of(get("FT301")) is Severity.ERROR


@pytest.mark.parametrize("keys", [("FT124", "few-examples"), ("FT1", "ft1"), ("ft124", "FT124")])
def test_two_severity_overrides_for_one_check_are_an_error(keys: tuple[str, str]) -> None:
    with pytest.raises(ValueError) as err:
        Selection(severity={keys[0]: Severity.ERROR, keys[1]: Severity.INFO})
    assert repr(keys[0]) in str(err.value) and repr(keys[1]) in str(err.value)


def test_severity_prefix_in_config_sets_the_exit_code(tmp_path: Path, run_cli) -> None:
    file = _few(tmp_path)
    config = tmp_path / "ftprep.toml"
    config.write_text('[severity]\nFT1 = "error"\n')
    result = run_cli("validate", str(file), "--config", str(config), "--color", "never")
    assert result.exit_code == 1 and "error   FT124" in result.output
    config.write_text('[severity]\nFT124 = "error"\nfew-examples = "info"\n')
    result = run_cli("validate", str(file), "--config", str(config))
    assert result.exit_code == 2
    assert str(config) in result.output and "'FT124' and 'few-examples'" in result.output


# ---- errors name the config file and key, not an option ---------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ('line-format = "bogus"', "line-format: unknown line format 'bogus'"),
    ('target = "BoGuS"', "target: unknown target 'BoGuS'"),
    ('select = ["FT999"]', "select: unknown check code or name: FT999"),
    ('ignore = ["no-such-check"]', "ignore: unknown check code or name: no-such-check"),
    ('[severity]\nFT124 = "fatal"', "severity: unknown severity 'fatal'"),
])
def test_bad_config_values_name_the_file_and_key(tmp_path: Path, run_cli, body: str,
                                                 expected: str) -> None:
    config = tmp_path / "ftprep.toml"
    config.write_text(body + "\n")
    for command in ("validate", "check"):
        result = run_cli(command, str(_few(tmp_path)), "--config", str(config))
        assert result.exit_code == 2
        assert f"{config}: {expected}" in result.output and "--" not in result.output


def test_bad_options_still_name_the_option(tmp_path: Path, run_cli) -> None:
    file = _few(tmp_path)
    assert "--line-format" in run_cli("validate", str(file), "--line-format", "nope").output
    assert "--target" in run_cli("validate", str(file), "--target", "nope").output
    result = run_cli("validate", str(file), "--select", "FT999")
    assert result.exit_code == 2 and "FT999" in result.output


def test_errors_name_tables_as_the_file_writes_them(tmp_path: Path) -> None:
    plain = tmp_path / "ftprep.toml"
    plain.write_text("[check]\nmin-label-count = true\n")
    with pytest.raises(ConfigError, match=r"invalid settings in \[check\]"):
        from ftprep.dataset import DatasetCheckSettings

        DatasetCheckSettings.from_config(load_config(plain))
    plain.write_text('strict = "yes"\n')
    with pytest.raises(ConfigError, match="invalid settings in the top level"):
        load_config(plain)
    project = tmp_path / "pyproject.toml"
    project.write_text('[tool.ftprep]\nstrict = "yes"\n')
    with pytest.raises(ConfigError, match=r"invalid settings in \[tool.ftprep\]"):
        load_config(project)


@pytest.mark.parametrize(("name", "body", "expected"), [
    ("ftprep.toml", "[convert]\nmin-chars = 10\n",
     "min-chars: min-chars belongs in [convert.clean], not in [convert]: move it there"),
    ("ftprep.toml", "[convert]\nmax-chars = 900\n", "max-chars belongs in [convert.clean]"),
    ("ftprep.toml", '[convert]\nlabels = ["billing"]\n',
     "labels belongs at the top level (above the first [table]), not in [convert]"),
    ("ftprep.toml", "[convert.clean]\nredact-pii = false\n",
     "clean.redact-pii: redact-pii belongs in [convert], not in [convert.clean]"),
    ("ftprep.toml", "[convert]\nlabel-header = \"X-Category\"\n",
     "label-header belongs in [convert.email]"),
    ("pyproject.toml", "[tool.ftprep.convert]\nmin-chars = 10\n",
     "min-chars belongs in [tool.ftprep.convert.clean], not in [tool.ftprep.convert]"),
    ("pyproject.toml", '[tool.ftprep.convert]\nlabels = ["billing"]\n',
     "labels belongs in [tool.ftprep], not in [tool.ftprep.convert]"),
    ("ftprep.toml", '[convert]\nsystem_prompt = "a"\nsystem-prompt = "b"\n',
     "system_prompt is given twice in [convert], also as system-prompt: keep one"),
])
def test_a_key_in_the_wrong_table_says_where_it_belongs(tmp_path: Path, run_cli, name: str,
                                                        body: str, expected: str) -> None:
    cfg = tmp_path / name
    cfg.write_text(body, encoding="utf-8")
    src = tmp_path / "in.csv"
    src.write_text("text,label\nMy invoice is wrong,billing\n", encoding="utf-8")
    result = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--config", str(cfg))
    assert result.exit_code == 2
    assert expected in result.output
    assert "check its spelling" not in result.output


def test_a_misspelt_key_is_still_called_unknown(tmp_path: Path, run_cli) -> None:
    cfg = tmp_path / "ftprep.toml"
    cfg.write_text("[convert]\nmin-char = 10\n", encoding="utf-8")
    src = tmp_path / "in.csv"
    src.write_text("text,label\nMy invoice is wrong,billing\n", encoding="utf-8")
    result = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--config", str(cfg))
    assert result.exit_code == 2 and "unknown key: check its spelling" in result.output


@pytest.mark.parametrize(("name", "body", "table"), [
    ("ftprep.toml", 'labels = ["billing"]\n[rules.required]\nrefunds = ["x"]\n', "[rules]"),
    ("pyproject.toml", '[tool.ftprep]\nlabels = ["billing"]\n[tool.ftprep.rules.required]\n'
     'refunds = ["x"]\n', "[tool.ftprep.rules]"),
])
def test_a_rules_error_names_the_table_as_written(tmp_path: Path, run_cli, name: str, body: str,
                                                  table: str) -> None:
    cfg = tmp_path / name
    cfg.write_text(body, encoding="utf-8")
    src = tmp_path / "t.jsonl"
    src.write_text('{"messages": [{"role": "user", "content": "a"}, '
                   '{"role": "assistant", "content": "billing"}]}\n', encoding="utf-8")
    from click.testing import CliRunner

    from ftprep.cli import cli

    result = CliRunner().invoke(cli, ["validate", str(src), "--config", str(cfg)])
    assert result.exit_code == 2
    assert f"invalid settings in {table}: " in result.output
