"""The migration runner's command line (the library is ``shared.core.migrations``; in AWS the migrate
function runs it inside the VPC):

    python -m ops.migrate                 # apply pending migrations to DATABASE_URL
    python -m ops.migrate --status        # applied and pending versions
    python -m ops.migrate --down-to 0004  # roll back every migration after 0004 (0000: all)
    python -m ops.migrate --schema        # print the schema as it now is (see sql/schema.sql)
"""

from __future__ import annotations

import argparse

from shared.core import secret_values
from shared.core.migrations import applied_versions, apply, describe_schema, rollback, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", action="store_true", help="print the schema instead of migrating")
    parser.add_argument("--status", action="store_true", help="list applied and pending migrations")
    parser.add_argument("--down-to", metavar="NNNN", help="roll back every migration after NNNN (0000: all)")
    args = parser.parse_args()
    url = secret_values.database_url()
    if args.schema:
        print(describe_schema(url), end="")
        return
    if args.status:
        print("\n".join(status(url)))
        return
    if args.down_to is not None:
        try:
            names = rollback(url, args.down_to)
        except (ValueError, RuntimeError) as exc:
            raise SystemExit(f"error: {exc}") from None
        for name in names:
            print(f"rolled back {name}")
        print(f"database is at {(applied_versions(url) or ['0000'])[-1]}")
        return
    for name in apply(url):
        print(f"applied {name}")
    print("database is up to date")


if __name__ == "__main__":
    main()
