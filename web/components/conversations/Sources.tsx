"use client";
// The passages an AI answer was given, fetched when the agent opens them.
import { useState } from "react";
import { errorText } from "@/lib/api/client";
import { messageSources, type Source } from "@/lib/api/messages";

export function SourcesView({ messageId }: { messageId: string }) {
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Source[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function toggle() {
    setOpen(!open);
    if (items || open) return;
    try {
      setItems(await messageSources(messageId));
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <div className="mt-1">
      <button type="button" className="text-[11px] text-brand-700 underline dark:text-brand-100" aria-expanded={open} onClick={() => void toggle()}>
        Sources
      </button>
      {open && (
        <div className="mt-1 space-y-2 rounded-lg bg-white/70 p-2 text-xs text-zinc-700 dark:bg-black/20 dark:text-zinc-300" data-testid="sources">
          {error && <p role="alert">{error}</p>}
          {items && items.length === 0 && <p>The answer was given no passage.</p>}
          {items?.map((s) => (
            <blockquote key={s.rank} className="border-l-2 border-brand-500 pl-2">
              <p className="font-medium">
                {s.document_title}
                {s.heading ? ` — ${s.heading}` : ""}
                {!s.current && <span className="ml-1 text-zinc-500">(since changed)</span>}
              </p>
              <p className="whitespace-pre-wrap">{s.content}</p>
            </blockquote>
          ))}
        </div>
      )}
    </div>
  );
}
