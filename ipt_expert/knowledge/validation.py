"""JSON Schema validation that speaks to the person who wrote the file.

jsonschema finds every problem; we report every one, in file order (the
first is raised, carrying the others), each with its line, its field path,
the value given, what was expected and, for misspelt keys and values, the
closest valid spelling.

A file is first shown to jsonschema-rs, a compiled validator of the same
draft: when it accepts the file, that is the answer. Only a file it does not
accept (or cannot read: a YAML date, say) goes to jsonschema, which decides
and explains. jsonschema-rs imports in a few milliseconds where jsonschema
takes about 45, most of a cold ``formulate`` that reads a valid case;
``tests/test_schema_agreement.py`` checks that it never accepts what
jsonschema refuses.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from ipt_expert.io.errors import IptExpertError, did_you_mean, field_path
from ipt_expert.io.resources import load_schema
from ipt_expert.io.yamlio import Document

if TYPE_CHECKING:
    import jsonschema
    from jsonschema import Draft202012Validator


@lru_cache(maxsize=None)
def _validator(schema_name: str) -> Draft202012Validator:
    # The shipped schemas are checked against the metaschema by the test
    # suite, not here: that check alone costs more than a whole formulation.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(schema_name))


@lru_cache(maxsize=None)
def _quick_validator(schema_name: str):
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(load_schema(schema_name))


_JSON_TYPES = frozenset((dict, list, str, int, float, bool, type(None)))


def plainly_valid(data, schema_name: str) -> bool:
    """True when jsonschema-rs accepts the data; False when it does not, or cannot read it (jsonschema decides).

    Only data made of JSON's own types is shown to it: a tuple or a Decimal (data given from Python
    code, never read from a file) is a list or a number to jsonschema-rs but not to jsonschema.
    """
    if not _json_shaped(data):
        return False
    try:
        return _quick_validator(schema_name).is_valid(data) is True
    except Exception:      # a value it cannot take (a huge number): jsonschema decides
        return False


def _json_shaped(data) -> bool:
    """Whether the data is dicts with text keys, lists, text, numbers, booleans and nulls, and nothing else."""
    pending = [data]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind not in _JSON_TYPES:
            return False
        if kind is dict:
            if not all(type(key) is str for key in value):
                return False
            pending.extend(value.values())
        elif kind is list:
            pending.extend(value)
    return True


def show(value: object) -> str:
    """A value as the user would have typed it in YAML."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _plain(value: object) -> str:
    return show(value).strip("'")


def _expected(schema: dict, validator: Draft202012Validator) -> str:
    """Describe what a (sub)schema accepts, in words."""
    if "$ref" in schema:
        # Our schemas only use local references ("#/$defs/name").
        target = validator.schema
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _expected(target, validator)
    if "enum" in schema:
        return "one of: " + ", ".join(_plain(v) for v in schema["enum"])
    if "const" in schema:
        return show(schema["const"])
    if "oneOf" in schema or "anyOf" in schema:
        return " or ".join(_expected(s, validator) for s in schema.get("oneOf", schema.get("anyOf")))
    kind = schema.get("type")
    words = {"string": "a text", "integer": "a whole number", "number": "a number",
             "object": "a mapping", "array": "a list", "boolean": "true or false"}
    text = words.get(kind, "a value") if isinstance(kind, str) else "a value"
    low, high = schema.get("minimum"), schema.get("maximum")
    above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if low is not None and high is not None:
        text += f" from {low} to {high}"
    elif above is not None and below is not None:
        text += f" above {above} and below {below}"
    elif low is not None:
        text += f" of at least {low}"
    return text


_FORMS = {
    "^[a-z][a-z0-9 _'-]{0,59}$": "use a role label such as 'mother' or 'older sister' (lower-case letters, "
                                 "digits, spaces, ' - _), not a name",
    "^[a-z0-9][a-z0-9_-]{0,79}$": "use lower-case letters, digits, '-' and '_'",
    "^[a-z0-9][a-z0-9_-]{0,59}$": "use lower-case letters, digits, '-' and '_'",
    "^[a-z][a-z0-9_]{2,79}$": "use lower-case letters, digits and '_', starting with a letter",
    "^[a-z][a-z0-9_]*$": "use lower-case letters, digits and '_', starting with a letter",
}


def _form(schema: dict) -> str:
    return _FORMS.get(schema.get("pattern", ""), f"it must match {schema.get('pattern')}")


def _yaml_reading(value: object, written: str | None) -> str:
    """What YAML did with an unquoted word, and how to keep the word: '' when YAML did nothing."""
    if written is None:
        return ""      # JSON, or data given directly: the value is as its author typed it
    if isinstance(value, bool):
        return (f" (YAML reads yes, no, on, off, true and false as true or false: put the word in quotes, "
                f"'{written}')")
    if value is None:
        return f" (YAML reads {written or 'an empty value'} as null: put text in quotes)"
    if isinstance(value, (int, float)):
        return f" (YAML reads {written} as a number: put it in quotes, '{written}', to make it text)"
    return ""


def _takes_kind(schema: dict, value: object, validator: Draft202012Validator) -> bool:
    """Whether the (sub)schema accepts some value of ``value``'s kind (boolean, number, null)."""
    if "$ref" in schema:
        target = validator.schema
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _takes_kind(target, value, validator)
    kind = ("boolean" if isinstance(value, bool) else "null" if value is None
            else "number" if isinstance(value, (int, float)) else None)
    if kind is None:
        return True
    if "enum" in schema or "const" in schema:
        allowed = schema.get("enum", [schema.get("const")])
        return any(type(v) is type(value) or (kind == "number" and type(v) in (int, float) and v is not True
                                               and v is not False) for v in allowed)
    branches = schema.get("oneOf", schema.get("anyOf"))
    if branches:
        return any(_takes_kind(b, value, validator) for b in branches)
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types or []
    return kind in types or (kind == "number" and "integer" in types)


