// Next.js requires a root layout even for an API-only app.
export default function RootLayout({ children }) {
  return (
    <html>
      <body>{children}</body>
    </html>
  );
}
