// What the thread shows of flow runs: the active run, each step's one-line summary, and the steps
// placed among the messages by time. Pure, so that the order can be reasoned about on its own.
import { isActive, type FlowRun, type FlowStep } from "./api/flows";
import type { Message } from "./api/messages";

export type ThreadItem =
  | { kind: "message"; message: Message }
  | { kind: "step"; run: FlowRun; step: FlowStep; key: string };

/** The run that is going on (running or waiting), if any: at most one per conversation. */
export function activeRun(runs: FlowRun[]): FlowRun | null {
  return runs.find(isActive) ?? null;
}

export function versionLabel(run: FlowRun): string {
  return run.test ? "a test of the draft" : `v${run.version}`;
}

/** "waiting for an answer at service", "running at check", "waiting (a delay) at pause". */
export function runWhere(run: FlowRun): string {
  if (run.status === "running") return `running at ${run.node_id}`;
  const what = run.waiting_for === "delay" ? "waiting for a delay to pass" : "waiting for an answer";
  return `${what} at ${run.node_id}`;
}

/** A step that failed, or the step a failed run ended on. */
export function stepFailed(step: FlowStep): boolean {
  return step.error !== null || step.outcome === "failed";
}

/** Where the step led: the edge it took, or the end of the run. */
export function stepOutcome(step: FlowStep): string {
  return step.outcome ?? "end";
}

/** A variable's value as one line: strings as they are, anything else as JSON. */
export function valueText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  return JSON.stringify(v);
}

/** The entries of a step's input or changed variables, for the expanded line. */
export function entries(o: Record<string, unknown> | null | undefined): [string, string][] {
  if (!o || typeof o !== "object") return [];
  return Object.entries(o).map(([k, v]) => [k, valueText(v)]);
}

type Key = [number, number, number, number, number];

function ms(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

function before(a: Key, b: Key): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

interface Placed {
  steps: { item: ThreadItem; key: Key }[];
  /** A message a step sent sits right after that step. */
  sentBy: Map<string, Key>;
}

function placeSteps(runs: FlowRun[]): Placed {
  const steps: Placed["steps"] = [];
  const sentBy = new Map<string, Key>();
  // Oldest run first: a jump ends one run and starts the next in the same moment.
  [...runs].reverse().forEach((run, r) => {
    for (const step of run.steps) {
      const t = ms(step.at);
      steps.push({ item: { kind: "step", run, step, key: `${run.id}:${step.seq}` }, key: [t, 1, r, step.seq, 0] });
      step.message_ids.forEach((id, i) => sentBy.set(id, [t, 1, r, step.seq, 1 + i]));
    }
  });
  steps.sort((a, b) => (before(a.key, b.key) ? -1 : before(b.key, a.key) ? 1 : 0));
  return { steps, sentBy };
}

/**
 * The messages in their own order with the runs' steps merged in by time. A message a step sent
 * follows that step; a customer's message that started a run comes before its first step. Steps
 * older than the first message on screen wait until the earlier messages are loaded (`complete`
 * false).
 */
export function threadItems(messages: Message[], runs: FlowRun[], complete: boolean): ThreadItem[] {
  const { steps, sentBy } = placeSteps(runs);
  const keyOf = (m: Message): Key => sentBy.get(m.id) ?? [ms(m.created_at), 0, 0, 0, 0];
  const first = messages[0];
  const from = !complete && first ? keyOf(first) : null;
  const out: ThreadItem[] = [];
  let s = steps.findIndex((x) => !from || !before(x.key, from));
  if (s < 0) s = steps.length;
  for (const m of messages) {
    const k = keyOf(m);
    while (s < steps.length && before(steps[s]!.key, k)) out.push(steps[s++]!.item);
    out.push({ kind: "message", message: m });
  }
  while (s < steps.length) out.push(steps[s++]!.item);
  return out;
}
