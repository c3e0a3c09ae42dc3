"""Configuration from `[tool.ftprep]` in pyproject.toml or from ftprep.toml.

The top level holds options shared by every command; each pipeline validates its own
table (`[tool.ftprep.convert]`, `[tool.ftprep.check]`, `[tool.ftprep.rules]`, ...) with
its own pydantic model through `Config.section`, so this module stays small and a typo
anywhere is reported with its place.
"""

from __future__ import annotations

import difflib
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONFIG_FILES = ("ftprep.toml", "pyproject.toml")

# Tables owned by a pipeline module; anything else under [tool.ftprep] is a typo.
SECTIONS = ("convert", "check", "rules", "pii")

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration file that cannot be read or does not validate."""


class GeneralConfig(BaseModel):
    # strict: TOML values have their types already; "yes" or 1 for a bool is a mistake,
    # not something to coerce (an int still passes where a float is expected).
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    # Per-check severity overrides: {"FT301" = "error"}.
    severity: dict[str, str] = Field(default_factory=dict)
    strict: bool = False
    line_format: str = Field(default="auto", alias="line-format")
    model: str = "gpt-4o-mini-2024-07-18"
    target: str = "openai"
    # Allowed labels and a raw-label -> label map, shared by convert and check.
    labels: list[str] = Field(default_factory=list)
    label_map: dict[str, str] = Field(default_factory=dict, alias="label-map")

    @field_validator("labels")
    @classmethod
    def _labels_once(cls, value: list[str]) -> list[str]:
        return unique_labels(value)


def unique_labels(labels: list[str]) -> list[str]:
    """`labels` unchanged; a label listed twice is a config error (a typo, often)."""
    twice = [label for label, n in Counter(labels).items() if n > 1]
    if twice:
        raise ValueError(f"listed more than once: {', '.join(map(repr, twice))}; list each label once")
    return labels


@dataclass
class Config:
    general: GeneralConfig = field(default_factory=GeneralConfig)
    raw_sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None

    def section(self, name: str, model: type[M]) -> M:
        """Validate the table `[tool.ftprep.<name>]` with the owner's model."""
        if name not in SECTIONS:
            raise KeyError(f"config section {name!r} is not declared in ftprep.config.SECTIONS")
        data = self.raw_sections.get(name, {})
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            homes = _homes(model, name)
            raise ConfigError(_explain(exc, self.source, table_name(self.source, name),
                                       lambda loc: _belongs(loc, name, homes, self.source))) from None

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ftprep.toml, or pyproject.toml with a [tool.ftprep] table, upwards.

    A pyproject.toml that cannot be parsed but mentions ftprep is a ConfigError: skipping
    it would silently drop its settings (strict, select ...)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name == "ftprep.toml" or _has_ftprep_table(candidate)):
                return candidate
    return None


def load_config(path: Path | None = None, *, search: bool = True) -> Config:
    """Load the config file given, or the nearest one; defaults when there is none."""
    if path is None:
        path = find_config() if search else None
        if path is None:
            return Config()
    data = _read_toml(path)
    table = _tool_table(data, path) if path.name == "pyproject.toml" else _unwrap_tool_header(data, path)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.ftprep] must be a table")
    sections = {k: v for k, v in table.items() if k in SECTIONS}
    for key, value in sections.items():
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: `{key}` must be a table ({table_name(path, key)})")
    general = {k: v for k, v in table.items() if k not in SECTIONS}
    try:
        parsed = GeneralConfig.model_validate(general)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path, table_name(path))) from None
    return Config(general=parsed, raw_sections=sections, source=path)


