"""The results contract is a JSON Schema in the repository; every committed
result file and every fixture follows it, and what violates it is refused."""

import json

import jsonschema
import pytest

from conftest import FIXTURES, ROOT, load_json
from locality.report.load import schema_path, validate

FILES = sorted((ROOT / "results").glob("*.json")) + sorted(FIXTURES.glob("*.json"))


def test_the_schema_is_a_valid_schema_in_the_package():
    schema = json.loads(schema_path().read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema_path().is_file() and schema_path().name == "result.schema.json"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_committed_result_and_fixture_follows_it(path):
    validate(path, load_json(path))


def test_a_fresh_run_follows_it(quick_result):
    validate(quick_result, load_json(quick_result))


def test_what_the_schema_refuses(real_result):
    data = load_json(real_result)
    validator = jsonschema.Draft202012Validator(json.loads(schema_path().read_text()))
    assert not list(validator.iter_errors(data))
    bad = json.loads(json.dumps(data))
    bad["context"]["locality"]["families"]["heap_vector"]["claims"][0]["kind"] = "vibes"
    assert list(validator.iter_errors(bad))
    bad = json.loads(json.dumps(data))
    first = next(b for b in bad["benchmarks"] if b["run_type"] == "iteration")
    first["elements"] = 0
    assert list(validator.iter_errors(bad))
