"use client";
// One step of a flow run, as a compact line among the messages: the flow, the node and its type,
// the edge it took and how long it took. Opening it shows what the step read, the variables it
// set and its error. A failed step is marked in red, in words as well as colour.
import { useId, useState } from "react";
import type { FlowRun, FlowStep } from "@/lib/api/flows";
import { dateTime } from "@/lib/format";
import { entries, stepFailed, stepOutcome } from "@/lib/flows";

function Pairs({ title, pairs, empty }: { title: string; pairs: [string, string][]; empty: string }) {
  return (
    <div>
      <dt className="font-medium text-zinc-700 dark:text-zinc-300">{title}</dt>
      <dd>
        {pairs.length === 0 ? (
          <span className="text-zinc-500 dark:text-zinc-400">{empty}</span>
        ) : (
          <ul>
            {pairs.map(([k, v]) => (
              <li key={k} className="break-words">
                <span className="font-mono">{k}</span>: <span className="whitespace-pre-wrap">{v}</span>
              </li>
            ))}
          </ul>
        )}
      </dd>
    </div>
  );
}

function Details({ id, step }: { id: string; step: FlowStep }) {
  const sent = step.message_ids.length;
  return (
    <dl
      id={id}
      data-testid="flow-step-details"
      className="mt-1 space-y-1 rounded-lg bg-white/70 p-2 text-left text-xs text-zinc-700 dark:bg-black/20 dark:text-zinc-300"
    >
      <Pairs title="Input" pairs={entries(step.input)} empty="Nothing read" />
      <Pairs title="Variables set" pairs={entries(step.changed)} empty="None" />
      {step.error && (
        <div>
          <dt className="font-medium text-red-700 dark:text-red-400">Error</dt>
          <dd role="note" className="whitespace-pre-wrap text-red-700 dark:text-red-400" data-testid="flow-step-error">
            {step.error}
          </dd>
        </div>
      )}
      <div>
        <dt className="sr-only">When</dt>
        <dd className="text-zinc-500 dark:text-zinc-400">
          <time dateTime={step.at}>{dateTime(step.at)}</time>
          {sent > 0 && ` · sent ${sent} message${sent === 1 ? "" : "s"}`}
        </dd>
      </div>
    </dl>
  );
}

export function FlowStepLine({ run, step }: { run: FlowRun; step: FlowStep }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const failed = stepFailed(step);
  const tone = failed ? "text-red-700 dark:text-red-400" : "text-zinc-500 dark:text-zinc-400";
  return (
    <li
      className="flex justify-center"
      data-testid="flow-step"
      data-run={run.id}
      data-node={step.node_id}
      data-outcome={stepOutcome(step)}
      data-failed={failed}
    >
      <div className="max-w-[85%] text-center sm:max-w-[70%]">
        <button
          type="button"
          className={`rounded px-1.5 py-0.5 text-[11px] hover:bg-zinc-200/70 dark:hover:bg-zinc-800 ${tone}`}
          aria-expanded={open}
          aria-controls={open ? id : undefined}
          onClick={() => setOpen(!open)}
        >
          <span aria-hidden>{failed ? "⚠ " : "⚙ "}</span>
          {failed && <span className="font-semibold">Failed: </span>}
          {run.flow_name} · {step.node_id} ({step.node_type}) → {stepOutcome(step)}
          {step.duration_ms > 0 && ` · ${step.duration_ms} ms`}
        </button>
        {open && <Details id={id} step={step} />}
      </div>
    </li>
  );
}
