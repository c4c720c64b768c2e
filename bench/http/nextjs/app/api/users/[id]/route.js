export async function GET(_request, { params }) {
  const { id } = await params;
  if (!/^\d+$/.test(id)) {
    return Response.json(
      { error: { code: "INVALID_PATH_PARAM", message: `Invalid path parameter \`id\`: expected u64, got \`${id}\``, details: null } },
      { status: 400 },
    );
  }
  const n = Number(id);
  return Response.json({ id: n, name: `user ${n}` });
}
