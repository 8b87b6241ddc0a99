// The inbox (/api/conversations): the list with its filters, one conversation, the team's
// changes to it, marking it read, export and erasure.
import { request, withQuery, type Page } from "./client";

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
  /** What bot flows collected (their save steps), by field name. */
  fields?: Record<string, string>;
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

export interface ConversationQuery {
  unread?: boolean;
  ai_enabled?: boolean;
  status?: Conversation["status"];
  assigned?: "me";
  q?: string;
  cursor?: string | null;
  limit?: number;
}

export interface ConversationChange {
  customer_name?: string;
  tags?: string[];
  notes?: string;
  status?: Conversation["status"];
  ai_enabled?: boolean;
}

export function listConversations(query: ConversationQuery): Promise<Page<Conversation>> {
  return request<Page<Conversation>>(withQuery("/api/conversations", { limit: 50, ...query }));
}

export function getConversation(id: string): Promise<Conversation> {
  return request<Conversation>(`/api/conversations/${id}`);
}

export function updateConversation(id: string, change: ConversationChange): Promise<Conversation> {
  return request<Conversation>(`/api/conversations/${id}`, { method: "PATCH", body: change });
}

export function markRead(id: string): Promise<unknown> {
  return request(`/api/conversations/${id}/read`, { method: "POST" });
}

/** Every message and file of the customer, for a data-deletion request. */
export function eraseConversation(id: string): Promise<unknown> {
  return request(`/api/conversations/${id}?erase=true`, { method: "DELETE" });
}

export function conversationExportUrl(id: string, format: "csv" | "json"): string {
  return `/api/conversations/${id}/export?format=${format}`;
}
