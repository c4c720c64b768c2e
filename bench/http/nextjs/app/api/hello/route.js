export async function GET() {
  return Response.json({ message: "hello", ok: true });
}
