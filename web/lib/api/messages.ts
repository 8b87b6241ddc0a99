// A conversation's messages (/api/conversations/:id/messages): reading the thread, sending,
// and the passages an AI answer was given.
import { request, withQuery, type Page } from "./client";
import type { Conversation } from "./conversations";

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

export interface Source {
  rank: number;
  document_id: string | null;
  document_title: string;
  heading: string;
  content: string;
  score: number;
  current: boolean;
}

/** The newest page, or the one before `before` (an older_cursor). */
export function listMessages(conversationId: string, before?: string | null): Promise<Page<Message>> {
  return request<Page<Message>>(withQuery(`/api/conversations/${conversationId}/messages`, { limit: 50, before }));
}

export interface Sent {
  messages?: Message[];
  message?: Message;
  conversation?: Conversation;
}

/** An agent's reply: stored, then sent by a job; it takes the conversation over. */
export async function sendMessage(
  conversationId: string,
  body: { text: string },
): Promise<{ messages: Message[]; conversation?: Conversation }> {
  const r = await request<Sent>(`/api/conversations/${conversationId}/messages`, { body });
  return { messages: r.messages ?? (r.message ? [r.message] : []), conversation: r.conversation };
}

export async function messageSources(messageId: string): Promise<Source[]> {
  return (await request<{ items: Source[] }>(`/api/messages/${messageId}/sources`)).items;
}
