"""Demo data: an HQ with two stores, products, customers and staff, ready to take orders."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from omniorder.adapters.orm import (
    Base,
    ChargeCodeRow,
    CustomerAddressRow,
    CustomerRow,
    DeliveryModeRow,
    FunctionalityProfileRow,
    InventoryRow,
    ParametersRow,
    ProductRow,
    StaffRow,
    StoreRow,
    TaxRateRow,
)

# (operator id, password, name, role, store) — printed by `omniorder demo`.
DEMO_STAFF = [
    ("admin", "hqadmin1", "Harriet Quinn", "hq_admin", None),
    ("1001", "cashier1", "Casey Downtown", "cashier", "S001"),
    ("1002", "manager1", "Morgan Downtown", "manager", "S001"),
    ("2001", "cashier2", "Alex Airport", "cashier", "S002"),
    ("2002", "manager2", "Jordan Airport", "manager", "S002"),
]

PRODUCTS = [
    ("SOFA-3S", "Three-seat sofa, oat linen", "0400000000017", 129900, "GENERAL"),
    ("CHAIR-ARM", "Armchair, walnut frame", "0400000000024", 54900, "GENERAL"),
    ("TABLE-OAK", "Dining table, solid oak, 180 cm", "0400000000031", 89900, "GENERAL"),
    ("LAMP-FLOOR", "Floor lamp, brass", "0400000000048", 14999, "GENERAL"),
    ("RUG-WOOL", "Wool rug, 200 x 300 cm", "0400000000055", 39900, "GENERAL"),
    ("MATT-QUEEN", "Queen mattress, medium firm", "0400000000062", 79900, "GENERAL"),
    ("PILLOW-2", "Pillow, pair", "0400000000079", 3999, "GENERAL"),
    ("VASE-GLASS", "Glass vase, smoke", "0400000000086", 2499, "GENERAL"),
    ("BOOK-CASE", "Bookcase, five shelves", "0400000000093", 24900, "GENERAL"),
    ("GIFT-CARD", "Gift card", "0400000000109", 5000, "EXEMPT"),
]

CUSTOMERS = [
    (
        "C0001",
        "Ada Lovelace",
        "555-0101",
        "ada@example.com",
        ("10 Analytical Way", "New York", "NY", "10001"),
    ),
    (
        "C0002",
        "Grace Hopper",
        "555-0102",
        "grace@example.com",
        ("1 Compiler Ct", "Arlington", "VA", "22201"),
    ),
    (
        "C0003",
        "Alan Turing",
        "555-0103",
        "alan@example.com",
        ("7 Bletchley Rd", "Princeton", "NJ", "08540"),
    ),
    (
        "C0004",
        "Katherine Johnson",
        "555-0104",
        "katherine@example.com",
        ("3 Orbit Ave", "Hampton", "VA", "23666"),
    ),
    (
        "C0005",
        "Edsger Dijkstra",
        "555-0105",
        "edsger@example.com",
        ("12 Shortest Path", "Austin", "TX", "78701"),
    ),
    (
        "C0006",
        "Barbara Liskov",
        "555-0106",
        "barbara@example.com",
        ("5 Substitution St", "Cambridge", "MA", "02139"),
    ),
]


def demo_rows(hash_password: object) -> list[Base]:
    """Every master-data row of the demo. `hash_password` turns a password into its hash."""
    assert callable(hash_password)
    rows: list[Base] = [
        DeliveryModeRow(code="PICKUP", name="Pick up in store", kind="pickup", rate_amount=0),
        DeliveryModeRow(code="CARRYOUT", name="Carry out", kind="carry_out", rate_amount=0),
        DeliveryModeRow(code="STD", name="Standard delivery", kind="ship", rate_amount=995),
        DeliveryModeRow(code="EXP", name="Express delivery", kind="ship", rate_amount=2495),
        ChargeCodeRow(code="SHIP", description="Shipping", tax_group="SHIPPING"),
        ChargeCodeRow(code="CANCEL", description="Cancellation charge", tax_group="EXEMPT"),
        ParametersRow(
            id=1,
            currency="USD",
            default_deposit_percent=Decimal("10"),
            cancellation_charge_percent=Decimal("5"),
            cancellation_charge_code="CANCEL",
            shipping_charge_code="SHIP",
            is_shipping_refund_allowed=True,
            max_shipping_refund_without_approval_amount=2000,
            pickup_delivery_mode="PICKUP",
            carry_out_delivery_mode="CARRYOUT",
            quote_expiration_days=30,
            default_tax_rate=Decimal("0"),
        ),
        FunctionalityProfileRow(
            code="SYNC",
            name="Sync (real-time service)",
            is_async=False,
            is_async_backup=False,
            async_backup_timeout_ms=5000,
        ),
        FunctionalityProfileRow(
            code="ASYNC",
            name="Async (store journal, synchronized by HQ)",
            is_async=True,
            is_async_backup=False,
            async_backup_timeout_ms=5000,
        ),
        StoreRow(
            code="S001",
            name="Downtown",
            time_zone="America/New_York",
            region="NY",
            street="120 Broadway",
            city="New York",
            postal_code="10271",
            phone="(212) 555-0120",
            is_pickup_location=True,
            warehouse="S001",
            shipping_warehouse="WH1",
            profile_code="SYNC",
            token_hash=None,
        ),
        StoreRow(
            code="S002",
            name="Airport",
            time_zone="America/New_York",
            region="NJ",
            street="Terminal B, 3 Brewster Road",
            city="Newark",
            postal_code="07114",
            phone="(973) 555-0175",
            is_pickup_location=True,
            warehouse="S002",
            shipping_warehouse="WH1",
            profile_code="ASYNC",
            token_hash=None,
        ),
    ]
    rates = {
        ("GENERAL", "S001"): "0.08875",
        ("GENERAL", "S002"): "0.06625",
        ("GENERAL", "NY"): "0.08875",
        ("GENERAL", "NJ"): "0.06625",
        ("GENERAL", "VA"): "0.053",
        ("GENERAL", "TX"): "0.0625",
        ("GENERAL", "MA"): "0.0625",
        ("SHIPPING", "NY"): "0.08875",
        ("SHIPPING", "NJ"): "0.06625",
        ("SHIPPING", "VA"): "0",
        ("SHIPPING", "TX"): "0.0625",
        ("SHIPPING", "MA"): "0",
        ("EXEMPT", "S001"): "0",
    }
    rows += [
        TaxRateRow(tax_group=g, jurisdiction=j, rate=Decimal(r)) for (g, j), r in rates.items()
    ]
    for sku, name, barcode, price, group in PRODUCTS:
        rows.append(
            ProductRow(
                sku=sku,
                name=name,
                barcode=barcode,
                price_amount=price,
                tax_group=group,
                is_active=True,
            )
        )
        for location, on_hand in (("S001", 6), ("S002", 2), ("WH1", 40)):
            rows.append(
                InventoryRow(location=location, sku=sku, on_hand_qty=on_hand, reserved_qty=0)
            )
    for account, name, phone, email, (street, city, region, postal) in CUSTOMERS:
        customer = CustomerRow(account=account, name=name, phone=phone, email=email)
        customer.addresses = [
            CustomerAddressRow(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"omniorder-demo:{account}:home"),
                position=0,
                name=name,
                street=street,
                city=city,
                region=region,
                postal_code=postal,
                country="US",
            )
        ]
        rows.append(customer)
    for operator_id, password, name, role, store in DEMO_STAFF:
        rows.append(
            StaffRow(
                operator_id=operator_id,
                name=name,
                role=role,
                store_code=store,
                password_hash=hash_password(password),
                is_active=True,
                session_epoch=0,
            )
        )
    return rows


def seed(session: Session, hash_password: object) -> int:
    """Write the demo data (again): existing rows with the same keys are overwritten."""
    rows = demo_rows(hash_password)
    for row in rows:
        session.merge(row)
    session.commit()
    return len(rows)
