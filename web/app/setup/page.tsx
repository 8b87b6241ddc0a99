"use client";
// First run: create the owner with the setup token, then a checklist of what is connected.
import { Suspense, useCallback, useEffect, useState } from "react";
import { useSearchParams, useRouter } from "next/navigation";
import Link from "next/link";
import { errorText } from "@/lib/api/client";
import { getChecklist, getSetupStatus, registerOwner, type Checklist } from "@/lib/api/setup";
import { saveAiSettings } from "@/lib/api/settings";
import { useAction } from "@/lib/action";
import { SnippetForm } from "@/components/SnippetForm";
import { SignedIn, useMe } from "@/lib/session";
import { Shell } from "@/components/Shell";
import { CopyButton } from "@/components/Copy";
import { Field, FormError } from "@/components/Form";


function Register({ onDone }: { onDone: () => void }) {
  const params = useSearchParams();
  const [token, setToken] = useState(params.get("token") ?? "");
  const [business, setBusiness] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, fields, run } = useAction();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const body = { setup_token: token, business_name: business, name, email, password };
    if (await run(() => registerOwner(body))) onDone();
  }

  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <form onSubmit={submit} className="card w-full max-w-md space-y-4 p-6" aria-labelledby="setup-title">
        <div>
          <h1 id="setup-title" className="text-xl font-semibold">
            Welcome to BotFlow
          </h1>
          <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
            Create the owner account of this server. You can invite your team afterwards.
          </p>
        </div>
        <FormError message={error} />
        <Field
          label="Setup token"
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          hint="Printed in the server's log at its first start (auth.setup_required; on Railway: the service's Deployments, View Logs); the link there fills it in."
          error={fields.setup_token}
        />
        <Field label="Business name" required maxLength={100} value={business} onChange={(e) => setBusiness(e.target.value)} error={fields.business_name} />
        <Field label="Your name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={fields.name} />
        <Field label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} error={fields.email} />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          hint="At least 10 characters."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fields.password}
        />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {busy ? "Creating…" : "Create owner account"}
        </button>
      </form>
    </main>
  );
}

function Step({
  done,
  title,
  testId,
  children,
}: {
  done: boolean;
  title: string;
  testId: string;
  children: React.ReactNode;
}) {
  return (
    <li className="card p-4" data-testid={testId} data-done={done}>
      <div className="flex items-start gap-3">
        <span
          aria-hidden
          className={`mt-0.5 grid h-6 w-6 shrink-0 place-items-center rounded-full text-xs font-bold ${
            done ? "bg-brand-600 text-white" : "border-2 border-zinc-300 text-transparent dark:border-zinc-600"
          }`}
        >
          ✓
        </span>
        <div className="min-w-0 flex-1 space-y-2">
          <h2 className="font-medium">
            {title} <span className="sr-only">{done ? "(done)" : "(to do)"}</span>
          </h2>
          <div className="space-y-2 text-sm text-zinc-600 dark:text-zinc-300">{children}</div>
        </div>
      </div>
    </li>
  );
}

function Flag({ ok, name }: { ok: boolean; name: string }) {
  return (
    <li className="flex items-center gap-2">
      <span aria-hidden className={ok ? "text-brand-600" : "text-zinc-400"}>
        {ok ? "●" : "○"}
      </span>
      <span className="text-xs">{name}</span>
      <span className="text-xs text-zinc-500">{ok ? "set" : "missing"}</span>
    </li>
  );
}

function LlmKeyForm({ onSaved }: { onSaved: () => void }) {
  const [key, setKey] = useState("");
  const { busy, error, run } = useAction();
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await run(() => saveAiSettings({ api_key: key }))) {
          setKey("");
          onSaved();
        }
      }}
    >
      <div className="min-w-48 flex-1">
        <Field label="OpenRouter (or OpenAI-compatible) API key" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} />
      </div>
      <button className="btn-primary" disabled={busy || !key}>
        Save key
      </button>
      <FormError message={error} />
    </form>
  );
}

