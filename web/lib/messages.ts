// What a message shows, read from its payload (docs/messages.md) whatever its type. A message
// stored before payloads, one whose payload is not the shape its type promises, or a type the
// dashboard has no view for, shows its one-line `content` instead, so nothing is ever blank.
import type { Choice, ListSection, MediaKind, Message } from "./api/messages";

export type MessageView =
  | { kind: "text"; text: string }
  | {
      kind: "media";
      type: MediaKind | "sticker";
      caption: string;
      filename: string | null;
      /** The server's copy (media.url) once it has the bytes. */
      url: string | null;
      /** An https link the message was sent with, when the server holds no copy. */
      link: string | null;
      /** The server is still fetching the customer's file. */
      pending: boolean;
    }
  | { kind: "buttons"; header: string; body: string; footer: string; buttons: Choice[] }
  | { kind: "list"; header: string; body: string; footer: string; button: string; sections: ListSection[] }
  | { kind: "template"; name: string; language: string; parameters: string[] }
  | { kind: "reaction"; emoji: string; target: string | null }
  | { kind: "tap"; via: "button" | "list"; choice: Choice; answers: string | null };

type Fields = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === "string" ? v : "");
const textOrNull = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const fields = (v: unknown): Fields | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Fields) : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function choice(v: unknown): Choice | null {
  const f = fields(v);
  if (!f || !text(f.id) || !text(f.title)) return null;
  const description = textOrNull(f.description);
  return description ? { id: text(f.id), title: text(f.title), description } : { id: text(f.id), title: text(f.title) };
}

function choices(v: unknown): Choice[] {
  return list(v).flatMap((c) => choice(c) ?? []);
}

const MEDIA = new Set(["image", "document", "audio", "video", "sticker"]);

function mediaView(m: Message, p: Fields | null): MessageView {
  const media = m.media ?? null;
  return {
    kind: "media",
    type: m.type as MediaKind | "sticker",
    // A message without a payload has its caption (or a description) in `content`.
    caption: p ? text(p.caption) : m.content,
    filename: textOrNull(p?.filename) ?? media?.filename ?? null,
    url: media && media.downloaded !== false ? media.url : null,
    link: media ? null : textOrNull(p?.link),
    pending: media !== null && media.downloaded === false,
  };
}

function buttonsView(p: Fields): MessageView | null {
  const buttons = choices(p.buttons);
  if (buttons.length === 0) return null;
  return { kind: "buttons", header: text(p.header), body: text(p.body), footer: text(p.footer), buttons };
}

function listView(p: Fields): MessageView | null {
  const sections = list(p.sections).flatMap((s) => {
    const f = fields(s);
    const rows = choices(f?.rows);
    return rows.length ? [{ title: text(f?.title), rows }] : [];
  });
  if (sections.length === 0) return null;
  return { kind: "list", header: text(p.header), body: text(p.body), footer: text(p.footer), button: text(p.button), sections };
}

/** A body parameter as the customer reads it: its text, or a currency's or date's fallback. */
function parameterText(v: unknown): string {
  const f = fields(v);
  if (!f) return "";
  return text(f.text) || text(fields(f.currency)?.fallback_value) || text(fields(f.date_time)?.fallback_value) || text(f.type);
}

function templateView(p: Fields): MessageView | null {
  if (!text(p.name)) return null;
  const body = list(p.components).map(fields).find((c) => c && text(c.type).toLowerCase() === "body");
  return { kind: "template", name: text(p.name), language: text(p.language), parameters: list(body?.parameters).map(parameterText) };
}

function tapView(p: Fields): MessageView | null {
  const reply = fields(p.reply);
  const picked = choice(reply);
  if (!picked) return null;
  return { kind: "tap", via: reply?.kind === "list" ? "list" : "button", choice: picked, answers: textOrNull(p.in_reply_to) };
}

function structured(m: Message, p: Fields): MessageView | null {
  switch (m.type) {
    case "text":
      return typeof p.text === "string" ? { kind: "text", text: p.text } : null;
    case "buttons":
      return buttonsView(p);
    case "list":
      return listView(p);
    case "template":
      return templateView(p);
    case "reaction":
      return typeof p.emoji === "string" ? { kind: "reaction", emoji: p.emoji, target: textOrNull(p.message_id) } : null;
    case "interactive":
      return tapView(p);
    default:
      return null;
  }
}

export function viewOf(m: Message): MessageView {
  const p = fields(m.payload);
  if (MEDIA.has(m.type) && (p || m.media)) return mediaView(m, p);
  return (p && structured(m, p)) ?? { kind: "text", text: m.content };
}

/** The message this one quotes: the `reply_to` it was sent with, or WhatsApp's context. */
export function quotedId(m: Message): string | null {
  return textOrNull(fields(m.payload)?.reply_to) ?? m.context_message_id ?? null;
}

/** Finds a message by its id or by WhatsApp's (quotes and taps may name either). */
export function indexMessages(messages: Message[]): (id: string) => Message | undefined {
  const by = new Map<string, Message>();
  for (const m of messages) {
    by.set(m.id, m);
    if (m.whatsapp_message_id) by.set(m.whatsapp_message_id, m);
  }
  return (id) => by.get(id);
}

const MEDIA_NAMES: Record<string, string> = {
  image: "Photo",
  sticker: "Sticker",
  audio: "Audio",
  video: "Video",
  document: "Document",
};

function line(v: MessageView): string {
  switch (v.kind) {
    case "media":
      return v.caption || v.filename || mediaName(v.type);
    case "buttons":
    case "list":
      return v.body;
    case "template":
      return `Template ${v.name}`;
    case "reaction":
      return v.emoji;
    case "tap":
      return v.choice.title;
    case "text":
      return v.text;
  }
}

/** One line for a quote: what the payload says, else the server's text version. */
export function summary(m: Message): string {
  return line(viewOf(m)) || m.content;
}

/** The element id of a message on screen, so that a quote can lead to it. */
export function messageDomId(id: string): string {
  return `message-${id}`;
}

export function mediaName(type: string): string {
  return MEDIA_NAMES[type] ?? type;
}
