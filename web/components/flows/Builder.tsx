"use client";
// The flow builder: the palette, the canvas and a side panel (the selected step, a test of the
// draft, or the version history), around one draft that saves itself. Publishing puts the
// engine's problems on the steps they name; an older version can be viewed read-only and
// restored; the drop-off counts of a chosen period sit on each step.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import { errorText } from "@/lib/api/client";
import {
  flowStats,
  getVersion,
  listFlows,
  type Flow,
  type FlowDocument,
  type FlowStats,
  type NodeType,
  type Problem,
} from "@/lib/api/flowDocs";
import type { FlowRun } from "@/lib/api/flows";
import { isActive } from "@/lib/api/flows";
import { normalize, problemsByNode, tidy } from "@/lib/flowdoc/edit";
import { useMe } from "@/lib/session";
import { Canvas } from "./Canvas";
import { Palette } from "./Palette";
import { Problems } from "./Problems";
import { StepPanel } from "./StepPanel";
import { TestPanel } from "./TestPanel";
import { Toolbar } from "./Toolbar";
import { Versions } from "./Versions";
import { useBuilderActions } from "./useBuilderActions";
import { useDraft } from "./useDraft";

type PanelKind = "step" | "test" | "versions";

/** Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y, except while the owner types in a field. */
function useUndoKeys(undo: () => void, redo: () => void, enabled: boolean) {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      if (!(e.ctrlKey || e.metaKey)) return;
      const k = e.key.toLowerCase();
      if (k === "z" && !e.shiftKey) undo();
      else if ((k === "z" && e.shiftKey) || k === "y") redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo, redo, enabled]);
}

/** An older version on the canvas instead of the draft. */
function useViewing(flowId: string) {
  const [viewing, setViewing] = useState<{ version: number; doc: FlowDocument } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const view = useCallback(
    async (version: number | null) => {
      setError(null);
      if (version === null) return setViewing(null);
      try {
        const v = await getVersion(flowId, version);
        setViewing({ version, doc: normalize(v.document) });
      } catch (e) {
        setError(errorText(e));
      }
    },
    [flowId],
  );
  return { viewing, view, error };
}

function useStats(flowId: string, days: number | null, version: number | null) {
  const [stats, setStats] = useState<FlowStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setError(null);
    if (days === null) return setStats(null);
    let live = true;
    flowStats(flowId, days)
      .then((s) => live && setStats(s))
      .catch((e) => {
        if (!live) return;
        setStats(null);
        setError(`The drop-off counts could not be loaded: ${errorText(e)}`);
      });
    return () => {
      live = false;
    };
  }, [flowId, days, version]);
  return { stats, error };
}

/** The other flows, for the jump steps' names and their flow picker. */
function useOtherFlows(id: string) {
  const [flows, setFlows] = useState<Flow[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listFlows()
      .then((all) => setFlows(all.filter((f) => f.id !== id)))
      .catch((e) => setError(`The other flows could not be loaded (for jump steps): ${errorText(e)}`));
  }, [id]);
  return { flows, error };
}

// While an older version is on the canvas, no problem is shown on it.
const NO_PROBLEMS = new Map<string, Problem[]>();

/** Everything the builder keeps: the draft, the selection, the open panel, a test's run. */
function useBuilder(id: string) {
  const me = useMe();
  const draft = useDraft(id);
  const { flow, doc, change } = draft;
  const { flows, error: flowsError } = useOtherFlows(id);
  const [selected, setSelected] = useState<string | null>(null);
  const [panel, setPanel] = useState<PanelKind>("step");
  const [days, setDays] = useState<number | null>(null);
  const [run, setRun] = useState<FlowRun | null>(null);
  const { viewing, view, error: viewError } = useViewing(id);
  const { publishing, publish, unpublish, restore, notice, error } = useBuilderActions(id, draft, view);
  const { stats, error: statsError } = useStats(id, days, flow?.published_version ?? null);
  const adder = useRef<((type: NodeType) => void) | null>(null);
  const sizes = useRef<() => Map<string, { width: number; height: number }>>(() => new Map());
  const fit = useRef<() => void>(() => undefined);

  const canEdit = me.user.role === "owner";
  const readOnly = !canEdit || viewing !== null;
  const shown = viewing?.doc ?? doc;
  const problems = useMemo(() => problemsByNode(draft.problems ?? []), [draft.problems]);
  // Each poll brings a new run object: the set changes only when the steps it went through do.
  const stepIds = run?.steps.map((s) => s.node_id).join(" ") ?? "";
  const visited = useMemo(() => new Set(stepIds ? stepIds.split(" ") : []), [stepIds]);
  const current = run && isActive(run) ? run.node_id : null;
  useUndoKeys(draft.undo, draft.redo, !readOnly);

  const onSelect = useCallback((nodeId: string | null) => {
    setSelected(nodeId);
    if (nodeId) setPanel((p) => (p === "versions" ? p : "step"));
  }, []);

  const { setProblems } = draft;
  const onProblems = useCallback((p: Problem[]) => setProblems(p.length ? p : null), [setProblems]);
  const onRun = useCallback((r: FlowRun | null) => setRun(r), []);

  return {
    me, draft, flow, doc, change, flows, selected, panel, setPanel, days, setDays, viewing, view, viewError,
    publishing, publish, unpublish, restore, notice, error: error ?? statsError ?? flowsError, stats, adder, sizes, fit, canEdit, readOnly, shown,
    problems, visited, current, onSelect, onProblems, onRun,
  };
}

