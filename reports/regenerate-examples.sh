#!/usr/bin/env bash
# Regenerate the example reports in reports/examples/ from their vignettes.
# tests/test_examples_and_schemas.py fails when an example is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
for example in reports/examples/*.*; do
    name=$(basename "$example")
    python -m ipt_expert formulate "case_vignettes/${name%%.*}.yaml" -o "$example" --force
done
