"""Benchmarks of autograd_tiny against micrograd, PyTorch and plain floats.

Not part of the installed package: run ``python benchmarks/run.py``.
"""
