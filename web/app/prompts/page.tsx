"use client";
// How the AI speaks: the gallery of templates (built-in industry ones and the owner's), the
// open one (?id=) to read, copy, edit and activate, and a test panel that shows what the model
// would be given for a customer message, and what it answers.
import { Suspense, useCallback, useEffect, useState } from "react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { errorText } from "@/lib/api/client";
import { activatePrompt, copyPrompt, listPrompts, type PromptTemplate } from "@/lib/api/prompts";
import { useAction } from "@/lib/action";
import { SignedIn, useMe } from "@/lib/session";
import { Shell } from "@/components/Shell";
import { ActiveBadge, Badge, Gallery } from "@/components/prompts/Gallery";
import { Editor } from "@/components/prompts/Editor";
import { TestPanel } from "@/components/prompts/TestPanel";
import { FormError } from "@/components/Form";

function ReadOnlyBody({ template, why }: { template: PromptTemplate; why: string }) {
  return (
    <section aria-labelledby="body-title" className="space-y-2">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id="body-title" className="text-sm font-medium">
          Template text
        </h3>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">{why}</p>
      </div>
      <pre
        tabIndex={0}
        aria-labelledby="body-title"
        data-testid="template-body"
        className="max-h-[28rem] overflow-auto whitespace-pre-wrap break-words rounded-lg border border-zinc-200 bg-zinc-50 p-3 font-mono text-xs leading-relaxed dark:border-zinc-800 dark:bg-zinc-950"
      >
        {template.body}
      </pre>
      {template.variables.length > 0 && (
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          Uses{" "}
          {template.variables.map((v, i) => (
            <span key={v}>
              {i > 0 && ", "}
              <code>{`{{${v}}}`}</code>
            </span>
          ))}
          .
        </p>
      )}
    </section>
  );
}

function Detail({
  template,
  onList,
  onSaved,
}: {
  template: PromptTemplate;
  onList: (select?: string | null) => Promise<void>;
  onSaved: (t: PromptTemplate) => void;
}) {
  const me = useMe();
  const owner = me.role === "owner";
  const [dirty, setDirty] = useState(false);
  const [draft, setDraft] = useState<string | null>(null);
  const activate = useAction();
  const copy = useAction();
  const editable = owner && !template.builtin;

  return (
    <article className="mx-auto max-w-5xl space-y-5" aria-labelledby="template-title" data-testid="template-detail">
      <Link href="/prompts/" className="text-sm text-brand-700 hover:underline lg:hidden dark:text-brand-100">
        <span aria-hidden>←</span> All templates
      </Link>
      <header className="space-y-3">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0 space-y-1">
            <h2 id="template-title" className="break-words text-xl font-semibold">
              {template.name}
            </h2>
            <div className="flex flex-wrap items-center gap-1.5">
              {template.active && <ActiveBadge />}
              {template.category && <Badge>{template.category}</Badge>}
              <Badge>{template.builtin ? "Built-in" : "Yours"}</Badge>
            </div>
          </div>
          {owner && (
            <div className="flex flex-wrap gap-2">
              <button
                type="button"
                className={template.builtin ? "btn-primary" : "btn-secondary"}
                disabled={copy.busy}
                onClick={async () => {
                  const made: { id?: string } = {};
                  const ok = await copy.run(async () => {
                    made.id = (await copyPrompt(template.id)).id;
                  });
                  if (ok && made.id) await onList(made.id);
                }}
              >
                {copy.busy ? "Copying…" : "Make a copy"}
              </button>
              {!template.active && (
                <button
                  type="button"
                  className={template.builtin ? "btn-secondary" : "btn-primary"}
                  disabled={activate.busy || dirty}
                  title={dirty ? "Save your changes first" : undefined}
                  onClick={async () => {
                    if (await activate.run(() => activatePrompt(template.id))) {
                      await onList();
                    }
                  }}
                >
                  {activate.busy ? "Activating…" : "Activate"}
                </button>
              )}
            </div>
          )}
        </div>
        {template.description && <p className="text-sm text-zinc-600 dark:text-zinc-300">{template.description}</p>}
        <p className="text-sm text-zinc-500 dark:text-zinc-400" data-testid="active-state">
          {template.active
            ? "Active: the AI answers every customer with this template."
            : owner
              ? dirty
                ? "Save your changes before activating."
                : "Not in use. Activate it to have the AI answer with it."
              : "Not in use."}
        </p>
        <FormError message={activate.error ?? copy.error} />
        {!owner && (
          <p className="rounded-lg bg-zinc-100 px-3 py-2 text-sm text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300" data-testid="agent-note">
            Only the owner can copy, edit or activate templates. You can read them and test them below.
          </p>
        )}
      </header>

      {editable ? (
        <Editor key={template.id} template={template} onSaved={onSaved} onDeleted={() => void onList(null)} onDirty={setDirty} onDraft={setDraft} />
      ) : (
        <ReadOnlyBody
          template={template}
          why={template.builtin ? "Built-in templates follow the server's version and are read-only: make a copy to change it." : "Read-only for agents."}
        />
      )}

      <TestPanel template={template} owner={owner} draft={editable ? draft : null} />
    </article>
  );
}

