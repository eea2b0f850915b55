"""AES decryption (FIPS-197) in CBC mode, in plain Python, for one job: reading the
``X-BackendAI-Encoded`` bodies that the official client sends to the webserver over plain http
(its ``encrypt_payload``: ``iv + b":" + base64(AES-CBC(key, iv, pkcs7(body)))`` with
``key = (base64(endpoint) + iv + iv)[:32]``). Slow and not constant-time: test traffic only; it
keeps the ``testing`` extra free of a crypto library.
"""

from __future__ import annotations

import base64

__all__ = ["cbc_decrypt", "decrypt_payload"]


def _xtime(a: int) -> int:
    a <<= 1
    return (a ^ 0x11B) & 0xFF if a & 0x100 else a


def _mul(a: int, b: int) -> int:
    """Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    result = 0
    while b:
        if b & 1:
            result ^= a
        a, b = _xtime(a), b >> 1
    return result


def _sbox() -> tuple[list[int], list[int]]:
    def rotl(x: int, n: int) -> int:
        return ((x << n) | (x >> (8 - n))) & 0xFF

    forward = []
    for b in range(256):
        inverse = 0
        if b:
            inverse = 1
            for _ in range(254):  # b^254 = b^-1 in GF(2^8)
                inverse = _mul(inverse, b)
        forward.append(inverse ^ rotl(inverse, 1) ^ rotl(inverse, 2) ^ rotl(inverse, 3) ^ rotl(inverse, 4) ^ 0x63)
    backward = [0] * 256
    for b, s in enumerate(forward):
        backward[s] = b
    return forward, backward


_SBOX, _INV_SBOX = _sbox()


def _expand(key: bytes) -> list[list[int]]:
    """The round keys: ``Nr + 1`` lists of 16 bytes (column-major, like the state)."""
    nk = len(key) // 4
    if len(key) not in (16, 24, 32):
        raise ValueError("an AES key has 16, 24 or 32 bytes")
    rounds = nk + 6
    words = [list(key[4 * i : 4 * i + 4]) for i in range(nk)]
    rcon = 1
    for i in range(nk, 4 * (rounds + 1)):
        temp = list(words[i - 1])
        if i % nk == 0:
            temp = [_SBOX[b] for b in temp[1:] + temp[:1]]
            temp[0] ^= rcon
            rcon = _xtime(rcon)
        elif nk > 6 and i % nk == 4:
            temp = [_SBOX[b] for b in temp]
        words.append([a ^ b for a, b in zip(words[i - nk], temp, strict=True)])
    return [[b for word in words[4 * r : 4 * r + 4] for b in word] for r in range(rounds + 1)]


def _decrypt_block(round_keys: list[list[int]], block: bytes) -> bytes:
    state = [b ^ k for b, k in zip(block, round_keys[-1], strict=True)]
    for r in range(len(round_keys) - 2, -1, -1):
        # InvShiftRows (row i turns right by i) and InvSubBytes; the state is column-major
        state = [_INV_SBOX[state[i % 4 + 4 * ((i // 4 - i % 4) % 4)]] for i in range(16)]
        state = [b ^ k for b, k in zip(state, round_keys[r], strict=True)]
        if r:
            mixed = []
            for c in range(4):
                a0, a1, a2, a3 = state[4 * c : 4 * c + 4]
                mixed += [
                    _mul(a0, 14) ^ _mul(a1, 11) ^ _mul(a2, 13) ^ _mul(a3, 9),
                    _mul(a0, 9) ^ _mul(a1, 14) ^ _mul(a2, 11) ^ _mul(a3, 13),
                    _mul(a0, 13) ^ _mul(a1, 9) ^ _mul(a2, 14) ^ _mul(a3, 11),
                    _mul(a0, 11) ^ _mul(a1, 13) ^ _mul(a2, 9) ^ _mul(a3, 14),
                ]
            state = mixed
    return bytes(state)


def cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CBC decryption, then PKCS#7 padding removed (``ValueError`` if it is not valid)."""
    if len(iv) != 16 or not data or len(data) % 16:
        raise ValueError("CBC needs a 16-byte IV and whole 16-byte blocks")
    round_keys = _expand(key)
    out = bytearray()
    previous = iv
    for start in range(0, len(data), 16):
        block = data[start : start + 16]
        out += bytes(a ^ b for a, b in zip(_decrypt_block(round_keys, block), previous, strict=True))
        previous = block
    pad = out[-1]
    if not 1 <= pad <= 16 or out[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad PKCS#7 padding")
    return bytes(out[:-pad])


def decrypt_payload(endpoint: str, payload: bytes) -> bytes:
    """The body the official client encoded for ``endpoint`` (``scheme://host[:port]``)."""
    iv, _, encoded = payload.partition(b":")
    key = (base64.b64encode(endpoint.encode("ascii")) + iv + iv)[:32]
    return cbc_decrypt(key, iv, base64.b64decode(encoded, validate=True))
