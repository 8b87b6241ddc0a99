"use client";
// The audit log (owner only), newest first, a page at a time.
import { useCallback, useEffect, useState } from "react";
import { errorText } from "@/lib/api/client";
import { listAudit, listUsers, type AuditEntry } from "@/lib/api/team";
import { dateTime } from "@/lib/format";
import { FormError } from "@/components/Form";
import { Section } from "./Section";

const PAGE = 25;

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));

/** One entry in words: what happened, to whom. */
export function describe(e: AuditEntry, emails: Map<string, string>): string {
  const d = e.details ?? {};
  const target = (e.target_id && emails.get(e.target_id)) || str(d.email) || "a user";
  switch (e.action) {
    case "user.login":
      return "Signed in";
    case "user.login_failed":
      return `Failed sign-in as ${str(d.email) || "an unknown email"}`;
    case "user.login_refused":
      return `Sign-in refused (${str(d.reason) || "refused"})`;
    case "user.register":
      return "Created the owner account (first run)";
    case "user.invite":
      return `Invited ${str(d.email)} as ${str(d.role)}`;
    case "user.invite_accepted":
      return "Accepted the invite and set a password";
    case "user.password_changed":
      return "Changed their password";
    case "user.password_reset":
      return "Reset their password with a reset link";
    case "user.reset_link_created":
      return `Password reset link created for ${target}`;
    case "user.created_from_cli":
      return `Created ${target} from the command line`;
    case "user.created_from_environment":
      return `Created ${target} from the environment`;
    case "user.delete":
      return `Removed ${str(d.email) || target}${d.role ? ` (${str(d.role)})` : ""}`;
    case "user.update": {
      const parts = Object.entries(d).map(([k, v]) => {
        const [from, to] = Array.isArray(v) ? v : [undefined, v];
        if (k === "disabled") return to ? "disabled" : "enabled";
        return `${k} ${str(from)} → ${str(to)}`;
      });
      return `Changed ${target}: ${parts.join(", ") || "no change"}`;
    }
    case "settings.business":
      return `Updated the business profile${d.name ? ` (${str(d.name)})` : ""}`;
    case "settings.ai": {
      const keys = Object.keys(d).map((k) => (k === "api_key" ? `API key ${str(d[k])}` : k.replace(/_/g, " ")));
      return `Changed AI settings: ${keys.join(", ")}`;
    }
    case "settings.whatsapp": {
      const names: Record<string, string> = {
        phone_number_id: "phone number ID",
        access_token: "access token",
        app_secret: "app secret",
        verify_token: "verify token",
      };
      const parts = Object.entries(d).map(([k, v]) => `${names[k] ?? k} ${str(v)}`);
      return `Changed WhatsApp credentials: ${parts.join(", ")}`;
    }
    case "conversation.erase":
      return `Erased a conversation (${str(d.messages)} messages)`;
    case "job.retry":
      return `Retried job ${e.target_id ?? ""}`;
    default:
      return `${e.action}${e.target_type ? ` on ${e.target_type} ${e.target_id ?? ""}` : ""}`;
  }
}

export function AuditSection() {
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [emails, setEmails] = useState(new Map<string, string>());

  const fetchPage = useCallback(async (before: number | null, replace: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const r = await listAudit(PAGE, before);
      setItems((old) => (replace ? r.items : [...old, ...r.items]));
      setNext(r.next_before);
      setLoaded(true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void fetchPage(null, true);
    listUsers()
      .then((users) => setEmails(new Map(users.map((u) => [u.id, u.email]))))
      .catch(() => undefined);
  }, [fetchPage]);

  return (
    <Section id="audit" title="Audit log" ownerOnly description="Sign-ins, team changes and settings changes, newest first.">
      <div className="flex items-center gap-2">
        <button type="button" className="btn-secondary py-1" disabled={busy} onClick={() => void fetchPage(null, true)}>
          Refresh
        </button>
      </div>
      <FormError message={error} />
      {loaded && items.length === 0 && <p className="text-sm text-zinc-500">Nothing recorded yet.</p>}
      {items.length > 0 && (
        <div className="card overflow-hidden">
          <table className="w-full text-left text-sm" data-testid="audit-table">
            <caption className="sr-only">Audit log, newest first</caption>
            <thead className="hidden bg-zinc-50 text-xs text-zinc-500 uppercase sm:table-header-group dark:bg-zinc-800/50 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">
                  When
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Who
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  What
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  IP
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
              {items.map((e) => (
                <tr key={e.id} data-testid="audit-entry" data-action={e.action} className="block px-4 py-2 sm:table-row sm:p-0">
                  <td className="block text-xs whitespace-nowrap text-zinc-500 sm:table-cell sm:px-4 sm:py-2 sm:text-sm dark:text-zinc-400">
                    <time dateTime={e.at}>{dateTime(e.at)}</time>
                  </td>
                  <td className="block break-all sm:table-cell sm:px-4 sm:py-2">
                    {e.user_email ?? <span className="text-zinc-500">—</span>}
                  </td>
                  <td className="block sm:table-cell sm:px-4 sm:py-2">{describe(e, emails)}</td>
                  <td className="block font-mono text-xs text-zinc-500 sm:table-cell sm:px-4 sm:py-2 dark:text-zinc-400">
                    <span className="sm:hidden">IP </span>
                    {e.ip || "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next !== null && (
        <button type="button" className="btn-secondary" disabled={busy} onClick={() => void fetchPage(next, false)}>
          {busy ? "Loading…" : "Load older entries"}
        </button>
      )}
    </Section>
  );
}
