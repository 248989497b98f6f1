"""Benchmarks that print figures (``python bench/<name>.py``); not part of the test run."""
