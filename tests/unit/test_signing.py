"""Signing against the vectors computed by the real manager's verifier."""

from __future__ import annotations

import hmac
import json
import os
from pathlib import Path
from typing import Any

import pytest

from backendai_async.signing import KeyedHMAC, Signer, hashes_body, key_date, media_type


def _vectors_file() -> Path:
    here = Path(__file__).resolve()
    candidates = [Path(os.environ["BACKENDAI_SIGNING_VECTORS"])] if "BACKENDAI_SIGNING_VECTORS" in os.environ else []
    candidates += [parent / "shared" / "vectors" / "signing.json" for parent in here.parents]
    candidates += [here.parent / "data" / "signing.json"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("signing.json not found (set BACKENDAI_SIGNING_VECTORS)")


VECTORS: list[dict[str, Any]] = json.loads(_vectors_file().read_text())["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_signing_vector(vector: dict[str, Any]) -> None:
    i = vector["inputs"]
    signer = Signer(i["access_key"], i["secret_key"], i["hash_type"])
    signature = signer.signature(
        i["method"], i["raw_path"], i["date"], i["host"], i["content_type"], i["api_version"], i["body"].encode()
    )
    assert signature == vector["expected"]["signature"]
    assert signer.authorization(signature) == vector["expected"]["authorization"]


def test_vectors_cover_body_hashing_and_every_hash() -> None:
    assert any(hashes_body(v["inputs"]["api_version"]) and v["inputs"]["body"] for v in VECTORS)
    assert {v["inputs"]["hash_type"] for v in VECTORS} >= {"sha256", "sha1", "sha512"}


def test_body_hashed_only_below_v4_20181215() -> None:
    assert hashes_body("v3.20170615")
    assert not hashes_body("v4.20181215")
    assert not hashes_body("v10.20300101")  # a two-digit major is newer, not "1"


def test_multipart_body_is_never_hashed() -> None:
    signer = Signer("AK", "SK")
    empty = signer.body_digest("v3.20170615", "multipart/form-data; boundary=x", None)
    assert signer.body_digest("v3.20170615", "multipart/form-data; boundary=x", b"--x\r\n") == empty
    assert signer.body_digest("v3.20170615", "application/json", b"{}") != empty


@pytest.mark.parametrize(
    ("date", "day"),
    [
        ("2024-09-02T01:00:00+09:00", "20240902"),  # the header's own offset, not UTC
        ("2024-09-01T23:30:00-02:00", "20240901"),
        ("2023-06-15T08:30:00.123Z", "20230615"),
        ("Sun, 01 Sep 2024 12:34:56 GMT", "20240901"),
        ("20240901T123456Z", "20240901"),
        ("2024-09-01T12:00:00", "20240901"),
    ],
)
def test_key_date_in_the_headers_own_offset(date: str, day: str) -> None:
    assert key_date(date) == day


def test_media_type_is_lowercased_without_parameters() -> None:
    assert media_type("Application/JSON; charset=utf-8") == "application/json"
    assert media_type(None) == "application/octet-stream"
    assert media_type("") == "application/octet-stream"


def test_the_final_hmac_is_set_up_once_per_day_and_host() -> None:
    signer = Signer("AK", "SK")
    args = ("GET", "/auth/test", "2024-09-01T12:34:56+00:00", "h:1", None, "v9.20250722")
    first = signer.signature(*args)
    assert list(signer._keys) == [("20240901", "h:1")]
    keyed = signer._keys["20240901", "h:1"]
    assert signer.signature(*args) == first
    assert signer._keys["20240901", "h:1"] is keyed
    assert signer.signing_key("20240902", "h:1") != signer.signing_key("20240901", "h:1")
    assert signer.signing_key("20240901", "h:2") != signer.signing_key("20240901", "h:1")


@pytest.mark.parametrize("hash_name", ["sha256", "sha1", "sha512", "md5", "sha384"])
@pytest.mark.parametrize("key_length", [0, 20, 32, 64, 65, 128, 129, 300])
def test_keyed_hmac_is_the_standard_library_hmac(hash_name: str, key_length: int) -> None:
    key = bytes(range(256))[:key_length] if key_length <= 256 else bytes(key_length)
    keyed = KeyedHMAC(key, hash_name)
    for message in (b"", b"GET\n/auth/test", bytes(range(256)) * 3):
        assert keyed.hexdigest(message) == hmac.digest(key, message, hash_name).hex()
    assert keyed.hexdigest(b"again") == hmac.digest(key, b"again", hash_name).hex()  # the set-up is not consumed


def test_unsupported_hash_is_refused_and_secret_not_in_repr() -> None:
    with pytest.raises(ValueError, match="sha3-256"):
        Signer("AK", "SK", "sha3-256")
    assert "SK" not in repr(Signer("AK", "SK"))
