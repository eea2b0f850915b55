"""mkdocs hook: the tables the docs generate from the code at build time, never copied by hand.

``compatibility.md``: generation by feature, from ``backendai_async.versions`` (FEATURES,
GRAPHQL_GATES, REST_GATES) and the server generations the FakeManager simulates
(``backendai_async.testing.generations.GENERATIONS``). ``reference/client.md``: the JavaScript
top-level names of ``Client`` and the sub-object method each one is an alias of.
"""

from __future__ import annotations

from typing import Any

from backendai_async import client as client_module
from backendai_async.client import Client, _Alias
from backendai_async.testing.generations import GENERATIONS, Generation
from backendai_async.versions import FEATURES, GRAPHQL_GATES, REST_GATES, Gate, choose_api_version, feature_enabled

YES, NO = "✓", "—"


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    for marker, table in MARKERS.get(page.file.src_uri, {}).items():
        if marker not in markdown:
            raise ValueError(f"{page.file.src_uri} lost its marker {marker}")
        markdown = markdown.replace(marker, table())
    return markdown


def _generations() -> list[Generation]:
    return list(GENERATIONS.values())


def _open(feature: str, gen: Generation) -> bool:
    """Whether the gate is open on that generation, at the API version the client negotiates."""
    return feature_enabled(feature, choose_api_version(gen.advertised), gen.manager_version)


def _needs(gate: Gate) -> str:
    parts = [f"API ≥ {gate.api}" if gate.api else "", f"manager ≥ {gate.manager}" if gate.manager else ""]
    parts.append(f"API < {gate.api_below}" if gate.api_below else "")
    return ", ".join(p for p in parts if p)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _compact(lines: list[str]) -> str:
    """A table styled compact (``.compat`` in ``stylesheets/extra.css``)."""
    return '<div class="compat" markdown>\n\n' + "\n".join(lines) + "\n\n</div>"


def generations_table() -> str:
    lines = [_row(["generation", "manager version", "API version negotiated", "session routes"])]
    lines.append(_row(["---"] * 4))
    for gen in _generations():
        prefix = f"`{gen.session_prefix}`"
        lines.append(_row([gen.key, gen.manager_version, f"`{choose_api_version(gen.advertised)}`", prefix]))
    return "\n".join(lines)


def features_table() -> str:
    gens = _generations()
    lines = [_row(["feature", *(g.key for g in gens), "needs"]), _row(["---"] * (len(gens) + 2))]
    for feature, gate in FEATURES.items():
        cells = [YES if _open(feature, g) else NO for g in gens]
        lines.append(_row([f"`{feature}`", *cells, _needs(gate)]))
    return _compact(lines)


def elements_table() -> str:
    gens = _generations()
    lines = [_row(["element", "kind", "feature", "available from"]), _row(["---"] * 4)]
    gated = [(element, "GraphQL", feature) for element, feature in GRAPHQL_GATES.items()]
    gated += [(element, "REST", feature) for element, feature in REST_GATES.items()]
    for element, kind, feature in gated:
        span = _span([_open(feature, g) for g in gens], [g.key for g in gens])
        lines.append(_row([f"`{element}`", kind, f"`{feature}`", span]))
    return _compact(lines)


def _span(opened: list[bool], keys: list[str]) -> str:
    """The generations where a gate is open, as a range (``22.09 on``, ``up to 19.09``, …)."""
    where = [i for i, is_open in enumerate(opened) if is_open]
    if not where:
        return "none of these generations"
    first, last = where[0], where[-1]
    if where != list(range(first, last + 1)):
        return ", ".join(keys[i] for i in where)
    if first == 0 and last == len(keys) - 1:
        return "every generation"
    if first == 0:
        return f"up to {keys[last]}"
    if last == len(keys) - 1:
        return f"{keys[first]} on"
    return f"{keys[first]} to {keys[last]}"


def aliases_table() -> str:
    """``Client``'s JavaScript top-level names, each linked to the method it stands for."""
    lines = [_row(["`Client` name", "alias of"]), _row(["---"] * 2)]
    for name, attribute in vars(Client).items():
        if not isinstance(attribute, _Alias):
            continue
        sub_object = attribute._sub_object  # the sub-object whose method the alias calls
        method = getattr(Client, name)  # on the class, an alias is the method it stands for
        owner = _sub_object_class(sub_object)
        target = f"{owner.__module__}.{owner.__qualname__}.{method.__name__}"
        lines.append(_row([f"`client.{name}`", f"[`client.{sub_object}.{method.__name__}`][{target}]"]))
    return "\n".join(lines)


def _sub_object_class(sub_object: str) -> type:
    """The class of a sub-object, from the return annotation of its ``Client`` property."""
    annotation = getattr(Client, sub_object).fget.__annotations__["return"]
    found = vars(client_module).get(annotation)
    if not isinstance(found, type):
        raise ValueError(f"Client.{sub_object}: {annotation!r} is not imported at run time in client.py")
    return found


MARKERS = {
    "compatibility.md": {
        "<!-- generations -->": generations_table,
        "<!-- features -->": features_table,
        "<!-- gated-elements -->": elements_table,
    },
    "reference/client.md": {"<!-- aliases -->": aliases_table},
}
