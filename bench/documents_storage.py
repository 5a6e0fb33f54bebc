"""Document storage: upload and download speed of the two stores, and how much memory a big
file costs the process while it goes up and comes back.

    PYTHONPATH=. .venv/bin/python bench/documents_storage.py [--small-runs 10] [--big-runs 5]

Stores: ``LocalStore`` on a temporary folder, and ``SharePointStore`` against the local
SharePoint fake (``tests/fakes/sharepoint.py``) in a child process, so that the fake's own
copies of the files count neither in this process's memory nor in its CPU time. Prints
throughput (MB/s at the median) and p50 / p95 / max. Not a test: nothing is asserted.

Memory: the peak growth of this process's resident set (``VmRSS`` in /proc/self/status,
sampled every millisecond) and tracemalloc's peak of Python allocations, during one put and
one read of the big file. A store that streams stays near its chunk size; one that held the
file would grow by the file's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queries import percentile  # noqa: E402
from mtkcare.documents.sharepoint import SharePointStore  # noqa: E402
from mtkcare.documents.storage import DocumentStore, LocalStore  # noqa: E402
from mtkcare.settings import Settings  # noqa: E402

MB = 1_000_000
TOKEN = "bench-token"


@contextmanager
def fake_sharepoint() -> Iterator[str]:
    """The fake's site URL, served by a child process for as long as this lasts."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.sharepoint", "--token", TOKEN],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()  # the fake stops when its stdin closes
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_growth(action: Callable[[], object]) -> tuple[float, float]:
    """(peak RSS growth, tracemalloc peak), in MB, while ``action`` runs."""
    before = rss_kib()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    sampler.start()
    try:
        action()
    finally:
        done.set()
        sampler.join()
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return (peak[0] - before) * 1024 / MB, traced_peak / MB


def drain(chunks: Iterator[bytes]) -> int:
    return sum(len(chunk) for chunk in chunks)


def timed(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm: connections, the form digest, folders
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def line(label: str, size: int, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{label:<44} {size / MB / percentile(seconds, 50):7.1f} MB/s"
        f"  p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms"
        f"  max {max(ms):7.1f} ms"
    )


def bench_store(
    label: str, store: DocumentStore, files: dict[str, Path], runs: dict[str, int]
) -> None:
    big_name = max(files, key=lambda n: files[n].stat().st_size)
    big = files[big_name]
    grew, traced = peak_growth(lambda: store.put(big, f"Bench/memory/{big_name}.bin"))
    print(
        f"{label}: put {big_name}: peak RSS +{grew:.1f} MB, Python allocations peak {traced:.1f} MB"
    )
    grew, traced = peak_growth(lambda: drain(store.read(f"Bench/memory/{big_name}.bin")))
    print(
        f"{label}: read {big_name}: peak RSS +{grew:.1f} MB, Python allocations peak {traced:.1f} MB"
    )
    store.remove(f"Bench/memory/{big_name}.bin")

    for name, source in files.items():
        bench_size(f"{label}: ", store, name, source, runs[name])


def bench_size(label: str, store: DocumentStore, name: str, source: Path, runs: int) -> None:
    """Puts of ``source`` to new paths, then reads of the last one; all removed after."""
    size = source.stat().st_size
    paths: list[str] = []

    def put() -> None:
        paths.append(f"Bench/{name}/run-{len(paths)}.bin")
        store.put(source, paths[-1])

    line(f"{label}put {name}", size, timed(put, runs))
    line(f"{label}read {name}", size, timed(lambda: drain(store.read(paths[-1])), runs))
    for path in paths:
        store.remove(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small-runs", type=int, default=10, help="runs with the 1 MB file")
    parser.add_argument("--big-runs", type=int, default=5, help="runs with the 20 MB file")
    parser.add_argument(
        "--chunk-bytes",
        type=int,
        default=Settings.model_fields["sharepoint_chunk_bytes"].default,
        help="SharePoint upload chunk (default: the setting's default)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mtkcare-bench-") as scratch:
        folder = Path(scratch)
        files = {"1 MB": folder / "one.bin", "20 MB": folder / "twenty.bin"}
        for name, path in files.items():
            path.write_bytes(os.urandom(int(name.split()[0]) * MB))
        runs = {"1 MB": args.small_runs, "20 MB": args.big_runs}
        print(f"SharePoint chunk: {args.chunk_bytes / 1024 / 1024:g} MiB")
        bench_store("local", LocalStore(folder / "store"), files, runs)
        with fake_sharepoint() as site_url:
            token = {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3599}
            store = SharePointStore(site_url, lambda: token, chunk_bytes=args.chunk_bytes)
            bench_store("sharepoint (fake)", store, files, runs)


if __name__ == "__main__":
    main()
