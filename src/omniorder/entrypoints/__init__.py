"""Entry points: the HQ and store FastAPI apps (API and pages), the CLI and the jobs."""
