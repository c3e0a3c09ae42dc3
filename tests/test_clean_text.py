from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

# The cleaner imports its html and quotes modules on first use: import them
# here, so that hypothesis does not time that import as one of its examples.
import ftprep.clean.html
import ftprep.clean.quotes  # noqa: F401
from ftprep.clean.text import CleanOptions, TextCleaner

CASES = [
    # (input, expected, steps that changed it)
    ("weâ€™ll refund â‚¬49.99", "we’ll refund €49.99", {"mojibake"}),
    ("I was charged twice\x92s", "I was charged twice’s", {"mojibake"}),
    ("Ã©tÃ© Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "été привет", {"mojibake"}),
    ("café naïve “quoted” – 5€", "café naïve “quoted” – 5€", set()),  # real accents stay
    ("cafe\u0301", "café", {"nfc"}),
    ("bell\x07 and\x00 nul\ufeff", "bell and nul", {"control"}),
    ("bellchar and \x1b[31mansi\x1b[0m, \x1b[1;32mgreen\x1b[K", "bellchar and ansi, green",
     {"control"}),
    ("caf\u00e9 \x1b[31mred\x1b[0m", "caf\u00e9 red", {"control"}),
    # Runs of spaces and tabs inside a line are kept; a no-break space becomes a space.
    ("a  b\t\tc\u00a0d", "a  b\t\tc d", {"whitespace"}),
    ("a  b\t\tc", "a  b\t\tc", set()),
    # Indentation is kept (code, YAML); trailing spaces and tabs go.
    ("for i in x:\n    print(i)  \n\tdone\t", "for i in x:\n    print(i)\n\tdone", {"whitespace"}),
    ("server:\n  port: 8080\n  debug: true", "server:\n  port: 8080\n  debug: true", set()),
    ("a\u2028b\u2029c\u202fd", "a\nb\n\nc d", {"whitespace"}),
    ("\n\n  \n  x\n   \n\n\n  y\n\n", "x\n\n  y", {"whitespace"}),
    (
        "line one  \r\nline two\r\n\r\n\r\n\r\nline three\n",
        "line one\nline two\n\nline three",
        {"whitespace"},
    ),
    ("  padded  ", "padded", {"whitespace"}),
    ("Hi,\n\nplain text.\n\nThanks,\nAnn", "Hi,\n\nplain text.\n\nThanks,\nAnn", set()),
]


@pytest.mark.parametrize(("raw", "expected", "steps"), CASES)
def test_clean(raw: str, expected: str, steps: set[str]) -> None:
    cleaner = TextCleaner()
    assert cleaner.clean(raw) == expected
    changed = {k for k, v in cleaner.summary().items() if v and k != "texts"}
    assert changed == steps


def test_steps_can_be_switched_off() -> None:
    cleaner = TextCleaner(fix_mojibake=False, whitespace=False)
    assert cleaner.clean("weâ€™ll  go ") == "weâ€™ll  go "
    off = TextCleaner(CleanOptions.model_validate({"control-chars": False, "nfc": False}))
    assert off.clean("a\x07e\u0301") == "a\x07e\u0301"


def test_length_filters_return_a_reason() -> None:
    cleaner = TextCleaner(CleanOptions.model_validate({"min-chars": 5, "max-chars": 10}))
    assert cleaner.check_length("hey") == "too-short"
    assert cleaner.check_length("hello") is None
    assert cleaner.check_length("x" * 11) == "too-long"
    assert "11 characters" in cleaner.length_detail("x" * 11)
    assert cleaner.summary()["too-short"] == 1 and cleaner.summary()["too-long"] == 1
    assert TextCleaner().check_length("") == "too-short"  # default min 1: nothing left


def test_options_reject_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        CleanOptions.model_validate({"min_charz": 3})


@given(st.text())
def test_clean_is_idempotent_and_never_crashes(text: str) -> None:
    cleaner = TextCleaner()
    once = cleaner.clean(text)
    assert cleaner.clean(once) == once
    assert "\n\n\n" not in once and once == once.strip()
    assert not any(line != line.rstrip(" \t") for line in once.split("\n"))


@given(st.text(st.sampled_from(list("ab >-\n\t"))))
def test_indentation_and_inner_spaces_are_kept(text: str) -> None:
    """Every non-blank line keeps its leading whitespace and inner runs: only line ends,
    blank-line runs and the text's ends change (quotes off: they cut lines)."""
    out = TextCleaner(strip_quotes="off").clean(text)
    kept = [line.rstrip(" \t") for line in text.strip().split("\n")]
    if text.strip():
        assert out.split("\n")[1:] == [line for line in _one_blank(kept)][1:]


def _one_blank(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not (line == "" and out and out[-1] == ""):
            out.append(line)
    return out


@given(
    st.lists(
        st.one_of(st.text(), st.text(st.sampled_from(list("ab >-\n\t\r\x00\x0bé\u00a0")))), max_size=12
    )
)
def test_clean_many_matches_clean(texts: list[str]) -> None:
    batch, single = TextCleaner(), TextCleaner()
    assert batch.clean_many(texts) == [single.clean(t) for t in texts]
    assert batch.summary() == single.summary()


def test_clean_many_remembers_repeated_texts_without_changing_counts() -> None:
    texts = ["Caf\u00c3\u00a9  au lait", "a\tb ", "Caf\u00c3\u00a9  au lait", "plain"]
    batch, single = TextCleaner(), TextCleaner()
    for _ in range(2):
        assert batch.clean_many(texts) == [single.clean(t) for t in texts]
    assert batch.summary() == single.summary()
    assert batch.summary()["mojibake"] == 4
