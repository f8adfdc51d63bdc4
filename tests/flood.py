"""A sign-in flood against a store server, shared by the e2e test (no 5xx, reads succeed) and
the benchmark (how much the reads slow down): a manager with an order to read, the reads, and
one wrong-password attempt of one flooding client."""

from __future__ import annotations

import httpx

from tests.builders import SOON
from tests.e2e.shop import deposit
from tests.servers import sign_in

# Wrong passwords for the manager signed in, a cashier, and ids nobody has.
GUESSED_IDS = ["1002", "1001", "9999", "nobody"]


def manager_with_an_order(url: str, timeout: float) -> tuple[dict[str, str], str]:
    """Manager 1002 signed in at the store, and the reference of an order taken there."""
    manager = sign_in(url, "1002", "manager1")
    created = httpx.post(
        f"{url}/api/v1/customer-orders",
        json={
            "customer_account": "C0001",
            "lines": [
                {
                    "sku": "LAMP-FLOOR",
                    "quantity": 1,
                    "fulfilment": "pickup",
                    "requested_date": str(SOON),
                }
            ],
            "payments": [{"tender": "cash", "amount": deposit("S001", 1)}],
        },
        headers=manager,
        timeout=timeout,
    )
    assert created.status_code == 201, created.text
    return manager, str(created.json()["channel_ref"])


def read_path(ref: str, n: int) -> str:
    """The manager's n-th read: the order and the find list, alternately."""
    if n % 2:
        return f"/api/v1/customer-orders/{ref}"
    return "/api/v1/customer-orders?customer_account=C0001&limit=20"


def guess(client: httpx.Client, flooder: int, attempt: int) -> httpx.Response:
    """One wrong sign-in of one flooding client."""
    return client.post(
        "/api/v1/auth/token",
        json={
            "operator_id": GUESSED_IDS[(flooder + attempt) % len(GUESSED_IDS)],
            "password": f"guess-{flooder}-{attempt}",
        },
    )
