"""Ready-made models: the seed article's networks and the task models built on them."""
