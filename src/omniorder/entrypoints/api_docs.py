"""The interactive API page `/docs` (Swagger UI), only where `OMNIORDER_API_DOCS=true` says so.

Its files come from the `swagger-ui-bundle` package and are served by the server itself — no
CDN — and its start-up script is a file too, so the page runs under the same
Content-Security-Policy as every other page. `/openapi.json` is always there.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} — API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""

_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
});
"""


def install_api_docs(app: FastAPI, *, enabled: bool) -> None:
    """Serve `/docs` with local assets when `enabled` and the assets are installed."""
    if not enabled:
        return
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # the optional `docs` extra is not installed: no page
        return
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    title = app.title

    @app.get("/docs", include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(_PAGE.format(title=title))

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(_INIT, media_type="text/javascript")