function ChecklistView() {
  const me = useMe();
  const [list, setList] = useState<Checklist | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    getChecklist()
      .then(setList)
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);
  const owner = me.role === "owner";
  const remaining = list ? [list.whatsapp, list.llm, list.knowledge, list.template].filter((s) => !s.done).length : 0;

  return (
    <Shell>
      <div className="mx-auto max-w-3xl space-y-4 overflow-y-auto p-4 sm:p-6">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div>
            <h1 className="text-xl font-semibold">Set up your assistant</h1>
            <p className="text-sm text-zinc-500 dark:text-zinc-400" role="status">
              {list ? (remaining === 0 ? "Everything is connected." : `${remaining} of 4 steps left.`) : "Checking…"}
            </p>
          </div>
          <Link href="/simulator/" className="btn-primary">
            Try the bot in the simulator
          </Link>
        </div>
        <FormError message={error} />
        {list && (
          <ol className="space-y-3">
            <Step done={list.whatsapp.done} title="Connect WhatsApp" testId="step-whatsapp">
              <p>
                {list.whatsapp.done
                  ? "Your WhatsApp Business number's credentials are set."
                  : "Add your WhatsApp Business credentials from Meta's App Dashboard:"}
              </p>
              <ul className="space-y-1">
                <Flag ok={list.whatsapp.phone_number_id.set} name="Phone number ID" />
                <Flag ok={list.whatsapp.access_token.set} name="Access token" />
                <Flag ok={list.whatsapp.app_secret.set} name="App secret" />
                <Flag ok={list.whatsapp.verify_token.set} name="Verify token" />
              </ul>
              {owner && (
                <p>
                  <Link href="/settings/?tab=whatsapp" className="font-medium text-brand-700 underline dark:text-brand-100">
                    {list.whatsapp.done ? "Check the connection in Settings" : "Enter them in Settings → WhatsApp"}
                  </Link>
                  , where a button checks them with Meta.
                </p>
              )}
              <p>In Meta&apos;s App Dashboard, WhatsApp → Configuration → Webhook, paste this callback URL:</p>
              <div className="flex items-center gap-2">
                <code data-testid="webhook-url" className="min-w-0 flex-1 truncate rounded bg-zinc-100 px-2 py-1 text-xs dark:bg-zinc-800">
                  {list.whatsapp.webhook_url}
                </code>
                <CopyButton text={list.whatsapp.webhook_url} label="Copy the webhook URL" />
              </div>
              {list.whatsapp.verify_token.value && (
                <div className="flex items-center gap-2">
                  <span>Verify token:</span>
                  <code className="min-w-0 flex-1 truncate rounded bg-zinc-100 px-2 py-1 text-xs dark:bg-zinc-800">
                    {list.whatsapp.verify_token.value}
                  </code>
                  <CopyButton text={list.whatsapp.verify_token.value} label="Copy the verify token" />
                </div>
              )}
              <p>Then subscribe the webhook to the <code>messages</code> field.</p>
            </Step>
            <Step done={list.llm.done} title="Give the AI a model" testId="step-llm">
              <p>
                Model: <code>{list.llm.model}</code>. {list.llm.key_set ? "An API key is set." : "No API key yet: without one the AI answers only by quoting your knowledge."}
              </p>
              {owner && !list.llm.key_set && <LlmKeyForm onSaved={load} />}
            </Step>
            <Step done={list.knowledge.done} title="Teach it your business" testId="step-knowledge">
              <p>
                {list.knowledge.documents === 0
                  ? "The knowledge base is empty. Add what customers ask about: hours, prices, policies."
                  : `${list.knowledge.ready} of ${list.knowledge.documents} documents are ready to answer from.`}
              </p>
              <SnippetForm onSaved={load} />
            </Step>
            <Step done={list.template.done} title="Choose how it speaks" testId="step-template">
              <p>{list.template.name ? `Active template: ${list.template.name}.` : "No template is active."}</p>
            </Step>
          </ol>
        )}
      </div>
    </Shell>
  );
}

function SetupRouter() {
  const router = useRouter();
  const [needsOwner, setNeedsOwner] = useState<boolean | null>(null);
  useEffect(() => {
    getSetupStatus()
      .then((s) => setNeedsOwner(s.needs_owner))
      .catch(() => setNeedsOwner(false));
  }, []);
  if (needsOwner === null) return null;
  if (needsOwner) {
    return (
      <Register
        onDone={() => {
          setNeedsOwner(false);
          router.replace("/setup/");
        }}
      />
    );
  }
  return (
    <SignedIn>
      <ChecklistView />
    </SignedIn>
  );
}

export default function SetupPage() {
  return (
    <Suspense>
      <SetupRouter />
    </Suspense>
  );
}
