"""`ftprep split FILE -o TRAIN --validation-out VAL`"""

from __future__ import annotations

from pathlib import Path

import click

from ftprep.cli.options import CannotRun, finish, load, render


@click.command("split")
@click.argument("input_file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--output", "-o", "train_out", required=True, type=click.Path(dir_okay=False),
              help="Where the training half goes.")
@click.option("--validation-out", "val_out", required=True, type=click.Path(dir_okay=False),
              help="Where the validation half goes.")
@click.option("--validation-fraction", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=None, help="Share of examples for validation (default 0.2, at most 1000).")
@click.option("--validation-size", type=click.IntRange(min=1), default=None,
              help="Number of examples for validation.")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same split.")
@click.option("--rejects", "rejects_out", type=click.Path(dir_okay=False), default=None,
              help="Where invalid lines go (default: beside the training file).")
@click.option("--near-duplicate-threshold", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Near-duplicate clusters stay on one side (default: the config's "
              "[check] near-duplicate-threshold, else 0.8).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Config file (default: nearest ftprep.toml or pyproject.toml with "
              "[tool.ftprep]).")
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json", "markdown", "html"]),
              default="text", show_default=True, help="Report format.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, allow_dash=True),
              default=None, help="Write the report to a file instead of stdout (- for stdout).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              help="Colour in the text report (NO_COLOR is respected).")
def split_command(input_file: str, train_out: str, val_out: str, validation_fraction: float | None,
                  validation_size: int | None, seed: int, rejects_out: str | None,
                  near_duplicate_threshold: float | None, config_path: Path | None, output_format: str,
                  report_path: str | None, color: str) -> None:
    """Stratified train/validation split that keeps duplicates and near-duplicates on one
    side, so the validation set never leaks; reports the balance of both halves."""
    from ftprep.config import ConfigError
    from ftprep.dataset import DatasetCheckSettings
    from ftprep.jsonl import default_rejects_path
    from ftprep.report.finding import Report
    from ftprep.split import SplitError, split, write_split

    if validation_fraction is not None and validation_size is not None:
        raise click.UsageError("give --validation-fraction or --validation-size, not both")
    for value, hint in ((train_out, "--output"), (val_out, "--validation-out"),
                        (rejects_out, "--rejects")):
        if value == "-":
            # Two halves (and the rejects) cannot share stdout; never make a file named "-".
            raise click.BadParameter("split writes files: name one (`-`, stdout, is not taken "
                                     "here)", param_hint=hint)
    try:
        settings = DatasetCheckSettings.from_config(load(config_path))
    except ConfigError as exc:
        raise CannotRun(str(exc)) from None
    if near_duplicate_threshold is None and settings.near_duplicates:
        # What check calls near-duplicates (FT406 between the halves) is kept together.
        near_duplicate_threshold = settings.near_duplicate_threshold
    try:
        result = split(input_file, validation_fraction=validation_fraction,
                       validation_size=validation_size, seed=seed, label_field=settings.label_field,
                       near_duplicate_threshold=near_duplicate_threshold, num_perm=settings.num_perm)
        if result.rejected_lines and rejects_out is None:
            rejects_out = str(default_rejects_path(train_out))
        written = write_split(input_file, result, train_out, val_out, rejects_out,
                              also=[(report_path, "report")] if report_path else [])
    except SplitError as exc:
        raise CannotRun(str(exc)) from None
    except OSError as exc:
        raise CannotRun(f"cannot write the split: {exc.strerror or exc} "
                        f"({exc.filename or train_out})") from None
    out = result.report or Report(command="split")
    out.command = "split"
    out.stats["split"] = {**result.to_dict(), "written": written,
                          "files": {"train": train_out, "validation": val_out, "rejects": rejects_out}}
    render(out, output_format, report_path, color,
           written=[train_out, val_out, *([rejects_out] if rejects_out else [])])
    click.echo(f"split {input_file}: {len(result.train_lines)} train -> {train_out}, "
               f"{len(result.validation_lines)} validation -> {val_out}"
               + (f", {len(result.rejected_lines)} rejected -> {rejects_out}"
                  if result.rejected_lines else ""),
               err=True)
    finish(out, strict=False, exit_zero=True)
