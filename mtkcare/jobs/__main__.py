"""``python -m mtkcare.jobs``: the job consumer (Huey's own consumer, with its scheduler for
the periodic jobs). ``make run`` starts one beside the app; in production run one or more
as their own service (with ``REDIS_URL`` set, any number on any machine; with the embedded
SQLite queue, on the app's machine)."""

from __future__ import annotations

import argparse
import logging

from mtkcare.jobs.queue import get_queue, start_periodic
from mtkcare.jobs.reminders import REMINDERS
from mtkcare.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m mtkcare.jobs")
    parser.add_argument(
        "--workers",
        type=int,
        default=settings.job_workers,
        help="worker threads (default %(default)s)",
    )
    parser.add_argument(
        "--no-periodic",
        action="store_true",
        help="do not run the scheduled jobs here (when another consumer runs them)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s jobs %(levelname)s %(message)s")
    queue = get_queue()
    where = "Redis" if settings.redis_url else settings.jobs_path
    logging.getLogger(__name__).info("job consumer: %s worker(s), queue in %s", args.workers, where)
    if not args.no_periodic:
        # Reminders are due now, not only at the next quarter hour (they are sent once per
        # referral, person and day, so an extra run adds nothing twice).
        start_periodic(REMINDERS)
    consumer = queue.huey.create_consumer(
        workers=args.workers,
        worker_type="thread",
        periodic=not args.no_periodic,
        check_worker_health=True,
        initial_delay=0.1,
        max_delay=1.0,
    )
    consumer.run()


if __name__ == "__main__":
    main()
