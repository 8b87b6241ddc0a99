"use client";
// The WhatsApp connection: the four credentials (saved here over the server's environment, and
// applied at once), what to paste in Meta's webhook settings, and a check that asks Meta's API
// about the number and tells what Meta's calls to the webhook showed.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "@/lib/api/client";
import {
  checkWhatsApp,
  getWhatsApp,
  saveWhatsApp,
  type Credential,
  type CredentialKey as Key,
  type WhatsAppCheck,
  type WhatsAppCredentials,
} from "@/lib/api/settings";
import { useAction } from "@/lib/action";
import { useFeedEvents } from "@/lib/feed";
import { CopyValue } from "@/components/Copy";
import { Field, FormError, Saved } from "@/components/Form";
import { Section } from "./Section";

const LABELS: Record<Key, { label: string; env: string; hint: string }> = {
  phone_number_id: {
    label: "Phone number ID",
    env: "WHATSAPP_PHONE_NUMBER_ID",
    hint: "WhatsApp → API Setup → Phone number ID (digits; not the phone number itself).",
  },
  access_token: {
    label: "Access token",
    env: "WHATSAPP_ACCESS_TOKEN",
    hint: "A permanent system-user token with whatsapp_business_messaging (Business settings → System users).",
  },
  app_secret: {
    label: "App secret",
    env: "WHATSAPP_APP_SECRET",
    hint: "App settings → Basic → App secret (Show). Not the App ID.",
  },
  verify_token: {
    label: "Verify token",
    env: "WHATSAPP_VERIFY_TOKEN",
    hint: "Any text of 8 or more characters without spaces; type the same in Meta's webhook settings.",
  },
};
const KEYS: Key[] = ["phone_number_id", "access_token", "app_secret", "verify_token"];
const SECRET: Record<Key, boolean> = { phone_number_id: false, access_token: true, app_secret: true, verify_token: false };

function sourceText(c: Credential, env: string) {
  if (c.unreadable) return "saved, but unreadable since SECRET_KEY changed: save it again";
  if (c.source === "settings") return "saved here";
  if (c.source === "environment") return `from the server's environment (${env})`;
  return "not set";
}

function SourceBadge({ c }: { c: Credential }) {
  const ok = c.set && !c.unreadable;
  return (
    <span
      className={`rounded-full px-2 py-0.5 text-xs font-medium ${
        ok
          ? "bg-brand-50 text-brand-700 dark:bg-brand-700/20 dark:text-brand-100"
          : "bg-amber-100 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300"
      }`}
    >
      {ok ? "set" : c.unreadable ? "unreadable" : "missing"}
    </span>
  );
}

