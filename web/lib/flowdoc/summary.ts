// The flows list in words: what starts a flow (its draft's trigger steps), where it stands
// between draft and published versions, and how often its runs complete. Pure, so that the
// list and its tests read a flow the same way.
import type { Config, Flow } from "@/lib/api/flowDocs";
import { obj, str } from "./json";

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x.trim() !== "").map((x) => x.trim()) : [];

/** A long keyword list is cut: the row shows what starts the flow, not every phrase. */
const MAX_LISTED = 5;
/** An intent's description is a sentence for the model; the list shows its start. */
const MAX_INTENT = 48;

function listed(items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(", ");
  return items.length > MAX_LISTED ? `${shown} +${items.length - MAX_LISTED} more` : shown;
}

/** Cuts at a word boundary when there is one near the end, and says it was cut. */
function shortened(text: string, max: number): string {
  const t = text.trim().replace(/\s+/g, " ");
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, "")}…`;
}

/** One trigger step's config in words. */
function oneTrigger(config: Config): string {
  switch (str(config.kind)) {
    case "keyword": {
      const words = strings(config.keywords);
      return words.length ? `Keyword: ${listed(words)}` : "Keyword (none yet)";
    }
    case "regex": {
      const pattern = str(config.pattern);
      return pattern ? `Regex /${pattern}/` : "Regex (no pattern yet)";
    }
    case "payload": {
      const ids = strings(config.payloads);
      return ids.length ? `Tap on: ${listed(ids)}` : "Tap (no button yet)";
    }
    case "first_message":
      return "First message";
    case "intent": {
      const about = str(config.description).trim();
      return about ? `Intent: ${shortened(about, MAX_INTENT)}` : "Intent (not described yet)";
    }
    case "any":
      return "Any message";
    default:
      return "A trigger not set up yet";
  }
}

/**
 * What starts the flow, in words: "Keyword: book, booking", "Regex /A-\d+/", "Tap on: cut",
 * "First message", "Intent: The customer wants to…", "Any message"; several triggers joined
 * with " · " (the same words said twice are said once); "No trigger yet" for none.
 */
export function triggerSummary(configs: Config[]): string {
  const parts: string[] = [];
  for (const c of configs) {
    const part = oneTrigger(obj(c));
    if (!parts.includes(part)) parts.push(part);
  }
  return parts.length ? parts.join(" · ") : "No trigger yet";
}

/**
 * Where the flow stands: "Draft" (never published), "Published v3", "Published v3 · changed
 * since" (the draft was edited after v3 was published), or "Unpublished · last v3" (it was
 * published once and then switched off, so no version runs).
 */
export function statusLabel(flow: Pick<Flow, "status" | "published_version" | "latest_version">): string {
  if (flow.status === "draft" || flow.published_version === null) {
    return flow.latest_version > 0 ? `Unpublished · last v${flow.latest_version}` : "Draft";
  }
  const published = `Published v${flow.published_version}`;
  return flow.status === "changed" ? `${published} · changed since` : published;
}

/** The share of this week's runs that completed, as "86%"; "—" when there were no runs. */
export function completionLabel(flow: Pick<Flow, "runs_this_week" | "completion_rate">): string {
  if (!flow.runs_this_week || typeof flow.completion_rate !== "number") return "—";
  return `${Math.round(flow.completion_rate * 100)}%`;
}
