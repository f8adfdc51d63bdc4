"""Issue 8: previews never write, and GET never changes state, at both kinds of store.

Real servers: HQ, store S001 (sync) and store S002 (async). Through the HTTP APIs the stores
take orders in many states: at S001 a hybrid order (ship, pickup, carry-out, deposit), an
order partly picked up (it has an invoice, so its return page has lines), a cancelled order,
a quote and an order for pickup at S002; at S002 an order HQ has synchronized (and a pick
list HQ applied through the real-time service), an order still pending in the journal (with
a pick list journaled after it) and a pending quote.

Then every GET route of the store app that takes an order reference is opened, at both
stores, for every reference of every order (channel reference and sales order number; the
order id too on the API). The list of routes comes from the app itself, so a route added
later is opened too, and a route with a path parameter this test cannot fill fails it. With
them: every other GET route of the store (find, home, new order, journal, docs), the pickup
preview (a POST that must not write), the review step of the pickup, cancel, edit and
new-order forms, and HQ's GET routes of sales orders and store transactions (back office
pages and API, and the real-time service's reads as each store calls them).

The first read of an order at a store may refresh the store's copy from HQ, so each store
first reads every order once through its API (and HQ's database must not change even then).
Then every row of every table of the three databases is dumped, everything above is read,
and each database must dump the same as before. On SQLite no connection may even have
committed a write in between (`PRAGMA data_version` of a connection held open); on PostgreSQL
each row's `xmin` is in the dump, so a row rewritten with the same values is a change too.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text

from omniorder.adapters.db import make_engine
from omniorder.adapters.store_gateway import job_token_for
from omniorder.config import Settings
from omniorder.entrypoints.hq.app import create_hq_app
from omniorder.entrypoints.store.app import create_store_app
from tests.builders import SOON
from tests.conftest import PostgresDatabases, require_backend
from tests.servers import JOB_SECRET, METRICS_TOKEN, Servers, running_servers, sign_in

pytestmark = pytest.mark.e2e

Json = dict[str, Any]
STORES = ("S001", "S002")
STAFF = {"S001": ("1001", "cashier1"), "S002": ("2001", "cashier2")}
PATH_PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")

# The order routes this test knows of: the app's own list must hold at least these.
KNOWN_STORE_ROUTES = {
    "/orders/{ref}",
    "/orders/{ref}/cancel",
    "/orders/{ref}/convert",
    "/orders/{ref}/pickup",
    "/orders/{ref}/return",
    "/orders/{ref}/edit",
    "/orders/{ref}/picking",
    "/orders/{ref}/receipt",
    "/api/v1/customer-orders/{ref}",
    "/api/v1/customer-orders/{ref}/cancellation",
}
WARM_UP_ROUTE = "/api/v1/customer-orders/{ref}"
KNOWN_HQ_ROUTES = {
    "/api/v1/sales-orders",
    "/api/v1/sales-orders/{number}",
    "/sales-orders",
    "/sales-orders/{ref}",
    "/api/v1/rts/stores/{code}/orders",
    "/api/v1/rts/stores/{code}/orders/{ref}",
    "/api/v1/store-transactions",
    "/store-transactions",
}


# -- the routes, from the apps themselves -------------------------------------------------------


def get_routes(app: FastAPI) -> set[str]:
    """Paths of the app's GET routes, included routers and all. Newer FastAPI keeps an
    included router as one entry of `app.routes` and lists its routes through
    `iter_route_contexts`; older versions copied them into `app.routes`."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = flatten(app.routes) if flatten else app.routes
    return {route.path for route in routes if "GET" in (getattr(route, "methods", None) or ())}


