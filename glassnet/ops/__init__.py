"""Differentiable ops, one file per family; each pairs a ``Function`` class with a lowercase function."""
