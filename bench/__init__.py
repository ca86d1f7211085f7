"""Benchmarks for Siamese Explorer: ``python -m bench [name ...]``; each prints one JSON object."""
