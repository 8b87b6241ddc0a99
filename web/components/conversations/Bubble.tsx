"use client";
// One message of the thread as the team sees it: who sent it, what it says (components/messages),
// when, how far it got (delivery ticks), why it failed, and the AI's sources.
import type { Message } from "@/lib/api/messages";
import { dateTime, timeShort } from "@/lib/format";
import { messageDomId } from "@/lib/messages";
import { MessageContent, type MessageContext } from "@/components/messages/MessageContent";
import { senderName } from "@/components/messages/context";
import { SourcesView } from "./Sources";

function Ticks({ m }: { m: Message }) {
  if (m.direction !== "outbound") return null;
  const label: Record<string, string> = {
    queued: "Queued",
    sent: "Sent",
    delivered: "Delivered",
    read: "Read",
    failed: "Not delivered",
  };
  const mark =
    m.status === "queued" ? "🕓" : m.status === "sent" ? "✓" : m.status === "failed" ? "!" : "✓✓";
  return (
    <span
      data-testid="ticks"
      data-status={m.status}
      title={label[m.status] ?? m.status}
      className={`ml-1 text-[11px] ${
        m.status === "read" ? "text-sky-500" : m.status === "failed" ? "font-bold text-red-600" : "text-zinc-500 dark:text-zinc-400"
      }`}
    >
      <span aria-hidden>{mark}</span>
      <span className="sr-only">{label[m.status] ?? m.status}</span>
    </span>
  );
}

const TONE: Record<Message["sender"], string> = {
  customer: "bg-white dark:bg-zinc-800",
  ai: "bg-brand-50 dark:bg-brand-700/25",
  system: "bg-zinc-100 dark:bg-zinc-800/60 italic",
  agent: "bg-sky-50 dark:bg-sky-900/30",
  flow: "bg-violet-50 dark:bg-violet-900/30",
};

export function Bubble({ m, ctx }: { m: Message; ctx: MessageContext }) {
  const outbound = m.direction === "outbound";
  return (
    <li
      id={messageDomId(m.id)}
      tabIndex={-1}
      className={`flex rounded-2xl focus:outline-none focus-visible:outline-none [&:focus>div]:ring-2 [&:focus>div]:ring-brand-500 ${outbound ? "justify-end" : "justify-start"}`}
      data-testid="message"
      data-sender={m.sender}
      data-type={m.type}
      data-id={m.id}
    >
      <div className={`max-w-[85%] rounded-2xl px-3 py-2 shadow-sm sm:max-w-[70%] ${TONE[m.sender]}`}>
        <p className="mb-0.5 text-[11px] font-medium text-zinc-500 dark:text-zinc-400">{senderName(m, "team")}</p>
        <MessageContent m={m} ctx={ctx} />
        <p className="mt-0.5 flex items-center justify-end text-[11px] text-zinc-500 dark:text-zinc-400">
          <time dateTime={m.created_at} title={dateTime(m.created_at)}>
            {timeShort(m.created_at)}
          </time>
          <Ticks m={m} />
        </p>
        {m.status === "failed" && m.error?.reason && (
          <p role="note" className="mt-1 text-xs text-red-700 dark:text-red-400">
            {m.error.reason}
          </p>
        )}
        {m.sender === "ai" && m.ai?.sources_url && <SourcesView messageId={m.id} />}
      </div>
    </li>
  );
}