def app_routes(tmp_path: Path) -> tuple[set[str], set[str]]:
    """GET routes of a store app and of HQ's order routes (apps built, never started)."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'routes.db'}", hq_url="http://0.0.0.0:9"
    )
    store = get_routes(create_store_app(settings, store_code="S001", download_on_start=False))
    hq = {
        path
        for path in get_routes(create_hq_app(settings))
        if "order" in path or "store-transactions" in path
    }
    return store, hq


# -- the orders, taken through the stores' APIs --------------------------------------------------


def pickup(sku: str, quantity: int, store: str, **extra: Any) -> Json:
    return {
        "sku": sku,
        "quantity": quantity,
        "fulfilment": "pickup",
        "requested_date": str(SOON),
        "pickup_store": store,
        **extra,
    }


def cash(amount: str) -> list[Json]:
    return [{"tender": "cash", "amount": amount}]


@dataclass
class Pos:
    """One store's API, as its cashier."""

    code: str
    api: httpx.Client

    def create(self, lines: list[Json], deposit: str | None, *, quote: bool = False) -> Json:
        body = {
            "customer_account": "C0001",
            "order_type": "quote" if quote else "customer_order",
            "lines": lines,
            "payments": cash(deposit) if deposit else [],
        }
        created = self.api.post("/api/v1/customer-orders", json=body)
        assert created.status_code == 201, created.text
        return dict(created.json())

    def act(self, order: Json, action: str, body: Json) -> Json:
        done = self.api.post(f"/api/v1/customer-orders/{order['channel_ref']}/{action}", json=body)
        assert done.status_code == 201, done.text
        return dict(done.json())

    def get(self, ref: str) -> Json:
        got = self.api.get(f"/api/v1/customer-orders/{quote(ref, safe='')}")
        assert got.status_code == 200, got.text
        return dict(got.json())


def synchronize(hq: httpx.Client, pos: Pos, order: Json) -> Json:
    """P-job, Synchronize orders, P-job again (the acknowledgement), until the store shows
    the sales order number."""
    for _attempt in range(5):
        for job in ("pull", "synchronize-orders", "pull"):
            ran = hq.post(f"/api/v1/jobs/{job}")
            assert ran.status_code == 200, ran.text
            assert ran.json()["unreachable"] == [], ran.json()
        got = pos.get(order["channel_ref"])
        if got["sales_order_number"]:
            assert got["sync_status"] == "synchronized", got
            return got
    raise AssertionError(f"{order['channel_ref']} was never synchronized")


def take_orders(pos: dict[str, Pos], hq: httpx.Client) -> dict[str, Json]:
    """Orders in every state worth reading, keyed by what they are."""
    s1, s2 = pos["S001"], pos["S002"]
    customers = s1.api.get("/api/v1/customers", params={"q": "C0001"})
    assert customers.status_code == 200, customers.text
    address = customers.json()[0]["addresses"][0]["id"]
    sofa = {
        "sku": "SOFA-3S",
        "quantity": 1,
        "fulfilment": "ship",
        "requested_date": str(SOON),
        "delivery_mode": "STD",
        "ship_to_address_id": address,
    }
    orders: dict[str, Json] = {}

    # S001 (sync). Paid now: 10 % of the order value as deposit, and carry-out lines in full
    # (tax 8.875 %): 175.17 of 1,751.72 (sofa shipped, two lamps) + the vase 27.21.
    orders["S001 hybrid"] = s1.create(
        [
            sofa,
            pickup("LAMP-FLOOR", 2, "S001", pickup_by="Charles Babbage"),
            {"sku": "VASE-GLASS", "quantity": 1, "fulfilment": "carry_out"},
        ],
        "202.38",
    )
    # 10 % of 326.60 + 43.54, then one lamp is collected and invoiced.
    partly = s1.create([pickup("LAMP-FLOOR", 2, "S001"), pickup("PILLOW-2", 1, "S001")], "37.01")
    lamp = partly["lines"][0]["id"]
    preview = s1.api.post(
        f"/api/v1/customer-orders/{partly['channel_ref']}/pickups/preview",
        json={"lines": {lamp: 1}},
    )
    assert preview.status_code == 200, preview.text
    orders["S001 partly picked up"] = s1.act(
        partly,
        "pickups",
        {
            "lines": {lamp: 1},
            "collected_by": "Ada Lovelace",
            "payments": cash(preview.json()["amount_due"]),
        },
    )
    assert orders["S001 partly picked up"]["status"] == "partially_invoiced"
    cancelled = s1.create([pickup("LAMP-FLOOR", 1, "S001")], "16.33")
    orders["S001 cancelled"] = s1.act(cancelled, "cancellation", {})
    assert orders["S001 cancelled"]["status"] == "cancelled"
    orders["S001 quote"] = s1.create([sofa, pickup("LAMP-FLOOR", 1, "S001")], None, quote=True)
    orders["S001 for pickup at S002"] = s1.create([pickup("LAMP-FLOOR", 1, "S002")], "15.99")

    # S002 (async, tax 6.625 %): one synchronized (then a pick list, which HQ applies), two
    # still pending. Deposits: 10 % of 159.93 (a lamp), of 159.93 + 42.64 (and a pillow).
    synced = synchronize(hq, s2, s2.create([pickup("LAMP-FLOOR", 1, "S002")], "15.99"))
    orders["S002 synchronized"] = s2.act(synced, "pick-lists", {})
    pending = s2.create([pickup("LAMP-FLOOR", 1, "S002"), pickup("PILLOW-2", 1, "S002")], "20.26")
    orders["S002 pending"] = s2.act(pending, "pick-lists", {})
    orders["S002 pending quote"] = s2.create([pickup("RUG-WOOL", 1, "S002")], None, quote=True)
    # Each order as its store shows it now (an operation's answer has no sync status).
    orders = {name: pos[name[:4]].get(order["channel_ref"]) for name, order in orders.items()}
    for name, order in orders.items():
        is_pending = name.startswith("S002 pending")
        assert (order["sales_order_number"] is None) == is_pending, order
        assert order["sync_status"] == (
            "pending" if is_pending else "synchronized" if name.startswith("S002") else None
        ), order
    return orders


