"""The school topology on one machine, started whole by the tests."""
