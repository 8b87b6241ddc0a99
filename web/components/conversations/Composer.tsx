"use client";
// The agent's reply box: sends on Enter (Shift+Enter for a new line), says who is typing, and
// explains when WhatsApp's 24-hour window is closed.
import { useRef, useState } from "react";
import { errorText } from "@/lib/api/client";
import type { Conversation } from "@/lib/api/conversations";
import { sendMessage, type Message } from "@/lib/api/messages";
import { getFeed } from "@/lib/feed";

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
  const id = conversation.id;
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const lastTyping = useRef(0);

  async function send() {
    const body = text.trim();
    if (!body || sending) return;
    setSending(true);
    setError(null);
    try {
      const r = await sendMessage(id, { text: body });
      onSent(r.messages, r.conversation);
      setText("");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSending(false);
    }
  }

  function typed() {
    const now = Date.now();
    if (now - lastTyping.current > 2000) {
      lastTyping.current = now;
      getFeed().send({ type: "typing", conversation_id: id });
    }
  }

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
        <p className="rounded-lg bg-zinc-100 px-3 py-2 text-sm text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300" data-testid="window-closed">
          The customer last wrote more than 24 hours ago. WhatsApp only allows template messages now, so a free-form reply
          cannot be sent until they write again.
        </p>
      ) : (
        <form
          className="flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <label htmlFor="composer" className="sr-only">
            Reply
          </label>
          <textarea
            id="composer"
            rows={1}
            className="input max-h-40 min-h-10 flex-1 resize-none"
            placeholder="Write a reply"
            aria-describedby={conversation.ai_enabled ? "composer-hint" : undefined}
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
          <button type="submit" className="btn-primary" disabled={sending || !text.trim()}>
            Send
          </button>
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