def refs_of(order: Json) -> list[str]:
    """What an associate types to find the order: its channel reference, its sales order
    number once it has one."""
    return [r for r in (order["channel_ref"], order["sales_order_number"]) if r]


# -- the reads ----------------------------------------------------------------------------------


@dataclass
class Read:
    server: str  # "S001", "S002" or "HQ"
    client: str  # which signed-in client: "api", "page", "job" or "rts:<store>"
    method: str
    route: str  # the route's path template
    path: str
    params: Any = None
    json: Any = None
    data: Any = None

    def __str__(self) -> str:
        query = f"?{self.params}" if self.params else ""
        return f"{self.server} {self.method} {self.path}{query}"


def client_for(path: str, server: str) -> str:
    if path == "/metrics":  # scraped with the metrics token, as Prometheus does
        return "metrics"
    if server == "HQ":
        code = re.match(r"^/api/v1/rts/stores/(\w+)/", path)
        return f"rts:{code[1]}" if code else ("api" if path.startswith("/api/") else "page")
    if path.startswith("/api/v1/journal"):
        return "job"
    return "api" if path.startswith("/api/") else "page"


def searches(orders: dict[str, Json]) -> list[Json]:
    """Find order by a number or reference of each store, and by name."""
    texts = [orders[name]["channel_ref"] for name in ("S001 hybrid", "S002 pending")]
    texts += [orders[name]["sales_order_number"] for name in ("S001 quote", "S002 synchronized")]
    return [{"q": text} for text in [*texts, "Lovelace"]]


def fill(route: str, names: set[str], values: dict[str, list[str]]) -> list[str]:
    """The route's path for every combination of values of its path parameters."""
    unknown = set(PATH_PARAMETER.findall(route)) - names
    assert not unknown, f"{route}: this test cannot fill {unknown}; teach it how"
    paths = [route]
    for name in names:
        paths = [
            path.replace(f"{{{name}}}", quote(value, safe=""))
            for path in paths
            for value in (values[name] if f"{{{name}}}" in path else [""])
        ]
    return paths


