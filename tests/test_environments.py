"""Telling staging from production: environment words, boundaries, overlaps, ambiguity, configuration."""

from __future__ import annotations

import pytest

from lintops.config.environments import (
    DEFAULT_PATTERNS,
    Classification,
    EnvironmentPatterns,
    patterns_from,
)


@pytest.mark.parametrize("value", [
    "prod", "PROD", "production", "guestbook-prod", "apps/guestbook/production", "overlays/prod", "prod_eu",
    "prod-eu1", "prod2", "values-production.yaml", "https://prod.k8s.example.com", "eu1.Production",
])
def test_production_words(value):
    assert DEFAULT_PATTERNS.classify_value(value) == "production"


@pytest.mark.parametrize("value", [
    "staging", "Stage", "guestbook-staging", "overlays/stage", "values-staging.yaml", "stage1", "staging-eu1",
])
def test_staging_words(value):
    assert DEFAULT_PATTERNS.classify_value(value) == "staging"


@pytest.mark.parametrize("value", [
    # an environment word glued to other letters is part of another word
    "preprod", "products", "reproduce", "productive", "staged", "backstage", "onstage",
    # no environment at all
    "guestbook", "in-cluster", "https://kubernetes.default.svc", "dev", "qa", "", None,
])
def test_words_that_name_no_environment(value):
    assert DEFAULT_PATTERNS.classify_value(value) is None


def test_a_value_naming_both_is_ambiguous_and_the_next_value_decides():
    assert DEFAULT_PATTERNS.classify_value("production-tools-staging") is None
    assert DEFAULT_PATTERNS.classify("production-tools-staging", "eu-staging") == "staging"
    assert DEFAULT_PATTERNS.classify("production-tools-staging", "tools-prod") == "production"
    assert DEFAULT_PATTERNS.classify("production-tools-staging") is None


def test_classify_takes_the_first_value_that_decides():
    assert DEFAULT_PATTERNS.classify(None, "", "guestbook", "staging", "prod") == "staging"
    assert DEFAULT_PATTERNS.classify("prod", "staging") == "production"
    assert DEFAULT_PATTERNS.classify() is None


def test_decide_says_which_value_decided():
    decided = DEFAULT_PATTERNS.decide([("destination namespace", "guestbook"), ("source path", "apps/prod/x")])
    assert decided == Classification("production", "source path", "apps/prod/x")
    assert DEFAULT_PATTERNS.decide([("name", "guestbook")]) is None


def test_custom_patterns_and_the_longer_overlapping_word_wins():
    patterns = EnvironmentPatterns.from_config({"staging": [r"stag(e|ing)", "stg", "pre-?prod"]})
    assert patterns.production == DEFAULT_PATTERNS.production  # missing key keeps its default
    assert patterns.classify_value("guestbook-stg") == "staging"
    assert patterns.classify_value("preprod") == "staging"
    # "prod" inside the longer staging word "pre-prod" is part of it
    assert patterns.classify_value("pre-prod") == "staging"
    assert patterns.classify_value("pre-prod/eu-prod") is None  # a separate production word remains
    assert patterns.classify_value("prod") == "production"


def test_custom_production_words_replace_the_defaults():
    patterns = EnvironmentPatterns.from_config({"production": "prd|live"})
    assert patterns.classify_value("eu-live") == "production"
    assert patterns.classify_value("prd") == "production"
    assert patterns.classify_value("prod") is None


def test_neutral_and_staging_counterpart():
    assert DEFAULT_PATTERNS.neutral("apps/guestbook/production") == "apps/guestbook/{env}"
    assert DEFAULT_PATTERNS.neutral("apps/guestbook/staging") == "apps/guestbook/{env}"
    assert DEFAULT_PATTERNS.neutral("overlays/prod/guestbook") == DEFAULT_PATTERNS.neutral("overlays/stage/guestbook")
    assert DEFAULT_PATTERNS.neutral("apps/preprod") == "apps/preprod"
    assert DEFAULT_PATTERNS.staging_counterpart("overlays/prod/guestbook-prod") == "overlays/staging/guestbook-staging"
    assert DEFAULT_PATTERNS.staging_counterpart("apps/staging") == "apps/staging"
    patterns = EnvironmentPatterns(staging=("pre-?prod",))
    assert patterns.neutral("pre-prod/x") == "{env}/x"


@pytest.mark.parametrize("data, message", [
    ({"staging": ["("]}, "not a valid regular expression"),
    ({"qa": ["qa"]}, "unknown key 'qa'"),
    ({"staging": []}, "environments.staging must be a non-empty list"),
    ({"production": [1]}, "environments.production must be a list"),
    (["staging"], "must be a mapping"),
])
def test_bad_configuration_is_refused(data, message):
    with pytest.raises(ValueError, match=message):
        EnvironmentPatterns.from_config(data)


def test_from_config_none_is_the_defaults_and_patterns_from_accepts_each_form():
    assert EnvironmentPatterns.from_config(None) == DEFAULT_PATTERNS
    assert patterns_from(None) is DEFAULT_PATTERNS
    custom = EnvironmentPatterns(production=("live",))
    assert patterns_from(custom) is custom
    assert patterns_from({"production": ["live"]}) == custom
    with pytest.raises(TypeError):
        patterns_from(42)
