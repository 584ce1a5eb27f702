"""Tests of the domain check."""
