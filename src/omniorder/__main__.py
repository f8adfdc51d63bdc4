from omniorder.entrypoints.cli import app

app()
