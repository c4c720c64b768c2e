export async function GET(request) {
  const params = request.nextUrl.searchParams;
  const q = params.get("q");
  const page = Number(params.get("page") ?? 0);
  let extra = 0;
  for (const key of params.keys()) {
    if (key !== "q" && key !== "page") extra += 1;
  }
  return Response.json({ q, page, extra });
}
