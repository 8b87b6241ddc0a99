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
  /** The request's unsaved text was rendered instead of the saved one. */
  draft: boolean;
  prompt: string;
  chunks: PreviewHit[];
  answer?: AiTestResult;
}

/** A variable the server fills in, as GET /api/prompts/variables lists it. */
export interface Variable {
  name: string;
  meaning: string;
}

/** The variables `body` uses ({{ name }}, spaces inside allowed), each once. */
export function usedVariables(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/\{\{([^}]*)\}\}/g)) {
    const name = (m[1] ?? "").trim();
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