def store_reads(code: str, routes: set[str], orders: dict[str, Json], csrf: str) -> Iterator[Read]:
    refs = [ref for order in orders.values() for ref in refs_of(order)]
    ids = [order["id"] for order in orders.values()]
    channel_refs = [order["channel_ref"] for order in orders.values()]
    queries: dict[str, list[Json]] = {
        "/orders": [{}, {"status": "open"}, *searches(orders)],
        "/api/v1/customer-orders": [{}, {"customer": "C0001"}, *searches(orders)],
        "/api/v1/journal": [{"after": 0}],
    }
    # Printable documents: each kind, and the first history entries' receipts.
    documents = {"kind": ["pick-list", "packing-slip"], "entry": ["1", "2"]}
    for route in sorted(routes):
        names = {"ref"} | (set(PATH_PARAMETER.findall(route)) & set(documents))
        paths = fill(route, names, {"ref": refs, **documents})
        if route == "/api/v1/customer-orders/{ref}":  # by id too
            paths += fill(route, {"ref"}, {"ref": ids})
        for path in paths:
            for params in queries.get(route, [{}]):
                yield Read(code, client_for(path, code), "GET", route, path, params or None)
        if route == "/orders/{ref}/receipt":  # right after the sale: stock warnings from HQ
            for path in fill(route, {"ref"}, {"ref": channel_refs}):
                yield Read(code, "page", "GET", route, path, {"new": "true"})
    # Previews: POSTs that only show what an action would do, and the form steps before
    # the confirming one.
    for order in orders.values():
        lines = order["lines"]
        here = [li for li in lines if li["fulfilment"] == "pickup" and li["open_qty"] > 0]
        collect = {li["id"]: li["open_qty"] for li in here} or {lines[0]["id"]: 1}
        for ref in refs_of(order):
            route = "/api/v1/customer-orders/{ref}/pickups/preview"
            path = fill(route, {"ref"}, {"ref": [ref]})[0]
            yield Read(code, "api", "POST", route, path, json={"lines": collect})
        first = next((li for li in lines if li["fulfilment"] != "carry_out"), lines[0])
        review = {"csrf_token": csrf, "operation_id": str(uuid.uuid4()), "action": "review"}
        forms = {
            "/orders/{ref}/pickup": {
                "collected_by": "Ada Lovelace",
                **{f"lines.{line}": str(qty) for line, qty in collect.items()},
            },
            # A charge above the default and the original tender: what a cashier may do alone
            # (a lower charge or cash for a card needs a manager, docs/rules.md §6).
            "/orders/{ref}/cancel": {"charge": "500.00", "refund_tender": ""},
            "/orders/{ref}/edit": {
                "version": str(order["version"]),
                f"change.{first['id']}.quantity": str(first["quantity"] + 1),
            },
        }
        for route, form in forms.items():
            path = fill(route, {"ref"}, {"ref": [order["channel_ref"]]})[0]
            yield Read(code, "page", "POST", route, path, data={**review, **form})
    new_line = pickup("LAMP-FLOOR", 1, code)
    yield Read(
        code,
        "page",
        "POST",
        "/orders/new/cart",
        "/orders/new/cart",
        data={
            "csrf_token": csrf,
            "action": "quote",
            "order_id": str(uuid.uuid4()),
            "customer_account": "C0001",
            **{f"lines[0].{name}": str(value) for name, value in new_line.items()},
        },
    )


def hq_reads(routes: set[str], orders: dict[str, Json]) -> Iterator[Read]:
    refs = [ref for order in orders.values() for ref in refs_of(order)]
    ids = [order["id"] for order in orders.values()]
    search = [{}, {"store": "S002"}, *searches(orders)]
    queries: dict[str, list[Json]] = {
        "/api/v1/sales-orders": search,
        "/sales-orders": search,
        "/api/v1/rts/stores/{code}/orders": [{}, *searches(orders)],
        "/api/v1/store-transactions": [{}, {"store": "S002"}, {"status": "synchronized"}],
        "/store-transactions": [{}, {"store": "S002"}],
    }
    for route in sorted(routes):
        values = {"code": list(STORES), "ref": refs, "number": refs}
        paths = fill(route, {"code", "ref", "number"}, values)
        if route == "/api/v1/sales-orders/{number}":  # by id too
            paths += fill(route, {"number"}, {"number": ids})
        for path in paths:
            for params in queries.get(route, [{}]):
                yield Read("HQ", client_for(path, "HQ"), "GET", route, path, params or None)


