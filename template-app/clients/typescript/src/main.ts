// Walks through the template app's API with the typed client, as a front end would:
// register, log in, write posts with tags, page through lists, read one back, upload a
// file and delete it, read the chat stream, sign out everywhere; then, as the server's
// admin, search the users. Each step checks what the server answered and the program
// exits non-zero at the first surprise.
//
//     npm run build && API_URL=http://127.0.0.1:3000 ADMIN_EMAIL=… ADMIN_PASSWORD=… npm start
//
// ADMIN_EMAIL and ADMIN_PASSWORD are the server's own (its admin is made from them); without
// them the admin's step is skipped.
import { authenticate, connect, type Schemas } from "./api.js";

const baseUrl = process.env.API_URL ?? "http://127.0.0.1:3000";
const api = connect(baseUrl);
const adminEmail = process.env.ADMIN_EMAIL;
const adminPassword = process.env.ADMIN_PASSWORD;

function expect(condition: unknown, what: string, reply?: unknown): asserts condition {
  if (!condition) {
    throw new Error(`${what}${reply === undefined ? "" : `: ${JSON.stringify(reply)}`}`);
  }
}

/** The `data:` payloads of a Server-Sent Events body, with the name of the last event. */
async function readEvents(body: ReadableStream<Uint8Array>): Promise<{ data: string[]; last?: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const data: string[] = [];
  let last: string | undefined;
  for (const event of text.split("\n\n")) {
    for (const line of event.split("\n")) {
      if (line.startsWith("data: ")) data.push(line.slice("data: ".length));
      if (line.startsWith("event: ")) last = line.slice("event: ".length);
    }
  }
  return last === undefined ? { data } : { data, last };
}

