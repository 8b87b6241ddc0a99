"use client";
// The simulator's phone: the chat as the customer sees it on WhatsApp, where they write, tap a
// button or pick a row of a list.
import { useEffect, useRef, useState } from "react";
import type { Choice, Message } from "@/lib/api/messages";
import { timeShort } from "@/lib/format";
import { indexMessages, messageDomId } from "@/lib/messages";
import { MessageContent, type MessageContext } from "@/components/messages/MessageContent";

function PhoneMessage({ m, ctx }: { m: Message; ctx: MessageContext }) {
  const mine = m.direction === "inbound";
  return (
    <li
      id={messageDomId(m.id)}
      tabIndex={-1}
      className={`flex focus:outline-none [&:focus>div]:ring-2 [&:focus>div]:ring-brand-500 ${mine ? "justify-end" : "justify-start"}`}
      data-testid="sim-message"
      data-sender={m.sender}
      data-type={m.type}
      data-id={m.id}
    >
      <div className={`max-w-[80%] rounded-lg px-2.5 py-1.5 text-sm shadow ${mine ? "bg-[#dcf8c6] dark:bg-brand-700/60" : "bg-white dark:bg-zinc-800"}`}>
        <MessageContent m={m} ctx={ctx} />
        <p className="text-right text-[10px] text-zinc-500 dark:text-zinc-400">{timeShort(m.created_at)}</p>
      </div>
    </li>
  );
}

function Writer({ disabled, sending, onWrite }: { disabled: boolean; sending: boolean; onWrite: (text: string) => Promise<boolean> }) {
  const [text, setText] = useState("");
  return (
    <form
      className="flex gap-2 bg-zinc-100 p-2 dark:bg-zinc-800"
      onSubmit={async (e) => {
        e.preventDefault();
        const body = text.trim();
        if (body && (await onWrite(body))) setText("");
      }}
    >
      <label htmlFor="sim-text" className="sr-only">
        Message
      </label>
      <input id="sim-text" className="input rounded-full" placeholder="Message" value={text} onChange={(e) => setText(e.target.value)} maxLength={4096} />
      <button type="submit" className="btn-primary rounded-full" disabled={sending || !text.trim() || disabled}>
        Send
      </button>
    </form>
  );
}

export function Phone({
  messages,
  streaming,
  error,
  sending,
  canWrite,
  onWrite,
  onChoose,
}: {
  messages: Message[];
  streaming: string | null;
  error: string | null;
  sending: boolean;
  canWrite: boolean;
  onWrite: (text: string) => Promise<boolean>;
  onChoose: (m: Message, c: Choice) => void;
}) {
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [messages.length, streaming]);
  const ctx: MessageContext = { find: indexMessages(messages), viewer: "customer", onChoose, choosing: sending };
  return (
    <div
      className="flex h-[600px] max-h-[80dvh] w-full max-w-sm flex-col overflow-hidden rounded-[2rem] border-8 border-zinc-800 bg-[#e5ddd5] shadow-xl lg:order-1 dark:border-zinc-700 dark:bg-zinc-900"
      aria-label="Phone"
      data-testid="phone"
    >
      <div className="bg-brand-700 px-4 py-3 text-white">
        <p className="font-medium">Your business</p>
        <p className="text-xs opacity-80">{streaming !== null ? "typing…" : "online"}</p>
      </div>
      <ol className="min-h-0 flex-1 space-y-2 overflow-y-auto p-3" data-testid="sim-thread" aria-live="polite">
        {messages.map((m) => (
          <PhoneMessage key={m.id} m={m} ctx={ctx} />
        ))}
        {streaming !== null && (
          <li className="flex justify-start" data-testid="sim-stream">
            <div className="max-w-[80%] rounded-lg bg-white px-2.5 py-1.5 text-sm shadow dark:bg-zinc-800">{streaming || "…"}</div>
          </li>
        )}
        <div ref={bottom} />
      </ol>
      {error && (
        <p role="alert" className="bg-red-50 px-3 py-1 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">
          {error}
        </p>
      )}
      <Writer disabled={!canWrite} sending={sending} onWrite={onWrite} />
    </div>
  );
}
