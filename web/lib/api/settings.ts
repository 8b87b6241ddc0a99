// Settings (/api/settings): the business profile, the AI and its test call, and the WhatsApp
// connection.
import { request } from "./client";

export interface Interval {
  open: string;
  close: string;
}

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface BusinessProfile {
  name: string;
  language: string;
  hours: { time_zone: string; days: Partial<Record<Weekday, Interval[]>> } | null;
}

export function getBusiness(): Promise<BusinessProfile> {
  return request<BusinessProfile>("/api/settings/business");
}

export function saveBusiness(profile: BusinessProfile): Promise<BusinessProfile> {
  return request<BusinessProfile>("/api/settings/business", { method: "PUT", body: profile });
}

export interface ApiKeyState {
  set: boolean;
  source: "settings" | "environment" | "none";
  unreadable?: boolean;
  hint?: string;
}

export interface AiSettings {
  model: string;
  fallback_models: string[];
  temperature: number;
  max_tokens: number;
  debounce_ms: number;
  handoff_phrases: string[];
  handoff_message: string;
  away_message: string;
  fallback_message: string;
  strict_grounding: boolean;
  api_key: ApiKeyState;
  base_url: string;
  default_handoff_phrases: string[];
}

/** What a save sends: numbers as typed (text that is not one is sent as is, for the server to
 * explain), and `api_key` alone to set or (null) remove the key. */
export type AiSettingsChange =
  | { api_key: string | null }
  | (Omit<AiSettings, "api_key" | "base_url" | "default_handoff_phrases" | "temperature" | "max_tokens" | "debounce_ms"> & {
      temperature: number | string;
      max_tokens: number | string;
      debounce_ms: number | string;
    });

export function getAiSettings(): Promise<AiSettings> {
  return request<AiSettings>("/api/settings/ai");
}

export function saveAiSettings(change: AiSettingsChange): Promise<AiSettings> {
  return request<AiSettings>("/api/settings/ai", { method: "PUT", body: change });
}

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

export function testAi(body: { message?: string; model?: string }): Promise<AiTestResult> {
  return request<AiTestResult>("/api/settings/ai/test", { body });
}

/** One WhatsApp credential: whether it is set and where it comes from (saved in Settings wins
 * over the server's environment). Values and last four characters only for owners. */
export interface Credential {
  set: boolean;
  source: "settings" | "environment" | "none";
  unreadable?: boolean;
  value?: string;
  last4?: string;
}

export type CredentialKey = "phone_number_id" | "access_token" | "app_secret" | "verify_token";

/** GET /api/settings/whatsapp (and the checklist's `whatsapp`). */
export interface WhatsAppCredentials extends Record<CredentialKey, Credential> {
  done: boolean;
  webhook_url: string;
  graph_api_version: string;
  /** Goes up with every save in Settings. */
  version: number;
}

/** POST /api/settings/whatsapp/check. */
export interface WhatsAppCheck {
  ok: boolean;
  checks: { id: "credentials" | "meta" | "webhook"; status: "ok" | "warning" | "error"; message: string }[];
  number: { display_phone_number: string; verified_name: string; quality_rating: string } | null;
  webhook: Record<string, number | null>;
}

export function getWhatsApp(): Promise<WhatsAppCredentials> {
  return request<WhatsAppCredentials>("/api/settings/whatsapp");
}

/** Only the credentials given change; null removes a saved one. */
export function saveWhatsApp(change: Partial<Record<CredentialKey, string | null>>): Promise<WhatsAppCredentials> {
  return request<WhatsAppCredentials>("/api/settings/whatsapp", { method: "PUT", body: change });
}

export function checkWhatsApp(): Promise<WhatsAppCheck> {
  return request<WhatsAppCheck>("/api/settings/whatsapp/check", { method: "POST" });
}
