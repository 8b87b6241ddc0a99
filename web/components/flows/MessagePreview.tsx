"use client";
// A message of the flow as the customer will see it on WhatsApp, drawn by the same component
// as the simulator's phone and the inbox, and under it what breaks WhatsApp's limits, counted
// as the server will count it when the flow is published.
import { useMemo } from "react";
import type { Message } from "@/lib/api/messages";
import { MessageContent, type MessageContext } from "@/components/messages/MessageContent";
import { obj, str, type Fields } from "@/lib/flowdoc/json";
import { limitLine, messageLimits, type LimitProblem } from "@/lib/flowdoc/limits";
import { viewOf } from "@/lib/messages";

// A preview has no thread to quote from, and its buttons are only shown: nobody taps them here.
const CONTEXT: MessageContext = { find: () => undefined, viewer: "customer" };

/** What shows while the message is not yet the shape its type promises (a button without a
 * title): its text, as the inbox shows a message it has no view for. */
function fallback(config: Fields): string {
  return str(config.text) || str(config.body) || str(config.caption) || str(config.name);
}

/** The config as a message the business sent, so that it renders as any sent message does. */
export function previewMessage(config: unknown): Message {
  const payload = obj(config);
  return {
    id: "preview",
    conversation_id: "preview",
    direction: "outbound",
    sender: "flow",
    type: str(payload.type) || "text",
    content: fallback(payload),
    payload,
    media: null,
    status: "sent",
    created_at: "",
  };
}

function Bubble({ m }: { m: Message }) {
  const v = viewOf(m);
  const empty = v.kind === "text" && !v.text.trim();
  return (
    <div className="max-w-[85%] rounded-lg bg-white px-2.5 py-1.5 text-sm text-zinc-900 shadow dark:bg-zinc-800 dark:text-zinc-100" data-testid="preview-bubble">
      {empty ? (
        <p className="text-sm text-zinc-400 italic dark:text-zinc-500">Nothing to send yet.</p>
      ) : (
        <MessageContent m={m} ctx={CONTEXT} />
      )}
    </div>
  );
}

function Limits({ problems }: { problems: LimitProblem[] }) {
  return (
    <div role="status" data-testid="message-limits" data-ok={problems.length === 0 || undefined}>
      {problems.length === 0 ? (
        <p className="text-xs text-brand-700 dark:text-brand-100">Within WhatsApp&apos;s limits</p>
      ) : (
        <ul className="space-y-0.5 text-xs text-red-700 dark:text-red-400" aria-label="Over WhatsApp's limits">
          {problems.map((p, i) => (
            <li key={i} data-testid="message-limit" data-field={p.field}>
              {limitLine(p)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function MessagePreview({ message, question }: { message: unknown; question?: boolean }) {
  const m = useMemo(() => previewMessage(message), [message]);
  const problems = useMemo(() => messageLimits(message, { question }), [message, question]);
  const hasVariables = JSON.stringify(message ?? null).includes("{{");
  return (
    <section className="space-y-2" aria-label="Preview on WhatsApp" data-testid="message-preview">
      <div className="overflow-hidden rounded-xl border border-zinc-200 dark:border-zinc-800">
        <p className="bg-brand-700 px-3 py-1.5 text-xs font-medium text-white">As the customer sees it</p>
        <div className="flex bg-[#e5ddd5] p-3 dark:bg-zinc-950">
          <Bubble m={m} />
        </div>
      </div>
      <Limits problems={problems} />
      {hasVariables && (
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          Variables show as written. Once they are filled in a text can grow past a limit: the flow then hands the
          conversation to a person.
        </p>
      )}
    </section>
  );
}
