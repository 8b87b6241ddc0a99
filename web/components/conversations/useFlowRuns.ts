"use client";
// A thread's flow runs with their logs. Runs publish no live event of their own: whatever a run
// does that the customer sees is a message, so the runs are fetched again whenever the thread's
// messages or the conversation change (`changed`), shortly after a run's wait is due, and after
// a stop.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "@/lib/api/client";
import { listFlowRuns, stopFlowRun, type FlowRun } from "@/lib/api/flows";
import { activeRun } from "@/lib/flows";

// Several messages of one turn arrive together: one fetch for all of them.
const SETTLE_MS = 250;
// A wait that is due is resumed by a job: give it a moment.
const AFTER_DUE_MS = 2000;

export function useFlowRuns(conversationId: string, changed: string) {
  const [runs, setRuns] = useState<FlowRun[]>([]);
  const [error, setError] = useState<string | null>(null);
  // Only the latest request may set the runs: an older answer that arrives late is dropped.
  const latest = useRef(0);

  const load = useCallback(async () => {
    // No conversation yet (a test not started): nothing to ask for.
    if (!conversationId) return;
    const ticket = ++latest.current;
    try {
      const items = await listFlowRuns(conversationId);
      if (ticket !== latest.current) return;
      setRuns(items);
      setError(null);
    } catch (e) {
      if (ticket === latest.current) setError(errorText(e));
    }
  }, [conversationId]);

  useEffect(() => {
    setRuns([]);
    setError(null);
  }, [conversationId]);

  useEffect(() => {
    const timer = setTimeout(() => void load(), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [load, changed]);

  const due = activeRun(runs)?.wait_until ?? null;
  useEffect(() => {
    if (!due) return;
    const wait = Math.max(0, Date.parse(due) - Date.now()) + AFTER_DUE_MS;
    // Timers longer than about 24.8 days overflow; a reload happens long before.
    if (wait > 2 ** 31 - 1) return;
    const timer = setTimeout(() => void load(), wait);
    return () => clearTimeout(timer);
  }, [due, load]);

  /** Stops the run, then fetches the runs again whether it stopped or not (a 409: it had
   * ended already). Throws the server's refusal for the caller to show. */
  const stop = useCallback(
    async (runId: string) => {
      try {
        await stopFlowRun(runId);
      } finally {
        await load();
      }
    },
    [load],
  );

  return { runs, error, stop, reload: load };
}
