"use client";
// Every flow with what starts it, its status and this week's runs, and what an owner does with
// flows as a whole: start a new one, import one from a file, and duplicate, export or delete
// one. Agents read the list (and may export, which only reads) but change nothing.
import { useCallback, useEffect, useRef, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { ApiError, errorText } from "@/lib/api/client";
import {
  createFlow,
  deleteFlow,
  exportFlow,
  getFlow,
  listFlows,
  type Flow,
  type FlowFile,
} from "@/lib/api/flowDocs";
import { useAction } from "@/lib/action";
import { useMe } from "@/lib/session";
import { dateTime, timeShort } from "@/lib/format";
import { completionLabel, statusLabel, triggerSummary } from "@/lib/flowdoc/summary";
import { Field, FormError } from "@/components/Form";

/** The server's limit on a flow's name, in bytes of UTF-8. */
const NAME_MAX_BYTES = 100;
const utf8 = new TextEncoder();

/** What the page tells the owner after an action: done, not done by choice, or failed. */
interface Notice {
  tone: "ok" | "info" | "error";
  text: string;
  /** The server's per-field messages of a 422, in words. */
  details?: string[];
  /** The flow the action made, to open it in the builder. */
  made?: { id: string };
}

const builderHref = (id: string) => `/flows/edit/?id=${encodeURIComponent(id)}`;

/** The name with a suffix, the name shortened when both would not fit the server's limit. */
function suffixed(name: string, suffix: string): string {
  let base = Array.from(name.trim());
  while (base.length > 0 && utf8.encode(base.join("") + suffix).length > NAME_MAX_BYTES) base = base.slice(0, -1);
  return base.join("").trimEnd() + suffix;
}

/** The name of the n-th copy: "Booking (copy)", "Booking (copy 2)"… */
const copyName = (name: string, n: number) => suffixed(name, n === 1 ? " (copy)" : ` (copy ${n})`);

/** A file name for an export when the server gives none: the flow's name without the
 * characters file systems refuse. */
function exportFileName(name: string): string {
  const safe = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "-").replace(/^[\s.-]+|[\s.-]+$/g, "");
  return `${safe || "flow"}.json`;
}

/** Hands a file the page fetched to the browser as a download. */
function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => !!v && typeof v === "object" && !Array.isArray(v);
const hasGraph = (v: unknown): boolean => isObject(v) && Array.isArray(v.nodes) && Array.isArray(v.edges);

/** A field the server named ("nodes[2].type") as the owner knows it: "Step 3 (“ask”), type".
 * The steps' ids come from the document sent, when the page has it. */
function fieldInWords(field: string, doc?: Fields): string {
  const m = /^(nodes|edges)\[(\d+)\](?:\.(.+))?$/.exec(field);
  if (m) {
    const index = Number(m[2]);
    const items = doc && Array.isArray(doc[m[1]!]) ? (doc[m[1]!] as unknown[]) : [];
    const item = items[index];
    const id = isObject(item) && typeof item.id === "string" && item.id ? ` (“${item.id}”)` : "";
    return `${m[1] === "nodes" ? "Step" : "Arrow"} ${index + 1}${id}${m[3] ? `, ${m[3]}` : ""}`;
  }
  const named: Record<string, string> = {
    name: "Name",
    description: "Description",
    priority: "Priority",
    nodes: "Steps",
    edges: "Arrows",
    body: "The file",
  };
  return named[field] ?? field;
}

/** A failed action in words: what was not done, the server's reason, and every field it named. */
function failure(what: string, e: unknown, doc?: Fields): Notice {
  if (e instanceof ApiError) {
    if (e.status === 413) return { tone: "error", text: `${what} The file is larger than this server accepts.` };
    if (e.status === 403) return { tone: "error", text: `${what} Only an owner may change flows.` };
    if (e.status === 404) return { tone: "error", text: `${what} The flow does not exist any more.` };
    const details = Object.entries(e.fields).map(([f, message]) => `${fieldInWords(f, doc)}: ${message}`);
    return { tone: "error", text: `${what} ${errorText(e)}`, details };
  }
  return { tone: "error", text: `${what} ${errorText(e)}` };
}

