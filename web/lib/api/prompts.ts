// Prompt templates (/api/prompts): the gallery, the owner's edits, activation and the preview.
import { request } from "./client";
import type { SearchHit } from "./knowledge";
import type { AiTestResult } from "./settings";

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

export interface PreviewRequest {
  message: string;
  answer: boolean;
  customer_name?: string;
  /** Unsaved text to render instead of the saved one; the server checks it as a save would. */
  body?: string;
}

export interface Preview {
  template: { id: string; name: string };
  /** The request's unsaved text was rendered instead of the saved one. */
  draft: boolean;
  prompt: string;
  /** The passages the preview retrieved: the same shape as the knowledge search's. */
  chunks: SearchHit[];
  answer?: AiTestResult;
}

/** A variable the server fills in, as GET /api/prompts/variables lists it. */
export interface Variable {
  name: string;
  meaning: string;
}

export async function listPrompts(): Promise<PromptTemplate[]> {
  return (await request<{ items: PromptTemplate[] }>("/api/prompts")).items;
}

export async function listVariables(): Promise<Variable[]> {
  return (await request<{ items: Variable[] }>("/api/prompts/variables")).items;
}

export function copyPrompt(id: string): Promise<PromptTemplate> {
  return request<PromptTemplate>("/api/prompts", { body: { copy_from: id } });
}

export function updatePrompt(
  id: string,
  change: Pick<PromptTemplate, "name" | "category" | "description" | "body">,
): Promise<PromptTemplate> {
  return request<PromptTemplate>(`/api/prompts/${id}`, { method: "PUT", body: change });
}

export function deletePrompt(id: string): Promise<unknown> {
  return request(`/api/prompts/${id}`, { method: "DELETE" });
}

export function activatePrompt(id: string): Promise<unknown> {
  return request(`/api/prompts/${id}/activate`, { method: "PUT" });
}

export function previewPrompt(id: string, r: PreviewRequest): Promise<Preview> {
  return request<Preview>(`/api/prompts/${id}/preview`, { body: r });
}
