"""Benchmarks B1–B5 (../shared/telegram.md): `python -m benchmarks [--quick]`."""
