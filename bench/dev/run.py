#!/usr/bin/env python3
"""Edit to response (E2R): how long after a save the dev server answers with the new code,
`fsroute dev` on a scratch copy of the template app vs `next dev` on a scratch copy of
the Next.js bench app, the same three edits on each.

    python3 bench/dev/run.py [--edits 10] [--no-nextjs] [--keep]

E2R of one edit: t0 just before the file is written (write, flush, fsync); t1 when the
first HTTP response that shows the edit arrives, polling every --poll-ms. A request made
while `fsroute dev` rebuilds is held until the build is done, so a poll may block; that
is what a developer's request does too.

Scenarios: (a) a handler's body (a string a route returns), (b) a new route file (404
until it answers 200 with its marker), (c) a middleware edit (a response header the
middleware sets). Prints a side-by-side table and writes it to bench/results/dev.md.
See bench/dev/README.md.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from common import (  # noqa: E402
    APP_NAME, NESTED_TARGET, ROOT, CompileWatch, alive, cargo_env, children_of, free_port, load_average,
    log, machine, make_template_copy, now, other_compiles, pgrep, remove_app_artifacts,
    stop_group, summary,
    wait_gone, write_section, write_synced,
)

NEXT_SOURCE = ROOT / "bench" / "http" / "nextjs"

SCENARIOS = [
    ("handler", "handler body edit"),
    ("new-route", "new route file"),
    ("middleware", "middleware edit"),
]

READY = re.compile(r"✓ ready in ([\d.]+) s \(build ([\d.]+) s, start ([\d.]+) s\)")
# Cargo's line when another cargo holds the shared target folder: that edit measured the
# other build too, so it is taken again.
LOCK_WAIT = "Blocking waiting for file lock"
NEXT_COMPILED = re.compile(r"✓ Compiled(?: \S+)? in ([\d.]+)(ms|s)\b")


class Output:
    """A child's stdout, line by line, each line with the time it arrived."""

    def __init__(self, stream, echo_file):
        self.lines = []
        self.lock = threading.Lock()
        self.echo = echo_file
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            with self.lock:
                self.lines.append((time.monotonic(), line))
            self.echo.write(line + "\n")
            self.echo.flush()

    def mark(self):
        with self.lock:
            return len(self.lines)

    def since(self, mark):
        with self.lock:
            return list(self.lines[mark:])

    def tail(self, n=30):
        with self.lock:
            return "\n".join(line for _, line in self.lines[-n:])

    def wait_for(self, pattern, mark, timeout, process=None, fail=None):
        """The first line after `mark` matching `pattern`, as (time, line, match)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in self.since(mark):
                found = re.search(pattern, line)
                if found:
                    return at, line, found
                if fail and re.search(fail, line):
                    raise RuntimeError(f"{line}\n--- last output ---\n{self.tail()}")
            if process is not None and process.poll() is not None:
                raise RuntimeError(
                    f"the server exited ({process.returncode}) before `{pattern}`\n--- last output ---\n{self.tail()}"
                )
            time.sleep(0.02)
        raise TimeoutError(f"no line matching `{pattern}` within {timeout} s\n--- last output ---\n{self.tail()}")


def get(url, timeout):
    """(status, headers, body) of one GET on a new connection; HTTP errors are answers."""
    request = urllib.request.Request(url, headers={"connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(errors="replace")


class DevServer:
    """One dev server, its edits and how to tell each edit's response."""

    name = ""

    def __init__(self, args, scratch):
        self.args = args
        self.scratch = scratch
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.output = None
        self.known_pids = set()
        self.problems = []
        self.notes = []

    def start(self, command, cwd, env, log_name):
        self.stderr_log = open(self.scratch / f"{log_name}.stderr.log", "w")
        self.stdout_log = open(self.scratch / f"{log_name}.stdout.log", "w")
        log(f"$ (in {cwd}) " + " ".join(command))
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=self.stderr_log, start_new_session=True,
        )
        self.output = Output(self.process.stdout, self.stdout_log)

    def remember_processes(self):
        if self.process and self.process.poll() is None:
            self.known_pids.update(children_of(self.process.pid))

    def edit_and_wait(self, scenario, index):
        """One timed edit: returns (seconds, details)."""
        path, text, url, shows = self.edit(scenario, index)
        mark = self.output.mark()
        stderr_at = self.stderr_size()
        polls = stale_after_hold = 0
        deadline = time.monotonic() + self.args.edit_timeout
        t0 = time.monotonic()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_synced(path, text)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{self.name}: {scenario} edit {index}: no response showing it within "
                    f"{self.args.edit_timeout} s\n--- last output ---\n{self.output.tail()}"
                )
            sent = time.monotonic()
            try:
                status, headers, body = get(url, timeout=max(remaining, 1))
            except (urllib.error.URLError, ConnectionError, OSError) as error:
                status, headers, body = None, {}, str(error)
            t1 = time.monotonic()
            polls += 1
            if status is not None and shows(status, headers, body):
                break
            if self.held_since(mark) is not None and sent > self.held_since(mark):
                # Sent after the server said it was rebuilding, answered without the edit.
                stale_after_hold += 1
                self.problems.append(
                    f"{scenario} edit {index}: a request sent {sent - t0:.3f} s after the save, after "
                    f"`{self.name}` announced the rebuild, was answered {status} without the edit: {body[:200]!r}"
                )
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode})\n{self.output.tail()}")
            time.sleep(self.args.poll_ms / 1000)
        self.remember_processes()
        details = {"polls": polls, "stale_after_hold": stale_after_hold}
        details.update(self.own_figures(mark, t1))
        details["lock_wait"] = LOCK_WAIT in self.stderr_since(stderr_at)
        return t1 - t0, details

    def stderr_size(self):
        self.stderr_log.flush()
        return os.path.getsize(self.stderr_log.name)

    def stderr_since(self, offset):
        with open(self.stderr_log.name, errors="replace") as file:
            file.seek(offset)
            return file.read()

    def held_since(self, mark):
        return None

    def own_figures(self, mark, t1):
        return {}

    def stop(self):
        """Ctrl-C, then pgrep: nothing this server started may remain."""
        if self.process is None:
            return
        self.remember_processes()
        problems = stop_group(self.process, self.name)
        remaining = set(wait_gone(sorted(self.known_pids)))
        seen = {pid for pattern in self.leftover_patterns() for pid, _ in pgrep("-f", pattern)}
        # Something outside the group (Next.js spawns a detached helper as it exits) is
        # given a while to finish on its own.
        described = [describe(pid) for pid in sorted(seen - remaining)]
        remaining |= set(wait_gone(sorted(seen), 15))
        remaining = {pid for pid in remaining if alive(pid)}
        if described and not remaining:
            self.notes.append(f"after Ctrl-C, pgrep found {described}, which exited on its own within 15 s")
        if remaining:
            problems.append(
                f"{self.name} left processes running after it stopped: {[describe(p) for p in sorted(remaining)]}; killed"
            )
            for pid in remaining:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        else:
            log(f"{self.name}: stopped; pgrep finds nothing it started")
        self.problems += problems
        self.stdout_log.close()
        self.stderr_log.close()
        self.process = None