function randomToken() {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromCreds(creds: WhatsAppCredentials): Record<Key, string> {
  return {
    phone_number_id: creds.phone_number_id.value ?? "",
    access_token: "",
    app_secret: "",
    verify_token: creds.verify_token.value ?? "",
  };
}

function signature(c: Credential) {
  return `${c.source}|${c.set}|${c.unreadable ?? ""}|${c.value ?? ""}|${c.last4 ?? ""}`;
}

function CredentialsForm({ creds, onSaved }: { creds: WhatsAppCredentials; onSaved: (c: WhatsAppCredentials) => void }) {
  const [values, setValues] = useState<Record<Key, string>>(() => fromCreds(creds));
  const [savedAt, setSavedAt] = useState(0);
  const { busy, error, fields, run } = useAction();
  // A field is reset only when what is in effect for it changed (a save, here or elsewhere):
  // what is being typed in the others stays.
  const previous = useRef(creds);
  useEffect(() => {
    const before = previous.current;
    previous.current = creds;
    if (before === creds) return;
    const fresh = fromCreds(creds);
    setValues((v) => {
      const next = { ...v };
      for (const k of KEYS) if (signature(before[k]) !== signature(creds[k])) next[k] = fresh[k];
      return next;
    });
  }, [creds]);

  // Only what changed: a secret left empty keeps the one in effect.
  const changes: Partial<Record<Key, string | null>> = {};
  for (const k of KEYS) {
    const v = values[k].trim();
    if (SECRET[k] ? v !== "" : v !== "" && v !== (creds[k].value ?? "")) changes[k] = v;
  }
  const put = async (body: Partial<Record<Key, string | null>>) => {
    let out: WhatsAppCredentials | null = null;
    const ok = await run(async () => {
      out = await saveWhatsApp(body);
    });
    if (ok && out) {
      setSavedAt(Date.now());
      onSaved(out);
    }
  };

  return (
    <form
      aria-label="WhatsApp credentials"
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (Object.keys(changes).length > 0) void put(changes);
      }}
    >
      <FormError message={error} />
      {KEYS.map((k) => {
        const c = creds[k];
        const meta = LABELS[k];
        const secretHint = SECRET[k] && c.set ? ` In effect: ••••${c.last4 ?? ""}; leave empty to keep it.` : "";
        return (
          <div key={k} className="space-y-1" data-testid={`credential-${k}`} data-source={c.source}>
            <div className="flex flex-wrap items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400">
              <SourceBadge c={c} />
              <span>{sourceText(c, meta.env)}</span>
              {(c.source === "settings" || c.unreadable) && (
                <button
                  type="button"
                  className="ml-auto text-xs font-medium text-brand-700 underline dark:text-brand-100"
                  disabled={busy}
                  aria-label={`Remove the saved ${meta.label.toLowerCase()}`}
                  onClick={() => {
                    const fallback = c.unreadable
                      ? ""
                      : ` The server's environment (${meta.env}) applies again${c.set ? "" : ", if it has one"}.`;
                    if (window.confirm(`Remove the saved ${meta.label.toLowerCase()}?${fallback}`)) void put({ [k]: null });
                  }}
                >
                  Remove the saved value
                </button>
              )}
            </div>
            <div className="flex items-end gap-2">
              <div className="min-w-0 flex-1">
                <Field
                  label={meta.label}
                  type={SECRET[k] ? "password" : "text"}
                  autoComplete={SECRET[k] ? "new-password" : "off"}
                  spellCheck={false}
                  inputMode={k === "phone_number_id" ? "numeric" : undefined}
                  placeholder={SECRET[k] && c.set ? `••••${c.last4 ?? ""}` : undefined}
                  value={values[k]}
                  onChange={(e) => setValues((v) => ({ ...v, [k]: e.target.value }))}
                  hint={meta.hint + secretHint}
                  error={fields[k]}
                />
              </div>
              {k === "verify_token" && (
                <button
                  type="button"
                  className="btn-secondary mb-6 shrink-0"
                  onClick={() => setValues((v) => ({ ...v, verify_token: randomToken() }))}
                >
                  Generate
                </button>
              )}
            </div>
          </div>
        );
      })}
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className="btn-primary" disabled={busy || Object.keys(changes).length === 0}>
          {busy ? "Saving…" : "Save"}
        </button>
        <Saved at={savedAt} />
      </div>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Saved values take effect at once, without a restart, and win over the server&apos;s environment. Secrets are
        stored encrypted and never shown again.
      </p>
    </form>
  );
}

const CHECK_TITLES: Record<WhatsAppCheck["checks"][number]["id"], string> = {
  credentials: "Credentials",
  meta: "Meta's API",
  webhook: "Webhook",
};