def table_name(path: Path | None, section: str | None = None) -> str:
    """How the user wrote a table: `[tool.ftprep.check]` in pyproject.toml, `[check]` in
    ftprep.toml (whose top level is the general settings)."""
    if path is not None and path.name != "pyproject.toml":
        return f"[{section}]" if section else "the top level"
    return f"[tool.ftprep.{section}]" if section else "[tool.ftprep]"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start}); TOML files must be "
                          "saved as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _tool_table(data: dict[str, Any], path: Path) -> Any:
    """[tool.ftprep] of a pyproject.toml given with --config: its absence is an error,
    since the user asked for this file's settings."""
    tool = data.get("tool")
    tool = tool if isinstance(tool, dict) else {}
    if "ftprep" in tool:
        return tool["ftprep"]
    close = difflib.get_close_matches("ftprep", [str(k) for k in tool], n=1)
    hint = f" ([tool.{close[0]}] is there: a misspelling?)" if close else ""
    raise ConfigError(f"{path}: no [tool.ftprep] table{hint}; add one, or leave --config out")


def _unwrap_tool_header(data: dict[str, Any], path: Path) -> Any:
    """An ftprep.toml holds the settings at its top level; one copied from a
    pyproject.toml with its [tool.ftprep] header is read the same."""
    tool = data.get("tool")
    if tool is None:
        return data
    if set(data) == {"tool"} and isinstance(tool, dict) and set(tool) == {"ftprep"}:
        return tool["ftprep"]
    raise ConfigError(f"{path}: `tool` is not an ftprep setting; in ftprep.toml the settings "
                      "go at the top level: drop the [tool.ftprep] header")


def _has_ftprep_table(path: Path) -> bool:
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    if b"ftprep" not in raw:  # cannot hold our settings, whatever else is wrong with it
        return False
    data = _read_toml(path)
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("ftprep"), dict)


def _keys(model: type[BaseModel]) -> set[str]:
    """The keys a model takes: field names and their (kebab-case) aliases."""
    return {key for name, info in model.model_fields.items() for key in (name, info.alias) if key}


def _homes(model: type[BaseModel], section: str) -> dict[str, set[str]]:
    """Each table of a section (`convert`, `convert.clean` ...) with the keys it takes,
    and the top level (""), so that a key written in the wrong one can be sent home."""
    homes = {"": _keys(GeneralConfig)}
    todo: list[tuple[str, type[BaseModel]]] = [(section, model)]
    while todo:
        table, current = todo.pop()
        homes[table] = _keys(current)
        for name, info in current.model_fields.items():
            sub = info.annotation
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                todo.append((f"{table}.{info.alias or name}", sub))
    return homes


def _belongs(loc: tuple[Any, ...], section: str, homes: dict[str, set[str]],
             path: Path | None) -> str | None:
    """Where an unknown key at `loc` (in the section's table) belongs, if some other table
    takes it: "min-chars belongs in [convert.clean]"."""
    here = ".".join([section, *map(str, loc[:-1])])
    key = str(loc[-1])
    if key in homes.get(here, ()):
        # A key of this very table refused as extra: it was also given under its other
        # spelling (`min_chars` and `min-chars`), which is the one read.
        return (f"{key} is given twice in {table_name(path, here)}, also as "
                f"{key.replace('_', '-')}: keep one")
    found = [table for table, keys in homes.items() if table != here and key in keys]
    if not found:
        return None
    top = table_name(path)
    top = "at the top level (above the first [table])" if top == "the top level" else f"in {top}"
    where = " or ".join(f"in {table_name(path, t)}" if t else top for t in found)
    return f"{key} belongs {where}, not in {table_name(path, here)}: move it there"


def _explain(exc: ValidationError, path: Path | None, table: str,
             belongs: Any = None) -> str:
    lines = [f"{path or '<config>'}: invalid settings in {table}:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(table)"
        hint = ""
        if err["type"] == "extra_forbidden":
            home = belongs(err["loc"]) if belongs and err["loc"] else None
            if home:
                lines.append(f"  {key}: {home}")
                continue
            hint = " (unknown key: check its spelling)"
        # A validator's own message, without pydantic's "Value error, " in front.
        message = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
        lines.append(f"  {key}: {message}{hint}")
    return "\n".join(lines)