def describe(pid):
    try:
        command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ").strip()
    except OSError:
        command = "(gone)"
    return f"{pid} {command[:140]}"


class Fsroute(DevServer):
    name = "fsroute dev"

    def __init__(self, args, scratch):
        super().__init__(args, scratch)
        self.app = make_template_copy(scratch)
        self.health = self.app / "app" / "api" / "health" / "route.rs"
        self.health_text = self.health.read_text()
        anchor = 'version: env!("CARGO_PKG_VERSION"),'
        if anchor not in self.health_text:
            sys.exit(f"error: {self.health} no longer has `{anchor}`: update bench/dev/run.py")
        self.health_text = self.health_text.replace(anchor, 'version: "@MARKER@",')
        write_synced(self.health, self.health_text.replace("@MARKER@", "e2r-handler-0"))
        folder = self.app / "app" / "api" / "e2r-mw"
        folder.mkdir(parents=True)
        write_synced(folder / "route.rs", 'pub async fn GET() -> &\'static str {\n    "e2r-mw"\n}\n')
        self.middleware = folder / "middleware.rs"
        self.middleware_text = (
            "use axum::http::HeaderValue;\n"
            "use axum::middleware::Next;\n"
            "use fsroute::prelude::*;\n\n"
            "pub async fn middleware(request: Request, next: Next) -> Response {\n"
            "    let mut response = next.run(request).await;\n"
            "    response\n"
            "        .headers_mut()\n"
            '        .insert("x-e2r", HeaderValue::from_static("@MARKER@"));\n'
            "    response\n"
            "}\n"
        )
        write_synced(self.middleware, self.middleware_text.replace("@MARKER@", "e2r-middleware-0"))
        self.warm_urls = ["/api/health", "/api/e2r-mw"]
        self.readies = []

    def own_paths(self):
        return [self.app]

    def launch(self):
        env = {**cargo_env(), "PORT": str(self.port), "NO_COLOR": "1"}
        env.pop("CARGO", None)
        self.start([str(ROOT / "target" / "debug" / "fsroute"), "dev"], self.app, env, "fsroute-dev")
        log(f"{self.name}: first build (can take minutes)…")
        started = time.monotonic()
        self.output.wait_for(r"^✓ ready in", 0, self.args.first_build_timeout, self.process,
                             fail=r"^✗ |^error: ")
        log(f"{self.name}: ready after {time.monotonic() - started:.1f} s")
        # A write during the first build (Cargo rewrites the copied Cargo.lock) makes a
        # second cycle; wait until the server is idle.
        self.quiet()

    def quiet(self, seconds=3):
        """Until `seconds` pass with no new line saying a rebuild started."""
        while True:
            mark = self.output.mark()
            time.sleep(seconds)
            lines = [line for _, line in self.output.since(mark)]
            if not any("rebuilding" in line or "building…" in line for line in lines):
                return
            self.output.wait_for(r"^✓ ready in|^✓ nothing to rebuild", mark, self.args.edit_timeout, self.process)

    def edit(self, scenario, index):
        marker = f"e2r-{scenario}-{index}"
        if scenario == "handler":
            return (self.health, self.health_text.replace("@MARKER@", marker), self.base + "/api/health",
                    lambda status, headers, body: status == 200 and f'"version":"{marker}"' in body)
        if scenario == "new-route":
            path = self.app / "app" / "api" / f"e2r-new-{index}" / "route.rs"
            text = f'pub async fn GET() -> &\'static str {{\n    "{marker}"\n}}\n'
            return (path, text, f"{self.base}/api/e2r-new-{index}",
                    lambda status, headers, body: status == 200 and body == marker)
        if scenario == "middleware":
            return (self.middleware, self.middleware_text.replace("@MARKER@", marker), self.base + "/api/e2r-mw",
                    lambda status, headers, body: status == 200 and headers.get("x-e2r") == marker)
        raise ValueError(scenario)

    def held_since(self, mark):
        """When fsroute dev printed that this edit's rebuild started: requests sent after it
        are held and must be answered by the new code."""
        for at, line in self.output.since(mark):
            if line.startswith("fsroute dev:") and "rebuilding" in line:
                return at
        return None

    def own_figures(self, mark, t1):
        # The ready line is printed just after the swap: give it a moment to arrive.
        try:
            self.output.wait_for(r"^✓ ready in", mark, 10)
        except TimeoutError:
            pass
        lines = [line for _, line in self.output.since(mark)]
        readies = [READY.search(line) for line in lines if READY.search(line)]
        cycles = sum(1 for line in lines if line.startswith("fsroute dev:") and "rebuilding" in line)
        figures = {"cycles": cycles, "route_lines": [l.strip() for l in lines if re.match(r"^  [+-] ", l)]}
        if readies:
            last = readies[-1]
            figures.update(ready=float(last.group(1)), build=float(last.group(2)), start=float(last.group(3)))
        failed = [line for line in lines if line.startswith("✗")]
        if failed:
            figures["failed"] = failed
        return figures

    def leftover_patterns(self):
        return [str(self.app), str(NESTED_TARGET / "debug" / APP_NAME)]


