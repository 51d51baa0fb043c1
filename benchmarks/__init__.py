"""Side-by-side benchmarks of glassnet against PyTorch CPU (``python -m benchmarks.run``)."""
