"""`python -m bench [--quick] [--find-orders N] [--only create|find|memory]`: the whole benchmark
suite, one table."""

from __future__ import annotations

import argparse

from bench.suite import run, table


def main() -> None:
    parser = argparse.ArgumentParser(description="Omniorder's benchmark suite")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke test")
    parser.add_argument("--find-orders", type=int, help="orders at HQ for the find rows")
    parser.add_argument("--profile", action="store_true", help="print the profiles too")
    parser.add_argument(
        "--only",
        choices=["create", "find", "memory"],
        help="create: rows 1-5 alone (the order create path), without the find database;"
        " find: row 7 alone; memory: row 8 alone",
    )
    args = parser.parse_args()
    report = run(quick=args.quick, find_orders=args.find_orders, only=args.only)
    print()
    print(table(report))
    print()
    for note in report.notes:
        print(note)
    if args.profile:
        for name, text in report.profiles.items():
            print(f"\none sync order, {name}, top 10 cumulative (worker threads):\n{text}")


if __name__ == "__main__":
    main()
