// Undo and redo of the builder: every document the owner made, in order. Typing into one field
// is one step of the history, not one per key: a change with the same `merge` key as the one
// before, soon after it, replaces it.
import type { FlowDocument } from "@/lib/api/flowDocs";

export interface History {
  past: FlowDocument[];
  present: FlowDocument;
  future: FlowDocument[];
  /** What the newest change was, and when, for merging the next one into it. */
  last: { key: string; at: number } | null;
}

/** How far back undo reaches. */
export const DEPTH = 200;
/** Changes to one field closer together than this are one step. */
export const MERGE_MS = 1200;

export function start(doc: FlowDocument): History {
  return { past: [], present: doc, future: [], last: null };
}

export function commit(h: History, doc: FlowDocument, merge?: string, now = Date.now()): History {
  if (doc === h.present) return h;
  if (merge && h.last && h.last.key === merge && now - h.last.at < MERGE_MS) {
    return { ...h, present: doc, future: [], last: { key: merge, at: now } };
  }
  const past = [...h.past, h.present].slice(-DEPTH);
  return { past, present: doc, future: [], last: merge ? { key: merge, at: now } : null };
}

export function undo(h: History): History {
  const prev = h.past[h.past.length - 1];
  if (!prev) return h;
  return { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future], last: null };
}

export function redo(h: History): History {
  const next = h.future[0];
  if (!next) return h;
  return { past: [...h.past, h.present], present: next, future: h.future.slice(1), last: null };
}
