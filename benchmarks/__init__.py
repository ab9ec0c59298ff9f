"""Benchmark harness: figures of the real pipeline next to baselines measured in the same run."""
