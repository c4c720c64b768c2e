#!/usr/bin/env python3
"""What the template app's rebuild after a handler edit spends its time on, and which
build settings make it shorter.

    python3 bench/dev/settings.py [--rounds 5] [--no-mold] [--keep] [--no-write]

On a scratch copy of the template app (`fsroute new`, this checkout's Cargo.lock, the
shared target/nested so the dependencies are already built, offline): for each variant of
the app crate's `[profile.dev]` (the `package."*"` override kept, so the dependencies are
not rebuilt), one untimed build, one untimed edit-and-build, then --rounds timed
edit-and-builds (a handler's string changed, then `cargo build`, wall time), medians.
Then: `cargo build --timings` after an edit (the app crate's units: front end, codegen,
the binary), the link alone (the command rustc runs, repeated, for lld and mold), and the
template's setting once more at the end, to show the drift over the run. Writes its
section of bench/results/dev.md.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from common import (  # noqa: E402
    APP_NAME, NESTED_TARGET, CompileWatch, cargo_env, load_average, log, machine, make_template_copy, now,
    other_compiles, remove_app_artifacts, summary, write_section, write_synced,
)

TEMPLATE_LINE = 'debug = "line-tables-only"'
# Cargo's line when another cargo holds the shared target folder.
LOCK_WAIT = "Blocking waiting for file lock"

# name, the lines of `[profile.dev]`, the lines of `[profile.dev.package.<app>]` (settings
# that `package."*"` does not override would otherwise rebuild every dependency), how to
# build ("build", or "rustc" with arguments for the binary alone), what it says
VARIANTS = [
    ("template", [TEMPLATE_LINE], [], ("build",), "the template's setting"),
    ("debug = true", ["debug = true"], [], ("build",), "cargo's default for dev"),
    ("debug = false", ["debug = false"], [], ("build",), "no debug info for the app crate either"),
    ("split-debuginfo", [TEMPLATE_LINE], ['split-debuginfo = "unpacked"'], ("build",),
     "the app crate's line tables stay in its object files instead of going through the link"),
    ("strip debuginfo", [TEMPLATE_LINE], ['strip = "debuginfo"'], ("build",),
     "the link drops all debug info (std's too): no file:line in backtraces"),
    ("codegen-units = 16", [TEMPLATE_LINE], ["codegen-units = 16"], ("build",),
     "fewer, larger codegen units for the app crate (dev default: 256)"),
    ("incremental = false", [TEMPLATE_LINE], ["incremental = false"], ("build",),
     "what incremental compilation is worth"),
    ("mold", [TEMPLATE_LINE], [], ("rustc", ["-C", "link-arg=-fuse-ld=mold"]),
     "the template's setting, linked by mold instead of rustc's own lld; deps untouched "
     "(RUSTFLAGS would rebuild them all once)"),
]


def run_cargo(app, args, capture=True):
    started = time.monotonic()
    result = subprocess.run(["cargo", *args], cwd=app, env=cargo_env(), capture_output=capture, text=True)
    took = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"`cargo {' '.join(args)}` failed:\n{result.stderr[-3000:]}")
    return took, result


def build_args(how, extra=()):
    if how[0] == "build":
        return ["build", *extra]
    return ["rustc", "--bin", APP_NAME, *extra, "--", *how[1]]


def set_profile(app, lines, package_lines):
    """The copy's `[profile.dev]` table with `lines` (the comment above them kept), and a
    `[profile.dev.package.<app>]` table with `package_lines` at the end, or none."""
    manifest = app / "Cargo.toml"
    text = manifest.read_text()
    table = f"[profile.dev.package.{APP_NAME}]"
    if table in text:
        text = text[: text.index(table)].rstrip("\n") + "\n"
    if package_lines:
        text = text.rstrip("\n") + "\n\n" + table + "\n" + "\n".join(package_lines) + "\n"
    match = re.search(r"(?ms)^\[profile\.dev\]\n((?:#[^\n]*\n)*)(.*?)(?=^\[|\Z)", text)
    if not match:
        sys.exit("error: the template's Cargo.toml has no `[profile.dev]`: update bench/dev/settings.py")
    body = "\n".join(lines) + "\n\n"
    manifest.write_text(text[: match.start(2)] + body + text[match.end(2):])


def check_template(app):
    text = (app / "Cargo.toml").read_text()
    match = re.search(r"(?ms)^\[profile\.dev\]\n((?:#[^\n]*\n)*)(.*?)(?=^\[|\Z)", text)
    if not match or match.group(2).strip() != TEMPLATE_LINE or '[profile.dev.package."*"]\ndebug = false' not in text:
        sys.exit(f"error: the template's Cargo.toml no longer has `[profile.dev] {TEMPLATE_LINE}` and "
                 '`[profile.dev.package."*"] debug = false`: update bench/dev/settings.py')


class Editor:
    """The handler edit: the string `GET /api/health` returns as its version."""

    def __init__(self, app):
        self.path = app / "app" / "api" / "health" / "route.rs"
        text = self.path.read_text()
        anchor = 'version: env!("CARGO_PKG_VERSION"),'
        if anchor not in text:
            sys.exit(f"error: {self.path} no longer has `{anchor}`: update bench/dev/settings.py")
        self.text = text.replace(anchor, 'version: "@MARKER@",')
        self.count = 0

    def edit(self):
        self.count += 1
        write_synced(self.path, self.text.replace("@MARKER@", f"settings-{self.count}"))


def compiled_packages(stderr):
    return re.findall(r"^\s*Compiling (\S+) v", stderr, re.M)


def measure_variant(app, editor, variant, rounds):
    name, lines, package_lines, how, _ = variant
    set_profile(app, lines, package_lines)
    _, first = run_cargo(app, build_args(how))
    rebuilt = [p for p in compiled_packages(first.stderr) if p != APP_NAME]
    # One edit untimed: the first build of a variant is not incremental yet.
    editor.edit()
    run_cargo(app, build_args(how))
    others = other_compiles([app])
    load = load_average()
    samples, retaken = [], []
    with CompileWatch([app]) as watch:
        while len(samples) < rounds:
            time.sleep(0.5)
            editor.edit()
            took, result = run_cargo(app, build_args(how))
            if LOCK_WAIT in result.stderr and len(retaken) < rounds:
                # Another cargo held the shared target folder: not this setting's time.
                retaken.append(took)
                log(f"{name}: a build waited for another cargo's lock ({took:.2f} s): taken again")
                continue
            samples.append(took)
    log(f"{name:<20} {' '.join(f'{s:.2f}' for s in samples)}  median {statistics.median(samples):.2f} s"
        + (f"  (its first build rebuilt {len(rebuilt)} dependencies)" if rebuilt else ""))
    return {"samples": samples, "rebuilt": rebuilt, "others": others, "load": load, "during": watch.describe(),
            "retaken": retaken}


def linker_of(binary):
    """The linker named in the binary's `.comment` section (lld and mold write one)."""
    if shutil.which("readelf") is None:
        return "unknown"
    comment = subprocess.run(["readelf", "-p", ".comment", str(binary)], capture_output=True, text=True).stdout
    for candidate in ("mold", "LLD", "GNU ld", "gold"):
        if candidate in comment:
            return candidate
    return "unknown"


