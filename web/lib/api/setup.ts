// The first run (/api/setup): whether the server has an owner yet, creating it, and the
// checklist of what is connected.
import { request } from "./client";
import type { WhatsAppCredentials } from "./settings";

/** GET /api/setup/checklist: what is connected and what is missing. */
export interface Checklist {
  whatsapp: WhatsAppCredentials;
  llm: { done: boolean; key_set: boolean; model: string };
  knowledge: { done: boolean; documents: number; ready: number };
  template: { done: boolean; id: string | null; name: string | null };
}

export interface Registration {
  setup_token: string;
  business_name: string;
  name: string;
  email: string;
  password: string;
}

export function getSetupStatus(): Promise<{ needs_owner: boolean }> {
  return request<{ needs_owner: boolean }>("/api/setup");
}

export function registerOwner(r: Registration): Promise<unknown> {
  return request("/api/auth/register", { body: r });
}

export function getChecklist(): Promise<Checklist> {
  return request<Checklist>("/api/setup/checklist");
}
