"use client";
import { Suspense, useEffect, useState } from "react";
import { useSearchParams } from "next/navigation";
import Link from "next/link";
import { ApiError, errorText } from "@/lib/api/client";
import { login } from "@/lib/api/auth";
import { getSetupStatus } from "@/lib/api/setup";
import { Field, FormError } from "@/components/Form";

function safeNext(next: string | null): string {
  // Only paths of this site: never an absolute URL someone put in a link.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/conversations/";
}

function LoginForm() {
  const params = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [needsOwner, setNeedsOwner] = useState(false);

  useEffect(() => {
    getSetupStatus()
      .then((s) => setNeedsOwner(s.needs_owner))
      .catch(() => undefined);
  }, []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      location.assign(safeNext(params.get("next")));
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401 ? "Wrong email or password." : errorText(err),
      );
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <form onSubmit={submit} className="card w-full max-w-sm space-y-4 p-6" aria-labelledby="login-title">
        <div>
          <h1 id="login-title" className="text-xl font-semibold">
            Sign in to BotFlow
          </h1>
          <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">Your WhatsApp inbox, answered by AI and your team.</p>
        </div>
        {needsOwner && (
          <p className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700 dark:bg-brand-700/20 dark:text-brand-100">
            This server has no owner yet. <Link className="underline" href="/setup/">Create the owner account</Link>.
          </p>
        )}
        <FormError message={error} />
        <Field label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          Forgot your password? The server&apos;s operator can run <code>botflow reset-password EMAIL</code> and send you a link.
        </p>
      </form>
    </main>
  );
}

export default function LoginPage() {
  return (
    <Suspense>
      <LoginForm />
    </Suspense>
  );
}
