"use client";
// The inbox: newest activity first, live, with search and filters.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "@/lib/api/client";
import { getConversation, listConversations, type Conversation, type ConversationQuery } from "@/lib/api/conversations";
import { useFeedEvents } from "@/lib/feed";
import { customerLabel, timeShort } from "@/lib/format";

type Filter = "all" | "unread" | "ai_on" | "ai_off" | "handed_off" | "mine";

const FILTERS: { id: Filter; label: string }[] = [
  { id: "all", label: "All" },
  { id: "unread", label: "Unread" },
  { id: "handed_off", label: "Handed off" },
  { id: "ai_on", label: "AI on" },
  { id: "ai_off", label: "AI off" },
  { id: "mine", label: "Mine" },
];

const FILTER_QUERY: Record<Filter, ConversationQuery> = {
  all: {},
  unread: { unread: true },
  ai_on: { ai_enabled: true },
  ai_off: { ai_enabled: false },
  handed_off: { status: "handed_off" },
  mine: { assigned: "me" },
};

function query(filter: Filter, q: string, cursor?: string | null): ConversationQuery {
  return { ...FILTER_QUERY[filter], q: q.trim() || undefined, cursor };
}

function byActivity(a: Conversation, b: Conversation) {
  return (b.last_message_at ?? b.created_at).localeCompare(a.last_message_at ?? a.created_at);
}