class Next(DevServer):
    name = "next dev"

    def __init__(self, args, scratch):
        super().__init__(args, scratch)
        if not (NEXT_SOURCE / "node_modules" / "next").exists():
            log(f"{NEXT_SOURCE.relative_to(ROOT)}/node_modules is missing: npm ci")
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NEXT_SOURCE, check=True)
        self.app = scratch / "nextjs"
        self.app.mkdir()
        for name in ("app", "package.json", "package-lock.json", "next.config.mjs"):
            source = NEXT_SOURCE / name
            if source.is_dir():
                shutil.copytree(source, self.app / name)
            else:
                shutil.copy(source, self.app / name)
        # A real copy: Turbopack does not resolve `next` through a symlink leaving the
        # project's root.
        log("copying the Next.js app's node_modules…")
        shutil.copytree(NEXT_SOURCE / "node_modules", self.app / "node_modules", symlinks=True)
        self.version = json.loads((self.app / "node_modules" / "next" / "package.json").read_text())["version"]
        # Next 16 renamed middleware.ts to proxy.ts (the function `proxy`); older: `middleware`.
        convention = "proxy" if int(self.version.split(".")[0]) >= 16 else "middleware"
        self.hello = self.app / "app" / "api" / "hello" / "route.js"
        self.hello_text = self.hello.read_text()
        anchor = 'message: "hello"'
        if anchor not in self.hello_text:
            sys.exit(f"error: {self.hello} no longer has `{anchor}`: update bench/dev/run.py")
        self.hello_text = self.hello_text.replace(anchor, 'message: "@MARKER@"')
        write_synced(self.hello, self.hello_text.replace("@MARKER@", "e2r-handler-0"))
        folder = self.app / "app" / "api" / "e2r-mw"
        folder.mkdir(parents=True)
        write_synced(folder / "route.js", 'export async function GET() {\n  return new Response("e2r-mw");\n}\n')
        self.middleware = self.app / f"{convention}.js"
        self.middleware_text = (
            'import { NextResponse } from "next/server";\n\n'
            f"export function {convention}(request) {{\n"
            "  const response = NextResponse.next();\n"
            '  response.headers.set("x-e2r", "@MARKER@");\n'
            "  return response;\n"
            "}\n\n"
            'export const config = { matcher: "/api/e2r-mw" };\n'
        )
        write_synced(self.middleware, self.middleware_text.replace("@MARKER@", "e2r-middleware-0"))
        self.warm_urls = ["/api/hello", "/api/e2r-mw"]

    def own_paths(self):
        return [self.app]

    def launch(self):
        env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "NO_COLOR": "1"}
        self.start(["npx", "next", "dev", "-H", "127.0.0.1", "-p", str(self.port)], self.app, env, "next-dev")
        self.output.wait_for(r"Ready in", 0, 120, self.process)
        log(f"{self.name}: ready (Next.js {self.version})")

    def quiet(self, seconds=1):
        time.sleep(seconds)

    def edit(self, scenario, index):
        marker = f"e2r-{scenario}-{index}"
        if scenario == "handler":
            return (self.hello, self.hello_text.replace("@MARKER@", marker), self.base + "/api/hello",
                    lambda status, headers, body: status == 200 and f'"message":"{marker}"' in body)
        if scenario == "new-route":
            path = self.app / "app" / "api" / f"e2r-new-{index}" / "route.js"
            text = f'export async function GET() {{\n  return new Response("{marker}");\n}}\n'
            return (path, text, f"{self.base}/api/e2r-new-{index}",
                    lambda status, headers, body: status == 200 and body == marker)
        if scenario == "middleware":
            return (self.middleware, self.middleware_text.replace("@MARKER@", marker), self.base + "/api/e2r-mw",
                    lambda status, headers, body: status == 200 and headers.get("x-e2r") == marker)
        raise ValueError(scenario)

    def own_figures(self, mark, t1):
        compiled = [NEXT_COMPILED.search(line) for _, line in self.output.since(mark)]
        compiled = [float(m.group(1)) / (1000 if m.group(2) == "ms" else 1) for m in compiled if m]
        return {"compiled": compiled[-1]} if compiled else {}

    def leftover_patterns(self):
        return [str(self.app)]


