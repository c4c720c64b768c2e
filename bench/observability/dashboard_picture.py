#!/usr/bin/env python3
"""A picture of the Grafana dashboard over real data, without Grafana.

    python3 bench/observability/dashboard_picture.py [--seconds 150] [--no-build]
        [--out docs/images/observability-dashboard.png]

Starts the template app's release binary (built first, unless --no-build) on a fresh
SQLite database with GET /metrics on a port of its own, and Debian's `prometheus`
scraping it every second; drives a mixed load at it for --seconds; then runs every
query of template-app/observability/grafana-dashboard.json through Prometheus's
query_range API, with Grafana's variables filled in as Grafana fills them, and draws the
dashboard's grid as Grafana lays it out (dark theme, the panels' titles, units and
legends) with matplotlib. Everything it starts is stopped at the end.

Needs: cargo, `prometheus` (Debian: `apt-get install prometheus`; or FSROUTE_PROMETHEUS),
and matplotlib (the version in requirements.txt beside this file).
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FuncFormatter, LogLocator, MaxNLocator, MultipleLocator, NullLocator)
from PIL import Image  # noqa: E402  (Pillow: a dependency of matplotlib)

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "template-app" / "observability" / "grafana-dashboard.json"
OUT = ROOT / "docs" / "images" / "observability-dashboard.png"
TOKEN = "dashboard-picture-scrape-token"
JWT_SECRET = "dashboard-picture-jwt-secret-of-enough-length"

# The load, in seconds from its start: a scanner's burst of unknown paths, then a storm of
# sign-ins larger than the password-hashing queue takes (its 503s are the 5xx).
SCAN_BURST = (0.33, 0.43)
SIGN_IN_STORM = (0.63, 0.70)


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def target_dir():
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return Path(json.loads(metadata.stdout)["target_directory"])


# ---------------------------------------------------------------- the processes


class App:
    """The template app's binary with METRICS_ADDR and METRICS_TOKEN, on its own data."""

    def __init__(self, binary, data_dir):
        env = dict(os.environ)
        env.update({
            "DATA_DIR": str(data_dir),
            "HOST": "127.0.0.1",
            "PORT": "0",
            "JWT_SECRET": JWT_SECRET,
            "METRICS_ADDR": "127.0.0.1:0",
            "METRICS_TOKEN": TOKEN,
            # The whole load comes from one address: the per-address limits would turn
            # it all into 429s.
            "LOGIN_RATE_PER_MINUTE": "1000000",
            "REGISTER_RATE_PER_MINUTE": "1000000",
            "RUST_LOG": "warn",
            "NO_COLOR": "1",
        })
        self.process = subprocess.Popen(
            [str(binary)], cwd=data_dir, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.address = self.metrics_address = None
        deadline = time.time() + 30
        while self.metrics_address is None:
            line = self.process.stdout.readline()
            if not line or time.time() > deadline:
                raise SystemExit(
                    "the app stopped or printed no `metrics on` line: is the binary older "
                    "than the metrics? Run without --no-build."
                )
            if line.startswith("listening on http://"):
                self.address = line.strip().removeprefix("listening on http://")
            if line.startswith("metrics on http://"):
                self.metrics_address = (
                    line.strip().removeprefix("metrics on http://").removesuffix("/metrics")
                )
        # Keep reading, so the app never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Prometheus:
    """Debian's prometheus scraping the app every second, on a folder of its own."""

    def __init__(self, binary, target, storage):
        config = storage / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: template-app\n"
            f"    authorization:\n      credentials: {TOKEN}\n"
            f"    static_configs:\n      - targets: ['{target}']\n"
        )
        self.address = f"127.0.0.1:{free_port()}"
        self.process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={storage / 'data'}",
             f"--web.listen-address={self.address}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{self.address}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline or self.process.poll() is not None:
                raise SystemExit("prometheus did not become ready")
            time.sleep(0.2)

    def api(self, path, **params):
        url = f"http://{self.address}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
        if body.get("status") != "success":
            raise SystemExit(f"{params.get('query')}: {body}")
        return body["data"]

    def stop(self):
        self.process.terminate()
        self.process.wait()


# ---------------------------------------------------------------- the load


