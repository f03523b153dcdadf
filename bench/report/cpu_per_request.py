"""CPU per request of each process of a reporting run (bench/report/run.sh with
HEARKEN_BENCH_CPU=1).

    cpu_per_request.py sample NAME,NAME,...   prints, every 0.25 s, a timestamp and the CPU
                                              seconds used so far by the processes whose
                                              names start with each NAME
    cpu_per_request.py stamp                  copies stdin to stdout, each line timestamped
    cpu_per_request.py report SAMPLES LOAD N  joins the two: for each query row of the load's
                                              table, the CPU milliseconds per request (N
                                              requests a query) that each NAME used meanwhile

Processes that exit during a query are not counted: the server's pooled PostgreSQL
connections live as long as it does.
"""
import os
import sys
import time


def sample(names):
    tick = os.sysconf("SC_CLK_TCK")
    while True:
        totals = dict.fromkeys(names, 0.0)
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            for name in names:
                if comm.startswith(name):
                    # utime and stime, in clock ticks.
                    totals[name] += (int(fields[11]) + int(fields[12])) / tick
        print(f"{time.time():.2f} " + " ".join(f"{n}={v:.2f}" for n, v in totals.items()), flush=True)
        time.sleep(0.25)


def stamp():
    for line in sys.stdin:
        print(f"{time.time():.2f} {line}", end="", flush=True)


def report(samples_path, load_path, requests):
    samples = []
    for line in open(samples_path):
        t, *pairs = line.split()
        samples.append((float(t), {k: float(v) for k, v in (p.split("=") for p in pairs)}))

    def at(t):
        return max((s for s in samples if s[0] <= t), key=lambda s: s[0], default=samples[0])[1]

    names = list(samples[0][1])
    print("| query | p50 (ms) | p99 (ms) | " + " | ".join(f"{n} (CPU ms/request)" for n in names) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in names) + " |")
    previous = None
    for line in open(load_path):
        t, row = line.split(" ", 1)
        if row.startswith("| query") or row.startswith("| ---"):
            previous = float(t)
            continue
        if not row.startswith("|") or previous is None:
            continue
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        before, after = at(previous), at(float(t))
        used = [(after[n] - before[n]) * 1000 / requests for n in names]
        print(f"| {cells[0]} | {cells[2]} | {cells[3]} | " + " | ".join(f"{u:.2f}" for u in used) + " |")
        previous = float(t)


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["sample", names]:
            sample(names.split(","))
        case ["stamp"]:
            stamp()
        case ["report", samples_path, load_path, requests]:
            report(samples_path, load_path, int(requests))
        case _:
            sys.exit(__doc__)
