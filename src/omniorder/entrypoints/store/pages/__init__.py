"""The store's POS pages (HTML), one module per flow.

- signin: sign in and out, and the home page
- new_order: the new customer order (or quote) page; cart: its form, read and priced
- orders: receipt, find an order, an order's detail page
- the actions on an existing order (docs/rules.md §4–§8), one module each: pickup, cancel,
  returns, picking (pick list, picking and packing), convert (a quote), edit
- documents: the printable receipt of each operation, the pick list and the packing slip

What they share: common (templates, page router, signed-in staff, `render()`), forms (reading
the forms: `FormErrors`, amounts, quantities, payments) and actions (what every action page
does). `router` is all of them, as the store app includes it.
"""

from __future__ import annotations

from omniorder.entrypoints.store.pages import (
    cancel,
    convert,
    documents,
    edit,
    new_order,
    orders,
    picking,
    pickup,
    returns,
    signin,
)
from omniorder.entrypoints.store.pages.common import page_router

router = page_router()
# Matched in this order: new_order's /orders/new before orders' /orders/{ref}, which would
# otherwise take "new" for an order reference.
for flow in (signin, new_order, orders, pickup, cancel, returns, picking, convert, edit, documents):
    router.include_router(flow.router)
