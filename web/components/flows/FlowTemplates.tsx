"use client";
// The pre-built bots the server ships: what each does, how many steps it has and what starts
// it, so that an owner can start from one instead of a blank flow. Using one copies it into a
// draft of their own, opened in the builder, which they publish when it suits them.
import { useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, errorText } from "@/lib/api/client";
import { copyFlowTemplate, listFlowTemplates, type FlowTemplate } from "@/lib/api/flowDocs";
import { triggerSummary } from "@/lib/flowdoc/summary";
import { FormError } from "@/components/Form";
import { builderHref } from "./useFlowList";

/** A failed copy in words. */
function copyFailure(template: FlowTemplate, e: unknown): string {
  const what = `Could not use “${template.name}”.`;
  if (e instanceof ApiError && e.status === 403) return `${what} Only an owner may add flows.`;
  if (e instanceof ApiError && e.status === 404) return `${what} This server no longer has that pre-built bot.`;
  return `${what} ${errorText(e)}`;
}

/** The pre-built bots, loaded once the panel opens; or why they could not be. */
function useTemplates(): { templates: FlowTemplate[] | null; error: string | null } {
  const [templates, setTemplates] = useState<FlowTemplate[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    listFlowTemplates().then(
      (items) => live && setTemplates(items),
      (e: unknown) => live && setError(`The pre-built bots could not be loaded. ${errorText(e)}`),
    );
    return () => {
      live = false;
    };
  }, []);
  return { templates, error };
}

const steps = (n: number) => (n === 1 ? "1 step" : `${n} steps`);

function TemplateCard({ template, busy, onUse }: { template: FlowTemplate; busy: string | null; onUse: () => void }) {
  const nodes = template.document?.nodes ?? [];
  const triggers = nodes.filter((n) => n.type === "trigger").map((n) => n.config ?? {});
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 rounded-lg border border-zinc-200 p-3 dark:border-zinc-800" data-testid="flow-template" data-key={template.key}>
      <div className="min-w-0 flex-1 space-y-1">
        <h3 className="break-words font-medium">{template.name}</h3>
        {template.description && <p className="break-words text-sm text-zinc-600 dark:text-zinc-300">{template.description}</p>}
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          <span data-testid="flow-template-steps">{steps(nodes.length)}</span>
          {" · Starts on "}
          <span data-testid="flow-template-triggers">{triggerSummary(triggers)}</span>
        </p>
      </div>
      <button type="button" className="btn-primary px-3 py-1.5 text-sm" aria-label={`Use ${template.name}`} disabled={busy !== null} onClick={onUse}>
        {busy === template.key ? "Copying…" : "Use"}
      </button>
    </li>
  );
}

function TemplateList({ templates, busy, onUse }: { templates: FlowTemplate[]; busy: string | null; onUse: (t: FlowTemplate) => void }) {
  if (templates.length === 0) return <p className="text-sm text-zinc-500 dark:text-zinc-400">This server has no pre-built bots.</p>;
  return (
    <ul className="space-y-2">
      {templates.map((t) => (
        <TemplateCard key={t.key} template={t} busy={busy} onUse={() => onUse(t)} />
      ))}
    </ul>
  );
}

/** The panel an owner picks a pre-built bot in; the copy opens in the builder. */
export function TemplatePicker({ onCancel }: { onCancel: () => void }) {
  const router = useRouter();
  const { templates, error: loadError } = useTemplates();
  /** The key of the bot being copied, and it stays set while the builder opens. */
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const panel = useRef<HTMLElement>(null);
  // The panel opens above the list: the keyboard goes to it, where Escape closes it.
  useEffect(() => panel.current?.focus(), []);
  async function copy(template: FlowTemplate) {
    setBusy(template.key);
    setError(null);
    try {
      const made = await copyFlowTemplate(template.key);
      router.push(builderHref(made.id));
    } catch (e) {
      setError(copyFailure(template, e));
      setBusy(null);
    }
  }
  return (
    <section
      ref={panel}
      tabIndex={-1}
      className="card space-y-3 p-4 outline-none"
      aria-labelledby="flow-templates-title"
      data-testid="flow-templates"
      onKeyDown={(e) => {
        if (e.key === "Escape" && busy === null) onCancel();
      }}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0 space-y-1">
          <h2 id="flow-templates-title" className="font-medium">
            Pre-built bots
          </h2>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">Each becomes a draft of yours: change it as you like, and publish it when it is ready.</p>
        </div>
        <button type="button" className="btn-secondary" onClick={onCancel} disabled={busy !== null}>
          Close
        </button>
      </div>
      <FormError message={loadError ?? error} />
      {templates === null && !loadError && (
        <p className="text-sm text-zinc-500 dark:text-zinc-400" aria-busy="true">
          Loading the pre-built bots…
        </p>
      )}
      {templates && <TemplateList templates={templates} busy={busy} onUse={(t) => void copy(t)} />}
    </section>
  );
}
