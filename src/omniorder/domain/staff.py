"""Staff, roles and permissions (docs/api.md, *Authentication*)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from omniorder.domain.errors import PermissionDenied


class Permission(StrEnum):
    CREATE_ORDER = "create_order"
    EDIT_ORDER = "edit_order"
    RECALL_ORDER = "recall_order"
    DEPOSIT_OVERRIDE = "deposit_override"
    ACCEPT_REJECT = "accept_reject"
    # Lower or waive the cancellation charge, or cancel every line of an order (which
    # avoids it) (docs/rules.md §6).
    WAIVE_CANCELLATION_CHARGE = "waive_cancellation_charge"
    # Refund money a card paid in another tender (cash) instead of back to the card (§6, §7).
    REFUND_CARD_IN_CASH = "refund_card_in_cash"
    MANAGER = "manager"


class Role(StrEnum):
    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    HQ_ADMIN = "hq_admin"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset(
        {Permission.CREATE_ORDER, Permission.EDIT_ORDER, Permission.RECALL_ORDER}
    ),
    Role.SUPERVISOR: frozenset(
        {
            Permission.CREATE_ORDER,
            Permission.EDIT_ORDER,
            Permission.RECALL_ORDER,
            Permission.DEPOSIT_OVERRIDE,
            Permission.ACCEPT_REJECT,
        }
    ),
    Role.MANAGER: frozenset(Permission),
    Role.HQ_ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Staff:
    """An operator who signed in; `store_code` is None for HQ staff, who may act anywhere."""

    operator_id: str
    name: str
    role: Role
    store_code: str | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions or Permission.MANAGER in self.permissions


@dataclass(frozen=True)
class Authorization:
    """Who performs an action and, when a manager approved it on the spot, who approved it."""

    staff: Staff
    override_by: Staff | None = None

    def allows(self, permission: Permission) -> bool:
        return self.staff.has(permission) or (
            self.override_by is not None and self.override_by.has(permission)
        )

    def require(self, permission: Permission, action: str) -> None:
        if not self.allows(permission):
            raise PermissionDenied(
                permission.value,
                f"{self.staff.name} alone may not {action}: a manager override is needed "
                "(the manager's id and password).",
            )