class Client:
    """One keep-alive connection, as a browser or a service would hold one."""

    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.connection = None

    def call(self, method, path, token=None, body=None):
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                text = response.read()
                return response.status, text
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    return 0, b""
        return 0, b""


class Load:
    """The mixed load: a health checker, signed-in readers and writers, anonymous calls
    without a token, a scanner's unknown paths (with a burst), sign-ins (some with a wrong
    password) and, for a few seconds, a storm of sign-ins."""

    def __init__(self, address, seconds):
        self.address = address
        self.seconds = seconds
        self.stop = threading.Event()
        self.started = None
        self.statuses = {}
        self.lock = threading.Lock()
        self.users = []
        self.post_ids = []
        self.own_posts = {}

    def count(self, method, route, status, began):
        """One answer, and how long it took as the client saw it."""
        took = time.time() - began
        with self.lock:
            key = (method, route, status)
            count, slowest = self.statuses.get(key, (0, 0.0))
            self.statuses[key] = (count + 1, max(slowest, took))

    def phase(self):
        return (time.time() - self.started) / self.seconds

    def pause(self, per_second):
        self.stop.wait(random.expovariate(per_second))

    def setup(self):
        client = Client(self.address)
        for n in range(6):
            account = {"email": f"reader{n}@example.com", "name": f"Reader {n}",
                       "password": "correct horse battery"}
            status, _ = client.call("POST", "/api/auth/register", body=account)
            assert status == 202, status
            status, body = client.call("POST", "/api/auth/login", body={
                "email": account["email"], "password": account["password"]})
            assert status == 200, (status, body)
            self.users.append((account, json.loads(body)["token"]))
        for n in range(20):
            _, token = self.users[n % len(self.users)]
            status, body = client.call("POST", "/api/posts", token, {
                "title": f"Post {n}", "content": "Some words. " * 20, "published": True,
                "tags": ["news"] if n % 2 else ["notes"]})
            assert status == 201, (status, body)
            self.post_ids.append(json.loads(body)["id"])
            self.own_posts.setdefault(n % len(self.users), []).append(self.post_ids[-1])

    def health_checker(self):
        client = Client(self.address)
        while not self.stop.is_set():
            began = time.time()
            self.count("GET", "/api/health", client.call("GET", "/api/health")[0], began)
            self.pause(10)

    def reader(self, n):
        client = Client(self.address)
        _, token = self.users[n % len(self.users)]
        while not self.stop.is_set():
            roll = random.random()
            if roll < 0.55:
                page = random.randint(1, 3)
                began = time.time()
                status, _ = client.call("GET", f"/api/posts?page={page}&limit=10", token)
                self.count("GET", "/api/posts", status, began)
            elif roll < 0.85:
                # Now and then an id that is not there (a 404 of a matched route).
                post = random.choice(self.post_ids) if random.random() < 0.95 else 999_999
                began = time.time()
                status, _ = client.call("GET", f"/api/posts/{post}", token)
                self.count("GET", "/api/posts/{id}", status, began)
            elif roll < 0.95:
                began = time.time()
                status, body = client.call("POST", "/api/posts", token, {
                    "title": f"Note {random.randint(1, 10**6)}", "content": "Measured.",
                    "published": random.random() < 0.5})
                self.count("POST", "/api/posts", status, began)
            else:
                post = random.choice(self.own_posts[n % len(self.users)])
                began = time.time()
                status, _ = client.call("PATCH", f"/api/posts/{post}", token,
                                        {"content": "Edited."})
                self.count("PATCH", "/api/posts/{id}", status, began)
            self.pause(12)

    def anonymous(self):
        client = Client(self.address)
        while not self.stop.is_set():
            began = time.time()
            self.count("GET", "/api/posts", client.call("GET", "/api/posts")[0], began)
            self.pause(3)

    def scanner(self):
        client = Client(self.address)
        paths = ["/wp-login.php", "/.env", "/phpmyadmin/index.php", "/api/graphql",
                 "/.git/config", "/api/swagger.json", "/cgi-bin/luci", "/api/debug/vars"]
        while not self.stop.is_set():
            path = random.choice(paths) + f"?x={random.randint(1, 10**9)}"
            began = time.time()
            self.count("GET", "(scanner)", client.call("GET", path)[0], began)
            bursting = SCAN_BURST[0] <= self.phase() < SCAN_BURST[1]
            self.pause(120 if bursting else 1.5)

    def signer_in(self):
        client = Client(self.address)
        while not self.stop.is_set():
            account, _ = random.choice(self.users)
            if random.random() < 0.1:
                # Now and then someone new signs up.
                number = random.randint(1, 10**9)
                began = time.time()
                status, _ = client.call("POST", "/api/auth/register", body={
                    "email": f"new{number}@example.com", "name": f"New {number}",
                    "password": "correct horse battery"})
                self.count("POST", "/api/auth/register", status, began)
            elif random.random() < 0.85:
                login = {"email": account["email"], "password": account["password"]}
            else:
                # A wrong password, for an address with no account (a real account would
                # lock after a few failures).
                login = {"email": f"nobody{random.randint(1, 10**6)}@example.com",
                         "password": "guess"}
            began = time.time()
            status, _ = client.call("POST", "/api/auth/login", body=login)
            self.count("POST", "/api/auth/login", status, began)
            self.pause(1.5)

    def storm(self):
        client = Client(self.address)
        account, _ = random.choice(self.users)
        login = {"email": account["email"], "password": account["password"]}
        while not self.stop.is_set():
            phase = self.phase()
            if SIGN_IN_STORM[0] <= phase < SIGN_IN_STORM[1]:
                began = time.time()
                status, _ = client.call("POST", "/api/auth/login", body=login)
                self.count("POST", "/api/auth/login", status, began)
                if status == 503:
                    # Retry-After: 1, as a well-behaved client reads it, with jitter.
                    self.stop.wait(random.uniform(0.5, 1.5))
            else:
                if phase >= SIGN_IN_STORM[1] and client.connection is not None:
                    # The storm's clients go away.
                    client.connection.close()
                    client.connection = None
                self.stop.wait(0.1)

    def run(self):
        self.setup()
        workers = [self.health_checker, self.anonymous, self.scanner, self.signer_in]
        workers += [lambda n=n: self.reader(n) for n in range(4)]
        workers += [self.storm] * 40
        threads = [threading.Thread(target=worker, daemon=True) for worker in workers]
        self.started = time.time()
        for thread in threads:
            thread.start()
        while time.time() - self.started < self.seconds:
            time.sleep(1)
            done = int(time.time() - self.started)
            if done % 15 == 0:
                log(f"  load: {done} s of {self.seconds}")
        ended = time.time()
        self.stop.set()
        for thread in threads:
            thread.join()
        return ended