const isConflict = (e: unknown) => e instanceof ApiError && e.status === 409;

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

function StatusBadge({ flow }: { flow: Flow }) {
  const tone =
    flow.status === "published"
      ? "bg-brand-50 text-brand-700 dark:bg-brand-700/20 dark:text-brand-100"
      : flow.status === "changed"
        ? "bg-amber-50 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300"
        : "bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300";
  return (
    <span className={`inline-block rounded-full px-2 py-0.5 text-xs ${tone}`} data-testid="flow-status" data-status={flow.status}>
      {statusLabel(flow)}
    </span>
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

/** One flow: a table row on a wide screen, a card on a narrow one (the same element, so that
 * each flow is on the page once). */
function FlowRow({
  flow,
  owner,
  busy,
  onDuplicate,
  onExport,
  onDelete,
}: {
  flow: Flow;
  owner: boolean;
  busy: string | null;
  onDuplicate: () => void;
  onExport: () => void;
  onDelete: () => void;
}) {
  const cell = "md:table-cell md:px-4 md:py-3 md:align-top";
  const small = "text-xs text-zinc-500 md:hidden dark:text-zinc-400";
  const runs = flow.runs_this_week ?? 0;
  return (
    <tr
      role="row"
      data-testid="flow-row"
      data-flow-id={flow.id}
      className="grid grid-cols-2 gap-x-4 gap-y-2 border-b border-zinc-100 p-4 last:border-b-0 md:table-row md:p-0 dark:border-zinc-800"
    >
      <td role="cell" className={`col-span-2 min-w-0 ${cell} md:max-w-xs`}>
        <Link
          href={builderHref(flow.id)}
          className="break-words font-medium text-brand-700 hover:underline dark:text-brand-100"
          data-testid="flow-name"
        >
          {flow.name}
        </Link>
        {flow.description && (
          <p className="mt-0.5 line-clamp-2 break-words text-xs text-zinc-600 dark:text-zinc-400" data-testid="flow-description">
            {flow.description}
          </p>
        )}
      </td>
      <td role="cell" className={`col-span-2 ${cell}`}>
        <StatusBadge flow={flow} />
      </td>
      <td role="cell" className={`col-span-2 ${cell} md:max-w-xs`}>
        <span className={small}>Starts on </span>
        <span className="break-words" data-testid="flow-triggers">
          {triggerSummary(flow.triggers ?? [])}
        </span>
      </td>
      <td role="cell" className={`${cell} md:text-right`}>
        <span className={small}>Runs this week </span>
        <span className="tabular-nums" data-testid="flow-runs">
          {runs}
        </span>
      </td>
      <td role="cell" className={`${cell} md:text-right`}>
        <span className={small}>Completion </span>
        <span className="tabular-nums" data-testid="flow-completion">
          {completionLabel(flow)}
        </span>
      </td>
      <td role="cell" className={`col-span-2 ${cell} md:whitespace-nowrap`}>
        <span className={small}>Last edited </span>
        <time dateTime={flow.draft_updated_at} title={dateTime(flow.draft_updated_at)}>
          {timeShort(flow.draft_updated_at)}
        </time>
      </td>
      <td role="cell" className={`col-span-2 ${cell}`}>
        <div className="flex flex-wrap gap-1.5 md:justify-end">
          {owner && (
            <button
              type="button"
              className="btn-secondary px-2 py-1 text-xs"
              aria-label={`Duplicate ${flow.name}`}
              disabled={busy !== null}
              onClick={onDuplicate}
            >
              {busy === `duplicate:${flow.id}` ? "Duplicating…" : "Duplicate"}
            </button>
          )}
          <button
            type="button"
            className="btn-secondary px-2 py-1 text-xs"
            aria-label={`Export ${flow.name}`}
            disabled={busy !== null}
            onClick={onExport}
          >
            {busy === `export:${flow.id}` ? "Exporting…" : "Export"}
          </button>
          {owner && (
            <button
              type="button"
              className="btn px-2 py-1 text-xs text-red-700 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-950"
              aria-label={`Delete ${flow.name}`}
              disabled={busy !== null}
              onClick={onDelete}
            >
              {busy === `delete:${flow.id}` ? "Deleting…" : "Delete"}
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

function EmptyState({ owner, onNew }: { owner: boolean; onNew: (() => void) | null }) {
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
        ? onNew && (
            <button type="button" className="btn-primary" onClick={onNew}>
              New flow
            </button>
          )
        : <p className="text-sm text-zinc-500 dark:text-zinc-400">An owner of the team can create one.</p>}
    </section>
  );
}

export function FlowList() {
  const me = useMe();
  const owner = me.role === "owner";
  const [flows, setFlows] = useState<Flow[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  /** The action going on ("delete:<id>", "import"), so that one runs at a time. */
  const [busy, setBusy] = useState<string | null>(null);
  const importInput = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    try {
      setFlows(await listFlows());
      setLoadError(null);
    } catch (e) {
      setLoadError(`The flows could not be loaded. ${errorText(e)}`);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  /** Runs one action, says how it went, and reloads the list whatever came of it (a flow
   * another owner deleted meanwhile disappears). */
  const act = useCallback(
    async (key: string, work: () => Promise<Notice | null>) => {
      setBusy(key);
      setNotice(null);
      try {
        setNotice(await work());
      } finally {
        setBusy(null);
        await load();
      }
    },
    [load],
  );

  const duplicate = (flow: Flow) =>
    act(`duplicate:${flow.id}`, async () => {
      const what = `Could not duplicate “${flow.name}”.`;
      try {
        const full = await getFlow(flow.id);
        // Names are unique ignoring case: skip those the list already shows, and move on when
        // the server still finds one taken (a flow made since the list was loaded).
        const taken = new Set((flows ?? []).map((f) => f.name.toLowerCase()));
        for (let n = 1; n <= 100; n++) {
          const name = copyName(full.name, n);
          if (taken.has(name.toLowerCase())) continue;
          try {
            const made = await createFlow({
              name,
              description: full.description,
              priority: full.priority,
              document: full.document ?? { nodes: [], edges: [] },
            });
            return { tone: "ok", text: `Duplicated “${flow.name}” as “${name}”.`, made: { id: made.id } };
          } catch (e) {
            if (!isConflict(e)) throw e;
          }
        }
        return { tone: "error", text: `${what} Every name up to “${copyName(full.name, 100)}” is taken.` };
      } catch (e) {
        return failure(what, e);
      }
    });

  const exportOne = (flow: Flow) =>
    act(`export:${flow.id}`, async () => {
      try {
        const file = await exportFlow(flow.id);
        save(file.blob, file.filename ?? exportFileName(flow.name));
        return null;
      } catch (e) {
        return failure(`Could not export “${flow.name}”.`, e);
      }
    });

  const remove = (flow: Flow) => {
    const live = flow.published_version !== null ? " Customers stop getting it at once." : "";
    const sure = window.confirm(
      `Delete the flow “${flow.name}”? Its published versions and its run history are deleted with it.${live} This cannot be undone.`,
    );
    if (!sure) return;
    void act(`delete:${flow.id}`, async () => {
      try {
        await deleteFlow(flow.id);
        return { tone: "ok", text: `Deleted “${flow.name}”.` };
      } catch (e) {
        return failure(`Could not delete “${flow.name}”.`, e);
      }
    });
  };

  const importFile = (file: File) =>
    act("import", async () => {
      const what = `Could not import “${file.name}”.`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await file.text());
      } catch {
        return { tone: "error", text: `${what} It is not a flow file: its content is not valid JSON.` };
      }
      if (!hasGraph(parsed) && !(isObject(parsed) && hasGraph(parsed.document))) {
        return {
          tone: "error",
          text: `${what} It is JSON, but not a flow: a flow file is an object with a list of "nodes" and a list of "edges", as Export writes it.`,
        };
      }
      const body = parsed as Fields;
      const doc = hasGraph(body) ? body : (body.document as Fields);
      // A file without a name (a document saved by hand) takes the file's own name.
      const fromFile = file.name.replace(/\.json$/i, "").trim();
      let name = typeof body.name === "string" && body.name.trim() ? body.name.trim() : fromFile || "Imported flow";
      for (;;) {
        try {
          const made = await createFlow({ ...body, name } as FlowFile);
          return {
            tone: "ok",
            text: `Imported “${name}”. Publish it in the builder when it is ready.`,
            made: { id: made.id },
          };
        } catch (e) {
          if (!isConflict(e)) return failure(what, e, doc);
          const other = window.prompt(
            `A flow named “${name}” exists already. Import this one under another name:`,
            suffixed(name, " (imported)"),
          );
          if (other === null || !other.trim()) {
            return { tone: "info", text: `Not imported: a flow named “${name}” exists already.` };
          }
          name = other.trim();
        }
      }
    });

  const showNew = owner && !creating && (flows === null ? loadError !== null : flows.length > 0);

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-7xl space-y-4 p-4 sm:p-6">
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
                  if (file) void importFile(file);
                }}
              />
              {showNew && (
                <button type="button" className="btn-primary" onClick={() => setCreating(true)}>
                  New flow
                </button>
              )}
            </div>
          )}
        </div>

        {creating && <NewFlowForm onCancel={() => setCreating(false)} />}
        <NoticeView notice={notice} />
        <FormError message={loadError} />

        {flows === null && !loadError && (
          <p className="text-sm text-zinc-500 dark:text-zinc-400" aria-busy="true">
            Loading flows…
          </p>
        )}
        {flows && flows.length === 0 && <EmptyState owner={owner} onNew={creating ? null : () => setCreating(true)} />}
        {flows && flows.length > 0 && (
          <section className="card overflow-hidden" aria-labelledby="flows-table-title">
            <h2 id="flows-table-title" className="sr-only">
              All flows ({flows.length})
            </h2>
            <table role="table" aria-labelledby="flows-table-title" className="block w-full text-sm md:table" data-testid="flows">
              <thead role="rowgroup" className="hidden border-b border-zinc-200 bg-zinc-50 text-left text-xs text-zinc-500 md:table-header-group dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
                <tr role="row">
                  <th role="columnheader" scope="col" className="px-4 py-2 font-medium">
                    Flow
                  </th>
                  <th role="columnheader" scope="col" className="px-4 py-2 font-medium">
                    Status
                  </th>
                  <th role="columnheader" scope="col" className="px-4 py-2 font-medium">
                    Starts on
                  </th>
                  <th role="columnheader" scope="col" className="px-4 py-2 text-right font-medium">
                    Runs this week
                  </th>
                  <th role="columnheader" scope="col" className="px-4 py-2 text-right font-medium">
                    Completion
                  </th>
                  <th role="columnheader" scope="col" className="px-4 py-2 font-medium">
                    Last edited
                  </th>
                  <th role="columnheader" scope="col" className="px-4 py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody role="rowgroup" className="block md:table-row-group">
                {flows.map((f) => (
                  <FlowRow
                    key={f.id}
                    flow={f}
                    owner={owner}
                    busy={busy}
                    onDuplicate={() => void duplicate(f)}
                    onExport={() => void exportOne(f)}
                    onDelete={() => remove(f)}
                  />
                ))}
              </tbody>
            </table>
          </section>
        )}
      </div>
    </div>
  );
}
