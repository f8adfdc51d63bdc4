"""The one error tree of Omniorder. The HTTP layer maps each branch to a status code.

    OmniorderError
    ├── InvalidInput          422 — bad input; carries the field path and a sentence
    │   └── UnknownLine, QuantityOutOfRange, DateNotAllowed, PaymentNotAccepted,
    │       NoShipOrPickupLine, NegativeAmount
    ├── NotFound              404
    ├── Conflict              409 — wrong state for the operation
    │   ├── StaleVersion      409 — an edit based on an old version of the order
    │   ├── OrderCancelled, OrderIsAQuote, OrderPartlyInvoiced, OrderFinished,
    │   │   ShippingRefundNotAllowed, MissingChargeCode
    │   └── IdInUse           409 — a client id reused for another order or another body
    ├── PermissionDenied      403 — names the permission and that a manager override allows it
    │   └── DepositOverrideNotAllowed, ShippingRefundNeedsApproval
    ├── Unauthenticated       401 — no valid sign-in (or store token) came with the request
    │   └── WrongCredentials  401 — an operator id or password (sign-in, manager override) is wrong
    ├── TooManyAttempts       429 — too many wrong passwords: locked for `retry_after_seconds`
    └── Unavailable           503 — a needed service (HQ's real-time service) did not answer

Every error says in one sentence what is wrong, for a person at the POS, not a developer.
"""

from __future__ import annotations


class OmniorderError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(OmniorderError):
    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownLine(InvalidInput):
    """A line id that is not on this order (or not on the invoice named)."""

    code = "unknown_line"


class QuantityOutOfRange(InvalidInput):
    """A quantity below 1 or above what is left to pick, pick up, cancel or return."""

    code = "quantity_out_of_range"


class DateNotAllowed(InvalidInput):
    """A requested date before the store's today, or missing where the line needs one."""

    code = "date_not_allowed"


class PaymentNotAccepted(InvalidInput):
    """A payment that does not fit: not positive, more than is owed, or on a quote."""

    code = "payment_not_accepted"


class NoShipOrPickupLine(InvalidInput):
    """A customer order needs at least one line that is shipped or picked up later."""

    code = "no_ship_or_pickup_line"


class NegativeAmount(InvalidInput):
    """A charge or refund typed below zero."""

    code = "negative_amount"


class NotFound(OmniorderError):
    code = "not_found"


class Conflict(OmniorderError):
    code = "conflict"


class StaleVersion(Conflict):
    """Someone changed the order since the caller read it; `current_version` says to what."""

    code = "stale_version"

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class OrderCancelled(Conflict):
    """The order is cancelled: nothing more can be done to it."""

    code = "order_cancelled"


class OrderIsAQuote(Conflict):
    """An order action asked of a quote: convert it first."""

    code = "order_is_a_quote"


class OrderPartlyInvoiced(Conflict):
    """Cancelling the whole order when some of it is invoiced: cancel lines or return."""

    code = "order_partly_invoiced"


class OrderFinished(Conflict):
    """Editing an order that is fully invoiced or cancelled, or a converted quote."""

    code = "order_finished"


class ShippingRefundNotAllowed(Conflict):
    """The retail parameters say shipping charges are not refundable."""

    code = "shipping_refund_not_allowed"


class IdInUse(Conflict):
    """A client-generated id (of an order or a payment) already stands for something else:
    another store's order, or a request with a different body. `field` names the id."""

    code = "id_in_use"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(OmniorderError):
    code = "permission_denied"

    def __init__(self, permission: str, message: str) -> None:
        super().__init__(message)
        self.permission = permission


class Unauthenticated(OmniorderError):
    code = "not_signed_in"


class WrongCredentials(Unauthenticated):
    """The operator id or the password is wrong (never saying which); `field` names the
    credentials (`password` at sign-in, `manager_override` for an approval)."""

    code = "wrong_credentials"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class TooManyAttempts(OmniorderError):
    """Too many wrong passwords for this operator id or from this address: every attempt,
    the right password included, is refused for `retry_after_seconds`."""

    code = "too_many_attempts"

    def __init__(self, field: str, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.field = field
        self.retry_after_seconds = retry_after_seconds


class Unavailable(OmniorderError):
    code = "unavailable"


class PaymentMismatch(InvalidInput):
    """The payments offered do not settle what is due; `due` says what would."""

    code = "payment_mismatch"

    def __init__(self, field: str, message: str, *, due: object) -> None:
        super().__init__(field, message)
        self.due = due


class DepositOverrideOutOfRange(InvalidInput):
    code = "deposit_override_out_of_range"


class ShippingRefundNeedsApproval(PermissionDenied):
    """The shipping refunded across the order's returns would pass the approval limit."""

    code = "shipping_refund_needs_approval"


class DepositOverrideNotAllowed(PermissionDenied):
    code = "deposit_override_not_allowed"


class QuoteTakesNoPayment(InvalidInput):
    code = "quote_takes_no_payment"


class MissingChargeCode(Conflict):
    code = "missing_charge_code"
