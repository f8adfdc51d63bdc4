"""Adapters: database tables and repositories, migrations, the HQ client, payment connector."""