function Prompts() {
  const params = useSearchParams();
  const router = useRouter();
  const selected = params.get("id");
  const [items, setItems] = useState<PromptTemplate[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setItems(await listPrompts());
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => void load(), [load]);

  // Reload the gallery; then open `select` (an id, or null for none) if given.
  const onList = useCallback(
    async (select?: string | null) => {
      await load();
      if (select !== undefined) router.push(select ? `/prompts/?id=${select}` : "/prompts/");
    },
    [load, router],
  );
  const onSaved = useCallback((t: PromptTemplate) => {
    setItems((list) => list?.map((x) => (x.id === t.id ? t : x)) ?? null);
  }, []);

  const template = items?.find((t) => t.id === selected) ?? null;
  const active = items?.find((t) => t.active);

  return (
    <div className="flex h-full min-h-0">
      <aside
        aria-label="Template gallery"
        className={`${selected ? "hidden lg:block" : "block"} w-full shrink-0 overflow-y-auto border-zinc-200 p-4 lg:w-80 lg:border-r xl:w-96 dark:border-zinc-800`}
      >
        <div className="mb-4 space-y-1">
          <h1 className="text-xl font-semibold">Prompts</h1>
          <p className="text-sm text-zinc-500 dark:text-zinc-400" role="status">
            {items ? (active ? `The AI speaks with “${active.name}”.` : "No template is active.") : "Loading templates…"}
          </p>
        </div>
        <FormError message={error} />
        {items && <Gallery items={items} selected={selected} />}
      </aside>
      <div className={`${selected ? "block" : "hidden lg:block"} min-w-0 flex-1 overflow-y-auto p-4 sm:p-6`}>
        {template ? (
          <Detail template={template} onList={onList} onSaved={onSaved} />
        ) : selected && items ? (
          <div className="mx-auto max-w-md space-y-3 p-6 text-center text-sm">
            <p role="alert" className="text-red-700 dark:text-red-400">
              This template does not exist (any more).
            </p>
            <Link href="/prompts/" className="btn-secondary">
              All templates
            </Link>
          </div>
        ) : (
          !selected && (
            <div className="m-auto max-w-sm p-10 text-center text-sm text-zinc-500 dark:text-zinc-400">
              Choose a template to read it, test it with a customer message, or make it yours.
            </div>
          )
        )}
      </div>
    </div>
  );
}

export default function PromptsPage() {
  return (
    <SignedIn>
      <Shell>
        <Suspense>
          <Prompts />
        </Suspense>
      </Shell>
    </SignedIn>
  );
}
