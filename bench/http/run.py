#!/usr/bin/env python3
"""HTTP throughput: the fsroute-generated router (with and without metrics by route),
the same handlers wired by hand, and the same API as Next.js route handlers, measured side
by side in one run.

    python3 bench/http/run.py [--seconds 5] [--rounds 3] [--connections 64] [--no-nextjs]

Builds everything, checks that every contestant answers every endpoint alike, then runs
wrk against each contestant in turn (the order rotates every round), and prints one
table per endpoint with ratios. Loopback only; every server is stopped at the end.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEXT_DIR = ROOT / "bench" / "http" / "nextjs"
RESULTS = ROOT / "bench" / "results" / "http.md"

# name, method, path, JSON body, expected status
ENDPOINTS = [
    ("small JSON", "GET", "/api/hello", None, 200),
    ("path param", "GET", "/api/users/42", None, 200),
    ("POST JSON", "POST", "/api/echo", '{"name":"Ada","tags":["a","b"],"n":42}', 200),
    ("catch-all", "GET", "/api/docs/guide/intro/setup", None, 200),
    ("query", "GET", "/api/search?q=rust&page=2&sort=new", None, 200),
    ("404", "GET", "/api/nope", None, 404),
    ("405", "DELETE", "/api/hello", None, 405),
]


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(command, cwd=ROOT, **kwargs):
    log("$ " + " ".join(command))
    subprocess.run(command, cwd=cwd, check=True, **kwargs)


def ensure_tools():
    if shutil.which("wrk") is None:
        log("wrk is missing: installing it from Debian's packages")
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", "wrk"])
    for tool in ("cargo", "node", "npm"):
        if shutil.which(tool) is None:
            sys.exit(f"error: `{tool}` is needed for this benchmark")


def build(nextjs):
    run(["cargo", "build", "--release", "-q", "-p", "bench-http"])
    if nextjs:
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NEXT_DIR)
        run(["npx", "next", "build"], cwd=NEXT_DIR, stdout=subprocess.DEVNULL)


def pinning():
    """On a small machine, the servers get CPU 0 and wrk the others, so the load generator
    does not steal the server's core mid-run (the same for every contestant). Returns the
    command prefixes for servers and for wrk."""
    cores = os.cpu_count() or 1
    if shutil.which("taskset") is None or cores < 2:
        return [], []
    return ["taskset", "-c", "0"], ["taskset", "-c", f"1-{cores - 1}"]


SERVER_PIN, WRK_PIN = pinning()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, command, cwd, port):
        self.name = name
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            SERVER_PIN + command,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "PORT": str(port)},
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/api/hello", timeout=1).read()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        self.stop()
        sys.exit(f"error: {name} did not start")

    def peak_memory_kib(self):
        """Highest resident memory of the server and its children (VmHWM), in KiB."""
        pids = {self.process.pid}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) in pids or int(fields[1]) == self.process.pid:
                    pids.add(int(stat.parent.name))
            except (OSError, IndexError, ValueError):
                continue
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def start_servers(control, nextjs):
    binary = ROOT / "target" / "release" / "bench-server"
    servers = []
    # `generated-metrics`: the same router measured by route (fsroute::metrics), as the
    # template app runs by default; its ratio to `generated` is the cost of the metrics.
    for name in ("generated", "generated-metrics", "handwritten"):
        port = free_port()
        servers.append(Server(name, [str(binary), name, str(port)], ROOT, port))
    if control:
        # An A/A control: the hand-written router again, so the spread of its ratio to
        # the first shows the noise floor of this machine.
        port = free_port()
        servers.append(Server("handwritten-again", [str(binary), "handwritten", str(port)], ROOT, port))
    if nextjs:
        port = free_port()
        servers.append(
            Server("nextjs", ["npx", "next", "start", "-H", "127.0.0.1", "-p", str(port)], NEXT_DIR, port)
        )
    return servers


def fetch(server, method, path, body):
    data = body.encode() if body else None
    request = urllib.request.Request(server.base + path, data=data, method=method)
    if body:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def normalise(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def correctness_pass(servers):
    """Every contestant gives the expected status and the same body. Next.js's own 404
    and 405 bodies are its framework's (an HTML page, an empty body), so for those two
    only the status is compared with it."""
    problems = []
    for name, method, path, body, expected in ENDPOINTS:
        answers = {server.name: fetch(server, method, path, body) for server in servers}
        for server, (status, _) in answers.items():
            if status != expected:
                problems.append(f"{name}: {server} answered {status}, expected {expected}")
        reference = normalise(answers["generated"][1])
        for server, (_, text) in answers.items():
            if server == "nextjs" and expected >= 400:
                continue
            if normalise(text) != reference:
                problems.append(f"{name}: {server} body {text!r} differs from {reference!r}")
    if problems:
        sys.exit("error: the contestants do not answer alike:\n  " + "\n  ".join(problems))
    log("correctness pass: every contestant answers every endpoint alike")


def wrk(server, method, path, body, seconds, connections):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\n')
        if body:
            script.write(f"wrk.body = {json.dumps(body)}\n")
            script.write('wrk.headers["Content-Type"] = "application/json"\n')
    command = WRK_PIN + [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
        "-s", script.name, server.base + path,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def latency(percentile):
        match = re.search(rf"\s{percentile}%\s+([\d.]+)(us|ms|s)\b", output)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": rps, "p50": latency(50), "p99": latency(99), "errors": errors}


def measure(servers, seconds, rounds, connections):
    results = {(s.name, e[0]): [] for s in servers for e in ENDPOINTS}
    for round_number in range(rounds):
        # Rotate who goes first, so no contestant always runs on a warmer machine.
        order = servers[round_number % len(servers):] + servers[: round_number % len(servers)]
        for name, method, path, body, _ in ENDPOINTS:
            for server in order:
                log(f"round {round_number + 1}/{rounds}: {server.name:<11} {name}")
                results[(server.name, name)].append(wrk(server, method, path, body, seconds, connections))
    return results


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cores = os.cpu_count()
    memory = next(
        (int(l.split()[1]) // 1024 // 1024 for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")),
        0,
    )
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {cores} cores, {memory} GiB; {rustc}; Node.js {node}, Next.js 16.4.6"


def report(servers, results, memory, args):
    lines = [
        f"Machine: {machine()}.",
        f"wrk: 2 threads, {args.connections} connections, {args.seconds} s per run, "
        f"{args.rounds} rounds, contestants alternating; medians over rounds. "
        + ("Servers pinned to CPU 0, wrk to the other cores." if SERVER_PIN else "No CPU pinning."),
        "",
        "| endpoint | contestant | req/s | p50 ms | p99 ms | errors | vs generated |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    ratios = {}
    for name, *_ in ENDPOINTS:
        medians = {}
        for server in servers:
            runs = results[(server.name, name)]
            medians[server.name] = {
                key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p99")
            }
            medians[server.name]["errors"] = sum(run["errors"] for run in runs)
        for server in servers:
            m = medians[server.name]
            ratio = medians["generated"]["rps"] / m["rps"] if m["rps"] else float("nan")
            lines.append(
                f"| {name} | {server.name} | {m['rps']:,.0f} | {m['p50']:.2f} | {m['p99']:.2f} | "
                f"{m['errors']} | {'—' if server.name == 'generated' else f'{ratio:.2f}×'} |"
            )
        control = medians.get("handwritten-again")
        nextjs = medians.get("nextjs")
        ratios[name] = (
            medians["generated"]["rps"] / medians["handwritten"]["rps"],
            medians["generated"]["rps"] / nextjs["rps"] if nextjs else None,
            medians["generated-metrics"]["rps"] / medians["generated"]["rps"],
            control["rps"] / medians["handwritten"]["rps"] if control else None,
        )
    has_nextjs = any(r[1] is not None for r in ratios.values())
    has_control = any(r[3] is not None for r in ratios.values())
    header = "| endpoint | generated / hand-written |"
    if has_nextjs:
        header += " generated / Next.js |"
    header += " metrics on / off |"
    if has_control:
        header += " control: hand-written / hand-written |"
    columns = 2 + has_nextjs + has_control
    lines += ["", header, "| --- |" + " ---: |" * columns]
    for name, (hand, nextjs, metrics, control) in ratios.items():
        row = f"| {name} | {hand:.3f} |"
        if has_nextjs:
            row += f" {nextjs:.1f}× |"
        row += f" {metrics:.3f} |"
        if has_control:
            row += f" {control:.3f} |"
        lines.append(row)
    lines += ["", "| contestant | peak memory (VmHWM) |", "| --- | ---: |"]
    for server in servers:
        lines.append(f"| {server.name} | {memory[server.name] / 1024:.1f} MiB |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--no-build", action="store_true", help="reuse the last build")
    parser.add_argument(
        "--control", action="store_true",
        help="also run the hand-written router a second time, to show the noise floor",
    )
    parser.add_argument(
        "--no-nextjs", action="store_true",
        help="leave Next.js out (no npm, no Next.js build): the Rust contestants only",
    )
    args = parser.parse_args()

    ensure_tools()
    if not args.no_build:
        build(not args.no_nextjs)
    servers = start_servers(args.control, not args.no_nextjs)
    try:
        correctness_pass(servers)
        results = measure(servers, args.seconds, args.rounds, args.connections)
        memory = {server.name: server.peak_memory_kib() for server in servers}
    finally:
        for server in servers:
            server.stop()
    table = report(servers, results, memory, args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table)
    print(table)
    log(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
