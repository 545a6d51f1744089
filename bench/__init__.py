"""Benchmarks; each reports its figures against a baseline measured in the same run."""
