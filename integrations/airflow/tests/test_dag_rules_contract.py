"""The dag_rules claim, both ends: assertions minted by the gateway's code (dag-rules.json, written by
test/integration/assertion-contract/dag-rules-fixtures.ts) evaluate here to exactly what the gateway's own rule
evaluation decided, for every DAG and action; readable and editable sets are the same; malformed claims are refused.
"""

from __future__ import annotations

import pytest

from airflow_airlock import AirlockAssertionError, AirlockSettings, AssertionVerifier, JwksCache
from airflow_airlock.dag_rules import ACTIONS, DagMeta, DagRules, check_portable_regex
from conftest import load_fixture_file


@pytest.fixture(scope="module")
def dag_fixtures() -> dict:
    return load_fixture_file("dag-rules.json")


@pytest.fixture()
def verify(dag_fixtures, jwks_server, clock):
    jwks_server.document = dag_fixtures["jwks"]
    settings = AirlockSettings(issuer=dag_fixtures["issuer"], audience=dag_fixtures["audience"], jwks_url=jwks_server.jwks_url)
    cache = JwksCache(settings.jwks_url, cache_seconds=300, min_refetch_seconds=30, timeout_seconds=5, clock=clock)
    verifier = AssertionVerifier(settings, jwks=cache)
    return verifier.verify


def meta_of(dag_fixtures: dict, dag: str) -> DagMeta | None:
    m = dag_fixtures["dags"][dag]
    return None if m is None else DagMeta(tuple(m["tags"]), tuple(m["owners"]))


def test_actions_are_in_the_same_order(dag_fixtures):
    assert list(ACTIONS) == dag_fixtures["actions"]


def test_every_case_evaluates_to_the_gateways_decisions(dag_fixtures, verify):
    kinds = set()
    for name, case in dag_fixtures["cases"].items():
        identity = verify(case["token"])
        rules = identity.dag_rules
        assert isinstance(rules, DagRules), name
        assert rules.raw == case["claim"], name
        for dag, by_action in case["outcomes"].items():
            meta = meta_of(dag_fixtures, dag)
            for action in ACTIONS:
                assert rules.outcome(dag, action, meta) == by_action[action], (name, dag, action)
                kinds.add(by_action[action])
        dags = list(dag_fixtures["dags"])
        assert [d for d in dags if rules.readable(d, meta_of(dag_fixtures, d))] == case["readable"], name
        assert [d for d in dags if rules.editable(d, meta_of(dag_fixtures, d))] == case["editable"], name
        for action in ACTIONS:
            assert rules.restricts([action]) == case["restricts"][action], (name, action)
    assert kinds == {"allow", "deny", "restricted", "none", "metadata_unavailable"}


def test_the_one_dag_person_reads_exactly_what_the_gateway_allows(dag_fixtures, verify):
    case = dag_fixtures["cases"]["dave_one_dag"]
    rules = verify(case["token"]).dag_rules
    assert rules.readable("example_etl", meta_of(dag_fixtures, "example_etl"))
    assert not rules.readable("finance_daily", meta_of(dag_fixtures, "finance_daily"))
    # a DAG whose tags Airflow does not know: a tags rule restricts reading it, so it fails closed
    assert not rules.readable("deployed_after_last_read", None)


@pytest.mark.parametrize("name", ["not_a_list", "short_letters", "unknown_letter", "two_selectors", "unknown_selector",
                                  "empty_dag_ids", "regex_outside_dialect", "regex_lookahead"])
def test_malformed_dag_rules_are_refused(dag_fixtures, verify, name):
    hostile = dag_fixtures["hostile"][name]
    with pytest.raises(AirlockAssertionError) as caught:
        verify(hostile["token"])
    assert (caught.value.code, caught.value.reason) == (hostile["code"], hostile["reason"])


def test_an_assertion_without_dag_rules_has_none(make_verifier, contract):
    identity = make_verifier().verify(contract["valid"]["person_webauthn"]["token"])
    assert identity.dag_rules is None


@pytest.mark.parametrize("ok", ["^hr_", "x$", "^(etl|ml)$", "^(?:a|b)+?c{2,3}$", "[a-z0-9_.-]", "[^-a]", "[a-]",
                                "\\.\\$\\/", "é_.*", "a{2}", "a{2,}", "[\\]\\-]", "()", "a|"])
def test_portable_regex_accepts_what_both_engines_agree_on(ok):
    check_portable_regex(ok)


@pytest.mark.parametrize("bad", ["\\d", "\\w+", "\\s", "\\bx", "(?=a)", "(?!a)", "(?<n>a)", "(?i)a", "\\1", "a*+", "a++",
                                 "a{,3}", "a{3,1}", "{2}", "*a", "^*", "[]", "[^]", "[[a]]", "[a--b]", "[a&&b]", "[a-b-c]",
                                 "[z-a]", "a]", "a}", "(a", "a)", "\\x41", "\\u0041", "\\n", "\\-", "a\x00", ""])
def test_portable_regex_refuses_the_rest(bad):
    with pytest.raises(ValueError):
        check_portable_regex(bad)