# ---------------------------------------------------------------- the queries


VARIABLE = re.compile(r"\$(?:\{(\w+)(?::[^}]*)?\}|(\w+))")


def interpolate(expr, values):
    """Grafana's variables filled in as Grafana fills them: $name, ${name}, ${name:fmt}."""
    def value(match):
        name = match.group(1) or match.group(2)
        if name not in values:
            raise SystemExit(f"{expr}: ${name} is not a variable this script fills")
        return values[name]
    return VARIABLE.sub(value, expr)


def legend(template, labels):
    if template in ("", "__auto"):
        return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__")
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), template)


def run_queries(prometheus, dashboard, start, end, rate_interval):
    values = {
        "__rate_interval": rate_interval,
        "__range": f"{int(end - start)}s",
        "__interval": "1s",
        "job": ".*",
        "instance": ".*",
        "route": ".*",
    }
    results = {}
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        series = []
        for target in panel["targets"]:
            promql = interpolate(target["expr"], values)
            if target.get("instant"):
                data = prometheus.api("query", query=promql, time=end)
                rows = [(s["metric"], [(float(s["value"][0]), float(s["value"][1]))])
                        for s in data["result"]]
            else:
                data = prometheus.api("query_range", query=promql, start=start, end=end, step=1)
                rows = [(s["metric"], [(float(t), float(v)) for t, v in s["values"]])
                        for s in data["result"]]
            for labels, points in rows:
                series.append({"ref": target["refId"], "labels": labels, "points": points,
                               "name": legend(target.get("legendFormat", ""), labels)})
        results[panel["id"]] = series
    return results


