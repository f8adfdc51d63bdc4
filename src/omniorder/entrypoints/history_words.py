"""An order's history in words: events carry what they changed as data (domain `OrderEvent`),
and the API's `detail` and the pages say it in a sentence made here (docs/rules.md §9)."""

from __future__ import annotations

from collections.abc import Callable

from omniorder.domain.money import Money
from omniorder.domain.order import OrderEvent
from omniorder.domain.statuses import OrderEventType as Type

EDIT_COUNTS = (("added", "line(s) added"), ("changed", "changed"), ("voided", "voided"))
FLAG_WORDS = {
    "prices_recalculated": "prices recalculated",
    "shipping_changed": "shipping changed",
    "deposit_overridden": "deposit overridden",
    "repriced": "re-priced",
    "expiry_changed": "expiry date changed",
}


def describe(event: OrderEvent, money: Callable[[Money], str] = str) -> str:
    """One line saying what the event changed; entries recorded before events carried data
    keep the text they were written with. `money` writes an amount ("12.34 USD" for the
    API; the pages pass their locale's format)."""
    if event.detail:
        return event.detail
    amount = {name: money(value) for name, value in event.amounts.items()}
    moved = ", ".join(f"{c.quantity} × {c.sku}" for c in event.lines)
    flags = [FLAG_WORDS.get(flag, flag.replace("_", " ")) for flag in event.flags]
    match event.action:
        case Type.ORDER_CREATED | Type.QUOTE_CREATED:
            parts = [f"{event.counts.get('lines', 0)} line(s), total {amount['total']}"]
            if "deposit_required" in amount:
                parts.append(f"deposit required {amount['deposit_required']}")
                parts += flags
                parts.append(f"paid {amount['paid']}")
            return ", ".join(parts)
        case Type.EDITED:
            counted = [
                f"{event.counts[name]} {words}"
                for name, words in EDIT_COUNTS
                if event.counts.get(name)
            ]
            return ", ".join(
                [*counted, *flags, f"total {amount['total']}, settled {amount['settled']}"]
            )
        case Type.QUOTE_CONVERTED:
            return ", ".join([*flags, f"deposit {amount['deposit']}, paid {amount['paid']}"])
        case Type.PICK_LIST_CREATED:
            return f"{event.counts.get('units', 0)} unit(s) to pick"
        case Type.PICKED | Type.PACKED:
            return moved
        case Type.PICKED_UP:
            return (
                f"{moved} collected by {event.collected_by}; invoice total "
                f"{amount['invoice_total']}, deposit applied {amount['deposit_applied']}"
            )
        case Type.SHIPPED:
            return f"{moved}; invoice {amount['invoice_total']}"
        case Type.CANCELLED:
            return f"charge {amount['charge']}, settled {amount['settled']}"
        case Type.LINES_CANCELLED | Type.RETURNED:
            return f"refund {amount['refund']}"
    return ""