def ensure_mold(allow_install):
    if shutil.which("mold"):
        return True, subprocess.run(["mold", "--version"], capture_output=True, text=True).stdout.strip()
    if not allow_install or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False, "mold is not installed (apt-get install -y mold)"
    log("mold is missing: installing it from Debian's packages")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "mold"]):
        if subprocess.run(command, stdout=subprocess.DEVNULL).returncode != 0:
            return False, f"`{' '.join(command)}` failed"
    return True, subprocess.run(["mold", "--version"], capture_output=True, text=True).stdout.strip()


def timings(app, editor, rounds, new_route=False):
    """`cargo build --timings` after an edit (the handler edit, or with `new_route` a new
    route file), `rounds` times: the app crate's units, from the unit data in the HTML
    report (cargo-timing-*.html). Medians per field."""
    reports = []
    folder = NESTED_TARGET / "cargo-timings"
    attempts = 0
    while len(reports) < rounds:
        attempts += 1
        time.sleep(0.5)
        if new_route:
            route = app / "app" / "api" / f"e2r-timings-{attempts}" / "route.rs"
            route.parent.mkdir(parents=True)
            write_synced(route, f'pub async fn GET() -> &\'static str {{\n    "timings-{attempts}"\n}}\n')
        else:
            editor.edit()
        _, result = run_cargo(app, ["build", "--timings"])
        saved = re.search(r"Timing report saved to (\S+\.html)", result.stderr)
        if not saved:
            raise RuntimeError("cargo build --timings named no report:\n" + result.stderr[-2000:])
        html_path = Path(saved.group(1))
        html = html_path.read_text()
        shutil.copy(html_path, app.parent / html_path.name)
        # Our own report out of the shared target; cargo keeps a copy as cargo-timing.html.
        if html_path.parent == folder and html_path.name != "cargo-timing.html":
            html_path.unlink()
        if LOCK_WAIT in result.stderr and attempts < 2 * rounds:
            log("--timings: the build waited for another cargo's lock: taken again")
            continue
        start = html.index("const UNIT_DATA = ") + len("const UNIT_DATA = ")
        units = json.loads(html[start: html.index("];", start) + 1])
        total = float(re.search(r"<td>Total time:</td><td>([\d.]+)s", html).group(1))
        ours = [u for u in units if u["name"] == APP_NAME and u["duration"] > 0]
        row = {"total": total}
        for unit in ours:
            target = unit["target"].strip()
            if target == "":
                row["lib"] = unit["duration"]
                row["lib_start"] = unit["start"]
                for section, span in unit.get("sections") or []:
                    row[f"lib_{section}"] = span["end"] - span["start"]
            elif target.endswith('"bin"'):
                row["bin"] = unit["duration"]
                row["bin_start"] = unit["start"]
            elif "build-script (run)" in target:
                row["script_run"] = unit["duration"]
                row["script_start"] = unit["start"]
        row["before_first_unit"] = min(u["start"] for u in ours) if ours else 0.0
        row["other_units"] = [f"{u['name']} {u['target'].strip()}" for u in units
                              if u["name"] != APP_NAME and u["duration"] > 0]
        reports.append(row)
    keys = {k for r in reports for k, v in r.items() if isinstance(v, float)}
    return {k: statistics.median(r[k] for r in reports if k in r) for k in keys}, reports


