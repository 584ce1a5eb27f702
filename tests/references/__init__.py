"""Tests of the reference images."""
