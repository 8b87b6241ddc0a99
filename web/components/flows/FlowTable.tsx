"use client";
// The flows as a table on a wide screen and as cards on a narrow one: each with its status,
// what starts it, this week's runs and how many completed, when it was last edited, and the
// actions on it (an agent may only export, which only reads).
import Link from "next/link";
import type { Flow } from "@/lib/api/flowDocs";
import { dateTime, timeShort } from "@/lib/format";
import { completionLabel, statusLabel, triggerSummary } from "@/lib/flowdoc/summary";
import { builderHref } from "./useFlowList";

export interface RowActions {
  onDuplicate: (flow: Flow) => void;
  onExport: (flow: Flow) => void;
  onDelete: (flow: Flow) => void;
}

const cell = "md:table-cell md:px-4 md:py-3 md:align-top";
/** A cell's own label, for the card a row is on a narrow screen. */
const small = "text-xs text-zinc-500 md:hidden dark:text-zinc-400";

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

/** One action on a flow, named after the flow for screen readers, that says so while it runs;
 * none starts while another runs. */
function RowAction({ verb, going, flow, busy, danger, onClick }: {
  verb: "Duplicate" | "Export" | "Delete";
  going: string;
  flow: Flow;
  busy: string | null;
  danger?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={
        danger
          ? "btn px-2 py-1 text-xs text-red-700 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-950"
          : "btn-secondary px-2 py-1 text-xs"
      }
      aria-label={`${verb} ${flow.name}`}
      disabled={busy !== null}
      onClick={onClick}
    >
      {busy === `${verb.toLowerCase()}:${flow.id}` ? going : verb}
    </button>
  );
}

/** A count of the row, right-aligned in the table. */
function Figure({ label, testId, children }: { label: string; testId: string; children: React.ReactNode }) {
  return (
    <td role="cell" className={`${cell} md:text-right`}>
      <span className={small}>{label} </span>
      <span className="tabular-nums" data-testid={testId}>
        {children}
      </span>
    </td>
  );
}

/** One flow: a table row on a wide screen, a card on a narrow one (the same element, so that
 * each flow is on the page once). */
function FlowRow({ flow, owner, busy, actions }: { flow: Flow; owner: boolean; busy: string | null; actions: RowActions }) {
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
      <Figure label="Runs this week" testId="flow-runs">
        {flow.runs_this_week ?? 0}
      </Figure>
      <Figure label="Completion" testId="flow-completion">
        {completionLabel(flow)}
      </Figure>
      <td role="cell" className={`col-span-2 ${cell} md:whitespace-nowrap`}>
        <span className={small}>Last edited </span>
        <time dateTime={flow.draft_updated_at} title={dateTime(flow.draft_updated_at)}>
          {timeShort(flow.draft_updated_at)}
        </time>
      </td>
      <td role="cell" className={`col-span-2 ${cell}`}>
        <div className="flex flex-wrap gap-1.5 md:justify-end">
          {owner && <RowAction verb="Duplicate" going="Duplicating…" flow={flow} busy={busy} onClick={() => actions.onDuplicate(flow)} />}
          <RowAction verb="Export" going="Exporting…" flow={flow} busy={busy} onClick={() => actions.onExport(flow)} />
          {owner && <RowAction verb="Delete" going="Deleting…" flow={flow} busy={busy} danger onClick={() => actions.onDelete(flow)} />}
        </div>
      </td>
    </tr>
  );
}

/** The table's columns: a name, and whether its figures are right-aligned. */
const COLUMNS: [string, boolean][] = [
  ["Flow", false],
  ["Status", false],
  ["Starts on", false],
  ["Runs this week", true],
  ["Completion", true],
  ["Last edited", false],
];

export function FlowTable({ flows, owner, busy, actions }: { flows: Flow[]; owner: boolean; busy: string | null; actions: RowActions }) {
  return (
    <section className="card overflow-hidden" aria-labelledby="flows-table-title">
      <h2 id="flows-table-title" className="sr-only">
        All flows ({flows.length})
      </h2>
      <table role="table" aria-labelledby="flows-table-title" className="block w-full text-sm md:table" data-testid="flows">
        <thead role="rowgroup" className="hidden border-b border-zinc-200 bg-zinc-50 text-left text-xs text-zinc-500 md:table-header-group dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
          <tr role="row">
            {COLUMNS.map(([name, right]) => (
              <th key={name} role="columnheader" scope="col" className={right ? "px-4 py-2 text-right font-medium" : "px-4 py-2 font-medium"}>
                {name}
              </th>
            ))}
            <th role="columnheader" scope="col" className="px-4 py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody role="rowgroup" className="block md:table-row-group">
          {flows.map((f) => (
            <FlowRow key={f.id} flow={f} owner={owner} busy={busy} actions={actions} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
