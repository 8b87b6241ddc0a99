"use client";
// Above the thread while a flow runs for the customer: which flow, which version, where it is,
// and stopping it (after a confirmation).
import { useRef, useState } from "react";
import type { Role } from "@/lib/api/auth";
import type { FlowRun } from "@/lib/api/flows";
import { useAction } from "@/lib/action";
import { runWhere, versionLabel } from "@/lib/flows";
import { useMe } from "@/lib/session";
import { FormError } from "@/components/Form";

// POST /api/flow-runs/:id/stop is open to every signed-in member of the team.
const MAY_STOP: readonly Role[] = ["owner", "agent"];

function StopFlow({ run, onStop }: { run: FlowRun; onStop: (runId: string) => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run: act } = useAction();
  const stopButton = useRef<HTMLButtonElement>(null);

  function cancel() {
    setConfirming(false);
    // Back where the keyboard was.
    setTimeout(() => stopButton.current?.focus(), 0);
  }

  return (
    <>
      {confirming ? (
        <span className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm stopping the flow">
          <span className="text-xs">Stop {run.flow_name} for this customer?</span>
          <button
            type="button"
            autoFocus
            className="btn bg-red-600 py-1 text-xs text-white hover:bg-red-700"
            disabled={busy}
            onClick={() => void act(() => onStop(run.id)).then(() => setConfirming(false))}
          >
            Yes, stop
          </button>
          <button type="button" className="btn-secondary py-1 text-xs" disabled={busy} onClick={cancel}>
            Cancel
          </button>
        </span>
      ) : (
        <button ref={stopButton} type="button" className="btn-secondary py-1 text-xs" onClick={() => setConfirming(true)}>
          Stop flow
        </button>
      )}
      {error && (
        <div className="basis-full">
          <FormError message={error} />
        </div>
      )}
    </>
  );
}

export function FlowBanner({ run, onStop }: { run: FlowRun; onStop: (runId: string) => Promise<void> }) {
  const me = useMe();
  return (
    <section
      aria-label="Flow"
      data-testid="flow-banner"
      data-run={run.id}
      data-status={run.status}
      className="flex flex-wrap items-center gap-2 border-b border-violet-200 bg-violet-50 px-3 py-1.5 text-violet-900 dark:border-violet-900/60 dark:bg-violet-950/40 dark:text-violet-100"
    >
      <p className="min-w-0 flex-1 text-sm" data-testid="flow-banner-text">
        <span aria-hidden>⚙ </span>
        In flow <strong className="font-semibold">{run.flow_name}</strong> ({versionLabel(run)}) — {runWhere(run)}
      </p>
      {MAY_STOP.includes(me.role) && <StopFlow key={run.id} run={run} onStop={onStop} />}
    </section>
  );
}
