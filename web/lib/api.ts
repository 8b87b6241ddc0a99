// The dashboard's only way to the server: same-origin /api with the session cookie.

export type Role = "owner" | "agent";

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface Me {
  user: User;
  role: Role;
  business_name: string | null;
}

export interface Conversation {
  id: string;
  customer: {
    name: string;
    wa_id: string | null;
    bsuid: string | null;
    phone: string | null;
    profile_name?: string;
  };
  status: "active" | "handed_off" | "closed" | "archived";
  ai_enabled: boolean;
  assigned_user_id: string | null;
  tags: string[];
  notes: string;
  unread_count: number;
  last_message_at: string | null;
  last_customer_message_at: string | null;
  last_message_preview: string;
  handoff_reason: string | null;
  window_open: boolean | null;
  window_expires_at: string | null;
  created_at: string;
  simulated: boolean;
  message_count?: number;
}

export type MessageStatus = "received" | "queued" | "sent" | "delivered" | "read" | "failed";

export interface Message {
  id: string;
  conversation_id: string;
  direction: "inbound" | "outbound";
  sender: "customer" | "ai" | "agent" | "system";
  sender_user_id?: string | null;
  type: string;
  content: string;
  media?: {
    id: string;
    mime_type: string | null;
    filename: string | null;
    size: number | null;
    downloaded: boolean;
    url: string;
  } | null;
  context_message_id?: string | null;
  whatsapp_message_id?: string | null;
  status: MessageStatus;
  error?: { code: string | null; title: string | null; reason: string | null } | null;
  ai?: { mode: string | null; model: string | null; sources_url: string | null } | null;
  created_at: string;
  seq?: number;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
  older_cursor?: string | null;
  newer_cursor?: string | null;
}

export interface Source {
  rank: number;
  document_id: string | null;
  document_title: string;
  heading: string;
  content: string;
  score: number;
  current: boolean;
}

/** An answer other than 2xx, with the server's problem+json explanation. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(detail || title || `HTTP ${status}`);
  }
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: BodyInit | undefined;
  if (init.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.body);
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      credentials: "same-origin",
      signal: init.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "Network error", "The server could not be reached. Check your connection.");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const p = (json ?? {}) as {
      title?: string;
      detail?: string;
      errors?: { field: string; message: string }[];
    };
    const fields: Record<string, string> = {};
    for (const f of p.errors ?? []) fields[f.field] = f.message;
    throw new ApiError(res.status, p.title ?? res.statusText, p.detail ?? "", fields);
  }
  return json as T;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.detail || e.title;
  if (e instanceof Error) return e.message;
  return String(e);
}

export interface KnowledgeDocument {
  id: string;
  title: string;
  filename: string | null;
  type: "pdf" | "docx" | "txt" | "markdown" | "csv" | "html" | "text";
  mime_type: string;
  size: number;
  status: "processing" | "ready" | "error";
  error: string | null;
  chunk_count: number;
  category: string;
  tags: string[];
  text?: string;
  created_at: string;
  updated_at: string;
}

export interface SearchHit {
  chunk_id: number;
  document: { id: string; title: string };
  heading: string;
  content: string;
  snippet: string;
  score: number;
}

/**
 * Sends a file as multipart/form-data with upload progress (fetch cannot report it), and
 * answers like api(): the JSON body, or an ApiError with the server's explanation.
 */
export function uploadFile<T>(
  method: "POST" | "PUT",
  path: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, "Network error", "The upload did not reach the server."));
    xhr.onload = () => {
      let body: unknown = undefined;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as T);
        return;
      }
      const p = (body ?? {}) as { title?: string; detail?: string; errors?: { field: string; message: string }[] };
      const fields: Record<string, string> = {};
      for (const f of p.errors ?? []) fields[f.field] = f.message;
      const detail =
        xhr.status === 413 ? p.detail || "The file is larger than this server accepts." : (p.detail ?? "");
      reject(new ApiError(xhr.status, p.title ?? xhr.statusText, detail, fields));
    };
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
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

/** GET /api/settings/whatsapp (and the checklist's `whatsapp`). */
export interface WhatsAppCredentials {
  done: boolean;
  phone_number_id: Credential;
  access_token: Credential;
  app_secret: Credential;
  verify_token: Credential;
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

/** GET /api/setup/checklist: what is connected and what is missing. */
export interface Checklist {
  whatsapp: WhatsAppCredentials;
  llm: { done: boolean; key_set: boolean; model: string };
  knowledge: { done: boolean; documents: number; ready: number };
  template: { done: boolean; id: string | null; name: string | null };
}
