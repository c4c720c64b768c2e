// The typed client: `paths` comes from the app's committed OpenAPI document
// (`npm run generate` writes src/schema.d.ts), so every path, parameter, body and reply
// below is checked by tsc against what the Rust handlers take and return.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type Api = Client<paths>;
export type Schemas = components["schemas"];

/** A client for the app at `baseUrl` (e.g. `http://127.0.0.1:3000`). */
export function connect(baseUrl: string): Api {
  return createClient<paths>({ baseUrl });
}

/** Sends `token` as the bearer credential on every later request of `api`. */
export function authenticate(api: Api, token: string): void {
  const bearer: Middleware = {
    onRequest({ request }) {
      request.headers.set("authorization", `Bearer ${token}`);
      return request;
    },
  };
  api.use(bearer);
}
