// Every step type of the flow engine (docs/flows.md), as the builder shows it: its name in
// words, what it is for, the config a new step starts with, and the outcomes it can take, each
// of which is a handle an edge leaves from. Pure, so that the builder and its tests agree with
// the engine on one table.
import type { Config, FlowEdge, FlowNode, NodeType } from "@/lib/api/flowDocs";
import { arr, obj, str, type Fields } from "./json";

export interface StepKind {
  type: NodeType;
  label: string;
  /** One line for the palette. */
  hint: string;
  /** A letter or symbol for the step's badge. */
  icon: string;
  /** The badge's colour (Tailwind classes, light and dark). */
  tone: string;
  /** The config a step of this type starts with. */
  initial: () => Config;
}

const tones = {
  start: "bg-emerald-600 text-white",
  say: "bg-sky-600 text-white",
  ask: "bg-violet-600 text-white",
  logic: "bg-amber-500 text-white",
  out: "bg-rose-600 text-white",
  ext: "bg-zinc-700 text-white dark:bg-zinc-500",
};

export const STEP_KINDS: StepKind[] = [
  {
    type: "trigger",
    label: "Trigger",
    hint: "Starts the flow on a keyword, a tap, an intent…",
    icon: "▶",
    tone: tones.start,
    initial: () => ({ kind: "keyword", keywords: [] }),
  },
  {
    type: "message",
    label: "Message",
    hint: "Sends text, media, buttons or a list",
    icon: "✉",
    tone: tones.say,
    initial: () => ({ message: { type: "text", text: "" } }),
  },
  {
    type: "question",
    label: "Question",
    hint: "Asks, checks the answer and keeps it",
    icon: "?",
    tone: tones.ask,
    initial: () => ({ prompt: { type: "text", text: "" }, answer: "text" }),
  },
  {
    type: "condition",
    label: "Condition",
    hint: "Chooses a way on the answers or the opening hours",
    icon: "⋔",
    tone: tones.logic,
    initial: () => ({ check: "variables", match: "all", rules: [{ variable: "", op: "equals", value: "" }] }),
  },
  {
    type: "set_variable",
    label: "Set variable",
    hint: "Stores values for later steps",
    icon: "=",
    tone: tones.logic,
    initial: () => ({ assignments: [{ name: "", value: "" }] }),
  },
  {
    type: "save",
    label: "Save to the conversation",
    hint: "Keeps answers as fields, tags or a note",
    icon: "⤓",
    tone: tones.logic,
    initial: () => ({ fields: [{ name: "", value: "" }] }),
  },
  {
    type: "wait",
    label: "Wait",
    hint: "Pauses before the next step",
    icon: "◷",
    tone: tones.logic,
    initial: () => ({ seconds: 60 }),
  },
  {
    type: "ai_response",
    label: "AI answer",
    hint: "Answers with the AI from your knowledge",
    icon: "✦",
    tone: tones.say,
    initial: () => ({ instructions: "" }),
  },
  {
    type: "api_call",
    label: "API call",
    hint: "Calls your own system and keeps its answer",
    icon: "⇄",
    tone: tones.ext,
    initial: () => ({ method: "GET", url: "https://" }),
  },
  {
    type: "handoff",
    label: "Hand to a person",
    hint: "Gives the conversation to the team, with a note",
    icon: "☺",
    tone: tones.out,
    initial: () => ({ note: "" }),
  },
  {
    type: "jump",
    label: "Go to flow",
    hint: "Continues in another published flow",
    icon: "↪",
    tone: tones.out,
    initial: () => ({ flow_id: "" }),
  },
  {
    type: "end",
    label: "End",
    hint: "Ends the flow",
    icon: "■",
    tone: tones.out,
    initial: () => ({}),
  },
];

const BY_TYPE = new Map(STEP_KINDS.map((k) => [k.type, k]));

export function stepKind(type: NodeType): StepKind {
  return BY_TYPE.get(type) ?? STEP_KINDS[1]!;
}

/** One handle of a step: the outcome an edge from it takes, and what the builder calls it. */
export interface Outcome {
  when: string;
  label: string;
  /** An outcome the step no longer has (a removed button) that an edge still leaves from. */
  stale?: boolean;
}

/** One button or list row a question's prompt offers: its id, and the title the customer reads. */
export interface Choice {
  kind: "button" | "row";
  id: string;
  title: string;
}

/** The buttons or list rows of a question's prompt, in order; those without an id are left out. */
export function choicesOf(prompt: Fields): Choice[] {
  const choice = (kind: Choice["kind"], item: unknown): Choice[] => {
    const id = str(obj(item).id);
    return id ? [{ kind, id, title: str(obj(item).title) }] : [];
  };
  if (str(prompt.type) === "buttons") return arr(prompt.buttons).flatMap((b) => choice("button", b));
  if (str(prompt.type) === "list") return arr(prompt.sections).flatMap((s) => arr(obj(s).rows).flatMap((r) => choice("row", r)));
  return [];
}

/** The buttons or list rows of a question's prompt: their outcomes, titled. */
function choiceOutcomes(prompt: Fields): Outcome[] {
  return choicesOf(prompt).map((c) => ({ when: `${c.kind}:${c.id}`, label: c.title || c.id }));
}

/** The outcomes the engine gives a step of this type and config, in the order shown. */
export function ownOutcomes(type: NodeType, config: Config): Outcome[] {
  switch (type) {
    case "trigger":
    case "message":
    case "set_variable":
    case "wait":
    case "ai_response":
    case "save":
      return [{ when: "default", label: "next" }];
    case "question":
      return [
        ...choiceOutcomes(obj(config.prompt)),
        { when: "valid", label: choiceOutcomes(obj(config.prompt)).length ? "any choice" : "answered" },
        { when: "invalid", label: "invalid" },
        { when: "timeout", label: "timeout" },
      ];
    case "condition":
      return str(config.check) === "business_hours"
        ? [
            { when: "in_hours", label: "open" },
            { when: "out_of_hours", label: "closed" },
          ]
        : [
            { when: "true", label: "yes" },
            { when: "false", label: "no" },
          ];
    case "api_call":
      return [
        { when: "2xx", label: "success (2xx)" },
        { when: "error", label: "error" },
      ];
    default:
      return [];
  }
}

/** The step's handles: its own outcomes, then `default` and any outcome an edge still names
 * that the step no longer has, so that no edge is ever drawn from nowhere. */
export function outcomesOf(node: FlowNode, edges: FlowEdge[]): Outcome[] {
  const own = ownOutcomes(node.type, node.config);
  const known = new Set(own.map((o) => o.when));
  const extra: Outcome[] = [];
  for (const e of edges) {
    if (e.source !== node.id || known.has(e.when)) continue;
    known.add(e.when);
    const isDefault = e.when === "default" && own.length > 0;
    extra.push(isDefault ? { when: "default", label: "anything else" } : { when: e.when, label: e.when, stale: true });
  }
  return [...own, ...extra];
}

/** Whether steps of this type may be the target of an edge (a trigger is only ever a start). */
export function takesEdges(type: NodeType): boolean {
  return type !== "trigger";
}

/** A node id that the flow does not have yet: "question_3". */
export function freshNodeId(type: NodeType, taken: Iterable<string>): string {
  const ids = new Set(taken);
  for (let n = 1; ; n++) {
    const id = `${type}_${n}`;
    if (!ids.has(id)) return id;
  }
}

export const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
