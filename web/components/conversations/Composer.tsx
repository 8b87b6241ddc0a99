"use client";
// The agent's reply box: text, or an image or document with a caption; sends on Enter
// (Shift+Enter for a new line), says who is typing, shows each of the server's objections by
// field, and explains when WhatsApp's 24-hour window is closed.
import { useRef, useState } from "react";
import { useAction } from "@/lib/action";
import type { Conversation } from "@/lib/api/conversations";
import { sendMessage, type MediaUpload, type Message, type OutgoingMessage } from "@/lib/api/messages";
import { getFeed } from "@/lib/feed";
import { AttachButton, AttachmentChip, useAttachment } from "./Attachment";

const FIELD_NAMES: Record<string, string> = {
  text: "Message",
  caption: "Caption",
  media_id: "File",
  filename: "File name",
  reply_to: "Quoted message",
};

/** The fields of a 422 that are about the attached file rather than the text. */
const FILE_FIELDS = ["media_id", "link", "filename", "type"];

function mediaMessage(media: MediaUpload, caption: string): OutgoingMessage {
  return {
    type: media.kind,
    media_id: media.id,
    // Audio carries no caption on WhatsApp.
    ...(caption && media.kind !== "audio" ? { caption } : {}),
    ...(media.kind === "document" && media.filename ? { filename: media.filename } : {}),
  };
}

function FieldErrors({ id, fields }: { id: string; fields: [string, string][] }) {
  if (fields.length === 0) return null;
  return (
    <ul id={id} className="mt-1 space-y-0.5 text-xs text-red-700 dark:text-red-400" data-testid="composer-errors">
      {fields.map(([field, message]) => (
        <li key={field} data-field={field}>
          {FIELD_NAMES[field] ?? field}: {message}
        </li>
      ))}
    </ul>
  );
}

function WindowClosed() {
  return (
    <p className="rounded-lg bg-zinc-100 px-3 py-2 text-sm text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300" data-testid="window-closed">
      The customer last wrote more than 24 hours ago. WhatsApp only allows template messages now, so a free-form reply cannot
      be sent until they write again.
    </p>
  );
}

function useTypingSignal(conversationId: string) {
  const last = useRef(0);
  return () => {
    const now = Date.now();
    if (now - last.current > 2000) {
      last.current = now;
      getFeed().send({ type: "typing", conversation_id: conversationId });
    }
  };
}

export function Composer({
  conversation,
  typing,
  threadError,
  onSent,
}: {
  conversation: Conversation;
  /** What to say above the box: the AI or a colleague writing. */
  typing: string;
  /** A failure of the thread itself (loading, the AI switch), shown where a send's would be. */
  threadError: string | null;
  onSent: (messages: Message[], conversation?: Conversation) => void;
}) {
  const [text, setText] = useState("");
  const { busy, error, fields, run } = useAction();
  const { attached, attach, clear } = useAttachment();
  const typed = useTypingSignal(conversation.id);

  function outgoing(): OutgoingMessage | null {
    const body = text.trim();
    if (attached) return attached.media ? mediaMessage(attached.media, body) : null;
    return body ? { text: body } : null;
  }

  async function send() {
    const message = outgoing();
    if (!message || busy) return;
    const ok = await run(async () => {
      const r = await sendMessage(conversation.id, message);
      onSent(r.messages, r.conversation);
    });
    if (ok) {
      setText("");
      clear();
    }
  }

  const entries = Object.entries(fields);
  const fileError = entries
    .filter(([f]) => FILE_FIELDS.includes(f))
    .map(([f, m]) => `${FIELD_NAMES[f] ?? f}: ${m}`)
    .join(" ");
  const textErrors = entries.filter(([f]) => !FILE_FIELDS.includes(f));
  const describedBy = [textErrors.length ? "composer-errors" : "", conversation.ai_enabled ? "composer-hint" : ""]
    .filter(Boolean)
    .join(" ");
  const windowClosed = conversation.window_open === false;

  return (
    <div className="border-t border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <p className="mb-1 h-4 text-xs text-zinc-500 dark:text-zinc-400" aria-live="polite" data-testid="typing">
        {typing}
      </p>
      {(error ?? threadError) && (
        <p role="alert" className="mb-2 text-sm text-red-700 dark:text-red-400">
          {error ?? threadError}
        </p>
      )}
      {windowClosed ? (
        <WindowClosed />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          {attached && <AttachmentChip a={attached} error={fileError || undefined} onRemove={clear} />}
          <div className="flex items-end gap-2">
            <AttachButton disabled={busy} onFile={attach} />
            <label htmlFor="composer" className="sr-only">
              {attached ? "Caption" : "Reply"}
            </label>
            <textarea
              id="composer"
              rows={1}
              className="input max-h-40 min-h-10 flex-1 resize-none"
              placeholder={attached ? "Add a caption" : "Write a reply"}
              aria-invalid={textErrors.length ? true : undefined}
              aria-describedby={describedBy || undefined}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                typed();
              }}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
                  e.preventDefault();
                  void send();
                }
              }}
            />
            <button type="submit" className="btn-primary" disabled={busy || outgoing() === null}>
              Send
            </button>
          </div>
          <FieldErrors id="composer-errors" fields={textErrors} />
        </form>
      )}
      {!windowClosed && conversation.ai_enabled && (
        <p id="composer-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          Replying takes the conversation over: the AI pauses for this customer.
        </p>
      )}
    </div>
  );
}