# ---------------------------------------------------------------- the picture

CANVAS = "#111217"
PANEL = "#181b1f"
BORDER = "#2a2d33"
TEXT = "#ccccdc"
WEAK = "#8e8e99"
GRID = "#25282d"
# Grafana's classic palette, in its order.
PALETTE = ["#7EB26D", "#EAB839", "#6ED0E0", "#EF843C", "#E24D42", "#1F78C1", "#BA43A6",
           "#705DA0", "#508642", "#CCA300", "#447EBC", "#C15C17", "#890F02", "#0A437C"]
NAMED = {"green": "#73BF69", "orange": "#FF9830", "red": "#F2495C", "blue": "#5794F2",
         "yellow": "#FADE2A", "text": TEXT}

WIDTH = 1600
PAD = 16
HEADER = 70
UNIT = 30
GAP = 8


def fmt(value, unit, decimals=None):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "percentunit":
        d = 1 if decimals is None else decimals
        return f"{value * 100:.{d}f}%"
    if unit == "reqps":
        return f"{value:.{1 if decimals is None else decimals}f} req/s"
    if unit == "s":
        if value == 0:
            return "0 s"
        if value < 1e-3:
            return f"{value * 1e6:.0f} µs"
        if value < 1:
            ms = value * 1e3
            return f"{ms:.0f} ms" if ms >= 100 or ms.is_integer() else f"{ms:.1f} ms"
        return f"{value:.0f} s" if float(value).is_integer() else f"{value:.2f} s"
    if unit == "bytes":
        for step, name in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
            if value >= step:
                return f"{value / step:.1f} {name}"
        return f"{value:.0f} B"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f} K"
    d = decimals if decimals is not None else (0 if float(value).is_integer() else 1)
    return f"{value:.{d}f}"


def nice_step(rough, scale=1):
    """A step of 1, 2, 2.5 or 5 times a power of ten (of `scale`s) near `rough`."""
    rough = max(rough / scale, 1e-9)
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough:
            return factor * power * scale
    return 10 * power * scale


def threshold_colour(field, value):
    steps = field.get("thresholds", {}).get("steps", [])
    colour = TEXT
    for step in steps:
        if step["value"] is None or (value is not None and value >= step["value"]):
            colour = NAMED.get(step["color"], step["color"])
    return colour


class Canvas:
    def __init__(self, rows):
        self.height = HEADER + rows * UNIT + PAD
        self.fig = plt.figure(figsize=(WIDTH / 100, self.height / 100), dpi=100,
                              facecolor=CANVAS)
        self.column = (WIDTH - 2 * PAD) / 24

    def box(self, grid):
        """A panel's rectangle in pixels from the top left: x, y, w, h."""
        x = PAD + grid["x"] * self.column + GAP / 2
        y = HEADER + grid["y"] * UNIT + GAP / 2
        return x, y, grid["w"] * self.column - GAP, grid["h"] * UNIT - GAP

    def rect(self, x, y, w, h):
        """Pixels from the top left to a figure fraction rectangle."""
        return [x / WIDTH, 1 - (y + h) / self.height, w / WIDTH, h / self.height]

    def text(self, x, y, s, size=9, colour=TEXT, **kw):
        self.fig.text(x / WIDTH, 1 - y / self.height, s, fontsize=size, color=colour, **kw)


