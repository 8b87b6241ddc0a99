"use client";
// Accept an invite or reset a password: a one-time token from a link, and a new password.
import { useState } from "react";
import { useSearchParams } from "next/navigation";
import Link from "next/link";
import { ApiError, errorText } from "@/lib/api/client";
import { setPasswordWithToken } from "@/lib/api/auth";
import { Field, FormError } from "@/components/Form";

export function TokenPassword({ kind }: { kind: "invite" | "reset" }) {
  const params = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const title = kind === "invite" ? "Join your team on BotFlow" : "Choose a new password";

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setFieldError(undefined);
    if (password !== confirm) {
      setFieldError("The two passwords differ.");
      return;
    }
    setBusy(true);
    try {
      await setPasswordWithToken(kind, token, password);
      if (kind === "invite") location.assign("/conversations/");
      else setDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.fields.password) setFieldError(err.fields.password);
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <form onSubmit={submit} className="card w-full max-w-sm space-y-4 p-6" aria-labelledby="tp-title">
        <h1 id="tp-title" className="text-xl font-semibold">
          {title}
        </h1>
        {!token && <FormError message="This page needs the link you were sent, with its token." />}
        {done ? (
          <p role="status" className="text-sm">
            Your password is changed and every session of yours has ended.{" "}
            <Link href="/login/" className="text-brand-700 underline dark:text-brand-100">
              Sign in
            </Link>
            .
          </p>
        ) : (
          <>
            <FormError message={error} />
            <Field
              label="New password"
              type="password"
              autoComplete="new-password"
              minLength={10}
              required
              hint="At least 10 characters."
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={fieldError}
            />
            <Field
              label="Repeat the password"
              type="password"
              autoComplete="new-password"
              required
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
            <button type="submit" className="btn-primary w-full" disabled={busy || !token}>
              {kind === "invite" ? "Set password and sign in" : "Change password"}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