# -- signed-in clients ---------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_session(base_url: str, operator_id: str, password: str) -> tuple[httpx.Client, str]:
    """A browser-like session signed in through the sign-in form; and its CSRF token."""
    client = httpx.Client(base_url=base_url, timeout=30)
    form = client.get("/signin")
    found = CSRF_FIELD.search(form.text)
    assert found, form.text
    signed_in = client.post(
        "/signin",
        data={
            "operator_id": operator_id,
            "password": password,
            "next": "/",
            "csrf_token": found[1],
        },
    )
    assert signed_in.status_code == 303, signed_in.text
    home = client.get("/", follow_redirects=True)
    found = CSRF_FIELD.search(home.text)
    assert home.status_code == 200, home.text
    assert found, home.text
    return client, found[1]


@dataclass
class Clients:
    by_key: dict[tuple[str, str], httpx.Client]
    csrf: dict[str, str]

    @classmethod
    def sign_in(cls, servers: Servers) -> Clients:
        by_key: dict[tuple[str, str], httpx.Client] = {}
        csrf: dict[str, str] = {}
        for code in STORES:
            url = servers.store_url(code)
            by_key[(code, "api")] = httpx.Client(
                base_url=url, headers=sign_in(url, *STAFF[code]), timeout=30
            )
            by_key[(code, "page")], csrf[code] = page_session(url, *STAFF[code])
            by_key[(code, "job")] = httpx.Client(
                base_url=url,
                headers={"Authorization": f"Bearer {job_token_for(JOB_SECRET, code)}"},
                timeout=30,
            )
            by_key[("HQ", f"rts:{code}")] = httpx.Client(
                base_url=servers.hq_url,
                headers={
                    "Authorization": f"Bearer {servers.stores[code].env['OMNIORDER_STORE_TOKEN']}"
                },
                timeout=30,
            )
        by_key[("HQ", "api")] = httpx.Client(
            base_url=servers.hq_url,
            headers=sign_in(servers.hq_url, "admin", "hqadmin1"),
            timeout=30,
        )
        by_key[("HQ", "page")], csrf["HQ"] = page_session(servers.hq_url, "admin", "hqadmin1")
        for server, url in [(code, servers.store_url(code)) for code in STORES] + [
            ("HQ", servers.hq_url)
        ]:
            by_key[(server, "metrics")] = httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
            )
        return cls(by_key, csrf)

    def close(self) -> None:
        for client in self.by_key.values():
            client.close()


def read_all(clients: Clients, reads: list[Read]) -> list[tuple[Read, int]]:
    """Every read once, in order per server, the servers side by side; none may fail on
    the server or send the session to sign in."""
    by_server: dict[str, list[Read]] = defaultdict(list)
    for read in reads:
        by_server[read.server].append(read)

    def run(reads: list[Read]) -> list[tuple[Read, int | str]]:
        answers: list[tuple[Read, int | str]] = []
        for read in reads:
            client = clients.by_key[(read.server, read.client)]
            try:
                response = client.request(
                    read.method, read.path, params=read.params, json=read.json, data=read.data
                )
            except httpx.TransportError as error:  # e.g. a page that failed while rendering
                answers.append((read, f"no answer ({error!r})"))
                continue
            if response.status_code >= 500:
                answers.append((read, f"{response.status_code} {response.text[:300]}"))
            elif "/signin" in response.headers.get("location", ""):
                answers.append((read, f"sent to sign in ({response.headers['location']})"))
            else:
                answers.append((read, response.status_code))
        return answers

    with ThreadPoolExecutor(max_workers=len(by_server)) as pool:
        answers = [answer for done in pool.map(run, by_server.values()) for answer in done]
    broken = [f"{read}: {answer}" for read, answer in answers if isinstance(answer, str)]
    assert not broken, "\n".join(broken)
    return [(read, answer) for read, answer in answers if isinstance(answer, int)]


# -- whole-database dumps ----------------------------------------------------------------------

Table = tuple[tuple[str, ...], list[tuple[str, ...]]]  # column names, rows


