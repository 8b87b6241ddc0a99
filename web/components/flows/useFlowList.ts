"use client";
// The flows of the list, and what an owner does with flows as a whole: duplicate, export, delete
// and import one, one action at a time, each ending in a notice that says how it went.
import { useCallback, useEffect, useState } from "react";
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
import { save } from "@/lib/download";
import { isObject, type Fields } from "@/lib/flowdoc/json";

/** The server's limit on a flow's name, in bytes of UTF-8. */
export const NAME_MAX_BYTES = 100;
const utf8 = new TextEncoder();

/** What the page tells the owner after an action: done, not done by choice, or failed. */
export interface Notice {
  tone: "ok" | "info" | "error";
  text: string;
  /** The server's per-field messages of a 422, in words. */
  details?: string[];
  /** The flow the action made, to open it in the builder. */
  made?: { id: string };
}

export const builderHref = (id: string) => `/flows/edit/?id=${encodeURIComponent(id)}`;

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

export const isConflict = (e: unknown) => e instanceof ApiError && e.status === 409;

/** Copies the flow under the first free name of "(copy)", "(copy 2)"… */
async function duplicated(flow: Flow, listed: Flow[]): Promise<Notice> {
  const what = `Could not duplicate “${flow.name}”.`;
  try {
    const full = await getFlow(flow.id);
    // Names are unique ignoring case: skip those the list already shows, and move on when
    // the server still finds one taken (a flow made since the list was loaded).
    const taken = new Set(listed.map((f) => f.name.toLowerCase()));
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
}

async function exported(flow: Flow): Promise<Notice | null> {
  try {
    const file = await exportFlow(flow.id);
    save(file.blob, file.filename ?? exportFileName(flow.name));
    return null;
  } catch (e) {
    return failure(`Could not export “${flow.name}”.`, e);
  }
}

async function deleted(flow: Flow): Promise<Notice> {
  try {
    await deleteFlow(flow.id);
    return { tone: "ok", text: `Deleted “${flow.name}”.` };
  } catch (e) {
    return failure(`Could not delete “${flow.name}”.`, e);
  }
}

/** The flow a file holds: the body to create it from and its document (to name the steps a
 * refusal is about); or why the file is not a flow. */
async function readFlowFile(file: File, what: string): Promise<{ body: Fields; doc: Fields } | Notice> {
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
  return { body, doc: hasGraph(body) ? body : (body.document as Fields) };
}

/** Creates the file's flow; a name already taken asks the owner for another. */
async function imported(file: File): Promise<Notice> {
  const what = `Could not import “${file.name}”.`;
  const read = await readFlowFile(file, what);
  if (!("body" in read)) return read;
  const { body, doc } = read;
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
}

export function useFlowList() {
  const [flows, setFlows] = useState<Flow[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  /** The action going on ("delete:<id>", "import"), so that one runs at a time. */
  const [busy, setBusy] = useState<string | null>(null);

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

  const remove = (flow: Flow) => {
    const live = flow.published_version !== null ? " Customers stop getting it at once." : "";
    const sure = window.confirm(
      `Delete the flow “${flow.name}”? Its published versions and its run history are deleted with it.${live} This cannot be undone.`,
    );
    if (!sure) return;
    void act(`delete:${flow.id}`, () => deleted(flow));
  };

  return {
    flows,
    loadError,
    notice,
    busy,
    duplicate: (flow: Flow) => act(`duplicate:${flow.id}`, () => duplicated(flow, flows ?? [])),
    exportOne: (flow: Flow) => act(`export:${flow.id}`, () => exported(flow)),
    remove,
    importFile: (file: File) => act("import", () => imported(file)),
  };
}
