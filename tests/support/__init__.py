"""Test helpers shared by the unit, conformance and integration suites."""
