"""FT5xx behaviour rules: what the replies teach (phrases, output format, PII, tone and
length consistency, facts that need retrieval, examples per label, system prompt cost).

Rules come from `[tool.ftprep.rules]` (settings.py). Line rules run in `ftprep validate`
through `RulesRunner` (line.py); dataset rules run in `ftprep check` from the figures
`BehaviourCollector` (collector.py) keeps per example. Nothing heavy is imported here:
the registry imports these modules whenever checks are listed.
"""
