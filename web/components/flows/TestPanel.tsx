"use client";
// Trying the draft: a new simulated customer, a run of the draft as it is saved (not the
// published version) from its first trigger, the phone to answer it on, and the run's log
// under it. The step the run is at is reported up, for the canvas to highlight.
import { useEffect, useMemo, useState } from "react";
import { ApiError, errorText } from "@/lib/api/client";
import { testFlow, type Problem } from "@/lib/api/flowDocs";
import { openSimulatorConversation } from "@/lib/api/simulator";
import { isActive, type FlowRun } from "@/lib/api/flows";
import { runWhere } from "@/lib/flows";
import { FlowStepLine } from "@/components/conversations/FlowStepLine";
import { useFlowRuns } from "@/components/conversations/useFlowRuns";
import { Phone } from "@/components/simulator/Phone";
import { randomPhone, useSimulation } from "@/components/simulator/useSimulation";

const STATUS_TEXT: Record<FlowRun["status"], string> = {
  running: "Running",
  waiting: "Waiting",
  completed: "Completed",
  handed_off: "Handed to a person",
  failed: "Failed",
  expired: "Expired",
  stopped: "Stopped",
};

export interface TestProps {
  flowId: string;
  /** Saves the draft first; false when it could not be saved. */
  flush: () => Promise<boolean>;
  /** The draft has problems: the canvas shows them, and the test does not start. */
  onProblems: (problems: Problem[]) => void;
  onRun: (run: FlowRun | null) => void;
  onClose: () => void;
}

function RunLog({ run }: { run: FlowRun }) {
  return (
    <section aria-label="Run log" className="space-y-1" data-testid="test-run" data-status={run.status}>
      <p className="text-xs text-zinc-600 dark:text-zinc-300">
        <span className="font-medium" data-testid="test-run-status">
          {STATUS_TEXT[run.status]}
        </span>
        {isActive(run) ? ` · ${runWhere(run)}` : ""}
        {run.error ? ` · ${run.error}` : ""}
      </p>
      <ol className="max-h-56 space-y-0.5 overflow-y-auto rounded-lg bg-zinc-100 p-1 dark:bg-zinc-800/60">
        {run.steps.map((s) => (
          <FlowStepLine key={s.seq} run={run} step={s} />
        ))}
      </ol>
    </section>
  );
}

export function TestPanel({ flowId, flush, onProblems, onRun, onClose }: TestProps) {
  const [phone, setPhone] = useState("");
  const sim = useSimulation({ phone, name: "Test customer" });
  const [runId, setRunId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const last = sim.messages[sim.messages.length - 1];
  // A run moves on when a message comes (its question, the customer's answer), not when one is
  // delivered or read.
  const { runs, error: runsError } = useFlowRuns(sim.conversationId ?? "", `${sim.messages.length}:${last?.id ?? ""}:${runId}`);
  const run = useMemo(() => runs.find((r) => r.id === runId) ?? null, [runs, runId]);

  useEffect(() => onRun(run), [run, onRun]);
  useEffect(() => () => onRun(null), [onRun]);

  async function begin() {
    setStarting(true);
    setError(null);
    try {
      if (!(await flush())) throw new Error("The draft could not be saved: see the message above the canvas.");
      const p = randomPhone();
      setPhone(p);
      const conversation = await openSimulatorConversation({ phone: p, name: "Test customer" });
      await sim.adopt(conversation.id);
      setRunId(await testFlow(flowId, conversation.id));
      onProblems([]);
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) onProblems(e.problems);
      setError(errorText(e));
    } finally {
      setStarting(false);
    }
  }

  return (
    <section aria-label="Test the draft" className="flex h-full flex-col gap-2 overflow-y-auto p-3" data-testid="test-panel">
      <div className="flex items-center gap-2">
        <h2 className="text-sm font-semibold">Test the draft</h2>
        <button type="button" className="btn-primary ml-auto py-1" onClick={() => void begin()} disabled={starting}>
          {runId ? "Restart test" : "Start test"}
        </button>
        <button type="button" className="btn-secondary py-1" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Runs the draft as it is now, from its first trigger, with a new test customer. Nothing is sent to WhatsApp, and
        tests are left out of the counters.
      </p>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 p-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">
          {error}
        </p>
      )}
      {sim.conversationId && (
        <div className="flex flex-col items-center gap-2 [&_[data-testid=phone]]:h-[460px]">
          <Phone
            messages={sim.messages}
            streaming={sim.streaming}
            error={sim.error}
            sending={sim.sending}
            canWrite
            onWrite={sim.write}
            onChoose={sim.tap}
          />
        </div>
      )}
      {runsError && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          The run log could not be loaded: {runsError}
        </p>
      )}
      {run && <RunLog run={run} />}
    </section>
  );
}