def dump(url: str) -> dict[str, Table]:
    """Every row of every table, in primary key (SQLite: rowid) order, values as their repr."""
    if url.startswith("sqlite:///"):
        return dump_sqlite(Path(url.removeprefix("sqlite:///")))
    return dump_postgresql(url)


def dump_sqlite(path: Path) -> dict[str, Table]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")  # one snapshot for every table
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        tables: dict[str, Table] = {}
        for name in ["sqlite_master", *names]:
            try:
                cursor = connection.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid')
            except sqlite3.OperationalError:  # a WITHOUT ROWID table
                cursor = connection.execute(f'SELECT * FROM "{name}"')
            rows = [tuple(repr(value) for value in row) for row in cursor]
            columns = tuple(d[0] for d in cursor.description)
            tables[name] = (columns, rows if columns[0] == "rowid" else sorted(rows))
        connection.execute("COMMIT")
        return tables
    finally:
        connection.close()


def dump_postgresql(url: str) -> dict[str, Table]:
    engine = make_engine(url, isolation_level="REPEATABLE READ")
    tables: dict[str, Table] = {}
    try:
        with engine.connect() as connection:  # one snapshot for every table
            inspector = inspect(connection)
            for name in sorted(inspector.get_table_names()):
                keys = inspector.get_pk_constraint(name)["constrained_columns"]
                order = ", ".join(f'"{key}"' for key in keys) or "1"
                result = connection.execute(
                    text(f'SELECT xmin::text AS "(xmin)", t.* FROM "{name}" AS t ORDER BY {order}')
                )
                rows = [tuple(repr(value) for value in row) for row in result]
                tables[name] = (tuple(result.keys()), rows if keys else sorted(rows))
            for name in sorted(inspector.get_sequence_names()):
                result = connection.execute(text(f'SELECT last_value, is_called FROM "{name}"'))
                rows = [tuple(repr(value) for value in row) for row in result]
                tables[f"sequence {name}"] = (tuple(result.keys()), rows)
    finally:
        engine.dispose()
    return tables


def differences(before: dict[str, Table], after: dict[str, Table]) -> list[str]:
    """Which tables differ, and the rows that went, came or changed (changed columns only)."""
    found: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) == after.get(name):
            continue
        columns, old = before.get(name, ((), []))
        new_columns, new = after.get(name, ((), []))
        columns = columns or new_columns
        old_rows, new_rows = set(old), set(new)
        went = [row for row in old if row not in new_rows]
        came = [row for row in new if row not in old_rows]
        found.append(f"table {name}: {len(went)} row(s) before only, {len(came)} after only")
        if len(went) == len(came):
            for a, b in list(zip(went, came, strict=True))[:10]:
                changed = {
                    column: f"{x[:120]} -> {y[:120]}"
                    for column, x, y in zip(columns, a, b, strict=True)
                    if x != y
                }
                key = dict(zip(columns[:3], a[:3], strict=False))
                found.append(f"    row {key}: {changed}")
        else:
            found += [f"    - {row}"[:400] for row in went[:10]]
            found += [f"    + {row}"[:400] for row in came[:10]]
        if not went and not came:
            found.append("    the same rows, in another order (rewritten?)")
    return found


