import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
      <h1 className="text-xl font-semibold">This page does not exist</h1>
      <Link href="/conversations/" className="btn-primary">
        Go to the inbox
      </Link>
    </main>
  );
}
