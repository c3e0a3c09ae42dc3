"""FT501-FT502: phrases each label's replies must contain, and phrases no reply may.

```toml
[tool.ftprep.rules.required]
complaints = ["We are sorry"]
"*" = [{pattern = "^Hi \\w+", regex = true}]

[tool.ftprep.rules.forbidden]
"*" = ["as an AI", {pattern = "\\bChatGPT\\b", regex = true, case-sensitive = true}]
```

The label of a line is the one the FT3xx checks see (the last assistant message, or its
`category` field ...). Required phrases are looked for in that labelled reply; forbidden
phrases in every trained assistant message. A JSON reply is read through its text field
(`reply-field`, else reply, response, answer, message or text).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftprep.checks.behaviour.line import RULES_VIEW, LineView
from ftprep.checks.behaviour.settings import ALL_LABELS, CompiledPhrase
from ftprep.checks.registry import Hit, Scope, register
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from ftprep.checks.behaviour.settings import BehaviourRules

SNIPPET = 40


def _rules_for(table: dict[str, tuple[CompiledPhrase, ...]], line: LineView
               ) -> list[tuple[str, CompiledPhrase]]:
    """(rule key, phrase) pairs that apply to this line: "*" first, then its label's."""
    pairs = [(ALL_LABELS, p) for p in table.get(ALL_LABELS, ())]
    if len(table) > (ALL_LABELS in table):  # label rules exist: the label is needed
        label = line.label
        if label is not None and label != ALL_LABELS:
            pairs += [(label, p) for p in table.get(label, ())]
    return pairs


def _whose(key: str) -> str:
    return "every reply" if key == ALL_LABELS else f"replies labelled {key!r}"


@register("FT501", "required-phrase-missing", Severity.ERROR, scope=Scope.LINE,
          view=RULES_VIEW, trigger="required")
def required_phrase_missing(rules: BehaviourRules, line: LineView) -> Iterator[Hit]:
    """A reply lacks a phrase that `[tool.ftprep.rules.required]` asks of its label.

    Fine-tuning copies the house style of the replies it sees: if some complaints replies
    apologise and others do not, the model learns that apologising is optional. Each label
    (or "*" for every reply) lists phrases its replies must contain, plain text or
    `{pattern = "...", regex = true}`, case-insensitive unless `case-sensitive = true`.
    Add the phrase to the reply, or correct the example's label."""
    pairs = _rules_for(rules.required, line)
    if not pairs:
        return
    for index in line.last():
        reply = line.reply(index)
        for key, phrase in pairs:
            if phrase.regex.search(reply.text) is None:
                yield Hit(f"{_whose(key)} must contain {phrase.describe()}, and this one does "
                          f"not: add it (rules.required.{_key(key)})", path=reply.path,
                          message_index=index)


@register("FT502", "forbidden-phrase", Severity.ERROR, scope=Scope.LINE, view=RULES_VIEW,
          trigger="forbidden")
def forbidden_phrase(rules: BehaviourRules, line: LineView) -> Iterator[Hit]:
    """A reply contains a phrase that `[tool.ftprep.rules.forbidden]` rules out.

    Whatever the replies say, the model learns to say: "as an AI language model", a
    competitor's name or an internal note in one reply can surface in production. Each
    label (or "*") lists phrases its replies must not contain. Rephrase the reply or drop
    the example."""
    pairs = _rules_for(rules.forbidden, line)
    if not pairs:
        return
    for index in line.trained():
        reply = line.reply(index)
        for key, phrase in pairs:
            match = phrase.regex.search(reply.text)
            if match is not None:
                yield Hit(f"contains the forbidden phrase {phrase.describe()} "
                          f"({_quote(reply.text, match.start(), match.end())}); "
                          f"rephrase the reply (rules.forbidden.{_key(key)})", path=reply.path,
                          message_index=index)


def _key(label: str) -> str:
    return label if label.isidentifier() else f'"{label}"'


def _quote(text: str, start: int, end: int) -> str:
    """The match with a little context: “…as an AI language…”."""
    left = max(0, start - SNIPPET // 2)
    right = min(len(text), end + SNIPPET // 2)
    body = " ".join(text[left:right].split())
    return f"“{'…' if left else ''}{body}{'…' if right < len(text) else ''}”"
