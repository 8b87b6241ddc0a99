// A conversation's flow runs (/api/conversations/:id/flow-runs), newest first, each with its
// step log; and stopping an active run (/api/flow-runs/:id/stop), which any team member may do.
import { request } from "./client";

export type FlowRunStatus = "running" | "waiting" | "completed" | "handed_off" | "failed" | "expired" | "stopped";

/** One line of a run's log: a node the run went through and what came of it. */
export interface FlowStep {
  seq: number;
  node_id: string;
  node_type: string;
  /** What the step read: the customer's answer ({text, tapped}), a delay, an API's status… */
  input: Record<string, unknown> | null;
  /** The edge it took ("valid", "button:cut", "timeout"…); null when the run ended there. */
  outcome: string | null;
  /** The variables it set. */
  changed: Record<string, unknown>;
  /** The messages it sent. */
  message_ids: string[];
  duration_ms: number;
  error: string | null;
  at: string;
}

export interface FlowRun {
  id: string;
  conversation_id: string;
  flow_id: string;
  flow_name: string;
  /** The published version it runs; 0 for a test of the draft. */
  version: number;
  test: boolean;
  /** The node it is at (or ended at). */
  node_id: string;
  status: FlowRunStatus;
  waiting_for: "answer" | "delay" | null;
  wait_until: string | null;
  variables: Record<string, unknown>;
  error: string | null;
  started_at: string;
  ended_at: string | null;
  steps: FlowStep[];
}

export function isActive(run: FlowRun): boolean {
  return run.status === "running" || run.status === "waiting";
}

/** The conversation's latest runs (up to 20), newest first. */
export async function listFlowRuns(conversationId: string): Promise<FlowRun[]> {
  return (await request<{ items: FlowRun[] }>(`/api/conversations/${conversationId}/flow-runs`)).items;
}

/** Ends an active run as stopped; a run that has ended already is a 409. */
export function stopFlowRun(runId: string): Promise<Omit<FlowRun, "steps">> {
  return request<Omit<FlowRun, "steps">>(`/api/flow-runs/${runId}/stop`, { method: "POST" });
}
