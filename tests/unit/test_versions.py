"""Version parsing, negotiation choices and feature gates."""

from __future__ import annotations

import pytest

from backendai_async.versions import (
    FEATURES,
    KNOWN_API_VERSIONS,
    ApiVersion,
    choose_api_version,
    feature_enabled,
    manager_version_key,
)


@pytest.mark.parametrize("advertised", KNOWN_API_VERSIONS)
def test_a_known_advertised_version_is_sent_as_is(advertised: str) -> None:
    assert choose_api_version(advertised) == advertised


@pytest.mark.parametrize(
    ("advertised", "sent"),
    [
        ("v9.20270101", "v9.20250722"),  # newer than anything known: the newest known
        ("v12.20300101", "v9.20250722"),
        ("v6.20221201", "v6.20220615"),  # never guess v6.20221201 itself (rejected before 26.3)
        ("v6.20211001", "v6.20200815"),  # never guess v6.20210815 (rejected by 26.3+)
        ("v4.20190601", "v4.20190315"),
    ],
)
def test_an_unknown_version_gets_the_newest_safe_older_one(advertised: str, sent: str) -> None:
    assert choose_api_version(advertised) == sent


@pytest.mark.parametrize("advertised", ["v2.20170315", "nonsense", "v9"])
def test_too_old_or_malformed_is_an_error(advertised: str) -> None:
    with pytest.raises(ValueError, match="v"):
        choose_api_version(advertised)


def test_api_version_order_is_numeric() -> None:
    assert ApiVersion.parse("v10.20000101") > ApiVersion.parse("v9.20250722")
    assert str(ApiVersion.parse("v6.20220615")) == "v6.20220615"


@pytest.mark.parametrize(
    "ordered",
    [
        ["24.03.0.dev0", "24.03.0a1", "24.03.0b2", "24.03.0rc1", "24.03.0", "24.03.0.post1", "24.03.1"],
        ["19.09.27", "20.09.16", "22.09", "22.09.19", "26.9.6"],
        ["1.0.dev1", "1.0a1.dev1", "1.0a1", "1.0"],
    ],
)
def test_manager_versions_order_like_pep440(ordered: list[str]) -> None:
    keys = [manager_version_key(v) for v in ordered]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_equal_releases_compare_equal() -> None:
    assert manager_version_key("24.03") == manager_version_key("24.3.0")


def test_gates() -> None:
    assert feature_enabled("session-prefix", "v5.20191215", None)
    assert not feature_enabled("session-prefix", "v4.20190615", None)
    assert feature_enabled("body-signing", "v3.20170615", None)
    assert not feature_enabled("body-signing", "v4.20181215", None)
    assert feature_enabled("gql-endpoint", "v6.20210815", None)
    assert not feature_enabled("gql-endpoint", "v6.20200815", None)
    assert feature_enabled("per-kernel-logs", "v8.20240315", "24.03.7")
    assert not feature_enabled("per-kernel-logs", "v8.20240315", "24.03.7rc1")
    assert not feature_enabled("per-kernel-logs", "v9.20250722", None)  # manager unknown: closed
    assert feature_enabled("inference-workload", "v6.20230315", "23.03.0")
    assert not feature_enabled("inference-workload", "v6.20220615", "23.03.0")


def test_every_gate_names_parseable_versions() -> None:
    for gate in FEATURES.values():
        for api in (gate.api, gate.api_below):
            if api:
                ApiVersion.parse(api)
        if gate.manager:
            manager_version_key(gate.manager)
