"""API v1-v3 wire rules: the body's parameters also go in the query string.

Under API versions below v4.20181215 the manager hashes the body into the signature, so its auth
middleware reads the whole body first; 19.09's handlers then find the body consumed and read their
parameters from the query string, even for POST (``check_api_params`` falls back to
``request.query``). ``body_in_query`` copies the scalar parameters of a JSON body into the query
(lists as repeated keys); ``inline_variables`` puts a GraphQL document's variables into the document,
since a query string cannot carry the ``variables`` mapping. Both refuse, with ``UsageError`` and
before anything is sent, what the query string cannot express: a mapping value, or a request line
longer than servers accept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import UsageError

__all__ = ["MAX_REQUEST_LINE", "body_in_query", "check_request_line", "inline_variables"]

#: aiohttp's server limit for the request line (method, target, version), which the manager runs on
MAX_REQUEST_LINE = 8190


def body_in_query(body: Any) -> list[tuple[str, str]]:
    """The query pairs that carry ``body`` (a JSON object) for a handler that reads the query string.

    ``None`` and empty values are left out (the handler's default applies); booleans become
    ``true``/``false``; a list of scalars becomes repeated keys; a non-empty mapping raises
    ``UsageError`` (the handlers validate it as a mapping, which no query value is).
    """
    if not isinstance(body, Mapping):
        return []
    pairs: list[tuple[str, str]] = []
    for key, value in body.items():
        if value is None or value == {} or value == []:
            continue
        if isinstance(value, Mapping):
            raise UsageError(
                f"{key!r} is a mapping, which API v1-v3 cannot send: 19.09 reads these calls' parameters "
                "from the query string; use API v4 or newer (leave api_version to negotiation)"
            )
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((str(key), _scalar(key, v)) for v in values)
    return pairs


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise UsageError(f"{key!r} holds {type(value).__name__}, which API v1-v3 cannot send in the query string")


def check_request_line(method: str, raw_target: str) -> None:
    """``UsageError`` if ``METHOD target HTTP/1.1`` is longer than servers accept."""
    length = len(method) + len(raw_target) + len(" HTTP/1.1") + 1
    if length > MAX_REQUEST_LINE:
        raise UsageError(
            f"the request line would be {length} bytes, over the {MAX_REQUEST_LINE} servers accept: under "
            "API v1-v3 the parameters travel in the query string; send less, or use API v4 or newer"
        )


# a string (block or plain), a comment, a variable, or anything else one character at a time
_TOKENS = re.compile(r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n])*"|#[^\n]*|\$[_A-Za-z][_0-9A-Za-z]*|.', re.S)
_HEAD = re.compile(r"^\s*(query|mutation|subscription)\b(\s*[_A-Za-z][_0-9A-Za-z]*)?\s*(?=\()")


def inline_variables(document: str, variables: Mapping[str, Any] | None) -> str:
    """``document`` with each ``$name`` replaced by the value of ``variables[name]`` as a GraphQL
    literal (``null`` when not given) and the variable definitions removed.

    >>> inline_variables('query($id: String!) { keypair(access_key: $id) { is_active } }', {"id": "AK"})
    'query { keypair(access_key: "AK") { is_active } }'
    """
    values = dict(variables or {})
    head = _HEAD.match(document)
    if head is not None:
        end = _closing(document, head.end())
        document = head.group(0).rstrip() + document[end + 1 :]
    return "".join(_literal(values.get(token[1:])) if token.startswith("$") else token for token in _tokens(document))


def _tokens(text: str) -> Iterator[str]:
    for match in _TOKENS.finditer(text):
        yield match.group(0)


def _closing(text: str, start: int) -> int:
    """The index of the ``)`` closing the ``(`` at ``start`` (strings and comments skipped)."""
    depth = 0
    position = start
    for piece in _tokens(text[start:]):
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
            if depth == 0:
                return position
        position += len(piece)
    raise UsageError("unbalanced variable definitions in the GraphQL document")


def _literal(value: Any) -> str:
    """A GraphQL input literal (object keys are names, strings JSON-quoted)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    raise UsageError(f"cannot write {type(value).__name__} as a GraphQL literal")
