"""The webserver of the fake reads the official client's ``X-BackendAI-Encoded`` login bodies
(AES-CBC keyed on the endpoint, sent over plain http)."""

from __future__ import annotations

import aiohttp
import pytest

from backendai_async.testing import FakeManager
from backendai_async.testing._aes import _decrypt_block, _expand, decrypt_payload

# made by ai.backend.client.auth.encrypt_payload (backend.ai-client 26.9.6) for this endpoint
OFFICIAL_ENDPOINT = "http://127.0.0.1:8090"
OFFICIAL_BODY = '{"username": "user@lablup.com", "password": ""}'
OFFICIAL_PAYLOAD = b"xc2PiydpEkdZQQ8w:pwqcTMPj7kXiw2ynEsQNhxYGiK+JVlwq+gFf4oQBnxMMxlpbbvF2LZyb4PDV8lsh"


@pytest.mark.parametrize(
    ("key_size", "ciphertext"),
    [  # FIPS-197 appendix C: plaintext 00112233…ff, key 000102… of each size
        (16, "69c4e0d86a7b0430d8cdb78070b4c55a"),
        (24, "dda97ca4864cdfe06eaf70a0ec0d7191"),
        (32, "8ea2b7ca516745bfeafc49904b496089"),
    ],
)
def test_aes_known_answers(key_size: int, ciphertext: str) -> None:
    plain = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert _decrypt_block(_expand(bytes(range(key_size))), bytes.fromhex(ciphertext)) == plain


def test_the_official_clients_payload() -> None:
    assert decrypt_payload(OFFICIAL_ENDPOINT, OFFICIAL_PAYLOAD).decode() == OFFICIAL_BODY
    with pytest.raises(ValueError, match="padding"):
        decrypt_payload("http://127.0.0.1:8091", OFFICIAL_PAYLOAD)  # another endpoint, another key


async def test_encoded_login_and_garbage() -> None:
    async with FakeManager() as fm, aiohttp.ClientSession() as http:
        headers = {"X-BackendAI-Encoded": "true", "Content-Type": "application/octet-stream"}
        async with http.post(fm.url / "server/login", data=b"not:encoded!", headers=headers) as resp:
            assert resp.status == 400
        # the payload above is keyed on another endpoint: unreadable here too
        async with http.post(fm.url / "server/login", data=OFFICIAL_PAYLOAD, headers=headers) as resp:
            assert resp.status == 400
