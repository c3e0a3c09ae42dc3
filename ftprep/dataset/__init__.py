"""Dataset-level analysis: small per-example features computed in one streaming pass
(hashes, label, MinHash signature), then the checks and the split that need the whole
dataset (labels and balance, duplicates, near-duplicates, leakage).

Nothing here keeps records: `DatasetFeatures` holds a few integers, a label and a
compact signature per example.
"""

from __future__ import annotations

from ftprep.dataset.collect import (
    DatasetCheckSettings,
    DatasetContext,
    DatasetFeatures,
    collect_features,
    run_dataset_checks,
)
from ftprep.dataset.features import ExampleFeatures, extract_features, normalise

__all__ = [
    "DatasetCheckSettings",
    "DatasetContext",
    "DatasetFeatures",
    "ExampleFeatures",
    "collect_features",
    "extract_features",
    "normalise",
    "run_dataset_checks",
]