type BuilderState = ReturnType<typeof useBuilder>;

/** The panel beside the canvas: a test, the versions, or the selected step. */
function SidePanel({ b, id }: { b: BuilderState; id: string }) {
  const { panel, setPanel, draft, flow, viewing, view, problems, flows, readOnly, onSelect, doc, change } = b;
  const node = b.shown.nodes.find((n) => n.id === b.selected) ?? null;
  if (panel === "step" && !node) return null;
  return (
    <aside className="absolute inset-y-0 right-0 z-10 w-full max-w-sm border-l border-zinc-200 bg-white shadow-xl lg:static lg:w-96 lg:max-w-none lg:shadow-none dark:border-zinc-800 dark:bg-zinc-900">
      {panel === "test" && <TestPanel flowId={id} flush={draft.flush} onProblems={b.onProblems} onRun={b.onRun} onClose={() => setPanel("step")} />}
      {panel === "versions" && (
        <Versions flowId={id} live={flow?.published_version ?? null} viewing={viewing?.version ?? null} onView={(v) => void view(v)} onClose={() => setPanel("step")} />
      )}
      {panel === "step" && node && (
        <StepPanel node={node} doc={doc} change={change} problems={problems.get(node.id) ?? []} flows={flows} flowId={id} readOnly={readOnly} onSelect={onSelect} />
      )}
    </aside>
  );
}

export function Builder({ id }: { id: string }) {
  const b = useBuilder(id);
  const { draft, flow, doc, change, viewing, view, problems, canEdit, readOnly, adder, sizes, fit } = b;
  if (draft.loadError) return <p role="alert" className="p-6 text-red-700 dark:text-red-400">{draft.loadError}</p>;
  if (!flow) return <p className="p-6 text-sm text-zinc-500">Loading the flow…</p>;

  return (
    <div className="flex h-full min-h-0 flex-col">
      <Toolbar
        flow={flow}
        canEdit={canEdit}
        save={draft.save}
        canUndo={draft.canUndo && !readOnly}
        canRedo={draft.canRedo && !readOnly}
        onUndo={draft.undo}
        onRedo={draft.redo}
        onTidy={() => {
          change(tidy(doc, sizes.current()));
          fit.current();
        }}
        days={b.days}
        onDays={b.setDays}
        panel={b.panel}
        onPanel={(p) => b.setPanel((old) => (old === p ? "step" : p))}
        publishing={b.publishing}
        onPublish={() => void b.publish()}
        onUnpublish={() => void b.unpublish()}
        onRenamed={draft.setFlow}
      />
      <Problems
        saveError={draft.saveError}
        error={b.error ?? b.viewError}
        notice={b.notice}
        problems={problems.get("") ?? []}
        viewing={viewing?.version ?? null}
        onRestore={canEdit ? (v) => void b.restore(v) : null}
        onBack={() => void view(null)}
      />
      <div className="relative flex min-h-0 flex-1 flex-col lg:flex-row">
        {!readOnly && (
          <div className="border-b border-zinc-200 lg:w-52 lg:border-b-0 lg:border-r dark:border-zinc-800">
            <Palette onAdd={(t) => adder.current?.(t)} />
          </div>
        )}
        <div className="relative min-h-[360px] flex-1">
          <ReactFlowProvider>
            <Canvas
              doc={b.shown}
              change={change}
              readOnly={readOnly}
              problems={viewing ? NO_PROBLEMS : problems}
              stats={b.stats}
              current={b.current}
              visited={b.visited}
              flows={b.flows}
              selected={b.selected}
              onSelect={b.onSelect}
              adder={adder}
              sizes={sizes}
              fit={fit}
            />
          </ReactFlowProvider>
        </div>
        <SidePanel b={b} id={id} />
      </div>
    </div>
  );
}
