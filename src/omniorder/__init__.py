"""Omniorder: customer orders for retailers (POS at the store, sales orders at HQ)."""

from omniorder.adapters.currencies import register_iso_currencies

__version__ = "0.1.0"

# Every process (servers, CLI, tests, benchmarks) imports this package first, so Money knows
# the ISO 4217 minor units before any amount is made; the domain itself imports no library.
register_iso_currencies()
