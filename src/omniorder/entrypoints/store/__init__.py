"""The store server: POS pages and the store API, backed by the channel database."""
