"""The order's barcode: a QR code of its channel reference id, on every receipt and document.

A scanner types the reference and Enter into the POS search field, which opens the order at
once (docs/rules.md §2), so the customer's receipt or e-mail starts the handover.
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(reference: str, *, scale: int = 3) -> Markup:
    """The QR code as inline SVG, black on white, with its reference as title."""
    code = segno.make(reference, micro=False, error="m")
    return Markup(code.svg_inline(scale=scale, border=4, title=f"Order {reference}"))
