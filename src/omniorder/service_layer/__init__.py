"""Use cases: one function per operation, over a unit of work; the only place that commits."""
