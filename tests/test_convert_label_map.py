"""A label-map target that is not an allowed label is a configuration error before
anything is read, naming the entry; a row whose mapped label is refused says it was mapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftprep.build import BuildError, BuildSettings

ROWS = "text,label\n" + "".join(f"My ticket number {i} needs help,{lab}\n"
                                for i, lab in enumerate(["Tech", "billing"] * 6))


def _run(tmp_path: Path, run_cli, config: str, *args: str):
    src = tmp_path / "in.csv"
    src.write_text(ROWS, encoding="utf-8")
    cfg = tmp_path / "ftprep.toml"
    cfg.write_text(config, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    return run_cli("convert", str(src), "-o", str(out), "--config", str(cfg), *args), out, cfg


def test_a_config_entry_mapping_to_a_label_not_allowed(tmp_path: Path, run_cli) -> None:
    result, out, cfg = _run(tmp_path, run_cli, 'labels = ["billing", "technical", "returns"]\n'
                            '[label-map]\n"Tech" = "techincal"\n')
    assert result.exit_code == 2
    assert (f'{cfg}: [label-map] "Tech" = "techincal": \'techincal\' is not one of the allowed '
            f"labels (billing, technical, returns) in {cfg}; did you mean 'technical'?") in result.output
    assert not out.exists()


def test_an_option_entry_and_option_labels(tmp_path: Path, run_cli) -> None:
    result, out, _ = _run(tmp_path, run_cli, "", "--label-map", "Tech=tech support",
                          "--labels", "billing,technical")
    assert result.exit_code == 2
    assert ("--label-map 'Tech=tech support': 'tech support' is not one of the allowed "
            "--labels (billing, technical)") in result.output
    assert "did you mean" not in result.output and not out.exists()


@pytest.mark.parametrize("config", [
    'labels = ["billing", "technical"]\n[label-map]\n"Tech" = "Technical"\n',  # case: allowed
    '[label-map]\n"Tech" = "anything"\n',  # no allowed labels: nothing to check against
])
def test_targets_that_are_fine(tmp_path: Path, run_cli, config: str) -> None:
    result, out, _ = _run(tmp_path, run_cli, config)
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_a_mapped_label_that_is_refused_says_it_was_mapped() -> None:
    build = BuildSettings(label_map={"Tech": "tech"}, allowed_labels=["billing", "technical"])
    with pytest.raises(BuildError) as caught:
        build.normalise_label("Tech")
    assert caught.value.reason == "label-not-allowed"
    assert "label 'tech', mapped from 'Tech' by the label map, is not in" in caught.value.detail
    with pytest.raises(BuildError) as caught:
        build.normalise_label("spam")
    assert "mapped" not in caught.value.detail.split(";")[0]
