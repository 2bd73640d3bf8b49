"""Benchmarks: each `bench_*.py` has `run() -> list[dict]`; `python -m bench` runs them all."""
