"use client";
// The message another one answers or quotes, as WhatsApp shows it above the reply: who wrote it
// and its first line. A click leads to it in the thread.
import type { Message } from "@/lib/api/messages";
import { messageDomId, summary } from "@/lib/messages";
import { senderName, type MessageContext } from "./context";

function jumpTo(id: string) {
  const el = document.getElementById(messageDomId(id));
  el?.scrollIntoView({ block: "center", behavior: "smooth" });
  el?.focus({ preventScroll: true });
}

export function Quote({ target, viewer }: { target: Message | undefined; viewer: MessageContext["viewer"] }) {
  const frame = "mb-1 block w-full rounded-md border-l-4 border-brand-500 bg-black/5 px-2 py-1 text-left text-xs dark:bg-white/10";
  if (!target) {
    return (
      <p className={`${frame} italic text-zinc-500 dark:text-zinc-400`} data-testid="quote">
        An earlier message
      </p>
    );
  }
  const who = senderName(target, viewer);
  return (
    <button
      type="button"
      className={frame}
      data-testid="quote"
      data-quoted={target.id}
      aria-label={`Quoted message from ${who}: ${summary(target)}. Show it`}
      onClick={() => jumpTo(target.id)}
    >
      <span className="block font-medium text-brand-700 dark:text-brand-100">{who}</span>
      <span className="line-clamp-2 text-zinc-600 dark:text-zinc-300">{summary(target)}</span>
    </button>
  );
}
