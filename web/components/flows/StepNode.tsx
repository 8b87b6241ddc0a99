"use client";
// One step on the canvas: its type and id, what it says, one labelled handle per outcome on
// its right (an edge leaves from the outcome that takes it), and what the builder knows of it:
// the publishing check's problems (a red outline and the messages), the drop-off counts, and
// whether a test is at this step now.
import { memo } from "react";
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import type { FlowNode, NodeStats, Problem } from "@/lib/api/flowDocs";
import { stepKind, takesEdges, type Outcome } from "@/lib/flowdoc/catalog";
import { KindIcon } from "./KindIcon";

export interface StepData extends Record<string, unknown> {
  step: FlowNode;
  summary: string;
  outcomes: Outcome[];
  problems: Problem[];
  /** Present when the drop-off counts are shown. */
  stats: NodeStats | null;
  /** A test's run is at this step now. */
  current: boolean;
  /** A test's run went through this step. */
  visited: boolean;
}

export type StepNodeType = Node<StepData, "step">;

function Counts({ stats }: { stats: NodeStats }) {
  return (
    <span
      className="rounded-full bg-sky-100 px-1.5 text-[10px] font-medium text-sky-800 dark:bg-sky-900/60 dark:text-sky-200"
      data-testid="step-entered"
      title="How many times runs came to this step in the period"
    >
      {stats.entered} in
    </span>
  );
}

function OutcomeRow({ o, count }: { o: Outcome; count: number | null }) {
  return (
    <li className="relative flex items-center justify-end gap-1.5 py-0.5 pr-3 text-[11px]" data-testid="outcome" data-when={o.when}>
      {count !== null && (
        <span className="rounded bg-zinc-100 px-1 tabular-nums text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300" data-testid="outcome-count">
          {count}
        </span>
      )}
      <span className={`truncate ${o.stale ? "text-red-600 line-through dark:text-red-400" : "text-zinc-600 dark:text-zinc-300"}`} title={o.stale ? "The step no longer has this outcome: reconnect or delete the arrow" : o.when}>
        {o.label}
      </span>
      <Handle
        type="source"
        position={Position.Right}
        id={o.when}
        aria-label={`Outcome ${o.label}`}
        className="!h-3 !w-3 !border-2 !border-white !bg-brand-600 dark:!border-zinc-900"
        style={{ right: -6 }}
      />
    </li>
  );
}

function StepNodeView({ data, selected }: NodeProps<StepNodeType>) {
  const { step, summary, outcomes, problems, stats, current, visited } = data;
  const kind = stepKind(step.type);
  const ring = problems.length
    ? "border-red-500 ring-2 ring-red-500/40"
    : current
      ? "border-amber-500 ring-4 ring-amber-400/60"
      : selected
        ? "border-brand-600 ring-2 ring-brand-500/40"
        : visited
          ? "border-amber-300 dark:border-amber-700"
          : "border-zinc-300 dark:border-zinc-700";
  return (
    <div
      className={`w-60 rounded-xl border bg-white text-zinc-900 shadow-sm dark:bg-zinc-900 dark:text-zinc-100 ${ring}`}
      data-testid="step-node"
      data-step={step.id}
      data-type={step.type}
      data-invalid={problems.length ? "true" : undefined}
      data-current={current ? "true" : undefined}
    >
      {takesEdges(step.type) && (
        <Handle type="target" position={Position.Left} aria-label={`Into ${step.id}`} className="!h-3 !w-3 !border-2 !border-white !bg-zinc-500 dark:!border-zinc-900" />
      )}
      <div className="flex items-center gap-2 px-2.5 pt-2">
        <KindIcon kind={kind} size="h-6 w-6 shrink-0 text-xs" />
        <div className="min-w-0 flex-1">
          <p className="truncate text-xs font-semibold">{kind.label}</p>
          <p className="truncate font-mono text-[10px] text-zinc-500 dark:text-zinc-400">{step.id}</p>
        </div>
        {stats && <Counts stats={stats} />}
      </div>
      <p className="line-clamp-3 break-words px-2.5 py-1.5 text-xs text-zinc-700 dark:text-zinc-300">{summary}</p>
      {problems.length > 0 && (
        <ul className="mx-2 mb-1.5 space-y-0.5 rounded-md bg-red-50 px-2 py-1 text-[11px] text-red-800 dark:bg-red-950/60 dark:text-red-300" data-testid="step-problems">
          {problems.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      )}
      {outcomes.length > 0 && (
        <ul className="border-t border-zinc-100 py-1 dark:border-zinc-800">
          {outcomes.map((o) => (
            <OutcomeRow key={o.when} o={o} count={stats ? (stats.outcomes[o.when] ?? 0) : null} />
          ))}
        </ul>
      )}
    </div>
  );
}

export const StepNode = memo(StepNodeView);
