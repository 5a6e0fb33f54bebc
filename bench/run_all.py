"""All benchmarks in order: generate N clients into a fresh PostgreSQL database, then time the
common reads, the duplicate/search look-ups and the referrals board on it; then grow a copy to
the board's shape (1,000,000 clients, 200,000 referrals, 5,000 open) and time the board there,
on the server and in a real browser.

    PYTHONPATH=. .venv/bin/python bench/run_all.py [--clients 100000] [--database-url URL]

(`make bench`, with BENCH_CLIENTS=N to change the size.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    board,
    board_browser,
    board_shape,
    documents_storage,
    documents_upload,
    duplicates,
    queries,
    seed,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=30, help="measured runs per query")
    parser.add_argument("--database-url", default=seed.DEFAULT_URL)
    args = parser.parse_args(argv)

    seed.seed(args.database_url, args.clients, args.seed)
    queries.main(["--database-url", args.database_url, "--runs", str(args.runs)])
    duplicates.main(["--database-url", args.database_url])
    board.main(["--database-url", args.database_url, "--runs", str(args.runs)])
    shaped = board_shape.board_url(args.database_url)
    board_shape.main(["--source-url", args.database_url, "--target-url", shaped])
    board.main(["--database-url", shaped, "--runs", str(args.runs)])
    board_browser.main(["--database-url", shaped])
    documents_storage.main([])
    documents_upload.main([])


if __name__ == "__main__":
    main()