def warm_up(server):
    for path in server.warm_urls:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, _, body = get(server.base + path, timeout=120)
                if status == 200:
                    break
                raise RuntimeError(f"{server.name}: warm-up GET {path} answered {status}: {body[:300]}")
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{server.name}: GET {path} got no answer within 120 s\n{server.output.tail()}")
                time.sleep(0.2)
    server.remember_processes()


def measure(server, edits, pause):
    """Every scenario, `edits` times each. Returns {scenario: [(seconds, details)]} and
    the other compiles seen before each scenario. An edit whose build waited for another
    cargo's lock on the shared target folder is not counted and is made again (at most
    `edits` times per scenario); those are reported."""
    results, others = {}, {}
    server.retaken = {}
    for scenario, label in SCENARIOS:
        seen = other_compiles(server.own_paths())
        load = load_average()
        if seen:
            log(f"warning: other compiles running before `{label}` on {server.name}: {', '.join(seen)}")
        results[scenario] = []
        retaken = []
        with CompileWatch(server.own_paths()) as watch:
            index = 0
            while len(results[scenario]) < edits:
                index += 1
                seconds, details = server.edit_and_wait(scenario, index)
                extra = ""
                if "build" in details:
                    extra = f" (its own: ready {details['ready']} s, build {details['build']} s, start {details['start']} s)"
                if details["lock_wait"] and len(retaken) < edits:
                    retaken.append(seconds)
                    log(f"{server.name:<11} {label:<18} edit {index}: {seconds:6.3f} s, waited for another "
                        "cargo's lock on the target folder: taken again")
                else:
                    results[scenario].append((seconds, details))
                    log(f"{server.name:<11} {label:<18} {len(results[scenario]):>2}/{edits}: {seconds:6.3f} s{extra}")
                server.quiet(pause)
        server.retaken[scenario] = retaken
        others[scenario] = (seen, load, watch.describe())
    return results, others