def _enum_hint(value: object, written: str | None, path: tuple, choices: list) -> str:
    """A did-you-mean for an enumeration, by spelling or by everyday word (synonyms.yaml)."""
    from ipt_expert.knowledge.vocabulary import synonyms_for
    names = [_plain(v) for v in choices]
    words = synonyms_for(path, choices)
    if isinstance(value, str):
        return did_you_mean(value, names, words)
    return did_you_mean(written, names, words) if written else ""


def _message(error: jsonschema.ValidationError, validator: Draft202012Validator,
             written: dict | None = None) -> tuple[tuple, str]:
    """(path of the offending field, message) for one schema error."""
    path = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    # Only where the field takes nothing of the kind YAML made (a number out of range needs no lecture).
    reading = "" if _takes_kind(error.schema, value, validator) else _yaml_reading(value, (written or {}).get(path))
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extras = [k for k in value if k not in allowed]
        key = sorted(map(str, extras))[0] if extras else "?"
        hint = did_you_mean(key, allowed)
        return path + (key,), f"unknown key '{key}'{hint}; expected one of: {', '.join(allowed)}"
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return path, f"missing required field '{missing}'"
    if kind == "enum":
        hint = _enum_hint(value, (written or {}).get(path), path, list(error.validator_value))
        return path, f"{show(value)} is not allowed{hint}; expected one of: " + ", ".join(
            _plain(v) for v in error.validator_value) + reading
    if kind == "const":
        return path, f"{show(value)} is not allowed; expected {show(error.validator_value)}{reading}"
    if kind in ("oneOf", "anyOf"):
        return path, f"{show(value)} is not allowed; expected {_expected(error.schema, validator)}{reading}"
    if kind == "type":
        return path, f"expected {_expected(error.schema, validator)}, got {show(value)}{reading}"
    if kind == "pattern":
        what = path[-1] if path and isinstance(path[-1], str) else "value"
        return path, f"{show(value)} is not a valid {what}: {_form(error.schema)}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return path, f"{show(value)} is out of range; expected {_expected(error.schema, validator)}"
    if kind in ("maxItems", "maxLength"):
        return path, f"is too long (at most {error.validator_value} {'items' if kind == 'maxItems' else 'characters'})"
    if kind == "minItems":
        return path, f"needs at least {error.validator_value} item{'' if error.validator_value == 1 else 's'}"
    if kind == "uniqueItems":
        return path, "lists the same value twice"
    return path, error.message


def schema_problems(document: Document, schema_name: str, error_cls: type[IptExpertError]) -> list:
    """Every schema violation, as ``error_cls`` errors, in file order."""
    if plainly_valid(document.data, schema_name):
        return []
    validator = _validator(schema_name)
    located = []
    for error in validator.iter_errors(document.data):
        path, message = _message(error, validator, document.written)
        # A misspelt key also shows up as a missing required one; the
        # misspelling, with its did-you-mean, is the more useful message.
        located.append((error.validator == "required", document.line_of(path) or 0, field_path(path), message))
    return [error_cls(message, source=document.source, line=line or None, field=where or None)
            for _, line, where, message in sorted(set(located))]


def raise_all(problems: list) -> None:
    """Raise the first problem, carrying every one (``.problems``), if there is any."""
    if problems:
        first = problems[0]
        first.problems = list(problems)
        raise first


def validate(document: Document, schema_name: str, error_cls: type[IptExpertError]) -> None:
    """Raise ``error_cls`` for the first schema violation in file order.

    Rule and policy files stop at the first problem (``rules lint`` lists them
    all); case files list every problem at once (case.case_problems_in).
    """
    problems = schema_problems(document, schema_name, error_cls)
    if problems:
        raise problems[0]


def every_problem(document: Document, schema_name: str) -> list:
    """Every schema violation, in file order, as (field path, message) pairs.

    For `rules lint`, which reports everything in one run: each unknown key
    of a mapping on its own, and a missing required field left out when an
    unknown key beside it is its misspelling (the did-you-mean says it).
    """
    validator = _validator(schema_name)
    found = []
    misspelt: dict = {}        # mapping path -> required names an unknown key there is close to
    for error in validator.iter_errors(document.data):
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(error.schema.get("properties", {}))
            where = tuple(error.absolute_path)
            for key in sorted((k for k in error.instance if k not in allowed), key=str):
                import difflib

                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                misspelt.setdefault(where, set()).update(close)
                found.append((where + (key,), f"unknown key '{key}'{did_you_mean(key, allowed)}; "
                                              f"expected one of: {', '.join(allowed)}", None))
            continue
        if error.validator == "required" and isinstance(error.instance, dict):
            # One error per missing field, named from the schema and the data (not from a message).
            where = tuple(error.absolute_path)
            for name in error.validator_value:
                if name not in error.instance:
                    found.append((where, f"missing required field '{name}'", name))
            continue
        path, message = _message(error, validator)
        found.append((path, message, None))
    kept = [(path, message) for path, message, wanted in found
            if wanted is None or wanted not in misspelt.get(path, ())]
    unique = list(dict.fromkeys(kept))
    return sorted(unique, key=lambda item: (document.line_of(item[0]) or 0, field_path(item[0])))
