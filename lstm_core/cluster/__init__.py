"""Past one machine: the training backend a server uses, and the pool on a Ray cluster with its actors."""
