"""Staff password hashes: the production cost, and the cheap one only the test suite uses."""

from __future__ import annotations

import pytest
from argon2 import Type, extract_parameters, profiles
from flask import Flask

from joans import config
from joans.staff import passwords

PASSWORD = "a long staff password 🔑 with spaces"


def app_for(env: str, tmp_path) -> Flask:
    app = Flask("joans", instance_path=str(tmp_path), instance_relative_config=True)
    config.load(app, {"ENV": env})
    return app


@pytest.mark.parametrize("env", ["production", "development"])
def test_production_hashes_at_the_cost_rfc_9106_recommends(env, tmp_path):
    """A real hash at the real cost: argon2id, 64 MiB, 3 passes, 4 lanes; it verifies."""
    with app_for(env, tmp_path).app_context():
        stored = passwords.hash_password(PASSWORD)
        assert passwords.verify_password(stored, PASSWORD)
        assert not passwords.verify_password(stored, PASSWORD + "!")
        assert not passwords.needs_rehash(stored)
    parameters = extract_parameters(stored)
    assert parameters.type is Type.ID
    assert parameters == profiles.RFC_9106_LOW_MEMORY
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (3, 65536, 4)


def test_only_the_test_suite_hashes_cheaply_and_production_upgrades_such_a_hash(tmp_path):
    """ENV=testing alone gets the cheap cost; a hash made so is re-hashed at the next login."""
    with app_for("testing", tmp_path).app_context():
        cheap = passwords.hash_password(PASSWORD)
    parameters = extract_parameters(cheap)
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (1, 8, 1)
    with app_for("production", tmp_path).app_context():
        assert passwords.verify_password(cheap, PASSWORD)
        assert passwords.needs_rehash(cheap)
