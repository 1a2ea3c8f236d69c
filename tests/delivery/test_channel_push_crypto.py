"""Web Push encryption (RFC 8291, aes128gcm) checked both ways against `http_ece`, the
reference implementation of RFC 8188: what we encrypt it decrypts, and what it encrypts the
push service of our tests decrypts — so neither side can share a misreading of the RFC."""

from __future__ import annotations

import base64
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safezone.adapters.channels.push_crypto import _hkdf_expand, _hkdf_extract, b64url_decode, encrypt
from tests.delivery.push_service import Browser

PAYLOAD = "Ракетна загроза: в укриття. Time to shelter: 15 s".encode()


def test_the_reference_implementation_decrypts_what_we_encrypt():
    browser = Browser("phone")
    body = encrypt(PAYLOAD, browser.public_raw, browser.auth_secret)
    assert http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth_secret,
                            version="aes128gcm") == PAYLOAD


def test_our_test_push_service_decrypts_what_the_reference_implementation_encrypts():
    browser = Browser("phone")
    body = http_ece.encrypt(PAYLOAD, private_key=ec.generate_private_key(ec.SECP256R1()), dh=browser.public_raw,
                            auth_secret=browser.auth_secret, salt=os.urandom(16), version="aes128gcm")
    assert browser.decrypt(body) == PAYLOAD


def test_every_push_has_a_fresh_salt_and_key_so_equal_texts_look_different():
    browser = Browser("phone")
    assert encrypt(PAYLOAD, browser.public_raw, browser.auth_secret) != encrypt(PAYLOAD, browser.public_raw,
                                                                                browser.auth_secret)


@pytest.mark.parametrize("receiver_key, auth, reason", [
    (b"\x04" + b"\x01" * 64, os.urandom(16), "p256dh is not a P-256 public key"),  # not on the curve
    (None, os.urandom(8), "auth secret has 8 bytes"),
])
def test_unusable_subscription_keys_are_refused_with_a_reason(receiver_key, auth, reason):
    with pytest.raises(ValueError, match=reason):
        encrypt(PAYLOAD, receiver_key or Browser("phone").public_raw, auth)


@pytest.mark.parametrize("length", [12, 16, 32])
def test_our_hkdf_gives_the_bytes_of_cryptographys(length):
    salt, secret, info = os.urandom(16), os.urandom(32), b"Content-Encoding: aes128gcm\x00" + os.urandom(65)
    expected = HKDF(hashes.SHA256(), length, salt=salt, info=info).derive(secret)
    assert _hkdf_expand(_hkdf_extract(salt, secret), info, length) == expected


def test_a_subscription_key_reads_with_or_without_padding():
    raw = os.urandom(65)
    text = base64.urlsafe_b64encode(raw).decode()
    assert b64url_decode(text) == b64url_decode(text.rstrip("=")) == raw
