"""FT140-FT152: a training target's own rules, applied only with `--target NAME`.

The rules are data on the `Target` (ftprep/targets/); these checks read them. Line checks
get the target first: "target-shape" checks see (target, roles) and are cached per
shape like conversation.py's shape checks; "target-record" checks see (target, record,
messages). The pipeline skips both views unless a target is chosen, and `TargetRules`
runs them. With a target, its example and file-size limits replace OpenAI's defaults
(FT123-FT125).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ftprep.checks.conversation import UNTRAINED
from ftprep.checks.registry import Check, Hit, Scope, Selection, checks_in_scope, declare, register
from ftprep.report.finding import Finding, Severity
from ftprep.targets import Target, get_target

if TYPE_CHECKING:
    from ftprep.formats import LineFormat

Record = dict[str, Any]
Shape = tuple[str, ...]

FORMAT_NOT_ACCEPTED = declare(
    "FT140", "target-format-not-accepted", Severity.ERROR,
    """File's line format is not one the chosen target accepts.

    Each target reads its own line shape (Vertex: contents/parts; Nova: schemaVersion and
    content lists; Bedrock Claude: a system string ...). Convert the file with
    `ftprep export FILE --target NAME -o OUT`; `ftprep targets` lists what each accepts.""",
    scope=Scope.FILE,
)
TOO_FEW_EXAMPLES = declare(
    "FT147", "target-too-few-examples", Severity.ERROR,
    """File has fewer examples than the chosen target's minimum.

    With --target, the target's minimum replaces OpenAI's 10 (FT123): Nova needs 8,
    Together 1. Add examples. A small validation file is validated on its own with
    `--ignore FT147,FT150`.""",
    scope=Scope.FILE,
)
TOO_MANY_EXAMPLES = declare(
    "FT148", "target-too-many-examples", Severity.ERROR,
    """File has more examples than the chosen target accepts.

    Nova accepts at most 20,000 examples; Vertex Gemini 1,000,000 text examples. Split
    the file or sample it down.""",
    scope=Scope.FILE,
)
FILE_TOO_LARGE = declare(
    "FT149", "target-file-too-large", Severity.ERROR,
    """File is larger than the chosen target accepts.

    With --target, the target's limit replaces OpenAI's 512 MB (FT125): Together's SDK
    takes 50.1 GB, Vertex 1 GB. Split the file.""",
    scope=Scope.FILE,
)
FEW_EXAMPLES = declare(
    "FT150", "target-few-examples", Severity.WARNING,
    """File has fewer examples than the chosen target recommends.

    OpenAI suggests starting with 50, Google with 100 for Gemini. Fewer rarely change
    behaviour reliably; add examples before paying for a run.""",
    scope=Scope.FILE,
)


def _roles(shape: Shape) -> list[str]:
    return ["assistant" if role == UNTRAINED else role for role in shape]


@register("FT141", "target-role-not-allowed", Severity.ERROR, scope=Scope.LINE,
          view="target-shape")
def role_not_allowed(target: Target, shape: Shape) -> Iterator[Hit]:
    """Message role the chosen target does not accept.

    Together takes system, user and assistant only; Bedrock and Vertex have no tool role.
    Remove the message, or export with `ftprep export`, which drops and reports it."""
    allowed = ", ".join(target.role_name(r) for r in target.roles)
    for i, role in enumerate(_roles(shape)):
        if role not in target.roles:
            yield Hit(f"role {role!r} is not accepted by {target.title} (it takes {allowed}); "
                      "remove the message", message_index=i)


@register("FT142", "target-system-placement", Severity.ERROR, scope=Scope.LINE,
          view="target-shape")
def system_placement(target: Target, shape: Shape) -> Iterator[Hit]:
    """System message where the chosen target does not take one, or too many of them.

    Bedrock, Vertex and Alpaca hold one system prompt in a field of the line, so it can
    only come first; Mistral allows one system message. Merge the system messages into
    one at the start."""
    roles = _roles(shape)
    where = (f"only in `{target.system_field}`, before the conversation" if target.system ==
             "field" else "only as the first message")
    seen = 0
    started = False
    for i, role in enumerate(roles):
        if role != "system":
            started = True
            continue
        seen += 1
        if target.system == "none":
            yield Hit(f"{target.title} takes no system prompt; fold it into the first user "
                      "message", message_index=i)
        elif started and target.system in ("first", "field"):
            yield Hit(f"system message after the conversation started; {target.title} takes "
                      f"the system prompt {where}", message_index=i)
        elif target.max_system_messages is not None and seen > target.max_system_messages:
            yield Hit(f"{target.title} allows {target.max_system_messages} system message(s); "
                      "merge them into one", message_index=i)


@register("FT143", "target-roles-not-alternating", Severity.ERROR, scope=Scope.LINE,
          view="target-shape")
def not_alternating(target: Target, shape: Shape) -> Iterator[Hit]:
    """Two consecutive turns with the same role where the target needs alternation.

    Together (its 1.x checker), Bedrock and Alpaca reject two user or two assistant
    messages in a row. Merge them or restore the missing turn."""
    if not target.alternate:
        return
    previous = None
    for i, role in enumerate(_roles(shape)):
        if role == previous and role != "tool":
            yield Hit(f"this message has the same role ({target.role_name(role)}) as the one "
                      f"before it; {target.title} needs alternating turns: merge them",
                      message_index=i)
        previous = role


@register("FT144", "target-first-role", Severity.ERROR, scope=Scope.LINE, view="target-shape")
def first_role(target: Target, shape: Shape) -> Iterator[Hit]:
    """Conversation does not start with the role the chosen target requires.

    After the system prompt, Bedrock (Nova and Claude) and Alpaca need a user turn. Add
    the user's turn or drop the leading assistant message."""
    if target.first_roles is None:
        return
    wanted = " or ".join(target.role_name(r) for r in target.first_roles)
    for i, role in enumerate(_roles(shape)):
        if role == "system":
            continue
        if role not in target.first_roles:
            yield Hit(f"the conversation starts with {target.role_name(role)}; {target.title} "
                      f"needs {wanted} first", message_index=i)
        return
    yield Hit(f"no messages besides the system prompt; {target.title} needs {wanted} first")