def link_alone(app, editor, rounds, mold):
    """The binary's link command, as rustc runs it (`--print link-args`, objects kept
    with `-C save-temps`), repeated with lld (rustc's default here) and with mold."""
    editor.edit()
    _, result = run_cargo(app, ["rustc", "--bin", APP_NAME, "--", "-C", "save-temps", "--print", "link-args"])
    command = result.stdout.strip().splitlines()[-1]
    temp_dirs = set(re.findall(r'"(/[^"]*/deps/rustc[A-Za-z0-9]{6})/', command))
    output = app.parent / "linked-alone"
    command = re.sub(r'"-o" "[^"]+"', f'"-o" "{output}"', command)
    results = {}
    variants = [("lld", command)]
    if mold:
        if "-fuse-ld=lld" in command:
            variants.append(("mold", command.replace("-fuse-ld=lld", "-fuse-ld=mold")))
        else:
            variants.append(("mold", command.replace('"cc" ', '"cc" "-fuse-ld=mold" ', 1)))
    for name, line in variants:
        samples = []
        for _ in range(rounds + 1):
            started = time.monotonic()
            done = subprocess.run(["sh", "-c", line], capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"the link command ({name}) failed: {done.stderr[-1500:]}")
            samples.append(time.monotonic() - started)
        results[name] = {"samples": samples[1:], "linker": linker_of(output)}  # the first warms the page cache
        log(f"link alone, {name}: {' '.join(f'{s:.2f}' for s in samples[1:])}")
    for folder in temp_dirs:
        shutil.rmtree(folder, ignore_errors=True)
    size = output.stat().st_size / 1024 / 1024
    return results, size


