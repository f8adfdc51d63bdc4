"""Pure business rules of Omniorder. Imports nothing outside the standard library."""