@register("FT145", "target-last-role", Severity.ERROR, scope=Scope.LINE, view="target-shape")
def last_role(target: Target, shape: Shape) -> Iterator[Hit]:
    """Conversation does not end with the role the chosen target requires.

    Bedrock and Mistral ("Expected last role to be one of: [assistant]") need the last
    message to be the assistant's reply. Add the reply or drop the trailing messages."""
    roles = _roles(shape)
    if target.last_roles is None or not roles:
        return
    if roles[-1] not in target.last_roles:
        wanted = " or ".join(target.role_name(r) for r in target.last_roles)
        yield Hit(f"the conversation ends with {target.role_name(roles[-1])}; {target.title} "
                  f"needs {wanted} last", message_index=len(roles) - 1)


@register("FT146", "target-forbidden-string", Severity.ERROR, scope=Scope.LINE,
          view="target-record")
def forbidden_string(target: Target, record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Message text contains a string the chosen target rejects.

    Nova's validator rejects speaker labels and special tokens such as "User:", "[EOS]"
    and "<image>" inside text: they confuse the model's own chat template. Rephrase the
    text without them."""
    if not target.forbidden_strings:
        return
    for i, message in enumerate(messages):
        for path, text in _texts(message):
            for bad in target.forbidden_strings:
                if bad in text:
                    yield Hit(f"text contains {bad!r}, which {target.title} rejects; rephrase "
                              "it without speaker labels or special tokens",
                              path=path, message_index=i)


@register("FT151", "target-unsupported-feature", Severity.WARNING, scope=Scope.LINE,
          view="target-record")
def unsupported_feature(target: Target, record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Example uses a feature the chosen target does not take.

    TRL documents no per-message weight, so a reply marked weight 0 would be trained on;
    a target whose format has no tools or tool calls would lose them. The target ignores or rejects
    them: `ftprep export --target NAME` drops them and says so. Remove them, or pick a
    target that takes them."""
    if not target.unsupported:
        return
    if "tools" in target.unsupported:
        for key in ("tools", "functions", "parallel_tool_calls"):
            if key in record:
                yield Hit(f"{target.title} takes no tool definitions (`{key}`); export drops "
                          "them", path=f"$.{key}")
    for i, message in enumerate(messages):
        if "tool calls" in target.unsupported and (
                "tool_calls" in message or "function_call" in message or
                message.get("role") in ("tool", "function")):
            yield Hit(f"{target.title} takes no tool calls or tool results; export drops them",
                      message_index=i)
        if "weight" in target.unsupported and "weight" in message:
            what = ("this reply would be trained on anyway" if message["weight"] == 0
                    else "it is ignored")
            yield Hit(f"{target.title} has no per-message weight: {what}; export drops it",
                      path=".weight", message_index=i)


@register("FT152", "target-tool-call-id", Severity.ERROR, scope=Scope.LINE,
          view="target-record")
def tool_call_id(target: Target, record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Tool-call id the chosen target does not accept.

    Mistral's validator (mistral_common) needs ids of exactly 9 letters or digits
    ("TX92Jm8Zi"). Rename the id in the call and in its tool message alike;
    `ftprep export --target mistral` rewrites them and says so."""
    if target.tool_call_id is None:
        return
    pattern = re.compile(target.tool_call_id)
    for i, message in enumerate(messages):
        ids = [(f".tool_calls[{k}].id", c.get("id")) for k, c in
               enumerate(message.get("tool_calls") or ())]
        if message.get("role") == "tool":
            ids.append((".tool_call_id", message.get("tool_call_id")))
        for path, value in ids:
            if isinstance(value, str) and not pattern.fullmatch(value):
                yield Hit(f"tool call id {value!r} does not match `{target.tool_call_id}`, as "
                          f"{target.title} requires; rename it in the call and its tool "
                          "message, or export with `ftprep export --target "
                          f"{target.name}`, which rewrites it", path=path, message_index=i)


def _texts(message: Record) -> Iterator[tuple[str, str]]:
    content = message.get("content")
    if isinstance(content, str):
        yield ".content", content
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield f".content[{j}].text", part["text"]


class TargetRules:
    """Runs one target's checks for the validation pipeline."""

    def __init__(self, target: Target | str, selection: Selection) -> None:
        self.target = get_target(target) if isinstance(target, str) else target
        self.selection = selection
        line = [c for c in checks_in_scope(Scope.LINE) if selection.enabled(c)]
        self.shape_checks = [c for c in line if c.view == "target-shape"]
        self.record_checks = [c for c in line if c.view == "target-record"]
        unused = {"FT146"} if not self.target.forbidden_strings else set()
        if not self.target.unsupported:
            unused.add("FT151")
        if self.target.tool_call_id is None:
            unused.add("FT152")
        self.record_checks = [c for c in self.record_checks if c.code not in unused]
        self._shape_hits: dict[Shape, list[tuple[Check, Hit]]] = {}

    @property
    def formats(self) -> tuple[str, ...]:
        return self.target.formats

    def own_shape(self, fmt: LineFormat) -> LineFormat:
        """`fmt` as this target takes it (its own schema for the format, if it has one)."""
        from ftprep.formats import shaped

        return shaped(fmt, self.target.schemas)

    def format_findings(self, file: str, line_format: str, line: int) -> list[Finding]:
        if line_format in self.target.formats:
            return []
        accepted = ", ".join(self.target.formats)
        return list(self.selection.emit(
            FORMAT_NOT_ACCEPTED, f"the file is in {line_format} format; {self.target.title} "
            f"accepts {accepted}: convert it with `ftprep export {file} --target "
            f"{self.target.name} -o OUT.jsonl`", file=file, line=line))

    def line_hits(self, record: Record, messages: list[Record], shape: Shape
                  ) -> list[tuple[Check, Hit]]:
        hits = self._shape_hits.get(shape)
        if hits is None:
            hits = [(c, h) for c in self.shape_checks
                    for h in c.func(self.target, shape)]  # type: ignore[misc]
            self._shape_hits[shape] = hits
        if self.record_checks:
            hits = list(hits)
            for check in self.record_checks:
                hits.extend((check, h) for h in check.func(self.target, record, messages))  # type: ignore[misc]
        return hits

    def file_findings(self, file: str, examples: int, counted: str | None = None) -> list[Finding]:
        """The example-count rules; `counted` says the count in words (valid of all)."""
        t, sel = self.target, self.selection
        counted = counted or f"{examples} example(s)"
        out: list[Finding] = []
        if t.min_examples is not None and examples < t.min_examples:
            out += sel.emit(TOO_FEW_EXAMPLES, f"{counted}; {t.title} needs at least "
                            f"{t.min_examples}: add more (for a validation file, --ignore "
                            f"{TOO_FEW_EXAMPLES.code},{FEW_EXAMPLES.code})", file=file)
        elif t.recommended_examples is not None and examples < t.recommended_examples:
            out += sel.emit(FEW_EXAMPLES, f"{counted}; {t.title} recommends at least "
                            f"{t.recommended_examples}: add more", file=file)
        if t.max_examples is not None and examples > t.max_examples:
            out += sel.emit(TOO_MANY_EXAMPLES, f"{examples} examples; {t.title} accepts at "
                            f"most {t.max_examples}: split or sample the file", file=file)
        return out

    def size_findings(self, file: str, size: int) -> list[Finding]:
        limit = self.target.max_file_bytes
        if limit is None or size <= limit:
            return []
        return list(self.selection.emit(
            FILE_TOO_LARGE, f"file is {_human_bytes(size)}; {self.target.title} accepts at "
            f"most {_human_bytes(limit)}: split it", file=file))


def _human_bytes(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"