function CheckConnection() {
  const [result, setResult] = useState<WhatsAppCheck | null>(null);
  const { busy, error, run } = useAction();
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="button"
          className="btn-secondary"
          disabled={busy}
          onClick={() =>
            void run(async () => setResult(await checkWhatsApp()))
          }
        >
          {busy ? "Checking…" : "Check connection"}
        </button>
        <span className="text-sm text-zinc-500 dark:text-zinc-400">Asks Meta about your number with the token.</span>
      </div>
      <FormError message={error} />
      <div role="status" aria-live="polite">
        {result && (
          <ul data-testid="whatsapp-check" data-ok={result.ok} className="space-y-2">
            {result.checks.map((c) => (
              <li
                key={c.id}
                data-testid={`check-${c.id}`}
                data-status={c.status}
                className={`rounded-lg border px-3 py-2 text-sm ${
                  c.status === "ok"
                    ? "border-brand-200 bg-brand-50 dark:border-brand-700/40 dark:bg-brand-700/10"
                    : c.status === "warning"
                      ? "border-amber-200 bg-amber-50 dark:border-amber-800/50 dark:bg-amber-900/20"
                      : "border-red-200 bg-red-50 dark:border-red-900/50 dark:bg-red-950/40"
                }`}
              >
                <span className="font-medium">
                  <span aria-hidden>{c.status === "ok" ? "✓ " : c.status === "warning" ? "! " : "✗ "}</span>
                  {CHECK_TITLES[c.id]}
                  <span className="sr-only">: {c.status}</span>
                </span>
                <p className="mt-0.5">{c.message}</p>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

export function WhatsAppSection({ owner }: { owner: boolean }) {
  const [creds, setCreds] = useState<WhatsAppCredentials | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Answers applied in the order asked: a slow, older answer never replaces a newer one.
  const asked = useRef(0);
  const show = useCallback((c: WhatsAppCredentials) => {
    asked.current += 1;
    setCreds(c);
  }, []);
  const load = useCallback(() => {
    const n = ++asked.current;
    getWhatsApp()
      .then((c) => {
        if (n !== asked.current) return;
        setCreds(c);
        setError(null);
      })
      .catch((e: unknown) => {
        if (n === asked.current) setError(errorText(e));
      });
  }, []);
  useEffect(load, [load]);
  // Another owner (or another tab) saved: show what is in effect now.
  useFeedEvents((e) => {
    if (e.type === "settings.updated" && e.data.section === "whatsapp") load();
  });

  return (
    <Section
      id="whatsapp"
      title="WhatsApp"
      description="The connection to your WhatsApp Business number (Meta's Cloud API)."
    >
      <FormError message={error} />
      {creds && (
        <div className="card space-y-6 p-4 sm:p-6">
          <p
            role="status"
            data-testid="whatsapp-state"
            data-done={creds.done}
            className="flex items-center gap-2 font-medium"
          >
            <span aria-hidden className={`h-2.5 w-2.5 rounded-full ${creds.done ? "bg-brand-600" : "bg-amber-500"}`} />
            {creds.done ? "All four credentials are set." : "Not connected: some credentials are missing."}
          </p>
          {owner ? (
            <>
              <CredentialsForm creds={creds} onSaved={show} />
              {/* A new save makes an earlier verdict stale. */}
              <CheckConnection key={KEYS.map((k) => signature(creds[k])).join("/")} />
            </>
          ) : (
            <ul className="divide-y divide-zinc-200 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
              {KEYS.map((k) => (
                <li
                  key={k}
                  className="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2"
                  data-testid={`credential-${k}`}
                  data-source={creds[k].source}
                >
                  <span className="text-sm">{LABELS[k].label}</span>
                  <SourceBadge c={creds[k]} />
                  <span className="w-full text-xs text-zinc-500 sm:ml-auto sm:w-auto dark:text-zinc-400">
                    {sourceText(creds[k], LABELS[k].env)}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <div className="space-y-3">
            <p className="text-sm text-zinc-600 dark:text-zinc-300">
              In Meta&apos;s App Dashboard, WhatsApp → Configuration → Webhook: paste the callback URL and the verify
              token, then subscribe to the <code>messages</code> field.
            </p>
            <CopyValue label="Webhook URL" value={creds.webhook_url} testId="settings-webhook-url" />
            {creds.verify_token.value ? (
              <CopyValue label="Verify token" value={creds.verify_token.value} testId="settings-verify-token" />
            ) : (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">
                {owner ? "The verify token is not set yet." : "The verify token is shown to owners only."}
              </p>
            )}
          </div>
        </div>
      )}
    </Section>
  );
}
