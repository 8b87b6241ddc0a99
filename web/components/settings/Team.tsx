"use client";
// The team (owner only): who can sign in, invites with their one-time link, roles, disabling
// and removing.
import { useCallback, useEffect, useState } from "react";
import { ApiError, errorText } from "@/lib/api/client";
import type { Role } from "@/lib/api/auth";
import { inviteUser, listUsers, removeUser, updateUser, type Invited, type TeamUser } from "@/lib/api/team";
import { useAction } from "@/lib/action";
import { dateTime } from "@/lib/format";
import { useMe } from "@/lib/session";
import { CopyValue } from "@/components/Copy";
import { Field, FormError, Select } from "@/components/Form";
import { Section } from "./Section";

/** The server's words, with what a 409 about the last owner means. */
function explain(e: unknown): string {
  const text = errorText(e);
  if (e instanceof ApiError && e.status === 409 && /owner/i.test(text)) {
    return `${text} An owner who is disabled or has not accepted their invite yet does not count.`;
  }
  return text;
}

function InviteForm({ onInvited }: { onInvited: (i: Invited) => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [invited, setInvited] = useState<Invited | null>(null);
  const { busy, error, fields, run } = useAction();
  return (
    <div className="card space-y-4 p-4 sm:p-6">
      <form
        aria-label="Invite a team member"
        className="space-y-4"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          let out: Invited | null = null;
          const ok = await run(async () => {
            out = await inviteUser({ email, name, role });
          });
          if (ok && out) {
            setInvited(out);
            setEmail("");
            setName("");
            setRole("agent");
            onInvited(out);
          }
        }}
      >
        <h3 className="font-medium">Invite someone</h3>
        <FormError message={error} />
        <div className="grid gap-4 sm:grid-cols-[2fr_2fr_1fr]">
          <Field label="Email" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} error={fields.email} />
          <Field label="Name" autoComplete="off" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={fields.name} />
          <Select label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={fields.role}>
            <option value="agent">Agent</option>
            <option value="owner">Owner</option>
          </Select>
        </div>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          Agents answer conversations. Owners also manage settings, knowledge and the team.
        </p>
        <button type="submit" className="btn-primary" disabled={busy || !email}>
          {busy ? "Inviting…" : "Create invite link"}
        </button>
      </form>
      {invited && (
        <div role="status" data-testid="invite-result" className="space-y-2 rounded-lg bg-brand-50 p-3 text-sm dark:bg-brand-700/20">
          <p className="font-medium">
            {invited.user.name || invited.user.email} is invited as {invited.user.role}. Send them this link:
          </p>
          <CopyValue label="Invite link" value={invited.invite_url} testId="invite-link" />
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            It is shown only this once and works once, until {dateTime(new Date(invited.invite_expires_at * 1000).toISOString())}.
            If it is lost, remove the invited user and invite them again.
          </p>
        </div>
      )}
    </div>
  );
}

function StatusBadge({ u }: { u: TeamUser }) {
  const [text, cls] = u.disabled
    ? ["Disabled", "bg-zinc-200 text-zinc-700 dark:bg-zinc-700 dark:text-zinc-200"]
    : u.invited
      ? ["Invited", "bg-amber-100 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300"]
      : ["Active", "bg-brand-50 text-brand-700 dark:bg-brand-700/20 dark:text-brand-100"];
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${cls}`}>{text}</span>;
}

function UserRow({ u, me, onChanged, onRemoved }: { u: TeamUser; me: string; onChanged: (u: TeamUser) => void; onRemoved: (id: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run, setError } = useAction();
  const self = u.id === me;
  const who = u.name || u.email;

  async function patch(body: { role?: Role; disabled?: boolean }) {
    let out: TeamUser;
    try {
      out = await updateUser(u.id, body);
    } catch (e) {
      setError(explain(e));
      return;
    }
    // A new role or disabling ends that user's sessions: mine too.
    if (self && (body.role !== undefined || body.disabled)) location.assign("/login/");
    else onChanged(out);
  }

  return (
    <li data-testid="team-member" data-email={u.email} className="space-y-2 px-4 py-3">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <div className="min-w-0 space-y-1">
          <p className="truncate font-medium">
            {u.name || "(no name)"} {self && <span className="text-xs font-normal text-zinc-500">(you)</span>}
          </p>
          <p className="truncate text-sm text-zinc-500 dark:text-zinc-400">{u.email}</p>
          <div className="flex flex-wrap items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400">
            <StatusBadge u={u} />
            <span data-testid="last-sign-in">
              {u.last_login_at ? `Last signed in ${dateTime(u.last_login_at)}` : u.invited ? "Has not accepted yet" : "Never signed in"}
            </span>
          </div>
        </div>
        <div className="flex shrink-0 flex-wrap items-center gap-2">
          <label className="sr-only" htmlFor={`role-${u.id}`}>
            Role of {who}
          </label>
          <select
            id={`role-${u.id}`}
            className="input w-auto py-1"
            value={u.role}
            disabled={busy}
            onChange={(e) => void run(() => patch({ role: e.target.value as Role }))}
          >
            <option value="agent">Agent</option>
            <option value="owner">Owner</option>
          </select>
          <button
            type="button"
            className="btn-secondary py-1"
            disabled={busy}
            aria-label={`${u.disabled ? "Enable" : "Disable"} ${who}`}
            onClick={() => void run(() => patch({ disabled: !u.disabled }))}
          >
            {u.disabled ? "Enable" : "Disable"}
          </button>
          {!confirming ? (
            <button type="button" className="btn-secondary py-1" disabled={busy} aria-label={`Remove ${who}`} onClick={() => setConfirming(true)}>
              Remove
            </button>
          ) : (
            <span className="flex items-center gap-2" role="group" aria-label={`Confirm removing ${who}`}>
              <button
                type="button"
                autoFocus
                className="btn py-1 bg-red-600 text-white hover:bg-red-700"
                disabled={busy}
                onClick={() =>
                  void run(async () => {
                    try {
                      await removeUser(u.id);
                    } catch (e) {
                      setConfirming(false);
                      setError(explain(e));
                      return;
                    }
                    if (self) location.assign("/login/");
                    else onRemoved(u.id);
                  })
                }
              >
                Remove {self ? "me" : "for good"}
              </button>
              <button type="button" className="btn-secondary py-1" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          )}
        </div>
      </div>
      <FormError message={error} />
    </li>
  );
}

export function TeamSection() {
  const me = useMe();
  const [users, setUsers] = useState<TeamUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    listUsers()
      .then(setUsers)
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);

  return (
    <Section
      id="team"
      title="Team"
      ownerOnly
      description="Who can sign in to this dashboard. A new role or disabling someone signs them out everywhere; at least one active owner must remain."
    >
      <InviteForm onInvited={load} />
      <FormError message={error} />
      {users && (
        <ul className="card divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Team members">
          {users.map((u) => (
            <UserRow
              key={u.id}
              u={u}
              me={me.user.id}
              onChanged={(n) => setUsers((list) => list?.map((x) => (x.id === n.id ? n : x)) ?? null)}
              onRemoved={(id) => setUsers((list) => list?.filter((x) => x.id !== id) ?? null)}
            />
          ))}
        </ul>
      )}
    </Section>
  );
}
