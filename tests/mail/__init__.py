"""Tests of the core mail modules: signing outgoing messages."""
