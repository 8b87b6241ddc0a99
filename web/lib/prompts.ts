// Prompt templates: the shapes /api/prompts answers with, and the variables a template may use.
import type { SearchHit } from "./api";

export interface PromptTemplate {
  id: string;
  slug: string;
  name: string;
  category: string;
  description: string;
  body: string;
  /** The variables the body uses. */
  variables: string[];
  /** Seeded from the server's templates/ folder: read-only, can be copied. */
  builtin: boolean;
  /** The one template the AI uses. */
  active: boolean;
  created_at: string;
  updated_at: string;
}

/** A passage the preview retrieved: the same shape as the knowledge search's. */
export type PreviewHit = SearchHit;

/** The outcome of one real call to the model. */
export interface AiTestResult {
  ok: boolean;
  model: string;
  answer?: string;
  handoff?: boolean;
  latency_ms?: number;
  first_token_ms?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  cost_usd?: number | null;
  error?: string;
  upstream_status?: number | null;
  detail?: string;
}

export interface Preview {
  template: { id: string; name: string };
  prompt: string;
  chunks: PreviewHit[];
  answer?: AiTestResult;
}

/**
 * The variables the server fills in (kVariables in include/botflow/prompts/templates.hpp; the
 * API lists them only in its descriptions and in a 422's detail).
 */
export const VARIABLES: { name: string; meaning: string }[] = [
  { name: "business_name", meaning: "Your business's name" },
  { name: "customer_name", meaning: "The customer's name, if known" },
  { name: "customer_message", meaning: "What the customer just wrote" },
  { name: "relevant_documents", meaning: "Knowledge passages found for the message" },
  { name: "conversation_history", meaning: "The conversation so far" },
  { name: "business_hours", meaning: "Your opening hours, day by day" },
  { name: "current_date", meaning: "Today's date in your time zone" },
  { name: "language", meaning: "Your business's language" },
];

/** The variables `body` uses ({{ name }}, spaces inside allowed), each once. */
export function usedVariables(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/\{\{([^}]*)\}\}/g)) {
    const name = (m[1] ?? "").trim();
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
