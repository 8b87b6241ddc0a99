// A conversation's messages (/api/conversations/:id/messages): reading the thread, sending any
// type of docs/messages.md, files for them (/api/media), and the passages an AI answer was given.
import { request, upload, withQuery, type Page } from "./client";
import type { Conversation } from "./conversations";

export type MessageStatus = "received" | "queued" | "sent" | "delivered" | "read" | "failed";

export interface Message {
  id: string;
  conversation_id: string;
  direction: "inbound" | "outbound";
  sender: "customer" | "ai" | "agent" | "system" | "flow";
  sender_user_id?: string | null;
  type: string;
  /** A one-line text version, for previews and search. */
  content: string;
  /** The structured message as sent (an OutgoingMessage), or a customer's tap (TapPayload);
   * null for messages stored before payloads, and absent from a live event's short form. */
  payload?: Record<string, unknown> | null;
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

export type MediaKind = "image" | "document" | "audio" | "video";

export interface Choice {
  id: string;
  title: string;
  description?: string;
}

export interface ListSection {
  title?: string;
  rows: Choice[];
}

export interface TemplateComponent {
  type: string;
  parameters?: { type: string; text?: string }[];
}

/** One message as POST /api/conversations/:id/messages takes it (docs/messages.md); `reply_to`
 * quotes a message of the conversation. */
export type OutgoingMessage = { reply_to?: string } & (
  | { type?: "text"; text: string; preview_url?: boolean }
  | { type: MediaKind; media_id?: string; link?: string; caption?: string; filename?: string }
  | { type: "buttons"; body: string; header?: string; footer?: string; buttons: Choice[] }
  | { type: "list"; body: string; header?: string; footer?: string; button: string; sections: ListSection[] }
  | { type: "template"; name: string; language: string; components?: TemplateComponent[] }
  | { type: "reaction"; message_id: string; emoji: string }
);

/** The payload of an inbound `interactive` message: the customer tapped a button or a row. */
export interface TapPayload {
  reply: Choice & { kind: "button" | "list" };
  /** The id of the message tapped. */
  in_reply_to: string | null;
}

/** POST /api/media's answer: `kind` is the message type the file can be sent as. */
export interface MediaUpload {
  id: string;
  mime_type: string;
  filename: string | null;
  size: number;
  kind: MediaKind;
}

export function uploadMedia(file: File, onProgress: (fraction: number) => void): Promise<MediaUpload> {
  return upload<MediaUpload>("POST", "/api/media", file, onProgress);
}

export interface Sent {
  messages?: Message[];
  message?: Message;
  conversation?: Conversation;
}

/** An agent's reply: stored, then sent by a job; it takes the conversation over. A message that
 * breaks WhatsApp's limits is a 422 naming each field (ApiError.fields). */
export async function sendMessage(
  conversationId: string,
  body: OutgoingMessage,
): Promise<{ messages: Message[]; conversation?: Conversation }> {
  const r = await request<Sent>(`/api/conversations/${conversationId}/messages`, { body });
  return { messages: r.messages ?? (r.message ? [r.message] : []), conversation: r.conversation };
}

export async function messageSources(messageId: string): Promise<Source[]> {
  return (await request<{ items: Source[] }>(`/api/messages/${messageId}/sources`)).items;
}