export function ConversationList({
  selected,
  onSelect,
  onChanged,
}: {
  selected: string | null;
  onSelect: (id: string) => void;
  onChanged?: (c: Conversation) => void;
}) {
  const [filter, setFilter] = useState<Filter>("all");
  const [q, setQ] = useState("");
  const [items, setItems] = useState<Conversation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);

  const load = useCallback(async () => {
    const g = ++generation.current;
    setLoading(true);
    try {
      const page = await listConversations(query(filter, q));
      if (g !== generation.current) return;
      setItems(page.items);
      setCursor(page.next_cursor ?? null);
      setError(null);
    } catch (e) {
      if (g === generation.current) setError(errorText(e));
    } finally {
      if (g === generation.current) setLoading(false);
    }
  }, [filter, q]);

  useEffect(() => {
    const t = setTimeout(() => void load(), q ? 250 : 0);
    return () => clearTimeout(t);
  }, [load, q]);

  const upsert = useCallback(
    (c: Conversation) => {
      setItems((list) => [c, ...list.filter((x) => x.id !== c.id)].sort(byActivity));
      onChanged?.(c);
    },
    [onChanged],
  );

  const refetchOne = useCallback(
    async (id: string) => {
      try {
        upsert(await getConversation(id));
      } catch {
        // Gone or no longer visible: the next load settles it.
      }
    },
    [upsert],
  );

  useFeedEvents((e) => {
    if (e.type === "resync" || e.type === "ready") return void load();
    if (e.type === "conversation.updated") {
      const c = e.data.conversation as Partial<Conversation> & { id: string };
      if (c && "customer" in c && c.customer) upsert(c as Conversation);
      else if (c?.id) setItems((list) => list.map((x) => (x.id === c.id ? { ...x, ...c } : x)));
      return;
    }
    if (e.type === "message.created" || e.type === "conversation.handoff") {
      const id = String(e.data.conversation_id ?? "");
      if (id) void refetchOne(id);
    }
  });

  async function more() {
    if (!cursor) return;
    try {
      const page = await listConversations(query(filter, q, cursor));
      setItems((list) => [...list, ...page.items.filter((c) => !list.some((x) => x.id === c.id))]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      setError(errorText(e));
    }
  }

  const visible = items.filter((c) => {
    // Live rows are kept only while they still match the filter.
    if (filter === "unread") return c.unread_count > 0 || c.id === selected;
    if (filter === "ai_on") return c.ai_enabled;
    if (filter === "ai_off") return !c.ai_enabled;
    if (filter === "handed_off") return c.status === "handed_off";
    return true;
  });

  return (
    <section aria-label="Conversations" className="flex h-full min-h-0 flex-col">
      <div className="space-y-2 border-b border-zinc-200 p-3 dark:border-zinc-800">
        <label htmlFor="conversation-search" className="sr-only">
          Search conversations
        </label>
        <input
          id="conversation-search"
          type="search"
          className="input"
          placeholder="Search name, phone or message"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <div className="flex gap-1 overflow-x-auto" role="group" aria-label="Filter">
          {FILTERS.map((f) => (
            <button
              key={f.id}
              type="button"
              aria-pressed={filter === f.id}
              onClick={() => setFilter(f.id)}
              className={`whitespace-nowrap rounded-full px-2.5 py-1 text-xs ${
                filter === f.id
                  ? "bg-brand-600 text-white"
                  : "bg-zinc-100 text-zinc-700 hover:bg-zinc-200 dark:bg-zinc-800 dark:text-zinc-300 dark:hover:bg-zinc-700"
              }`}
            >
              {f.label}
            </button>
          ))}
        </div>
      </div>
      {error && (
        <p role="alert" className="p-3 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <ul className="min-h-0 flex-1 overflow-y-auto" data-testid="conversation-list" aria-busy={loading}>
        {!loading && visible.length === 0 && (
          <li className="p-6 text-center text-sm text-zinc-500 dark:text-zinc-400">
            {q || filter !== "all" ? "No conversation matches." : "No conversations yet. Try the simulator to send the first message."}
          </li>
        )}
        {visible.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              onClick={() => onSelect(c.id)}
              aria-current={c.id === selected ? "true" : undefined}
              data-testid="conversation-row"
              className={`flex w-full gap-3 border-b border-zinc-100 px-3 py-3 text-left hover:bg-zinc-100 dark:border-zinc-800/60 dark:hover:bg-zinc-800/60 ${
                c.id === selected ? "bg-brand-50 dark:bg-brand-700/15" : ""
              }`}
            >
              <span aria-hidden className="grid h-9 w-9 shrink-0 place-items-center rounded-full bg-zinc-200 text-sm font-medium dark:bg-zinc-700">
                {customerLabel(c).slice(0, 1).toUpperCase()}
              </span>
              <span className="min-w-0 flex-1">
                <span className="flex items-baseline gap-2">
                  <span className="truncate font-medium">{customerLabel(c)}</span>
                  <span className="ml-auto shrink-0 text-xs text-zinc-500 dark:text-zinc-400">{timeShort(c.last_message_at)}</span>
                </span>
                <span className="flex items-center gap-2">
                  <span className="truncate text-sm text-zinc-600 dark:text-zinc-400">{c.last_message_preview}</span>
                  {c.unread_count > 0 && (
                    <span className="ml-auto shrink-0 rounded-full bg-brand-600 px-1.5 text-xs font-medium text-white" data-testid="unread-badge">
                      {c.unread_count}
                      <span className="sr-only"> unread</span>
                    </span>
                  )}
                </span>
                <span className="mt-1 flex gap-1 text-[11px]">
                  {c.status === "handed_off" && (
                    <span className="rounded bg-amber-100 px-1.5 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300">Needs a person</span>
                  )}
                  {!c.ai_enabled && (
                    <span className="rounded bg-zinc-200 px-1.5 text-zinc-700 dark:bg-zinc-700 dark:text-zinc-300">AI off</span>
                  )}
                  {c.simulated && (
                    <span className="rounded bg-sky-100 px-1.5 text-sky-800 dark:bg-sky-900/40 dark:text-sky-300">Simulator</span>
                  )}
                </span>
              </span>
            </button>
          </li>
        ))}
        {cursor && (
          <li className="p-3 text-center">
            <button type="button" className="btn-secondary" onClick={() => void more()}>
              Load more
            </button>
          </li>
        )}
      </ul>
    </section>
  );
}
