"""Load benchmark for the LINE webhook (prints figures; not a test).

Starts ``madoguchi serve`` as a separate process on 127.0.0.1 with LINE pointed
at a local stub of the Messaging API (tests/stubs.py), fires signed webhooks at
a fixed rate (open loop: the schedule does not wait for the server), and
reports sustained events/s, webhook → reply-at-stub latency p50/p99, errors,
and the server's RSS before, at its peak during the run, and after.

Past the server's backlog limit (MADOGUCHI_WEBHOOK_BACKLOG) webhooks answer
503: they are counted as refused, not as errors, and afterwards redelivered
(``isRedelivery``, as LINE does) until accepted, so the run also checks that
every event is answered exactly once (by reply or push), none lost or doubled.

    .venv/bin/python scripts/bench_line.py --events 20000 --rate 250
Targets: ≥ 200 events/s sustained, p99 ≤ 100 ms, zero errors, RSS growth < 10 %.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp
import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from stubs import LineApiStub, line_signature  # noqa: E402

SECRET = "bench-secret"
TOKEN = "bench-token"
RUN = f"{int(time.time()):010d}"
QUESTIONS = [
    "子育ての相談はどこ？",
    "公約15の進捗は？",
    "手話通訳の担当課",
    "ひきこもりの相談",
    "介護の相談をしたい",
    "1-2-3-7",
    "ヤングケアラー",
    "生活費が足りない",
    "成年後見について",
    "どこに相談すればいいかわからない",
    "障害者の就労",
    "DVの相談",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def webhook(i: int, redelivery: bool = False) -> bytes:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": f"Ubench{i % 500:05d}"},
        "webhookEventId": f"01BENCH{RUN}{i:012d}",  # unique per run: the database remembers earlier runs
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": f"bench-{i:07d}",
        "message": {"type": "text", "id": str(i), "quoteToken": "q", "text": QUESTIONS[i % len(QUESTIONS)]},
    }
    return json.dumps({"destination": "Ubench", "events": [event]}, ensure_ascii=False).encode()


async def fire(
    url: str,
    ids: list[int],
    rate: float,
    sent_at: dict[str, float],
    errors: list[str],
    refused: list[int],
    redelivery: bool = False,
) -> float:
    """Send the webhooks of events ``ids`` at ``rate``/s (open loop); returns the wall time the schedule took.

    Events answered 503 go to ``refused``; ``sent_at`` gets the send time of each first delivery.
    """
    bodies = [webhook(i, redelivery) for i in ids]  # prepared up front: the client must not be the bottleneck
    signatures = [line_signature(SECRET, body) for body in bodies]
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def one(n: int) -> None:
            headers = {"X-Line-Signature": signatures[n], "Content-Type": "application/json"}
            if not redelivery:
                sent_at[f"bench-{ids[n]:07d}"] = time.perf_counter()
            try:
                async with session.post(url, data=bodies[n], headers=headers) as response:
                    await response.read()
                    if response.status == 503:
                        refused.append(ids[n])
                    elif response.status != 200:
                        errors.append(f"{ids[n]}: HTTP {response.status}")
            except Exception as error:  # noqa: BLE001 - every failure counts as an error
                errors.append(f"{ids[n]}: {error!r}")

        began = time.perf_counter()
        tasks = []
        for n in range(len(ids)):
            delay = began + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
        return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=250.0, help="offered events per second")
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--redelivery-rate", type=float, default=100.0, help="events/s when resending refused ones")
    parser.add_argument("--data-dir", help="reuse an index/database directory (default: a fresh temp dir)")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="madoguchi-bench-")
    port = free_port()
    with LineApiStub() as stub:
        env = dict(
            os.environ,
            MADOGUCHI_DATA_DIR=data_dir,
            MADOGUCHI_CORPUS_DIR=str(REPO / "corpus"),
            LINE_CHANNEL_SECRET=SECRET,
            LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
            LINE_API_BASE_URL=stub.url,
        )
        env.pop("MADOGUCHI_DB_URL", None)  # the server's own SQLite under data_dir, unless asked otherwise
        if os.environ.get("BENCH_DB_URL"):
            env["MADOGUCHI_DB_URL"] = os.environ["BENCH_DB_URL"]
        server_log = open(Path(data_dir) / "bench-server.log", "wb")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    print(Path(server_log.name).read_text(errors="replace")[-3000:])
                    return 1
                time.sleep(0.2)

            url = f"{base}/webhook/line"
            sent_at: dict[str, float] = {}
            errors: list[str] = []
            refused: list[int] = []
            asyncio.run(fire(url, list(range(args.warmup)), args.rate, sent_at, errors, refused))
            stub.wait_for("/reply", args.warmup - len(refused), timeout=60)
            time.sleep(1)  # let the last warm-up answers finish
            rss_before = rss_kib(server.pid)
            cpu_before = cpu_seconds(server.pid)
            harness_before = cpu_seconds(os.getpid())
            stub.clear()
            sent_at.clear()
            errors.clear()
            refused.clear()

            rss_peak = [rss_before]
            sampling = threading.Event()

            def sample_rss() -> None:  # the peak shows whether the backlog (and memory) stayed bounded
                while not sampling.wait(0.5):
                    rss_peak[0] = max(rss_peak[0], rss_kib(server.pid))

            sampler = threading.Thread(target=sample_rss, daemon=True)
            sampler.start()
            print(f"firing {args.events} signed webhooks at {args.rate:.0f}/s …", flush=True)
            ids = list(range(args.warmup, args.warmup + args.events))
            schedule = asyncio.run(fire(url, ids, args.rate, sent_at, errors, refused))
            first_refused = len(refused)
            accepted = args.events - first_refused - len(errors)
            replies = stub.wait_for("/reply", accepted, timeout=120)
            sampling.set()
            sampler.join()
            rss_after = rss_kib(server.pid)
            cpu_used = cpu_seconds(server.pid) - cpu_before
            harness_used = cpu_seconds(os.getpid()) - harness_before

            first = min(sent_at.values())
            latencies = []
            windows: dict[int, list[float]] = {}  # 10-second windows by send time: stalls show up here
            arrived: set[str] = set()
            for request in replies:
                token = request.json["replyToken"]
                if token in sent_at and token not in arrived:
                    arrived.add(token)
                    latency = (request.at - sent_at[token]) * 1000
                    latencies.append(latency)
                    windows.setdefault(int((sent_at[token] - first) // 10), []).append(latency)
            last = max(r.at for r in replies) if replies else first
            latencies.sort()

            # LINE redelivers what was refused: resend until every event is accepted (bounded), then
            # every event must have exactly one answer, by reply or by push.
            rounds = 0
            pending = sorted(refused)
            while pending and rounds < 20:
                rounds += 1
                time.sleep(2)
                again: list[int] = []
                asyncio.run(fire(url, pending, args.redelivery_rate, {}, errors, again, redelivery=True))
                pending = sorted(again)
            stub.wait_for("/v2/bot/message/", args.events - len(pending), timeout=120)
            time.sleep(1)
            answers: dict[int, int] = {}
            for request in stub.matching("/v2/bot/message/(reply|push)"):
                data = request.json
                key = data.get("replyToken") or data.get("to")
                if key and key.startswith("bench-"):
                    answers[int(key.removeprefix("bench-"))] = answers.get(int(key.removeprefix("bench-")), 0) + 1
            pushes = len(stub.matching("/v2/bot/message/push"))
            missing = sum(1 for i in ids if answers.get(i, 0) == 0)
            duplicates = sum(n - 1 for n in answers.values() if n > 1)

            def pct(p: float) -> float:
                return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

            print(f"events:            {args.events} (after {args.warmup} warm-up)")
            print(f"offered rate:      {args.rate:.0f}/s (schedule took {schedule:.1f} s)")
            print(f"sustained:         {len(arrived) / max(last - first, 1e-9):.1f} events/s answered")
            print(f"latency p50/p99:   {pct(0.50):.1f} ms / {pct(0.99):.1f} ms (max {latencies[-1] if latencies else 0:.1f} ms, mean {statistics.fmean(latencies) if latencies else 0:.1f} ms)")
            print(f"refused (503):     {first_refused} of {args.events} on first delivery; redelivered in {rounds} round(s), "
                  f"{len(pending)} still refused")
            print(f"errors:            {len(errors)} webhook errors, {missing} events unanswered, "
                  f"{duplicates} answered twice ({pushes} by push)")
            print("p99 per 10 s:      " + " ".join(f"{sorted(w)[int(0.99 * len(w))]:.0f}" for _, w in sorted(windows.items())) + " ms")
            for line in errors[:5]:
                print("   ", line)
            print(
                f"CPU per event:     server {cpu_used * 1000 / args.events:.2f} ms, "
                f"this harness (client + stub) {harness_used * 1000 / args.events:.2f} ms; "
                f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
            )
            growth = (rss_after - rss_before) / rss_before * 100 if rss_before else float("nan")
            peak = (rss_peak[0] - rss_before) / rss_before * 100 if rss_before else float("nan")
            print(f"server RSS:        {rss_before / 1024:.1f} MiB → {rss_after / 1024:.1f} MiB ({growth:+.1f} %), "
                  f"peak {rss_peak[0] / 1024:.1f} MiB ({peak:+.1f} %)")
            return 0 if not errors and not missing and not duplicates else 1
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            server_log.close()
            print(f"server log:        {server_log.name}")


if __name__ == "__main__":
    sys.exit(main())