def draw(dashboard, results, start, end, rate_interval, out):
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dashboard["panels"])
    canvas = Canvas(rows)
    minutes = max(1, round((end - start) / 60))
    minutes = f"{minutes} minute" + ("s" if minutes > 1 else "")
    canvas.text(PAD, 26, dashboard["title"], size=14, weight="bold", va="center")
    canvas.text(WIDTH - PAD, 26,
                f"{datetime.fromtimestamp(start):%Y-%m-%d %H:%M:%S} to "
                f"{datetime.fromtimestamp(end):%H:%M:%S}  (last {minutes})",
                size=9, colour=WEAK, ha="right", va="center")
    chips = ["Data source: Prometheus"] + [
        f"{v['label']}: All" for v in dashboard["templating"]["list"] if v["type"] == "query"]
    canvas.text(PAD, 54, "     ".join(chips) + f"     ($__rate_interval = {rate_interval})",
                size=9, colour=WEAK, va="center")

    # One colour per route and method in every panel, so a route is the same line everywhere.
    names = []
    for panel in dashboard["panels"]:
        for series in results.get(panel["id"], []):
            if series["name"] not in names and "http_route" in series["labels"]:
                names.append(series["name"])
    colour_of = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(names))}

    for panel in dashboard["panels"]:
        x, y, w, h = canvas.box(panel["gridPos"])
        if panel["type"] == "row":
            canvas.text(x + 2, y + h / 2 + 1, "⌄  " + panel["title"], size=11,
                        weight="bold", va="center")
            continue
        canvas.fig.patches.append(FancyBboxPatch(
            (x / WIDTH, 1 - (y + h) / canvas.height), w / WIDTH, h / canvas.height,
            boxstyle="round,pad=0,rounding_size=0.002", transform=canvas.fig.transFigure,
            facecolor=PANEL, edgecolor=BORDER, linewidth=0.8, zorder=-1))
        canvas.text(x + 10, y + 16, panel["title"], size=10, weight="bold", va="center")
        series = results[panel["id"]]
        defaults = panel["fieldConfig"]["defaults"]
        unit = defaults.get("unit", "short")
        if not series:
            canvas.text(x + w / 2, y + h / 2 + 10, "No data", size=12, colour=WEAK,
                        ha="center", va="center")
            continue
        if panel["type"] == "stat":
            draw_stat(canvas, panel, series[0], (x, y, w, h), unit, defaults)
        elif panel["type"] == "table":
            draw_table(canvas, panel, series, (x, y, w, h), colour_of)
        else:
            draw_timeseries(canvas, panel, series, (x, y, w, h), unit, defaults, colour_of,
                            start, end)

    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.fig.savefig(out, facecolor=CANVAS, dpi=100)
    plt.close(canvas.fig)
    # 256 colours are plenty for a dark dashboard, and a third of the bytes.
    with Image.open(out) as image:
        small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    small.save(out, optimize=True)


def finite(points):
    return [v for _, v in points if not math.isnan(v)]


def draw_stat(canvas, panel, series, box, unit, defaults):
    x, y, w, h = box
    values = finite(series["points"])
    value = values[-1] if values else None
    colour = threshold_colour(defaults, value)
    axes = canvas.fig.add_axes(canvas.rect(x + 1, y + h * 0.55, w - 2, h * 0.45 - 1))
    times = [t for t, v in series["points"]]
    ys = [v if not math.isnan(v) else 0 for _, v in series["points"]]
    axes.fill_between(times, ys, color=colour, alpha=0.18, linewidth=0)
    axes.plot(times, ys, color=colour, linewidth=1, alpha=0.8)
    axes.set_xlim(times[0], times[-1])
    axes.set_ylim(0, (max(ys) or 1) * 1.15)
    axes.axis("off")
    canvas.text(x + w / 2, y + h * 0.48, fmt(value, unit, defaults.get("decimals")), size=22,
                colour=colour, weight="bold", ha="center", va="center")


