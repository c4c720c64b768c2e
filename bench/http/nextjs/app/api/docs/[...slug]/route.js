export async function GET(_request, { params }) {
  const { slug } = await params;
  return Response.json({ slug: slug.join("/"), depth: slug.length });
}
