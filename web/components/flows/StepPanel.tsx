"use client";
// The side panel of the selected step: its id, every option of its type (StepEditor), where
// each of its outcomes goes (the same arrows as on the canvas, reachable by keyboard), and
// duplicating or deleting it.
import { useEffect, useState } from "react";
import type { Config, Flow, FlowDocument, FlowNode, Problem } from "@/lib/api/flowDocs";
import { outcomesOf, stepKind, takesEdges } from "@/lib/flowdoc/catalog";
import { connect, disconnect, duplicateNodes, removeElements, renameNode, setConfig } from "@/lib/flowdoc/edit";
import { KindIcon } from "./KindIcon";
import { StepEditor } from "./StepEditor";

interface Props {
  node: FlowNode;
  doc: FlowDocument;
  change: (doc: FlowDocument, merge?: string) => void;
  problems: Problem[];
  flows: Flow[];
  flowId: string;
  readOnly: boolean;
  onSelect: (id: string | null) => void;
}

function IdField({ node, doc, change, readOnly, onSelect }: Props) {
  const [text, setText] = useState(node.id);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(node.id);
    setError(null);
  }, [node.id]);
  function rename() {
    const next = renameNode(doc, node.id, text.trim());
    if (typeof next === "string") return setError(next);
    setError(null);
    if (next !== doc) {
      change(next);
      onSelect(text.trim());
    }
  }
  return (
    <div>
      <label className="block text-xs font-medium text-zinc-600 dark:text-zinc-400" htmlFor="step-id">
        Step id
      </label>
      <input
        id="step-id"
        className="input font-mono text-xs"
        value={text}
        readOnly={readOnly}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "step-id-error" : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={rename}
        onKeyDown={(e) => e.key === "Enter" && rename()}
      />
      {error && (
        <p id="step-id-error" className="mt-0.5 text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

function Connections({ node, doc, change, readOnly }: Props) {
  const outcomes = outcomesOf(node, doc.edges);
  if (outcomes.length === 0) return <p className="text-xs text-zinc-500 dark:text-zinc-400">Nothing follows this step: the flow ends here.</p>;
  const targets = doc.nodes.filter((n) => n.id !== node.id && takesEdges(n.type));
  return (
    <fieldset className="space-y-1.5" data-testid="connections">
      <legend className="mb-1 text-xs font-semibold">Where each outcome goes</legend>
      {outcomes.map((o) => {
        const edge = doc.edges.find((e) => e.source === node.id && e.when === o.when);
        const id = `goes-${o.when}`;
        return (
          <div key={o.when} className="flex items-center gap-2">
            <label htmlFor={id} className={`w-28 shrink-0 truncate text-xs ${o.stale ? "text-red-700 dark:text-red-400" : ""}`} title={o.when}>
              {o.label}
            </label>
            <select
              id={id}
              className="input py-1 text-xs"
              disabled={readOnly}
              aria-label={`After ${o.label}, go to`}
              value={edge?.target ?? ""}
              onChange={(e) =>
                change(e.target.value ? connect(doc, node.id, o.when, e.target.value) : disconnect(doc, node.id, o.when))
              }
            >
              <option value="">— nowhere —</option>
              {targets.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.id} ({stepKind(t.type).label})
                </option>
              ))}
              {node.type === "question" && <option value={node.id}>{node.id} (this step again)</option>}
            </select>
          </div>
        );
      })}
    </fieldset>
  );
}

export function StepPanel(props: Props) {
  const { node, doc, change, problems, flows, flowId, readOnly, onSelect } = props;
  const kind = stepKind(node.type);
  return (
    <section aria-label={`Step ${node.id}`} className="flex h-full flex-col gap-3 overflow-y-auto p-3" data-testid="step-panel">
      <div className="flex items-center gap-2">
        <KindIcon kind={kind} size="h-7 w-7 text-sm" />
        <div className="min-w-0 flex-1">
          <h2 className="text-sm font-semibold">{kind.label}</h2>
          <p className="text-xs text-zinc-500 dark:text-zinc-400">{kind.hint}</p>
        </div>
        <button type="button" className="btn-secondary px-2 py-1" aria-label="Close the step" onClick={() => onSelect(null)}>
          ✕
        </button>
      </div>
      <IdField {...props} />
      <StepEditor
        key={node.id}
        node={node}
        doc={doc}
        flows={flows}
        flowId={flowId}
        problems={problems}
        readOnly={readOnly}
        onChange={(config: Config) => change(setConfig(doc, node.id, config), `config:${node.id}`)}
      />
      <Connections {...props} />
      {!readOnly && (
        <div className="flex gap-2 border-t border-zinc-200 pt-3 dark:border-zinc-800">
          <button
            type="button"
            className="btn-secondary py-1"
            onClick={() => {
              const r = duplicateNodes(doc, [node.id]);
              change(r.doc);
              onSelect(r.ids[0] ?? null);
            }}
          >
            Duplicate step
          </button>
          <button
            type="button"
            className="btn-secondary py-1 text-red-700 dark:text-red-400"
            onClick={() => {
              change(removeElements(doc, [node.id], []));
              onSelect(null);
            }}
          >
            Delete step
          </button>
        </div>
      )}
    </section>
  );
}
