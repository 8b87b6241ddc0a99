"use client";
// One message of the thread as the team sees it: who sent it, what it says, when, how far it
// got (delivery ticks), why it failed, and the AI's sources.
import type { Message } from "@/lib/api/messages";
import { dateTime, timeShort } from "@/lib/format";
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

export function Bubble({ m, quoted }: { m: Message; quoted?: Message }) {
  const outbound = m.direction === "outbound";
  const tone =
    m.sender === "customer"
      ? "bg-white dark:bg-zinc-800"
      : m.sender === "ai"
        ? "bg-brand-50 dark:bg-brand-700/25"
        : m.sender === "system"
          ? "bg-zinc-100 dark:bg-zinc-800/60 italic"
          : "bg-sky-50 dark:bg-sky-900/30";
  const who = m.sender === "customer" ? "Customer" : m.sender === "ai" ? "AI" : m.sender === "agent" ? "Agent" : "System";
  return (
    <li className={`flex ${outbound ? "justify-end" : "justify-start"}`} data-testid="message" data-sender={m.sender} data-id={m.id}>
      <div className={`max-w-[85%] rounded-2xl px-3 py-2 shadow-sm sm:max-w-[70%] ${tone}`}>
        <p className="mb-0.5 text-[11px] font-medium text-zinc-500 dark:text-zinc-400">{who}</p>
        {quoted && (
          <p className="mb-1 truncate border-l-2 border-zinc-400 pl-2 text-xs text-zinc-500 dark:text-zinc-400">{quoted.content}</p>
        )}
        {m.media && (
          <div className="mb-1">
            {m.media.downloaded && m.type === "image" ? (
              // eslint-disable-next-line @next/next/no-img-element
              <img src={m.media.url} alt={m.content || "Image from the customer"} className="max-h-64 rounded-lg" />
            ) : m.media.downloaded ? (
              <a className="text-sm text-brand-700 underline dark:text-brand-100" href={m.media.url}>
                Download {m.media.filename ?? m.type}
              </a>
            ) : (
              <span className="text-xs text-zinc-500">{m.type} (downloading…)</span>
            )}
          </div>
        )}
        <p className="whitespace-pre-wrap break-words text-sm" data-testid="message-text">
          {m.content}
        </p>
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
