"""The JSON Schema of the records format, kept beside this module so other systems can validate files."""

import copy
import json
import re
from functools import cache
from pathlib import Path

import jsonschema_rs
from jsonschema import Draft202012Validator

from ..text import showable, unshowable_text_error

SCHEMA_PATH = Path(__file__).with_name("records.schema.json")


@cache
def records_schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def records_validator():
    schema = records_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(inlined(schema))


@cache
def meeting_validator():
    """The validator of one meeting of a document, ``meetings[i]``: the document's own checks of it."""
    return Draft202012Validator(records_validator().schema["properties"]["meetings"]["items"])


def validator_at(path):
    """The validator of the value at ``path``: the document (``()``), or one of its meetings."""
    return meeting_validator() if path else records_validator()


@cache
def quick_check_at(is_meeting):
    """A compiled check of the same schema that says only whether a value passes (jsonschema-rs).

    It answers in a few microseconds where ``jsonschema`` takes 7 ms a meeting, so a large file's
    meetings that pass are passed by it alone, and ``jsonschema`` is asked for the messages of
    those that do not. It is never the last word on a refusal: where the two read a value
    differently (its patterns match ``$`` only at the very end, Python's before a final newline
    too), ``jsonschema`` decides. Formats are not asserted by either, as the schema's draft says.
    """
    schema = meeting_validator().schema if is_meeting else records_validator().schema
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)


def passes_quickly(document, path):
    """Whether the quick check passes ``document``; False where it cannot read it (a lone surrogate,
    a key that is not text), for ``jsonschema`` to say what is wrong."""
    try:
        return quick_check_at(bool(path)).is_valid(document)
    except ValueError:
        return False


def inlined(schema):
    """``schema`` with each ``$ref`` to its ``$defs`` replaced, in its place, by ``allOf`` the
    definition (itself inlined): the same checks in the same order, with the same messages, but
    none spent resolving a reference, once for each value of each record of a large file, which was
    a third of the schema's time. The format's definitions do not refer to themselves."""
    definitions = schema["$defs"]

    def inline(node):
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        resolved = {}
        for key, value in node.items():
            if key == "$ref" and value.startswith("#/$defs/"):
                if "allOf" in node:
                    raise ValueError("a $ref beside allOf would be lost in inlining")
                resolved["allOf"] = [inline(definitions[value.removeprefix("#/$defs/")])]
            elif key in ("properties", "$defs"):
                resolved[key] = {name: inline(item) for name, item in value.items()}
            else:
                resolved[key] = inline(value)
        return resolved

    return inline(schema)


def record_path(parts):
    """``["meetings", 3, "attendance", 7, "participant"]`` as ``meetings[3].attendance[7].participant``."""
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(document)"


BROKEN = "\0broken"
URL_WORD = re.compile(r"\burls?\b")


def schema_errors(document, path=()):
    """Every way ``document`` breaks the schema, as (path, message) pairs in document order.

    With ``path`` (``("meetings", 3)``), ``document`` is the meeting there, checked on its own: its
    errors are those a check of the whole document gives for it."""
    if passes_quickly(document, path):
        return []
    errors = []
    for error in validator_at(path).iter_errors(document):
        errors.extend(_explain(error, path))
    return sorted(errors, key=lambda item: document_order(item[0]))


def text_errors(document, path=()):
    """Every text of ``document`` holding a character no output can carry, as (path, message) pairs.

    Read over the whole document before anything in it is looked up: such a text may be an address
    or a name the checks look for in the database, which answers NUL (PostgreSQL) and a lone
    surrogate (either driver) with an error rather than a result. Whether a field is a single line
    is the model's to say; its checks report a line break there. With ``path``, ``document`` is the
    meeting there (``schema_errors``).
    """
    errors = []

    def walk(value, path, name):
        if isinstance(value, str):
            label = URL_WORD.sub(lambda word: word.group().replace("url", "URL"), name.replace("_", " "))
            label = label[:1].upper() + label[1:]
            message = unshowable_text_error(label, value, single_line=False)
            if message:
                errors.append((record_path(path), message))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, [*path, key], key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, [*path, index], name)

    walk(document, list(path), path[0] if path else "")
    return errors


def with_showable_text(document):
    """A copy of ``document`` with every text showable, for the checks that follow ``text_errors``."""
    if isinstance(document, str):
        return showable(document)
    if isinstance(document, dict):
        return {key: with_showable_text(value) for key, value in document.items()}
    if isinstance(document, list):
        return [with_showable_text(value) for value in document]
    return document


def without_schema_errors(document, at=()):
    """A copy of ``document`` that the schema accepts, for the checks that follow the schema's.

    A value the schema refuses is left out, so its default applies, where its field is optional;
    otherwise the record holding it is marked ``BROKEN`` (a dict with that key) for the later
    checks to skip. Either way the schema's own error has already been reported. With ``at``,
    ``document`` is the meeting there (``schema_errors``).
    """
    document = copy.deepcopy(document)
    scalar_items = []
    for error in list(validator_at(at).iter_errors(document)):
        inner = list(error.absolute_path)
        path = [*at, *inner]
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for name in [name for name in error.instance if name not in known and name != BROKEN]:
                del error.instance[name]
            continue
        if error.validator == "required" or not path:
            if isinstance(error.instance, dict):
                error.instance[BROKEN] = True
            continue
        if not inner:
            # The meeting itself is refused (it is not an object): it is marked as a whole.
            document = {BROKEN: True}
            continue
        try:
            container = _value_at(document, inner[:-1])
        except (KeyError, IndexError, TypeError):
            continue  # inside a value already left out
        key = path[-1]
        if isinstance(key, int):
            if _schema_at(path).get("type") == "object":
                container[key] = {BROKEN: True}
            else:
                scalar_items.append((container, key))
        elif isinstance(container, dict):
            if key in _schema_at(path[:-1]).get("required", []):
                container[BROKEN] = True
            else:
                container.pop(key, None)
    for container, index in sorted(scalar_items, key=lambda item: item[1], reverse=True):
        del container[index]
    return document


def _value_at(document, path):
    for part in path:
        document = document[part]
    return document


def _resolve(schema):
    while "$ref" in schema and "properties" not in schema and "items" not in schema:
        schema = records_schema()["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _schema_at(path):
    """The (resolved) schema of the value at ``path`` in a records document."""
    schema = records_schema()
    for part in path:
        schema = _resolve(schema)
        schema = schema["items"] if isinstance(part, int) else schema["properties"][part]
    return _resolve(schema)


def _explain(error, at=()):
    path = [*at, *error.absolute_path]
    if error.validator == "required":
        return [
            (record_path([*path, name]), "is required")
            for name in error.validator_value
            if isinstance(error.instance, dict) and name not in error.instance and repr(name) in error.message
        ]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        return [
            (record_path([*path, name]), "is not a field of the format")
            for name in error.instance
            if name not in known
        ]
    if error.validator == "pattern" and "description" in error.schema:
        return [(record_path(path), f"{error.instance!r} is not {error.schema['description']}")]
    return [(record_path(path), error.message)]


def document_order(path):
    """Sort key that puts meetings[2] before meetings[10]."""
    key = []
    for token in path.replace("[", ".").replace("]", "").split("."):
        key.append((0, int(token), "") if token.isdigit() else (1, 0, token))
    return key
