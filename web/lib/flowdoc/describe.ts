// What a step says or does, in one short line for its box on the canvas.
import type { FlowNode } from "@/lib/api/flowDocs";
import { arr, obj, str, type Fields } from "./json";

/** The words of a message as the customer reads them first. */
function messageWords(m: Fields): string {
  const type = str(m.type) || "text";
  if (type === "text") return str(m.text);
  if (type === "buttons" || type === "list") return str(m.body);
  if (type === "template") return `Template ${str(m.name)}`;
  return str(m.caption) || `A ${type}`;
}

function triggerLine(c: Fields): string {
  switch (str(c.kind)) {
    case "keyword":
      return arr(c.keywords).map(str).filter(Boolean).join(", ") || "No keyword yet";
    case "regex":
      return str(c.pattern) ? `/${str(c.pattern)}/` : "No pattern yet";
    case "payload":
      return `Tap on ${arr(c.payloads).map(str).join(", ") || "…"}`;
    case "first_message":
      return "The customer's first message";
    case "intent":
      return str(c.description) || "No intent described yet";
    case "any":
      return "Any message";
    default:
      return "Choose what starts the flow";
  }
}

/** What a save step keeps: its fields' names, else its tags, else that it keeps a note or a
 * question for the knowledge-gap report. */
function saveLine(c: Fields): string {
  const names = arr(c.fields).map((f) => str(obj(f).name).trim()).filter(Boolean);
  if (names.length) return names.join(", ");
  const tags = arr(c.tags).map(str).filter(Boolean);
  if (tags.length) return `Tags: ${tags.join(", ")}`;
  if (str(c.note)) return "A note for the team";
  if (str(c.knowledge_gap)) return "A question for the knowledge-gap report";
  return "Nothing saved yet";
}

export function stepSummary(node: FlowNode): string {
  const c = node.config;
  switch (node.type) {
    case "trigger":
      return triggerLine(c);
    case "message":
      return messageWords(obj(c.message)) || "Nothing to say yet";
    case "question": {
      const ask = messageWords(obj(c.prompt)) || "No question yet";
      return str(c.store_as) ? `${ask} → ${str(c.store_as)}` : ask;
    }
    case "condition":
      if (str(c.check) === "business_hours") return "Are we open now?";
      return (
        arr(c.rules)
          .map((r) => `${str(obj(r).variable)} ${str(obj(r).op).replace("_", " ")} ${String(obj(r).value ?? "")}`.trim())
          .join(str(c.match) === "any" ? " or " : " and ") || "No rule yet"
      );
    case "set_variable":
      return arr(c.assignments).map((a) => str(obj(a).name)).filter(Boolean).join(", ") || "Nothing set yet";
    case "wait": {
      const s = typeof c.seconds === "number" ? c.seconds : 0;
      return s >= 3600 && s % 3600 === 0 ? `${s / 3600} h` : s >= 60 && s % 60 === 0 ? `${s / 60} min` : `${s} s`;
    }
    case "ai_response":
      return str(c.instructions) || "Answers from your knowledge";
    case "api_call":
      return `${str(c.method) || "GET"} ${str(c.url)}`;
    case "handoff":
      return str(c.note) || "To the team";
    case "jump":
      return str(c.flow_id) ? "To another flow" : "Choose a flow";
    case "save":
      return saveLine(c);
    default:
      return "";
  }
}