class CommitWatch:
    """SQLite's own count of changes committed by other connections (`PRAGMA data_version`
    of a connection held open): it moves on every commit that wrote to the database, also
    one that deleted rows and inserted them again the same (a dump would not tell)."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.connections = {
            name: sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            for name, url in urls.items()
            if url.startswith("sqlite:///")
        }

    def versions(self) -> dict[str, int]:
        return {
            name: int(c.execute("PRAGMA data_version").fetchone()[0])
            for name, c in self.connections.items()
        }

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()


# -- the test -----------------------------------------------------------------------------------


@pytest.fixture
def databases(
    backend: str, pg_databases: PostgresDatabases | None, tmp_path: Path
) -> dict[str, str]:
    require_backend(backend, pg_databases)
    if backend == "postgresql":
        assert pg_databases is not None
        return {name: pg_databases.create() for name in ("HQ", *STORES)}
    run = tmp_path / "run"
    return {
        "HQ": f"sqlite:///{run / 'hq.db'}",
        **{code: f"sqlite:///{run / f'store-{code}.db'}" for code in STORES},
    }


def test_no_get_and_no_preview_changes_any_database(
    databases: dict[str, str], tmp_path: Path
) -> None:
    store_routes, hq_routes = app_routes(tmp_path)
    order_routes = {r for r in store_routes if "{ref}" in r}
    assert order_routes >= KNOWN_STORE_ROUTES, KNOWN_STORE_ROUTES - order_routes
    assert hq_routes >= KNOWN_HQ_ROUTES, KNOWN_HQ_ROUTES - hq_routes

    with running_servers(
        tmp_path / "run",
        stores=STORES,
        async_stores=("S002",),
        hq_database_url=databases["HQ"],
        store_database_urls={code: databases[code] for code in STORES},
    ) as servers:
        clients = Clients.sign_in(servers)
        watch = CommitWatch(databases)
        try:
            pos = {code: Pos(code, clients.by_key[(code, "api")]) for code in STORES}
            orders = take_orders(pos, clients.by_key[("HQ", "api")])
            reads = [
                read
                for code in STORES
                for read in store_reads(code, store_routes, orders, clients.csrf[code])
            ] + list(hq_reads(hq_routes, orders))

            # Warm-up: each store reads every order once, which may refresh its copy from HQ
            # (written only when HQ's differs). Only the plain read: a full round of every
            # read would hide a page that acts on its first opening only (as the cancel page
            # of the async store once cancelled the order) behind its second, harmless one.
            warm_up = [read for read in reads if read.route == WARM_UP_ROUTE]
            unread = {name: dump(url) for name, url in databases.items()}
            started = time.monotonic()
            read_all(clients, warm_up)
            warm_up_seconds = time.monotonic() - started

            before = {name: dump(url) for name, url in databases.items()}
            versions = watch.versions()
            started = time.monotonic()
            statuses = read_all(clients, reads)
            measured = time.monotonic() - started
            commits = {
                name: version
                for name, version in watch.versions().items()
                if version != versions[name]
            }
            after = {name: dump(url) for name, url in databases.items()}
        finally:
            watch.close()
            clients.close()

    refreshed = {name: differences(unread[name], before[name]) for name in databases}
    assert not refreshed["HQ"], "reading at the stores changed HQ's database:\n" + "\n".join(
        refreshed["HQ"]
    )
    changed = {
        name: differences(before[name], after[name])
        for name in databases
        if before[name] != after[name]
    }
    assert not changed, "reads changed the databases:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(lines) for name, lines in changed.items()
    )
    assert not commits, f"something committed to {sorted(commits)} while only reading"

    # Every route was read for real: each answered 200 at least once.
    by_route: dict[tuple[str, str, str], Counter[int]] = defaultdict(Counter)
    for read, status in statuses:
        by_route[(read.server, read.method, read.route)][status] += 1
    never_ok = {route: dict(c) for route, c in by_route.items() if not c[200]}
    assert not never_ok, never_ok
    for code in STORES:
        assert {r for (s, m, r) in by_route if s == code and m == "GET"} == store_routes
    rows = sum(len(table[1]) for tables in before.values() for table in tables.values())
    print(
        f"\n{len(reads)} reads ({dict(Counter(read.server for read in reads))}): "
        f"{len(order_routes)} order GET routes x "
        f"{sum(len(refs_of(o)) for o in orders.values())} references of {len(orders)} orders "
        f"at each store, {len(store_routes) - len(order_routes)} other store GET routes, "
        f"previews, {len(hq_routes)} HQ routes; warm-up ({len(warm_up)} reads) "
        f"{warm_up_seconds:.1f} s, reads {measured:.1f} s; {rows} rows in "
        f"{sum(len(t) for t in before.values())} tables unchanged"
    )
    for name, lines in refreshed.items():
        tables = [line for line in lines if line.startswith("table")]
        print(f"  the warm-up refreshed at {name}: {tables or 'nothing'}")
    for (server, method, route), counts in sorted(by_route.items()):
        print(f"  {server} {method} {route}: {dict(sorted(counts.items()))}")
