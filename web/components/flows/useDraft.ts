"use client";
// The flow being built: its draft with undo and redo, saved by itself a moment after each
// change (and at once before publishing or testing), and the publishing check's problems,
// checked again after each save once they are on show so that fixing one clears its outline.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "@/lib/api/client";
import { getFlow, publishFlow, updateFlow, validateFlow, type Flow, type FlowDocument, type Problem } from "@/lib/api/flowDocs";
import { normalize } from "@/lib/flowdoc/edit";
import { commit, redo, start, undo, type History } from "@/lib/flowdoc/history";

const SAVE_AFTER_MS = 700;

export type SaveState = "saved" | "unsaved" | "saving" | "error";

/** The flow as the server answered a change to it, with the counts it had: only the list's
 * answers carry them. */
function withCounts(f: Flow) {
  return (old: Flow | null): Flow => ({ ...f, runs_this_week: old?.runs_this_week, completion_rate: old?.completion_rate });
}

/** The publishing check's problems, once it has been asked for. */
function useCheck(id: string) {
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const check = useCallback(async () => {
    const r = await validateFlow(id);
    setProblems(r.problems);
    return r;
  }, [id]);
  return { problems, setProblems, check };
}

/** Saving the draft: what the server has, and a save of the newest document when it differs. */
function useSave(id: string, doc: FlowDocument, setFlow: React.Dispatch<React.SetStateAction<Flow | null>>) {
  const [save, setSave] = useState<SaveState>("saved");
  const [saveError, setSaveError] = useState<string | null>(null);
  // The document the server has, to know whether there is anything to save.
  const saved = useRef<FlowDocument | null>(null);
  const current = useRef(doc);
  current.current = doc;

  /** Saves the draft when it differs from the server's; answers whether it is saved. */
  const flush = useCallback(async (): Promise<boolean> => {
    const d = current.current;
    if (d === saved.current) return true;
    setSave("saving");
    try {
      const f = await updateFlow(id, { document: d });
      saved.current = d;
      setFlow(withCounts(f));
      setSaveError(null);
      setSave(current.current === d ? "saved" : "unsaved");
      return true;
    } catch (e) {
      setSave("error");
      setSaveError(errorText(e));
      return false;
    }
  }, [id, setFlow]);

  // Leaving with a change not saved yet: the browser asks first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (current.current !== saved.current) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);

  return { save, setSave, saveError, saved, flush };
}

/** Saves a moment after each change; while the problems are on show, checks again after. */
function useAutosave(
  flow: Flow | null,
  doc: FlowDocument,
  { saved, setSave, flush }: Pick<ReturnType<typeof useSave>, "saved" | "setSave" | "flush">,
  { problems, check }: Pick<ReturnType<typeof useCheck>, "problems" | "check">,
) {
  const loaded = flow !== null;
  useEffect(() => {
    if (!loaded || doc === saved.current) return;
    setSave("unsaved");
    const timer = setTimeout(() => {
      void flush().then((ok) => {
        if (ok && problems !== null) void check();
      });
    }, SAVE_AFTER_MS);
    return () => clearTimeout(timer);
    // `problems` is read, not watched: a new check is not a change to save.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc, loaded, flush, check]);
}

export function useDraft(id: string) {
  const [flow, setFlow] = useState<Flow | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [history, setHistory] = useState<History>(() => start(normalize(null)));
  const doc = history.present;
  const { save, setSave, saveError, saved, flush } = useSave(id, doc, setFlow);
  const { problems, setProblems, check } = useCheck(id);

  const load = useCallback(async () => {
    try {
      const f = await getFlow(id);
      const d = normalize(f.document);
      saved.current = d;
      setFlow(f);
      setHistory(start(d));
      setSave("saved");
      setLoadError(null);
    } catch (e) {
      setLoadError(errorText(e));
    }
  }, [id, saved, setSave]);

  useEffect(() => void load(), [load]);
  useAutosave(flow, doc, { saved, setSave, flush }, { problems, check });

  const change = useCallback((next: FlowDocument, merge?: string) => setHistory((h) => commit(h, next, merge)), []);

  /** Saves, checks, and publishes when the check finds nothing; answers the problems. */
  /** Saves, checks and publishes; answers the problems that stopped it, or null when the draft
   * could not be saved (the save's error says why). */
  const publish = useCallback(async (): Promise<Problem[] | null> => {
    if (!(await flush())) return null;
    const r = await check();
    if (!r.valid) return r.problems;
    setFlow(withCounts(await publishFlow(id)));
    return [];
  }, [flush, check, id]);

  /** The draft became something the server made (a restored version). */
  const replaced = useCallback(
    (f: Flow) => {
      const d = normalize(f.document);
      saved.current = d;
      setFlow(f);
      setHistory((h) => commit(h, d));
      setSave("saved");
    },
    [saved, setSave],
  );

  return {
    flow,
    setFlow,
    loadError,
    doc,
    change,
    canUndo: history.past.length > 0,
    canRedo: history.future.length > 0,
    undo: () => setHistory(undo),
    redo: () => setHistory(redo),
    save,
    saveError,
    flush,
    problems,
    setProblems,
    check,
    publish,
    replaced,
  };
}
