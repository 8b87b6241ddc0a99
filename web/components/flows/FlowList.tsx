"use client";
// Every flow with what starts it, its status and this week's runs, and what an owner does with
// flows as a whole: start a new one (blank or from a pre-built bot), import one from a file, and
// duplicate, export or delete one. Agents read the list (and may export, which only reads) but
// change nothing.
import { useRef, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { createFlow } from "@/lib/api/flowDocs";
import { useAction } from "@/lib/action";
import { useMe } from "@/lib/session";
import { Field, FormError } from "@/components/Form";
import { FlowTable } from "./FlowTable";
import { TemplatePicker } from "./FlowTemplates";
import { NAME_MAX_BYTES, builderHref, isConflict, useFlowList, type Notice } from "./useFlowList";

function NoticeView({ notice }: { notice: Notice | null }) {
  if (!notice) return null;
  if (notice.tone !== "error") {
    return (
      <p role="status" data-testid="flows-notice" className="text-sm text-brand-700 dark:text-brand-100">
        {notice.text}
        {notice.made && (
          <>
            {" "}
            <Link href={builderHref(notice.made.id)} className="font-medium underline">
              Open it in the builder
            </Link>
          </>
        )}
      </p>
    );
  }
  return (
    <div className="space-y-1" data-testid="flows-error">
      <FormError message={notice.text} />
      {notice.details && notice.details.length > 0 && (
        <ul className="list-disc space-y-0.5 pl-8 text-sm text-red-800 dark:text-red-300">
          {notice.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The name asked for a new flow, which is then opened in the builder. */
function NewFlowForm({ onCancel }: { onCancel: () => void }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [leaving, setLeaving] = useState(false);
  const { busy, error, fields, run } = useAction();
  return (
    <form
      aria-label="New flow"
      className="card flex flex-wrap items-end gap-2 p-4"
      onKeyDown={(e) => {
        if (e.key === "Escape") onCancel();
      }}
      onSubmit={async (e) => {
        e.preventDefault();
        const wanted = name.trim();
        if (!wanted) return;
        let id = "";
        const ok = await run(async () => {
          try {
            id = (await createFlow({ name: wanted })).id;
          } catch (err) {
            if (isConflict(err)) throw new Error(`A flow named “${wanted}” exists already: choose another name.`);
            throw err;
          }
        });
        if (ok && id) {
          setLeaving(true);
          router.push(builderHref(id));
        }
      }}
    >
      <div className="min-w-48 flex-1">
        <Field
          label="Name of the new flow"
          placeholder="Table booking"
          maxLength={NAME_MAX_BYTES}
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fields.name}
        />
      </div>
      <button className="btn-primary" disabled={busy || leaving || !name.trim()}>
        {busy || leaving ? "Creating…" : "Create and open"}
      </button>
      <button type="button" className="btn-secondary" onClick={onCancel} disabled={busy || leaving}>
        Cancel
      </button>
      {error && (
        <div className="w-full">
          <FormError message={error} />
        </div>
      )}
    </form>
  );
}

/** What an owner may open to start a flow: null for a button not shown (its panel is open). */
interface Starters {
  onNew: (() => void) | null;
  onTemplates: (() => void) | null;
}

const TEMPLATES_LABEL = "New from a pre-built bot";

/** The two ways to start a flow, each offered only while its own form is closed. */
function NewButtons({ onNew, onTemplates }: Starters) {
  return (
    <>
      {onTemplates && (
        <button type="button" className="btn-secondary" onClick={onTemplates}>
          {TEMPLATES_LABEL}
        </button>
      )}
      {onNew && (
        <button type="button" className="btn-primary" onClick={onNew}>
          New flow
        </button>
      )}
    </>
  );
}

function EmptyState({ owner, onNew, onTemplates }: { owner: boolean } & Starters) {
  return (
    <section className="card mx-auto max-w-xl space-y-3 p-6 text-center" data-testid="flows-empty" aria-labelledby="flows-empty-title">
      <h2 id="flows-empty-title" className="font-medium">
        No flows yet
      </h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-300">
        A flow is a conversation you design in advance, like a booking, an order lookup or a lead form: steps that
        send messages, ask questions and check the answers. When a customer&apos;s message matches its trigger, the flow
        answers instead of the AI.
      </p>
      {owner
        ? (onNew || onTemplates) && (
            <div className="flex flex-wrap justify-center gap-2">
              <NewButtons onNew={onNew} onTemplates={onTemplates} />
            </div>
          )
        : <p className="text-sm text-zinc-500 dark:text-zinc-400">An owner of the team can create one.</p>}
    </section>
  );
}

/** The page's title, and an owner's buttons: import a flow from a file, start a new one. */
function ListHeader({ owner, busy, onImport, onNew, onTemplates }: { owner: boolean; busy: string | null; onImport: (file: File) => void } & Starters) {
  const importInput = useRef<HTMLInputElement>(null);
  return (
    <div className="flex flex-wrap items-start justify-between gap-3">
      <div className="min-w-0 space-y-1">
        <h1 className="text-xl font-semibold">Flows</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          Conversations you design in advance. A published flow answers the messages its triggers match, before the
          AI does.
          {!owner && " You can read them; an owner of the team changes them."}
        </p>
      </div>
      {owner && (
        <div className="flex flex-wrap gap-2">
          <button
            type="button"
            className="btn-secondary"
            disabled={busy !== null}
            onClick={() => importInput.current?.click()}
          >
            {busy === "import" ? "Importing…" : "Import"}
          </button>
          <input
            ref={importInput}
            type="file"
            accept=".json,application/json"
            className="sr-only"
            tabIndex={-1}
            aria-label="Import a flow"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) onImport(file);
            }}
          />
          <NewButtons onNew={onNew} onTemplates={onTemplates} />
        </div>
      )}
    </div>
  );
}

export function FlowList() {
  const me = useMe();
  const owner = me.role === "owner";
  const list = useFlowList();
  const { flows, loadError, busy } = list;
  /** The panel open above the list: the new flow's name, or the pre-built bots; one at a time. */
  const [open, setOpen] = useState<"new" | "templates" | null>(null);
  const close = () => setOpen(null);
  // With no flows yet the empty state offers these buttons, so the header does not say them twice.
  const inHeader = owner && (flows === null ? loadError !== null : flows.length > 0);
  const starters = (shown: boolean): Starters => ({
    onNew: shown && open !== "new" ? () => setOpen("new") : null,
    onTemplates: shown && open !== "templates" ? () => setOpen("templates") : null,
  });

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-7xl space-y-4 p-4 sm:p-6">
        <ListHeader owner={owner} busy={busy} onImport={(file) => void list.importFile(file)} {...starters(inHeader)} />
        {open === "new" && <NewFlowForm onCancel={close} />}
        {open === "templates" && <TemplatePicker onCancel={close} />}
        <NoticeView notice={list.notice} />
        <FormError message={loadError} />

        {flows === null && !loadError && (
          <p className="text-sm text-zinc-500 dark:text-zinc-400" aria-busy="true">
            Loading flows…
          </p>
        )}
        {flows && flows.length === 0 && <EmptyState owner={owner} {...starters(true)} />}
        {flows && flows.length > 0 && (
          <FlowTable
            flows={flows}
            owner={owner}
            busy={busy}
            actions={{
              onDuplicate: (f) => void list.duplicate(f),
              onExport: (f) => void list.exportOne(f),
              onDelete: list.remove,
            }}
          />
        )}
      </div>
    </div>
  );
}
