"""`make bench`: per-turn latency, cold and no-op ingest, start-up to first reply, peak memory. Prints figures only."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from advisor.conversation import Advisor, Conversation  # noqa: E402
from advisor.index import Index  # noqa: E402
from advisor.settings import Settings  # noqa: E402

SCRIPT = [
    ["Leads come in but revenue is flat and our forecast is a guess", "$10–30M", "No", "Yes, budget is tight"],
    ["Nobody knows we exist and the pipeline is starved", "Yes, it's proven", "not sure", "just tell me"],
    ["We're a $60M SaaS company preparing for private equity; renewals keep dropping", "Silos and finger-pointing", "Yes"],
    ["Every deal still goes through me and new reps don't ramp", "Under $5M", "what does a fractional CRO cost?", "No"],
    ["We have a proven playbook and just need more reps running it", "$10–30M", "Yes, plenty of leads", "No"],
    ["We need help with growth", "not sure", "not sure", "not sure", "not sure", "not sure", "not sure"],
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    settings = Settings(home=home)
    advisor = Advisor(settings)

    t = time.perf_counter()
    report = advisor.index.sync()
    cold = time.perf_counter() - t
    print(f"cold ingest (5 articles, {report.chunks} chunks, model load included): {cold:.2f} s")

    runs = []
    for _ in range(5):
        t = time.perf_counter()
        Index(settings, advisor.embedder).sync()
        runs.append(time.perf_counter() - t)
    print(f"no-op ingest, in process (hash check + store count): median {statistics.median(runs) * 1000:.0f} ms")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "advisor", "ingest"], env={**os.environ, "ADVISOR_HOME": str(home)}, check=True, capture_output=True)
    print(f"no-op ingest, `advisor ingest` command (process start included): {time.perf_counter() - t:.2f} s")

    advisor.warm_up()
    latencies = []
    for _ in range(3):
        for script in SCRIPT:
            conv = Conversation()
            for message in script:
                t = time.perf_counter()
                advisor.respond(conv, message)
                latencies.append((time.perf_counter() - t) * 1000)
    print(f"per-turn latency over {len(latencies)} turns: p50 {pct(latencies, 50):.1f} ms, p95 {pct(latencies, 95):.1f} ms, max {max(latencies):.1f} ms")

    firsts = []
    for _ in range(3):
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "advisor", "chat", "--json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env={**os.environ, "ADVISOR_HOME": str(home)})
        proc.stdin.write(b"Leads come in but revenue is flat\n")
        proc.stdin.flush()
        proc.stdout.readline()
        firsts.append(time.perf_counter() - t)
        proc.stdin.close()
        proc.wait()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"process start to first reply (`advisor chat --json`): median {statistics.median(firsts):.2f} s (runs: {', '.join(f'{x:.2f}' for x in firsts)})")
    print(f"peak memory of a chat process: {peak:.0f} MiB; this bench process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
