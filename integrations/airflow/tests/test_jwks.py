"""JWKS fetching over real HTTP: caching, refetch on an unknown kid (rate-limited), fail closed."""

from __future__ import annotations

import pytest

from airflow_airlock import JwksUnavailable, SigningKeyUnknown, parse_jwks


def test_keys_are_fetched_once_and_cached(make_verifier, contract, jwks_server):
    verifier = make_verifier()
    for name in ("person_webauthn", "viewer_idp_mfa", "service_token"):
        verifier.verify(contract["valid"][name]["token"])
    assert jwks_server.requests == 1


def test_new_kid_after_rotation_triggers_a_refetch(make_verifier, contract, jwks_server):
    verifier = make_verifier()
    verifier.verify(contract["valid"]["person_webauthn"]["token"])
    assert contract["rotated"]["kid"] not in verifier.jwks.known_kids()
    jwks_server.document = contract["jwks_rotated"]  # the gateway published key B
    identity = verifier.verify(contract["rotated"]["token"])
    assert identity.username == contract["rotated"]["expect"]["username"]
    assert jwks_server.requests == 2
    # old key still accepted during the overlap
    verifier.verify(contract["valid"]["person_webauthn"]["token"])
    assert jwks_server.requests == 2


def test_unknown_kid_refetch_is_rate_limited(make_verifier, contract, jwks_server, clock):
    verifier = make_verifier(jwks_min_refetch_seconds=30)
    verifier.verify(contract["valid"]["person_webauthn"]["token"])
    unknown = contract["hostile"]["unknown_kid"]["token"]
    for _ in range(5):
        with pytest.raises(SigningKeyUnknown):
            verifier.verify(unknown)
    assert jwks_server.requests == 2  # one refetch for the unknown kid, then none for 30 s
    clock.advance(31)
    with pytest.raises(SigningKeyUnknown):
        verifier.verify(unknown)
    assert jwks_server.requests == 3
    with pytest.raises(SigningKeyUnknown):
        verifier.verify(unknown)
    assert jwks_server.requests == 3
    # known keys keep working while unknown kids are being refused
    verifier.verify(contract["valid"]["person_webauthn"]["token"])
    assert jwks_server.requests == 3


def test_stale_cache_is_refreshed(make_verifier, contract, jwks_server, clock):
    verifier = make_verifier(jwks_cache_seconds=300)
    token = contract["valid"]["person_webauthn"]["token"]
    verifier.verify(token)
    clock.advance(301)
    verifier.verify(token)
    assert jwks_server.requests == 2


def test_unreachable_jwks_fails_closed_with_503(make_verifier, contract, jwks_server, clock):
    verifier = make_verifier(jwks_cache_seconds=300, jwks_min_refetch_seconds=30)
    token = contract["valid"]["person_webauthn"]["token"]
    verifier.verify(token)
    jwks_server.status = 500
    clock.advance(301)
    with pytest.raises(JwksUnavailable) as caught:
        verifier.verify(token)
    assert caught.value.status == 503
    # and the failing gateway is not hammered: the next request inside the window fails without a fetch
    with pytest.raises(JwksUnavailable):
        verifier.verify(token)
    assert jwks_server.requests == 2


def test_connection_refused_is_unavailable(make_verifier, contract):
    verifier = make_verifier(jwks_url="http://127.0.0.1:9/.airlock/jwks.json", http_timeout_seconds=2)
    with pytest.raises(JwksUnavailable) as caught:
        verifier.verify(contract["valid"]["person_webauthn"]["token"])
    assert caught.value.reason == "jwks_fetch"


def test_jwks_that_is_not_json_is_refused(make_verifier, contract, jwks_server):
    jwks_server.document = b"<html>login</html>"
    with pytest.raises(JwksUnavailable) as caught:
        make_verifier().verify(contract["valid"]["person_webauthn"]["token"])
    assert caught.value.reason == "jwks_shape"


@pytest.mark.parametrize("member", ["d", "p", "q", "k"])
def test_jwks_with_private_or_symmetric_material_is_refused(contract, member):
    key = dict(contract["jwks"]["keys"][0], **{member: "AAAA"})
    with pytest.raises(JwksUnavailable) as caught:
        parse_jwks({"keys": [key]})
    assert caught.value.reason == "jwks_private"


def test_non_es256_keys_are_not_trusted(contract):
    good = contract["jwks"]["keys"][0]
    rsa_like = dict(good, kid="other", alg="RS256")
    keys = parse_jwks({"keys": [good, rsa_like]})
    assert set(keys) == {good["kid"]}


def test_duplicate_kid_is_refused(contract):
    good = contract["jwks"]["keys"][0]
    with pytest.raises(JwksUnavailable):
        parse_jwks({"keys": [good, dict(good)]})


def test_jwks_without_keys_list_is_refused():
    with pytest.raises(JwksUnavailable):
        parse_jwks({"keys": "nope"})
