"""ClientConfig: argument order, normalisation, environment and clear errors before any I/O."""

from __future__ import annotations

import pytest

from backendai_async import ClientConfig, ConfigError

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_js_argument_order_and_defaults() -> None:
    config = ClientConfig(AK, SK)
    assert (config.access_key, config.secret_key) == (AK, SK)
    assert config.endpoint == "https://api.backend.ai"
    assert config.connection_mode == "API"
    assert config.api_version is None


@pytest.mark.parametrize(
    ("given", "normalised", "host"),
    [
        ("https://api.example.com:443/", "https://api.example.com", "api.example.com"),
        ("http://127.0.0.1:80", "http://127.0.0.1", "127.0.0.1"),
        ("http://127.0.0.1:8091/", "http://127.0.0.1:8091", "127.0.0.1:8091"),
        ("http://[::1]:8443//", "http://[::1]:8443", "[::1]:8443"),
        ("https://API.Example.com/prefix/", "https://api.example.com/prefix", "api.example.com"),
    ],
)
def test_endpoint_normalised_once(given: str, normalised: str, host: str) -> None:
    config = ClientConfig(AK, SK, given)
    assert config.endpoint == normalised
    assert config.endpoint_url.host_port_subcomponent == host


@pytest.mark.parametrize(
    ("kwargs", "argument", "env"),
    [
        ({"endpoint": "api.backend.ai"}, "endpoint", "BACKEND_ENDPOINT"),
        ({"endpoint": "ftp://h"}, "endpoint", "BACKEND_ENDPOINT"),
        ({"endpoint": "http://user:pw@h"}, "endpoint", "BACKEND_ENDPOINT"),
        ({"endpoint": "http://h:99999"}, "endpoint", "BACKEND_ENDPOINT"),
        ({"connection_mode": "WEB"}, "connection_mode", "BACKEND_ENDPOINT_TYPE"),
        ({"api_version": "9.2025"}, "api_version", "BACKEND_VERSION"),
        ({"hash_type": "sha3-256"}, "hash_type", "BACKEND_HASH_TYPE"),
        ({"timeout": 0}, "timeout", None),
        ({"max_retries": -1}, "max_retries", None),
    ],
)
def test_bad_input_names_argument_and_variable(kwargs: dict[str, object], argument: str, env: str | None) -> None:
    with pytest.raises(ConfigError) as info:
        ClientConfig(AK, SK, **kwargs)  # type: ignore[arg-type]
    assert repr(argument) in str(info.value)
    if env:
        assert env in str(info.value)


@pytest.mark.parametrize("missing", ["access_key", "secret_key"])
def test_api_mode_needs_both_keys(missing: str) -> None:
    keys = {"access_key": AK, "secret_key": SK, missing: None}
    with pytest.raises(ConfigError, match=missing):
        ClientConfig(**keys)  # type: ignore[arg-type]


def test_session_mode_keywords_and_js_positional_form() -> None:
    by_keyword = ClientConfig(user_id="u@x", password="pw", endpoint="http://localhost:8090", connection_mode="session")
    positional = ClientConfig("u@x", "pw", "http://localhost:8090", "SESSION")
    for config in (by_keyword, positional):
        assert config.connection_mode == "SESSION"
        assert (config.user_id, config.password) == ("u@x", "pw")
        assert config.access_key is None and config.secret_key is None


def test_secrets_never_in_repr() -> None:
    assert SK not in repr(ClientConfig(AK, SK))
    assert "hunter2" not in repr(ClientConfig(user_id="u", password="hunter2", connection_mode="SESSION"))


def test_from_env_reads_every_variable() -> None:
    config = ClientConfig.from_env(
        {
            "BACKEND_ACCESS_KEY": AK,
            "BACKEND_SECRET_KEY": SK,
            "BACKEND_ENDPOINT": "http://127.0.0.1:8091/",
            "BACKEND_ENDPOINT_TYPE": "api",
            "BACKEND_VERSION": "v6.20220615",
            "BACKEND_HASH_TYPE": "SHA512",
        }
    )
    assert (config.access_key, config.secret_key, config.endpoint) == (AK, SK, "http://127.0.0.1:8091")
    assert (config.api_version, config.hash_type) == ("v6.20220615", "sha512")
    session = ClientConfig.from_env(
        {"BACKEND_ENDPOINT_TYPE": "session", "BACKEND_USER_ID": "u@x", "BACKEND_PASSWORD": "pw"}
    )
    assert (session.connection_mode, session.user_id, session.password) == ("SESSION", "u@x", "pw")


def test_from_env_without_keys_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="BACKEND_ACCESS_KEY"):
        ClientConfig.from_env({})
