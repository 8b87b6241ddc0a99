"use client";
// My account (everyone): who I am, and changing my password.
import { useState } from "react";
import { changePassword } from "@/lib/api/auth";
import { useAction } from "@/lib/action";
import { useMe } from "@/lib/session";
import { Field, FormError } from "@/components/Form";
import { Section } from "./Section";

export function AccountSection() {
  const me = useMe();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const { busy, error, fields, run } = useAction();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setDone(false);
    setMismatch(undefined);
    if (next !== confirm) {
      setMismatch("The two passwords differ.");
      return;
    }
    const ok = await run(() => changePassword(current, next));
    if (ok) {
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone(true);
    }
  }

  return (
    <Section id="account" title="My account" description="Your own sign-in.">
      <div className="card space-y-4 p-4 sm:p-6">
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-zinc-500 dark:text-zinc-400">Name</dt>
          <dd data-testid="account-name">{me.user.name || "—"}</dd>
          <dt className="text-zinc-500 dark:text-zinc-400">Email</dt>
          <dd className="break-all">{me.user.email}</dd>
          <dt className="text-zinc-500 dark:text-zinc-400">Role</dt>
          <dd data-testid="account-role">{me.role === "owner" ? "Owner" : "Agent"}</dd>
        </dl>
        <form onSubmit={submit} className="max-w-md space-y-4 border-t border-zinc-200 pt-4 dark:border-zinc-800" aria-label="Change password" noValidate>
          <h3 className="font-medium">Change password</h3>
          <FormError message={error} />
          {done && (
            <p role="status" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700 dark:bg-brand-700/20 dark:text-brand-100">
              Your password is changed. Your other sessions have ended; this one continues.
            </p>
          )}
          <input type="email" autoComplete="username" value={me.user.email} readOnly hidden />
          <Field
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            error={fields.current_password}
          />
          <Field
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            hint="At least 10 characters."
            value={next}
            onChange={(e) => setNext(e.target.value)}
            error={fields.new_password}
          />
          <Field
            label="Repeat the new password"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            error={mismatch}
          />
          <button type="submit" className="btn-primary" disabled={busy || !current || !next}>
            {busy ? "Changing…" : "Change password"}
          </button>
        </form>
      </div>
    </Section>
  );
}
