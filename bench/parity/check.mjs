// Next.js itself on fsroute's routing fixtures: which route answers each path.
//
//   node bench/parity/check.mjs [FIXTURE]     (FIXTURE defaults to `precedence`)
//
// Makes a Next.js App Router twin of `tests/fixtures/FIXTURE/app` (the same folders, a
// `route.js` where fsroute has a `route.rs`, each answering with its route and its
// parameters), builds it with the Next.js of `bench/http/nextjs` (`npm ci` there first),
// serves it, and asks it every path of `tests/fixtures/FIXTURE/expected.json`, the file
// fsroute's own test (`tests/cases/FIXTURE.rs`) checks against. The same file's
// `refused` trees, which fsroute refuses to build, must fail Next.js's build too. A fixture
// with a `proxy.js` (the Next.js twin of its `app/proxy.rs`) gets it at the twin's root.
// Each case compares what it states: the status, the route and its parameters, the URL
// the handler saw, whether the proxy marked the response, where a redirect goes. Prints
// one line per case and exits 1 when Next.js differs on one.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = process.argv[2] ?? "precedence";
const tree = path.join(repository, "tests/fixtures", fixture, "app");
const expected = JSON.parse(
  fs.readFileSync(path.join(repository, "tests/fixtures", fixture, "expected.json"), "utf8"),
);
const nextModules = path.join(repository, "bench/http/nextjs/node_modules");
if (!fs.existsSync(path.join(nextModules, ".bin/next"))) {
  console.error("Next.js is not installed: run `npm ci` in bench/http/nextjs first");
  process.exit(2);
}

// The folders of every route.rs in the fixture, below `app`.
function routeFolders(folder, found = []) {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      routeFolders(full, found);
    } else if (entry.name === "route.rs") {
      found.push(path.relative(tree, folder).split(path.sep).join("/"));
    }
  }
  return found;
}

// A Next.js app with a route.js in each folder, named as fsroute's handler names its
// route (the folders below `app/api`); returns its folder.
function twinApp(folders) {
  const twin = fs.mkdtempSync(path.join(os.tmpdir(), "fsroute-parity-"));
  for (const folder of folders) {
    const route = folder.replace(/^api\//, "");
    const target = path.join(twin, "app", folder, "route.js");
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(
      target,
      `export const dynamic = "force-dynamic";

export async function GET(request, { params }) {
  const given = (await params) ?? {};
  // A catch-all as fsroute gives it: one string with its slashes.
  const flat = Object.fromEntries(
    Object.entries(given).map(([name, value]) => [name, Array.isArray(value) ? value.join("/") : value]),
  );
  const url = new URL(request.url);
  return Response.json({ route: ${JSON.stringify(route)}, params: flat, url: url.pathname + url.search });
}
`,
    );
  }
  fs.writeFileSync(
    path.join(twin, "package.json"),
    JSON.stringify({ private: true, scripts: {}, dependencies: {} }),
  );
  fs.writeFileSync(path.join(twin, "next.config.mjs"), "export default {};\n");
  // The fixture's proxy, written for Next.js, when it has one.
  const proxy = path.join(repository, "tests/fixtures", fixture, "proxy.js");
  if (fs.existsSync(proxy)) fs.copyFileSync(proxy, path.join(twin, "proxy.js"));
  fs.symlinkSync(nextModules, path.join(twin, "node_modules"), "dir");
  return twin;
}

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
// webpack, not Turbopack: Turbopack compiles nothing outside the folder that holds the
// lock file, and the twin borrows `bench/http/nextjs`'s packages through a symlink.
function build(twin) {
  return spawnSync(path.join(twin, "node_modules/.bin/next"), ["build", "--webpack"], {
    cwd: twin,
    env,
    encoding: "utf8",
  });
}

let failures = 0;

// Trees fsroute refuses to build: Next.js must refuse them too, at `next build` or, for
// some, only when `next start` sorts the routes.
for (const { folders, fsroute } of expected.refused ?? []) {
  const twin = twinApp(folders);
  const built = build(twin);
  let said = `${built.stdout}\n${built.stderr}`;
  let refused = built.status !== 0;
  let when = "next build";
  if (!refused) {
    const started = await start(twin);
    refused = !started.served;
    said = started.output;
    when = "next start";
  }
  fs.rmSync(twin, { recursive: true, force: true });
  const line = said.split("\n").find((text) => /You cannot|Ambiguous/.test(text))?.trim();
  if (!refused) failures += 1;
  console.log(
    `${refused ? "same" : "DIFFERENT"}  ${folders.join(" + ")}  →  ${refused ? `refused by ${when}: ${line ?? "(failed)"}` : "served"}  (fsroute: ${fsroute})`,
  );
}

const twin = twinApp(routeFolders(tree));
const next = path.join(twin, "node_modules/.bin/next");
const built = build(twin);
if (built.status !== 0) {
  console.error(built.stdout, built.stderr);
  process.exit(2);
}
const version = JSON.parse(fs.readFileSync(path.join(nextModules, "next/package.json"), "utf8")).version;

const port = await freePort();
const server = spawn(next, ["start", "-p", String(port), "-H", "127.0.0.1"], { cwd: twin, env });
try {
  await waitForServer(port);
  console.log(`Next.js ${version} on tests/fixtures/${fixture}:`);
  for (const expectation of expected.cases) {
    const url = expectation.path;
    const response = await fetch(`http://127.0.0.1:${port}${url}`, { redirect: "manual" });
    const got = await answer(response);
    const want = {
      status: expectation.status ?? 200,
      route: expectation.route,
      params: expectation.params,
      url: expectation.url,
      proxied: expectation.proxied,
      location: expectation.location,
    };
    // Only what the fixture states is compared (Next.js's own 404 page is HTML).
    const same = Object.entries(want).every(
      ([key, value]) => value === undefined || JSON.stringify(sorted(got[key])) === JSON.stringify(sorted(value)),
    );
    if (!same) failures += 1;
    const shown = (answer) =>
      [answer.status, answer.route, answer.params && JSON.stringify(answer.params), answer.location, answer.proxied && "x-proxied"]
        .filter((part) => part !== undefined && part !== false)
        .join(" ");
    console.log(`${same ? "same" : "DIFFERENT"}  GET ${url}  →  ${shown(got)}${same ? "" : `  (fsroute: ${shown(want)})`}`);
  }
} finally {
  server.kill();
  fs.rmSync(twin, { recursive: true, force: true });
}
console.log(failures === 0 ? "every case: the same" : `${failures} cases differ`);
process.exit(failures === 0 ? 0 : 1);

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// `next start` on a built twin: whether it came to serve, and what it printed.
async function start(twin) {
  const port = await freePort();
  const server = spawn(path.join(twin, "node_modules/.bin/next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: twin,
    env,
  });
  let output = "";
  server.stdout.on("data", (chunk) => (output += chunk));
  server.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => server.on("exit", () => resolve(false)));
  const served = await Promise.race([waitForServer(port).then(() => true, () => false), exited]);
  server.kill();
  return { served, output };
}

// What a fixture's case can state about a response.
async function answer(response) {
  const got = {
    status: response.status,
    proxied: response.headers.get("x-proxied") === "yes",
  };
  const location = response.headers.get("location");
  if (location) got.location = new URL(location, "http://any").pathname;
  if ((response.headers.get("content-type") ?? "").includes("json")) {
    const body = await response.json();
    Object.assign(got, { route: body.route, params: body.params, url: body.url });
  }
  return got;
}

function sorted(value) {
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).sort());
}

async function waitForServer(port) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error("next start did not answer within 30 s");
}