def draw_table(canvas, panel, series, box, colour_of):
    x, y, w, h = box
    columns = {}
    for ref, name, unit in (("A", "req/s", "reqps"), ("B", "5xx", "percentunit"),
                            ("C", "4xx", "percentunit"), ("D", "p50", "s"), ("E", "p95", "s"),
                            ("F", "p99", "s")):
        columns[ref] = (name, unit)
    table = {}
    for s in series:
        key = (s["labels"].get("http_request_method", ""), s["labels"].get("http_route", ""))
        table.setdefault(key, {})[s["ref"]] = s["points"][-1][1]
    overrides = {o["matcher"]["options"]: o["properties"]
                 for o in panel["fieldConfig"]["overrides"]}
    keys = sorted(table, key=lambda k: -table[k].get("A", 0))
    header = ["method", "route"] + [columns[r][0] for r in "ABCDEF"]
    xs = [x + 10, x + 72] + [x + 250 + i * (w - 260) / 6 for i in range(6)]
    top = y + 40
    for cx, name in zip(xs, header):
        canvas.text(cx, top, name, size=8.5, colour=WEAK, weight="bold", va="center")
    row_height = 17
    shown = int((h - 52) // row_height)
    for i, key in enumerate(keys[:shown]):
        cy = top + (i + 1) * row_height
        canvas.fig.lines.append(Line2D(
            [(x + 6) / WIDTH, (x + w - 6) / WIDTH],
            [1 - (cy - row_height / 2) / canvas.height] * 2,
            transform=canvas.fig.transFigure, color=BORDER, linewidth=0.6))
        canvas.text(xs[0], cy, key[0], size=8.5, va="center")
        canvas.text(xs[1], cy, key[1], size=8.5, va="center",
                    colour=colour_of.get(f"{key[0]} {key[1]}", TEXT))
        for cx, ref in zip(xs[2:], "ABCDEF"):
            name, unit = columns[ref]
            value = table[key].get(ref)
            props = {p["id"]: p["value"] for p in overrides.get(name, [])}
            colour = TEXT
            if "thresholds" in props and value is not None and not math.isnan(value):
                colour = threshold_colour({"thresholds": props["thresholds"]}, value)
            canvas.text(cx, cy, fmt(value, props.get("unit", unit), props.get("decimals")),
                        size=8.5, colour=colour, va="center")


def draw_timeseries(canvas, panel, series, box, unit, defaults, colour_of, start, end):
    x, y, w, h = box
    options = panel["options"]["legend"]
    calcs = options.get("calcs", [])
    series = sorted(series, key=lambda s: -max(finite(s["points"]) or [0]))
    line_height = 14
    legend_rows = min(len(series), max(1, int((h - 150) // line_height)))
    legend_height = (legend_rows + 1) * line_height + 6
    left, right, top = 58, 12, 32
    axes = canvas.fig.add_axes(canvas.rect(x + left, y + top, w - left - right,
                                           h - top - legend_height - 22))
    axes.set_facecolor(PANEL)
    for i, s in enumerate(series):
        colour = colour_of.get(s["name"], PALETTE[i % len(PALETTE)])
        times = [t for t, _ in s["points"]]
        values = [v for _, v in s["points"]]
        axes.plot(times, values, color=colour, linewidth=1.1)
        fill = defaults.get("custom", {}).get("fillOpacity", 0) / 100
        if fill:
            axes.fill_between(times, values, color=colour, alpha=fill * 0.8, linewidth=0)
    axes.set_xlim(start, end)
    top_value = max((max(finite(s["points"]) or [0]) for s in series), default=0)
    high = defaults.get("max", top_value * 1.1 if top_value > 0 else 1)
    if defaults.get("custom", {}).get("scaleDistribution", {}).get("type") == "log":
        base = defaults["custom"]["scaleDistribution"].get("log", 10)
        positive = [v for s in series for v in finite(s["points"]) if v > 0]
        low = base ** math.floor(math.log(min(positive), base)) if positive else 1e-3
        axes.set_yscale("log", base=base)
        axes.set_ylim(low, max(positive or [1]) * 1.6)
        axes.yaxis.set_major_locator(LogLocator(base=base, numticks=12))
        axes.yaxis.set_minor_locator(NullLocator())
    else:
        axes.set_ylim(defaults.get("min", 0), high)
        if unit == "bytes":
            axes.yaxis.set_major_locator(MultipleLocator(nice_step(high / 4, 2**20)))
        else:
            axes.yaxis.set_major_locator(MaxNLocator(4))
    axes.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: fmt(v, unit, 0 if unit == "percentunit" and high >= 0.1 else None)
        if unit != "reqps" else f"{v:g}"))
    if unit == "reqps":
        axes.set_ylabel("req/s", color=WEAK, fontsize=7.5, labelpad=2)
    span = end - start
    ticks = [t for t in range(int(start) - int(start) % 30 + 30, int(end), 30)]
    if span / 30 > 6:
        ticks = ticks[::2]
    axes.set_xticks(ticks)
    axes.xaxis.set_major_formatter(FuncFormatter(
        lambda t, _: datetime.fromtimestamp(t).strftime("%H:%M:%S")))
    axes.tick_params(colors=WEAK, labelsize=7.5, length=0, pad=3)
    axes.grid(True, color=GRID, linewidth=0.7)
    for spine in axes.spines.values():
        spine.set_visible(False)

    # The legend, as a table: the name, then the panel's calculations.
    legend_top = y + h - legend_height + 2
    calc_names = {"mean": "Mean", "max": "Max", "lastNotNull": "Last *", "min": "Min"}
    column_x = [x + w - 12 - (len(calcs) - i - 1) * 70 for i in range(len(calcs))]
    for cx, calc in zip(column_x, calcs):
        canvas.text(cx, legend_top, calc_names.get(calc, calc), size=7.5, colour=WEAK,
                    ha="right", va="center", weight="bold")
    for i, s in enumerate(series[:legend_rows]):
        cy = legend_top + (i + 1) * line_height
        colour = colour_of.get(s["name"], PALETTE[i % len(PALETTE)])
        canvas.fig.lines.append(Line2D(
            [(x + 10) / WIDTH, (x + 24) / WIDTH], [1 - cy / canvas.height] * 2,
            transform=canvas.fig.transFigure, color=colour, linewidth=3))
        canvas.text(x + 30, cy, s["name"], size=8, va="center")
        values = finite(s["points"])
        for cx, calc in zip(column_x, calcs):
            if not values:
                shown = None
            elif calc == "mean":
                shown = sum(values) / len(values)
            elif calc == "max":
                shown = max(values)
            elif calc == "min":
                shown = min(values)
            else:
                shown = values[-1]
            canvas.text(cx, cy, fmt(shown, unit, defaults.get("decimals")), size=8,
                        ha="right", va="center")
    if len(series) > legend_rows:
        canvas.text(x + 30, legend_top + (legend_rows + 1) * line_height - 3,
                    f"… {len(series) - legend_rows} more", size=7.5, colour=WEAK,
                    va="center")


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=150, help="how long the load runs")
    parser.add_argument("--rate-interval", default="10s",
                        help="what $__rate_interval becomes (Grafana's own for a 1 s scrape "
                             "interval would be 4s; 10s smooths a short run)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-build", action="store_true",
                        help="use the release binary as it is")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    random.seed(args.seed)

    prometheus_binary = os.environ.get("FSROUTE_PROMETHEUS") or shutil.which("prometheus")
    if not prometheus_binary:
        raise SystemExit("no `prometheus` on the PATH: apt-get install prometheus, or set "
                         "FSROUTE_PROMETHEUS")
    binary = target_dir() / "release" / "template-app"
    if not args.no_build or not binary.exists():
        log("$ cargo build --release -p template-app")
        subprocess.run(["cargo", "build", "--release", "-p", "template-app"], cwd=ROOT,
                       check=True)
    dashboard = json.loads(DASHBOARD.read_text())

    app = prometheus = None
    with tempfile.TemporaryDirectory(prefix="dashboard-picture-") as temp:
        temp = Path(temp)
        (temp / "app").mkdir()
        (temp / "prometheus").mkdir()
        try:
            app = App(binary, temp / "app")
            log(f"app on {app.address}, metrics on {app.metrics_address}")
            prometheus = Prometheus(prometheus_binary, app.metrics_address,
                                    temp / "prometheus")
            log(f"prometheus on {prometheus.address}; load for {args.seconds} s")
            load = Load(app.address, args.seconds)
            # A few scrapes of the app at rest first, as a dashboard would show.
            time.sleep(5)
            start = time.time() - 4
            end = load.run()
            # The last scrape of the load.
            time.sleep(1.5)
            log("answers (count, slowest as the client saw it):")
            for (method, route, status), (count, slowest) in sorted(load.statuses.items()):
                log(f"  {method} {route} {status}: {count}, {slowest * 1e3:.0f} ms")
            results = run_queries(prometheus, dashboard, start, end, args.rate_interval)
        finally:
            if app:
                app.stop()
            if prometheus:
                prometheus.stop()
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            log(f"  {panel['title']}: {len(results[panel['id']])} series")
    draw(dashboard, results, start, end, args.rate_interval, args.out)
    log(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
