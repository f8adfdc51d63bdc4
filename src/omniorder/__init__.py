"""Omniorder: customer orders for retailers (POS at the store, sales orders at HQ)."""

__version__ = "0.1.0"
