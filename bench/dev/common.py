"""Helpers shared by bench/dev/run.py and bench/dev/settings.py: the scratch copy of the
template app, processes, other compiles on the machine, percentiles, and the sections of
bench/results/dev.md."""

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FSROUTE = ROOT / "target" / "debug" / "fsroute"
NESTED_TARGET = ROOT / "target" / "nested"
RESULTS = ROOT / "bench" / "results" / "dev.md"
# The copy's crate name: its binary is NESTED_TARGET/debug/<name>, which pgrep looks for.
APP_NAME = "e2rbench"


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_synced(path, text):
    """The save an editor makes: the whole file written, flushed and fsynced."""
    with open(path, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def cargo_env():
    """The environment every cargo of the scratch copy runs in: the shared nested target,
    which already holds the template's dependencies, and no network."""
    return {
        **os.environ,
        "CARGO_TARGET_DIR": str(NESTED_TARGET),
        "CARGO_NET_OFFLINE": "true",
    }


def make_template_copy(scratch):
    """`fsroute new` into `scratch`, with this checkout's Cargo.lock (the versions the
    nested target already built). Returns the copy's folder."""
    if not FSROUTE.exists():
        sys.exit(f"error: {FSROUTE.relative_to(ROOT)} is missing: run `cargo build -p fsroute-cli` first")
    app = Path(scratch) / APP_NAME
    result = subprocess.run(
        [str(FSROUTE), "new", str(app), "--name", APP_NAME],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.exit(f"error: `fsroute new` failed:\n{result.stdout}{result.stderr}")
    shutil.copy(ROOT / "Cargo.lock", app / "Cargo.lock")
    return app


def children_of(pid):
    """Every process below `pid` (not `pid` itself), from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def pgrep(*args):
    """`pgrep -a ARGS…` as (pid, command line) pairs, this script left out."""
    result = subprocess.run(["pgrep", "-a", *args], capture_output=True, text=True)
    out = []
    for line in result.stdout.splitlines():
        pid, _, command = line.partition(" ")
        if int(pid) != os.getpid():
            out.append((int(pid), command))
    return out


def other_compiles(own_paths):
    """rustc processes that are not ours: ours compile the scratch copy, so their command
    line or working folder is under one of `own_paths`."""
    others = []
    for pid, command in pgrep("-x", "rustc"):
        if not alive(pid) or f"--crate-name {APP_NAME} " in command:
            # Exiting (its folder no longer readable), or the copy's own crate, whose
            # command line names its files relative to the copy.
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            cwd = ""
        if any(str(p) in command or cwd.startswith(str(p)) for p in own_paths):
            continue
        crate = re.search(r"--crate-name (\S+)", command)
        others.append(f"{crate.group(1) if crate else command[:60]} (pid {pid}, in {cwd or '?'})")
    return others


def load_average():
    return Path("/proc/loadavg").read_text().split()[0]


def percentile(samples, fraction):
    """Linear interpolation between closest ranks (`statistics.quantiles`' inclusive
    method): p50 is the median."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(samples):
    return {
        "p50": statistics.median(samples),
        "p90": percentile(samples, 0.9),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = next(
        (int(l.split()[1]) // 1024 // 1024 for l in Path("/proc/meminfo").read_text().splitlines()
         if l.startswith("MemTotal")),
        0,
    )
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, {memory} GiB; {rustc}"


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def write_section(name, text):
    """Replaces the section `name` of bench/results/dev.md (between its markers), keeping
    the other one: run.py writes `e2r`, settings.py writes `settings`."""
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    current = RESULTS.read_text() if RESULTS.exists() else "# `fsroute dev`: edit to response\n\n"
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    if begin in current and end in current:
        before, rest = current.split(begin, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        current = before + block + ("\n" + after if after else "")
    elif name == "e2r" and "<!-- settings: begin -->" in current:
        # The E2R section first, whichever script ran first.
        before, rest = current.split("<!-- settings: begin -->", 1)
        current = before + block + "\n<!-- settings: begin -->" + rest
    else:
        current = current.rstrip("\n") + "\n\n" + block
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(current)


def stop_group(process, name, grace=20):
    """Ctrl-C as a terminal sends it: SIGINT to the process's group; SIGKILL to the group
    if it is still there after `grace` seconds. Returns what had to be killed."""
    problems = []
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:
        return problems
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        problems.append(f"{name} did not stop within {grace} s of SIGINT: killed")
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
    return problems


def wait_gone(pids, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return []
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def remove_app_artifacts():
    """The scratch copy's build output in the shared nested target: every copy has a new
    path, so its artifacts would otherwise pile up there. Only the names of APP_NAME."""
    debug = NESTED_TARGET / "debug"
    names = [APP_NAME, f"lib{APP_NAME}"]
    doomed = [debug / APP_NAME, debug / f"{APP_NAME}.d"]
    doomed += list(debug.glob(f"lib{APP_NAME}.*"))
    for folder in ("deps", "build", ".fingerprint", "incremental"):
        for name in names:
            doomed += list((debug / folder).glob(f"{name}-*"))
    for path in doomed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                path.unlink()
            except FileNotFoundError:
                pass


class CompileWatch:
    """Samples other_compiles() every second in the background, so a compile that starts
    in the middle of a measurement is seen too: `with CompileWatch(paths) as seen: …`,
    then `seen.crates` (names seen at any sample) and `seen.samples_with_others`."""

    def __init__(self, own_paths, every=1.0):
        import threading
        self.own_paths = own_paths
        self.every = every
        self.crates = set()
        self.samples = 0
        self.samples_with_others = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            seen = other_compiles(self.own_paths)
            self.samples += 1
            if seen:
                self.samples_with_others += 1
                self.crates.update(s.split(" (pid")[0] for s in seen)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def describe(self):
        if not self.samples_with_others:
            return f"none in {self.samples} samples"
        return (f"in {self.samples_with_others} of {self.samples} samples: "
                + ", ".join(sorted(self.crates)))
