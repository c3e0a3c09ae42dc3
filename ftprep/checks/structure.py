"""FT1xx problems found while reading a file: bytes, JSON, line format, example counts.

The JSONL reader and the validation pipeline emit these themselves; they are declared
here so that each has a code, a name, a severity and documentation like every check.
"""

from __future__ import annotations

from ftprep.checks.registry import Scope, declare
from ftprep.report.finding import Severity

INVALID_UTF8 = declare(
    "FT100", "invalid-utf8", Severity.ERROR,
    """Line is not valid UTF-8.

    Fine-tuning services read training files as UTF-8; a line in another encoding
    (cp1252, latin-1 ...) is rejected or its text is garbled. Re-save the file as UTF-8,
    or convert it with `ftprep convert`, which detects the encoding.""",
    scope=Scope.READER,
)
BYTE_ORDER_MARK = declare(
    "FT101", "byte-order-mark", Severity.ERROR,
    """File starts with a UTF-8 byte-order mark.

    The BOM makes the first line invalid JSON for strict parsers. Save the file as UTF-8
    without BOM.""",
    scope=Scope.READER,
)
BLANK_LINE = declare(
    "FT102", "blank-line", Severity.ERROR,
    """Blank line in a JSONL file.

    Every line of a training file is read as one example; a blank line is an unparseable
    example for OpenAI's validator. Delete it.""",
    scope=Scope.READER,
)
INVALID_JSON = declare(
    "FT103", "invalid-json", Severity.ERROR,
    """Line is not valid JSON.

    The message gives the line and column where parsing failed. A common cause is a
    record pretty-printed over several lines: JSONL needs one record per line. A file
    that is one pretty-printed JSON object or array gets one such error, at line 1,
    with the `jq -c` command that converts it.""",
    scope=Scope.READER,
)
NOT_AN_OBJECT = declare(
    "FT104", "not-a-json-object", Severity.ERROR,
    """Line is JSON but not an object.

    Each line must be one JSON object such as {"messages": [...]}; arrays, strings and
    numbers are rejected ("Line 1 is not a dictionary").""",
    scope=Scope.READER,
)
UNKNOWN_FORMAT = declare(
    "FT105", "unknown-line-format", Severity.ERROR,
    """Line matches no known training format.

    A chat line needs `messages`; a preference (DPO) line needs `input`,
    `preferred_output` and `non_preferred_output`. Check the keys' spelling, or pass
    --line-format to say which format the file is in.""",
    scope=Scope.READER,
)
MIXED_FORMATS = declare(
    "FT106", "mixed-line-formats", Severity.ERROR,
    """Line is in a different format from the rest of the file.

    A training file holds one format: a chat file with a DPO line in it fails upload
    ("Unexpected file format"). The file's format is the one most of its first ten
    lines have, so the odd line is flagged even when it comes first. Move the odd lines
    to their own file.""",
    scope=Scope.READER,
)
SCHEMA_VIOLATION = declare(
    "FT107", "schema-violation", Severity.ERROR,
    """Line does not match its format's schema.

    A missing or unknown key, a wrong type, an unknown role or a weight other than 0 or
    1. The message names the JSON path and the fix; the schemas are in schemas/ and
    `ftprep schema NAME` prints them.""",
    scope=Scope.READER,
)
DUPLICATE_KEY = declare(
    "FT109", "duplicate-key", Severity.ERROR,
    """An object has the same key twice (`{"role": "user", "role": "assistant"}`).

    RFC 8259 leaves the result undefined: many parsers (Python's, pydantic's) keep the
    last value and drop the others without a word, others fail, so what was written first
    is likely never trained on (and ftprep's checks see only the last value too). It
    usually comes from a script that builds lines by string concatenation. Remove the
    extra key or give it its own name.""",
    scope=Scope.READER,
)
TOO_FEW_EXAMPLES = declare(
    "FT123", "too-few-examples", Severity.ERROR,
    """File has fewer than 10 examples, OpenAI's minimum for a training file.

    OpenAI rejects such a training file (`invalid_n_examples`: "Training file has N
    example(s), but must have at least 10 examples"). Add examples. ftprep's sources
    give no minimum for a validation file, and `validate` cannot tell the two apart, so
    a small validation file gets this error too: validate it on its own with
    `ftprep validate valid.jsonl --ignore FT123,FT124` (FT124's 50 is advice for
    training data).""",
    scope=Scope.FILE,
)
FEW_EXAMPLES = declare(
    "FT124", "few-examples", Severity.WARNING,
    """File has fewer than 50 examples.

    OpenAI's guide: improvements usually show from 50 to 100 well-made examples; fewer
    rarely change behaviour reliably. Add examples before paying for a run.""",
    scope=Scope.FILE,
)
FILE_TOO_LARGE = declare(
    "FT125", "file-too-large", Severity.ERROR,
    """File is larger than the 512 MB the Files API accepts in one upload.

    Split the file, or upload it through the Uploads API (up to 8 GB in parts).""",
    scope=Scope.FILE,
)
TOO_MANY_IMAGE_EXAMPLES = declare(
    "FT127", "too-many-image-examples", Severity.ERROR,
    """File has more than 50,000 examples that contain images.

    OpenAI's vision fine-tuning accepts at most 50,000 examples with images (text-only
    examples do not count). Drop or split image examples.""",
    scope=Scope.FILE,
)

MIN_EXAMPLES = 10
RECOMMENDED_EXAMPLES = 50
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_IMAGE_EXAMPLES = 50_000
