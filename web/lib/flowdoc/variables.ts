// The variables a step may name in {{…}} (docs/flows.md, Variables): BotFlow's own, and those
// the flow's steps store; and inserting a reference at the cursor of a text field.
import type { FlowDocument } from "@/lib/api/flowDocs";
import { arr, obj, str } from "./json";

export interface VariableInfo {
  name: string;
  /** Where it comes from, in words. */
  about: string;
}

export const BUILTIN_VARIABLES: VariableInfo[] = [
  { name: "customer.name", about: "The customer's name" },
  { name: "customer.phone", about: "Their phone number" },
  { name: "customer.wa_id", about: "Their WhatsApp id" },
  { name: "business.name", about: "Your business's name" },
  { name: "business.hours", about: "Your opening hours, written out" },
  { name: "business.language", about: "Your business's language" },
  { name: "message.text", about: "The customer's last message" },
  { name: "conversation.id", about: "The conversation's id" },
  { name: "conversation.status", about: "The conversation's status" },
  { name: "conversation.tags", about: "The conversation's tags" },
  { name: "conversation.notes", about: "The team's notes" },
  { name: "flow.name", about: "This flow's name" },
];

/** The variables the flow's steps store, each once, with the step that stores it. */
export function storedVariables(doc: FlowDocument): VariableInfo[] {
  const out = new Map<string, VariableInfo>();
  const add = (name: string, about: string) => {
    if (name && !out.has(name)) out.set(name, { name, about });
  };
  for (const n of doc.nodes) {
    const c = n.config;
    if (n.type === "question") {
      add(str(c.store_as), `The answer to ${n.id}`);
      add(str(c.score_as), `The score ${n.id} adds points to`);
    }
    if (n.type === "set_variable") for (const a of arr(c.assignments)) add(str(obj(a).name), `Set by ${n.id}`);
    if (n.type === "api_call") {
      add(str(c.response_variable), `The answer of ${n.id}`);
      add(str(c.status_variable), `The HTTP status of ${n.id}'s answer`);
      for (const f of arr(c.fields)) add(str(obj(f).variable), `From the answer of ${n.id}`);
    }
  }
  return [...out.values()];
}

/** Everything a step of this flow may name, the flow's own first. */
export function variablesOf(doc: FlowDocument): VariableInfo[] {
  return [...storedVariables(doc), ...BUILTIN_VARIABLES];
}

/** The text with `{{name}}` put in place of the selection; answers it with the cursor after. */
export function insertReference(text: string, start: number, end: number, name: string): { text: string; cursor: number } {
  const ref = `{{${name}}}`;
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  return { text: text.slice(0, s) + ref + text.slice(e), cursor: s + ref.length };
}

/** WhatsApp counts characters, not UTF-16 units: an emoji is one. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