async function main(): Promise<void> {
  const run = Date.now().toString(36);
  const email = `ts-${run}@example.com`;
  const password = "correct horse battery staple";

  // Public routes: no token. Registering answers the same 202 whether or not the email
  // had an account, so the account is seen by signing in.
  const registered = await api.POST("/api/auth/register", {
    body: { email: ` ${email.toUpperCase()} `, name: `  TypeScript ${run} `, password },
  });
  expect(registered.data, "register", registered.error);
  expect(registered.response.status === 202, "register answers 202 Accepted", registered.response.status);
  const again = await api.POST("/api/auth/register", { body: { email, name: "Someone else", password: "another long password" } });
  expect(again.response.status === 202 && again.data?.message === registered.data.message, "a taken email gets the same answer", again.data);

  const wrong = await api.POST("/api/auth/login", { body: { email, password: "not the password" } });
  expect(wrong.response.status === 401 && wrong.error?.error.code === "UNAUTHORIZED", "a wrong password is a 401", wrong.error);

  const login = await api.POST("/api/auth/login", { body: { email, password } });
  expect(login.data, "login", login.error);
  authenticate(api, login.data.token);
  const me: Schemas["User"] = login.data.user;
  expect(me.email === email && me.name === `TypeScript ${run}`, "the account was stored trimmed and lower-cased", me);
  console.log(`registered and logged in as user ${me.id} (${me.role}): ${me.name}`);

  // Posts with tags, then a list paged two at a time, filtered by one tag.
  const tag = `run-${run}`;
  const titles = ["First from TypeScript", "Second from TypeScript", "Third from TypeScript"];
  const created: Schemas["Post"][] = [];
  for (const title of titles) {
    const reply = await api.POST("/api/posts", {
      body: { title, content: `typed end to end: ${title}`, published: true, tags: [`  ${tag.toUpperCase()} `, "TypeScript"] },
    });
    expect(reply.data, "create a post", reply.error);
    created.push(reply.data);
  }
  const first = created[0];
  expect(first, "three posts were created");
  expect(first.tags.join(",") === `${tag},typescript`, "tags come back trimmed, lower-cased and sorted", first.tags);
  console.log(`created posts ${created.map((post) => post.id).join(", ")} tagged ${first.tags.join(", ")}`);

  const seen: number[] = [];
  for (let page = 1; ; page++) {
    const reply = await api.GET("/api/posts", { params: { query: { tag, page, limit: 2 } } });
    expect(reply.data, `list page ${page}`, reply.error);
    expect(reply.data.pagination.total === titles.length, "the tag counts this run's posts", reply.data.pagination);
    seen.push(...reply.data.data.map((post) => post.id));
    if (page >= reply.data.pagination.totalPages) break;
  }
  const newestFirst = created.map((post) => post.id).reverse();
  expect(seen.join(",") === newestFirst.join(","), "pages hold every post once, newest first", seen);
  console.log(`paged through ${seen.length} posts two at a time: ${seen.join(", ")}`);

  const badPage = await api.GET("/api/posts", { params: { query: { limit: 1000 } } });
  expect(badPage.response.status === 400 && badPage.error?.error.code === "INVALID_QUERY", "limit over the maximum is a 400", badPage.error);

  // Users see their own account whole; the list of users is the admin's.
  const profile = await api.GET("/api/users/{id}", { params: { path: { id: me.id } } });
  expect(profile.data?.email === email && profile.data.role === "user", "your own account has your email and role", profile.data);
  const directory = await api.GET("/api/users", { params: { query: { search: run } } });
  expect(directory.response.status === 403 && directory.error?.error.code === "FORBIDDEN", "only admins list users", directory.error);

  // One by id, and one that does not exist.
  const one = await api.GET("/api/posts/{id}", { params: { path: { id: first.id } } });
  expect(one.data, "read a post", one.error);
  expect(one.data.title === first.title && one.data.authorId === me.id, "the post read back is the one written", one.data);
  const missing = await api.GET("/api/posts/{id}", { params: { path: { id: 2_000_000_000 } } });
  expect(missing.response.status === 404 && missing.error?.error.code === "NOT_FOUND", "a missing post is a 404", missing.error);
  console.log(`read post ${one.data.id}: "${one.data.title}"`);

  // A 1×1 PNG as multipart/form-data; the reply's URL serves it back.
  const png = Uint8Array.from(
    atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
    (c) => c.charCodeAt(0),
  );
  const uploaded = await api.POST("/api/upload", {
    // The document types the file part as a binary string; the serializer sends the bytes.
    body: {},
    bodySerializer() {
      const form = new FormData();
      form.append("file", new Blob([png], { type: "image/png" }), "dot.png");
      return form;
    },
  });
  expect(uploaded.data, "upload", uploaded.error);
  const stored: Schemas["StoredFile"] = uploaded.data;
  const download = await fetch(new URL(stored.url, baseUrl));
  const bytes = new Uint8Array(await download.arrayBuffer());
  expect(download.headers.get("content-type") === "image/png", "the file is served as image/png", download.headers.get("content-type"));
  expect(bytes.length === png.length && stored.size === png.length, "the file comes back whole", { stored, received: bytes.length });
  console.log(`uploaded ${stored.size} bytes, served back from ${stored.url}`);
  // Its owner deletes it; the URL then answers 404.
  const removed = await api.DELETE("/api/files/{path}", { params: { path: { path: stored.name } } });
  expect(removed.response.status === 204, "the owner deletes the file", removed.error);
  const gone = await fetch(new URL(stored.url, baseUrl));
  expect(gone.status === 404, "a deleted file is gone", gone.status);
  console.log(`deleted ${stored.name}`);

  // The chat reply as a stream of Server-Sent Events.
  const chat = await api.POST("/api/chat", { body: { message: "hello typed world" }, parseAs: "stream" });
  expect(chat.response.ok && chat.data, "chat", chat.response.status);
  expect(chat.response.headers.get("content-type")?.startsWith("text/event-stream"), "chat streams events");
  const events = await readEvents(chat.data);
  const tokens = events.data.filter((data) => data !== "[DONE]").map((data) => (JSON.parse(data) as { token: string }).token);
  expect(events.last === "done" && events.data.at(-1) === "[DONE]", "the stream ends with event: done", events);
  expect(tokens.length > 0, "the reply has tokens", events);
  console.log(`chat streamed ${tokens.length} tokens: ${tokens.join("").trim()}`);

  // Signing out everywhere ends every token of the account, this one included.
  const out = await api.POST("/api/auth/logout-all");
  expect(out.response.status === 204, "sign out everywhere", out.error);
  const after = await api.GET("/api/posts");
  expect(after.response.status === 401 && after.error?.error.code === "UNAUTHORIZED", "the token ended with the sessions", after.error);
  console.log("signed out everywhere: the token is refused from now on");

  if (adminEmail && adminPassword) {
    const admin = connect(baseUrl);
    const session = await admin.POST("/api/auth/login", { body: { email: adminEmail, password: adminPassword } });
    expect(session.data?.user.role === "admin", "the admin signs in", session.error);
    authenticate(admin, session.data.token);
    const found = await admin.GET("/api/users", { params: { query: { search: run, sortBy: "id", order: "desc" } } });
    expect(found.data, "search users", found.error);
    expect(found.data.data.length === 1 && found.data.data[0]?.email === email, "search finds exactly the new user", found.data);
    console.log(`searched users for "${run}" as the admin: ${found.data.data.map((user) => user.email).join(", ")}`);
  } else {
    console.log("skipped searching users: set ADMIN_EMAIL and ADMIN_PASSWORD to the server's admin");
  }

  console.log("ok: every step answered as the contract says");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