def fmt(seconds):
    return f"{seconds:.2f}"


def report(args, results, others, versions, problems, notes, fsroute_first_build):
    contestants = [name for name in ("fsroute dev", "next dev") if name in results]
    lines = [
        f"Run {now()} by `python3 bench/dev/run.py {' '.join(sys.argv[1:])}`".rstrip() + ".",
        f"Machine: {machine()}; {versions}.",
        f"{args.edits} edits per scenario, polling every {args.poll_ms} ms; E2R from just before the "
        "write (write, flush, fsync) to the first response showing the edit. p90 interpolated "
        "between closest ranks.",
        "",
        "| scenario | fsroute dev p50 | fsroute dev p90 | next dev p50 | next dev p90 | fsroute / next (p50) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    stats = {
        name: {scenario: summary([s for s, _ in results[name][scenario]]) for scenario, _ in SCENARIOS}
        for name in contestants
    }
    for scenario, label in SCENARIOS:
        row = f"| {label} |"
        for name in ("fsroute dev", "next dev"):
            if name in stats:
                s = stats[name][scenario]
                row += f" {fmt(s['p50'])} s | {fmt(s['p90'])} s |"
            else:
                row += " — | — |"
        if len(contestants) == 2:
            ratio = stats["fsroute dev"][scenario]["p50"] / stats["next dev"][scenario]["p50"]
            row += f" {ratio:.1f}× |"
        else:
            row += " — |"
        lines.append(row)

    lines += ["", "Spread (min – max, seconds):", "",
              "| scenario | fsroute dev | next dev |", "| --- | ---: | ---: |"]
    for scenario, label in SCENARIOS:
        cells = []
        for name in ("fsroute dev", "next dev"):
            s = stats.get(name, {}).get(scenario)
            cells.append(f"{fmt(s['min'])} – {fmt(s['max'])}" if s else "—")
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")

    if "fsroute dev" in results:
        lines += [
            "",
            "`fsroute dev`'s own figures per edit (its `✓ ready in X s (build Y s, start Z s)` lines; "
            "\"ready\" runs from the end of the 50 ms debounce to the swap), medians, and what is left "
            "of the E2R outside them (the watcher, the debounce, the poll):",
            "",
            "| scenario | E2R p50 | ready p50 | build p50 | start p50 | E2R − ready p50 | build cycles per edit |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for scenario, label in SCENARIOS:
            runs = results["fsroute dev"][scenario]
            with_ready = [(s, d) for s, d in runs if "ready" in d]
            if not with_ready:
                lines.append(f"| {label} | {fmt(stats['fsroute dev'][scenario]['p50'])} s | — | — | — | — | — |")
                continue
            med = lambda key: summary([d[key] for _, d in with_ready])["p50"]  # noqa: E731
            gap = summary([s - d["ready"] for s, d in with_ready])["p50"]
            cycles = sorted({d["cycles"] for _, d in runs})
            lines.append(
                f"| {label} | {fmt(stats['fsroute dev'][scenario]['p50'])} s | {med('ready'):.1f} s | "
                f"{med('build'):.1f} s | {med('start'):.1f} s | {gap:.2f} s | {', '.join(map(str, cycles))} |"
            )
        lines += [
            "",
            "Targets on this machine: handler edit p50 ≤ 3 s: "
            + ("met" if stats["fsroute dev"]["handler"]["p50"] <= 3 else "**not met**")
            + f" ({fmt(stats['fsroute dev']['handler']['p50'])} s); new route file p50 ≤ 4 s: "
            + ("met" if stats["fsroute dev"]["new-route"]["p50"] <= 4 else "**not met**")
            + f" ({fmt(stats['fsroute dev']['new-route']['p50'])} s).",
        ]
        if fsroute_first_build is not None:
            lines.append(f"First `fsroute dev` start (dependencies already built): {fsroute_first_build:.1f} s to `✓ ready`.")
    if "next dev" in results:
        compiled = [d["compiled"] for scenario, _ in SCENARIOS for _, d in results["next dev"][scenario] if "compiled" in d]
        if compiled:
            lines.append(
                f"`next dev`'s own `✓ Compiled in …` lines after an edit: median {summary(compiled)['p50'] * 1000:.0f} ms "
                "(Turbopack compiles a route when it is requested; the E2R includes that)."
            )

    lines += ["", "Other compiles on the machine (rustc processes not building the scratch copy): before each "
              "scenario, with the 1-minute load average then, and sampled every second during it:", ""]
    for name in contestants:
        for scenario, label in SCENARIOS:
            seen, load, during = others[name][scenario]
            lines.append(f"- {name}, {label}: before: {'none' if not seen else '; '.join(seen)} (load {load}); "
                         f"during: {during}")

    lines += ["", "Samples (seconds, in order):", ""]
    for name in contestants:
        for scenario, label in SCENARIOS:
            samples = ", ".join(fmt(s) for s, _ in results[name][scenario])
            lines.append(f"- {name}, {label}: {samples}")

    waited = sum(1 for name in contestants for scenario, _ in SCENARIOS
                 for _, d in results[name][scenario] if d.get("lock_wait"))
    stale = sum(d["stale_after_hold"] for name in contestants for scenario, _ in SCENARIOS
                for _, d in results[name][scenario])
    if "fsroute dev" in results:
        lines += ["", f"Requests sent after `fsroute dev` announced a rebuild and answered by the old code: {stale}. "
                  f"Counted edits whose build waited for another cargo's lock on the shared target folder: {waited}."]
    lines += ["", "Problems seen:" + (" none." if not problems else "")]
    lines += [f"- {p}" for p in problems]
    if notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=10, help="edits per scenario (default 10)")
    parser.add_argument("--poll-ms", type=int, default=15, help="time between polls (default 15 ms)")
    parser.add_argument("--pause", type=float, default=2.0,
                        help="quiet seconds between edits, so one edit's old app has stopped (default 2)")
    parser.add_argument("--edit-timeout", type=float, default=300, help="seconds one edit may take (default 300)")
    parser.add_argument("--first-build-timeout", type=float, default=1800,
                        help="seconds the first build of the template copy may take (default 1800)")
    parser.add_argument("--no-nextjs", action="store_true", help="fsroute dev only")
    parser.add_argument("--no-fsroute", action="store_true", help="next dev only")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (its logs) at the end")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave bench/results/dev.md alone")
    args = parser.parse_args()
    for tool in ["cargo"] + ([] if args.no_nextjs else ["node", "npm", "npx"]):
        if shutil.which(tool) is None:
            sys.exit(f"error: `{tool}` is needed for this benchmark")

    scratch = Path(tempfile.mkdtemp(prefix="fsroute-devbench-"))
    log(f"scratch folder: {scratch}")
    results, others, problems, notes, retaken = {}, {}, [], [], {}
    versions = []
    first_build = None
    server = None
    try:
        contestants = []
        if not args.no_fsroute:
            contestants.append(Fsroute)
        if not args.no_nextjs:
            contestants.append(Next)
        for kind in contestants:
            server = kind(args, scratch)
            started = time.monotonic()
            server.launch()
            if kind is Fsroute:
                first_build = time.monotonic() - started
            else:
                versions.append(f"Next.js {server.version} (`next dev`, Turbopack)")
            warm_up(server)
            results[server.name], others[server.name] = measure(server, args.edits, args.pause)
            retaken[server.name] = server.retaken
            server.stop()
            problems += [f"{server.name}: {p}" for p in server.problems]
            notes += [f"{server.name}: {n}" for n in server.notes]
            server = None
    except (RuntimeError, TimeoutError) as error:
        sys.exit(f"error: {error}\n(logs in {scratch})")
    finally:
        if server is not None:
            server.stop()
            for p in server.problems:
                log(f"{server.name}: {p}")
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
            if not args.no_fsroute:
                remove_app_artifacts()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip() if shutil.which("node") else ""
    if node:
        versions.insert(0, f"Node.js {node}")
    for name, by_scenario in retaken.items():
        for scenario, samples in by_scenario.items():
            if samples:
                notes.append(
                    f"{name}, {scenario}: {len(samples)} edit(s) waited for another cargo's lock on the shared "
                    f"target folder and were taken again (their E2R: {', '.join(f'{s:.2f}' for s in samples)} s)"
                )
    text = report(args, results, others, ", ".join(versions) or "no Node.js", problems, notes, first_build)
    print(text)
    if not args.no_write:
        write_section("e2r", "## Edit to response (`bench/dev/run.py`)\n\n" + text)
        log(f"written to {Path('bench/results/dev.md')}")


if __name__ == "__main__":
    main()
