"use client";
// The WhatsApp connection: which credentials the server's environment has, and what to paste in
// Meta's webhook settings. Nothing here is editable: the credentials live in the environment.
import { useEffect, useState } from "react";
import { api, errorText, type WhatsAppStatus } from "@/lib/api";
import { FormError } from "@/components/Field";
import { CopyValue, Section } from "./controls";

const CREDENTIALS = [
  ["phone_number_id", "WHATSAPP_PHONE_NUMBER_ID", "The number's id (WhatsApp → API Setup)"],
  ["access_token", "WHATSAPP_ACCESS_TOKEN", "A permanent system-user token"],
  ["app_secret", "WHATSAPP_APP_SECRET", "App settings → Basic → App secret"],
  ["verify_token", "WHATSAPP_VERIFY_TOKEN", "Any secret text, entered in Meta's webhook settings too"],
] as const;

export function WhatsAppSection({ owner }: { owner: boolean }) {
  const [status, setStatus] = useState<WhatsAppStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ whatsapp: WhatsAppStatus }>("/api/setup/checklist")
      .then((c) => setStatus(c.whatsapp))
      .catch((e: unknown) => setError(errorText(e)));
  }, []);

  return (
    <Section
      id="whatsapp"
      title="WhatsApp"
      description="The connection to your WhatsApp Business number (Meta's Cloud API)."
    >
      <FormError message={error} />
      {status && (
        <div className="card space-y-4 p-4 sm:p-6">
          <p role="status" data-testid="whatsapp-state" data-done={status.done} className="flex items-center gap-2 font-medium">
            <span
              aria-hidden
              className={`h-2.5 w-2.5 rounded-full ${status.done ? "bg-brand-600" : "bg-amber-500"}`}
            />
            {status.done ? "Connected: all four credentials are set." : "Not connected: some credentials are missing."}
          </p>
          <ul className="divide-y divide-zinc-200 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
            {CREDENTIALS.map(([key, env, hint]) => {
              const ok = status[key];
              return (
                <li key={key} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2" data-testid={`credential-${key}`}>
                  <code className="text-xs break-all">{env}</code>
                  <span
                    className={`rounded-full px-2 py-0.5 text-xs font-medium ${
                      ok
                        ? "bg-brand-50 text-brand-700 dark:bg-brand-700/20 dark:text-brand-100"
                        : "bg-amber-100 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300"
                    }`}
                  >
                    {ok ? "set" : "missing"}
                  </span>
                  <span className="w-full text-xs text-zinc-500 sm:ml-auto sm:w-auto dark:text-zinc-400">{hint}</span>
                </li>
              );
            })}
          </ul>
          <div className="rounded-lg bg-zinc-100 p-3 text-sm text-zinc-700 dark:bg-zinc-800/60 dark:text-zinc-300">
            <p className="font-medium">These are not editable here.</p>
            <p className="mt-1">
              The server reads them from its environment when it starts, so secrets never pass through the dashboard. To
              change one on Railway: open your project, select the BotFlow service, go to <strong>Variables</strong>, set
              the variable, and deploy the change (Railway restarts the service with the new value). Elsewhere, set it in
              the server&apos;s environment or <code>.env</code> and restart it.
            </p>
          </div>
          <div className="space-y-3">
            <p className="text-sm text-zinc-600 dark:text-zinc-300">
              In Meta&apos;s App Dashboard, WhatsApp → Configuration → Webhook: paste the callback URL and the verify
              token, then subscribe to the <code>messages</code> field.
            </p>
            <CopyValue label="Webhook URL" value={status.webhook_url} testId="settings-webhook-url" />
            {status.verify_token_value ? (
              <CopyValue label="Verify token" value={status.verify_token_value} testId="settings-verify-token" />
            ) : (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">
                {owner
                  ? "The verify token is not set (WHATSAPP_VERIFY_TOKEN)."
                  : "The verify token is shown to owners only."}
              </p>
            )}
          </div>
        </div>
      )}
    </Section>
  );
}
