// Next.js itself on fsroute's routing fixtures: which route answers each path.
//
//   node bench/parity/check.mjs [FIXTURE]     (FIXTURE defaults to `precedence`)
//
// Makes a Next.js App Router twin of `tests/fixtures/FIXTURE/app` (the same folders, a
// `route.js` where fsroute has a `route.rs`, each answering with its route and its
// parameters), builds it with the Next.js of `bench/http/nextjs` (`npm ci` there first),
// serves it, and asks it every path of `tests/fixtures/FIXTURE/expected.json`, the file
// fsroute's own test (`tests/cases/FIXTURE.rs`) checks against. Prints one line per path
// and exits 1 when Next.js answers one differently.

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

// The twin: a route.js per route.rs, named as fsroute's handler names its route (the
// folders below `app/api`).
const twin = fs.mkdtempSync(path.join(os.tmpdir(), "fsroute-parity-"));
function copyTree(folder) {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      copyTree(full);
    } else if (entry.name === "route.rs") {
      const relative = path.relative(tree, folder);
      const route = path.relative(path.join(tree, "api"), folder).split(path.sep).join("/");
      const target = path.join(twin, "app", relative, "route.js");
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(
        target,
        `export const dynamic = "force-dynamic";

export async function GET(_request, { params }) {
  const given = (await params) ?? {};
  // A catch-all as fsroute gives it: one string with its slashes.
  const flat = Object.fromEntries(
    Object.entries(given).map(([name, value]) => [name, Array.isArray(value) ? value.join("/") : value]),
  );
  return Response.json({ route: ${JSON.stringify(route)}, params: flat });
}
`,
      );
    }
  }
}
copyTree(tree);
fs.writeFileSync(
  path.join(twin, "package.json"),
  JSON.stringify({ private: true, scripts: {}, dependencies: {} }),
);
fs.writeFileSync(path.join(twin, "next.config.mjs"), "export default {};\n");
fs.symlinkSync(nextModules, path.join(twin, "node_modules"), "dir");

const next = path.join(twin, "node_modules/.bin/next");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const built = spawnSync(next, ["build"], { cwd: twin, env, encoding: "utf8" });
if (built.status !== 0) {
  console.error(built.stdout, built.stderr);
  process.exit(2);
}
const version = JSON.parse(fs.readFileSync(path.join(nextModules, "next/package.json"), "utf8")).version;

const port = await new Promise((resolve) => {
  const probe = net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const server = spawn(next, ["start", "-p", String(port), "-H", "127.0.0.1"], { cwd: twin, env });
let failures = 0;
try {
  await waitForServer(port);
  console.log(`Next.js ${version} on tests/fixtures/${fixture}:`);
  for (const { path: url, route, params } of expected.cases) {
    const response = await fetch(`http://127.0.0.1:${port}${url}`);
    const body = response.status === 200 ? await response.json() : null;
    const same =
      body !== null && body.route === route && JSON.stringify(sorted(body.params)) === JSON.stringify(sorted(params));
    if (!same) failures += 1;
    const answer = body === null ? `${response.status}` : `${body.route} ${JSON.stringify(body.params)}`;
    console.log(`${same ? "same" : "DIFFERENT"}  GET ${url}  →  ${answer}${same ? "" : `  (fsroute: ${route} ${JSON.stringify(params)})`}`);
  }
} finally {
  server.kill();
  fs.rmSync(twin, { recursive: true, force: true });
}
console.log(failures === 0 ? "every path: the same route" : `${failures} paths differ`);
process.exit(failures === 0 ? 0 : 1);

function sorted(object) {
  return Object.fromEntries(Object.entries(object ?? {}).sort());
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