def report(args, results, drift, drift_during, tim, tim_reports, tim_new, link, binary_mb, mold_note, linker_used):
    base = statistics.median(results["template"]["samples"])
    lines = [
        f"Run {now()} by `python3 bench/dev/settings.py {' '.join(sys.argv[1:])}`".rstrip() + ".",
        f"Machine: {machine()}.",
        f"Per variant: one build and one edit-and-build untimed, then {args.rounds} timed rounds of "
        "\"change the string `GET /api/health` returns, `cargo build`\" (wall time of the command; "
        "dependencies already built in the shared target); medians. Only the app crate's `[profile.dev]` "
        "changes; `[profile.dev.package.\"*\"] debug = false` stays.",
        "",
        "| variant | setting | rebuild p50 | min – max | vs template | note |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for name, profile, package_lines, how, note in VARIANTS:
        if name not in results:
            why = mold_note if name == "mold" and not args.no_mold and not args.only else "not measured in this run"
            lines.append(f"| {name} | — | — | — | — | {why} |")
            continue
        r = results[name]
        s = summary(r["samples"])
        setting = "`" + "; ".join(profile) + "`"
        if package_lines:
            setting += f"; `[profile.dev.package.{APP_NAME}]` `" + "; ".join(package_lines) + "`"
        if how[0] != "build":
            setting += f"; `cargo rustc --bin {APP_NAME} -- {' '.join(how[1])}`"
        extra = note
        if r["rebuilt"]:
            extra += f"; its first build rebuilt {len(r['rebuilt'])} dependencies (not timed)"
        if name == "mold":
            extra += f"; linker in the binary: {linker_used.get('mold', '?')}"
        if name == "template":
            extra += f"; linker in the binary: {linker_used.get('template', '?')}"
        lines.append(
            f"| {name} | {setting} | {s['p50']:.2f} s | {s['min']:.2f} – {s['max']:.2f} | "
            f"{s['p50'] / base:.2f} | {extra} |"
        )
    if drift:
        lines.append(
            f"| template, again at the end | `{TEMPLATE_LINE}` | {statistics.median(drift):.2f} s | "
            f"{min(drift):.2f} – {max(drift):.2f} | {statistics.median(drift) / base:.2f} | drift over the run |"
        )

    lines += [
        "",
        f"Where the `cargo build` after an edit goes (template setting, `cargo build --timings`, "
        f"median of {len(tim_reports)} per column; the new route files are added after every other "
        "measurement, so that the app measured above stays the same):",
        "",
        "| part | handler edit | new route file |",
        "| --- | ---: | ---: |",
    ]
    parts = [
        ("before_first_unit", f"cargo before the first unit (fingerprints of {APP_NAME} and its 430-odd dependencies)"),
        ("script_run", "build script run (fsroute's generator: reads app/, writes the router)"),
        ("lib", "app crate (lib: routes, src/, the generated router)"),
        ("lib_frontend", "&nbsp;&nbsp;front end (parse, expand, type-check, borrow-check: until .rmeta)"),
        ("lib_codegen", "&nbsp;&nbsp;codegen (LLVM, incremental)"),
        ("bin", "binary (main.rs compiled, then the link)"),
        ("total", "total"),
    ]
    for key, label in parts:
        new_cell = f"{tim_new[key]:.2f} s" if tim_new and key in tim_new else "—"
        lines.append(f"| {label} | {tim.get(key, 0):.2f} s | {new_cell} |")
    if link:
        lld = statistics.median(link["lld"]["samples"])
        lines += [
            "",
            f"The link alone (the command rustc runs for the binary, {binary_mb:.0f} MB, rerun by hand; median of "
            f"{len(link['lld']['samples'])}): rustc's default ({link['lld']['linker']}) {lld:.2f} s"
            + (f"; mold ({link['mold']['linker']}) {statistics.median(link['mold']['samples']):.2f} s."
               if "mold" in link else "."),
        ]
    lines += ["", "Samples (seconds), the 1-minute load average before them, and other compiles (rustc "
              "processes not building the copy) before the timed rounds and sampled every second during them:", ""]
    for name, r in results.items():
        before = "none" if not r["others"] else ", ".join(r["others"])
        retaken = (f"; taken again after waiting for another cargo's lock: {', '.join(f'{s:.2f}' for s in r['retaken'])}"
                   if r["retaken"] else "")
        lines.append(f"- {name}: {', '.join(f'{s:.2f}' for s in r['samples'])} (load {r['load']}; "
                     f"other compiles before: {before}; during: {r['during']}{retaken})")
    if drift:
        lines.append(f"- template, again: {', '.join(f'{s:.2f}' for s in drift)} (other compiles during: {drift_during})")
    if mold_note and "mold" not in results:
        lines.append(f"- mold: {mold_note}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="timed edit-and-builds per variant (default 5)")
    parser.add_argument("--no-mold", action="store_true", help="skip the mold variant")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install mold when missing")
    parser.add_argument("--only", help="comma-separated variant names (the template is always measured)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder at the end")
    parser.add_argument("--no-write", action="store_true", help="leave bench/results/dev.md alone")
    args = parser.parse_args()

    mold, mold_note = (False, "--no-mold") if args.no_mold else ensure_mold(not args.no_install)
    scratch = Path(tempfile.mkdtemp(prefix="fsroute-devsettings-"))
    log(f"scratch folder: {scratch}")
    results, drift, drift_during, linker_used = {}, [], "", {}
    try:
        app = make_template_copy(scratch)
        check_template(app)
        editor = Editor(app)
        log("first build of the copy (dependencies come from target/nested)…")
        run_cargo(app, ["build"])
        wanted = set(args.only.split(",")) if args.only else None
        for variant in VARIANTS:
            name = variant[0]
            if wanted is not None and name not in wanted and name != "template":
                continue
            if name == "mold" and not mold:
                log(f"mold variant skipped: {mold_note}")
                continue
            results[name] = measure_variant(app, editor, variant, args.rounds)
            if name in ("template", "mold"):
                linker_used[name] = linker_of(NESTED_TARGET / "debug" / APP_NAME)
            if name == "template":
                tim, tim_reports = timings(app, editor, 3)
                link, binary_mb = link_alone(app, editor, args.rounds, mold)
        log("the template's setting again, for the drift")
        again = measure_variant(app, editor, VARIANTS[0], args.rounds)
        drift = again["samples"]
        drift_during = again["during"]
        log("cargo build --timings after a new route file")
        tim_new, _ = timings(app, editor, 3, new_route=True)
    except RuntimeError as error:
        sys.exit(f"error: {error}\n(scratch folder {scratch})")
    finally:
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
            remove_app_artifacts()
    text = report(args, results, drift, drift_during, tim, tim_reports, tim_new, link, binary_mb, mold_note, linker_used)
    print(text)
    if not args.no_write:
        write_section("settings", "## Build settings for the rebuild after a handler edit (`bench/dev/settings.py`)\n\n" + text)
        log("written to bench/results/dev.md")


if __name__ == "__main__":
    main()
