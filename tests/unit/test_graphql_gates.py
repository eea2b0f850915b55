"""The GraphQL version gates follow the schemas measured on real managers: each gated element of
``versions.GRAPHQL_GATES`` is available on exactly the measured generations whose schema has it."""

from __future__ import annotations

import re

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType, GraphQLSchema

from backendai_async.testing.graphql_server import load_schema
from backendai_async.versions import FEATURES, GRAPHQL_GATES, feature_enabled

from .conformance import MEASURED

_COORDINATE = re.compile(r"^(\w+)(?:\.(\w+)(?:\((\w+):\))?)?$")


def has(schema: GraphQLSchema, coordinate: str) -> bool:
    """Whether the schema has ``Type``, ``Type.field`` or ``Type.field(arg:)`` (``Query``/``Mutation``
    name the root types, whatever the schema calls them)."""
    m = _COORDINATE.match(coordinate)
    assert m is not None, coordinate
    type_name, field_name, argument = m.groups()
    roots = {"Query": schema.query_type, "Mutation": schema.mutation_type}
    found = roots[type_name] if type_name in roots else schema.type_map.get(type_name)
    if field_name is None:
        return found is not None
    if not isinstance(found, (GraphQLObjectType, GraphQLInputObjectType)) or field_name not in found.fields:
        return False
    if argument is None:
        return True
    return argument in getattr(found.fields[field_name], "args", {})


def test_every_gate_names_a_feature() -> None:
    assert set(GRAPHQL_GATES.values()) <= FEATURES.keys()


@pytest.mark.parametrize("coordinate", sorted(GRAPHQL_GATES))
def test_gate_follows_the_measured_schemas(coordinate: str) -> None:
    feature = GRAPHQL_GATES[coordinate]
    wrong = [
        f"{gen.schema}: schema {'has' if present else 'lacks'} it, gate {'open' if opened else 'closed'}"
        for gen in MEASURED
        if (present := has(load_schema(gen.schema), coordinate))
        != (opened := feature_enabled(feature, gen.advertised, gen.manager_version))
    ]
    assert not wrong, f"{coordinate} ({feature}, {FEATURES[feature]}): " + "; ".join(wrong)


def test_every_element_is_somewhere() -> None:
    """No entry names an element that no measured schema has (a typo would pass the test above)."""
    missing = [c for c in GRAPHQL_GATES if not any(has(load_schema(gen.schema), c) for gen in MEASURED)]
    assert not missing
