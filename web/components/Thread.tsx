"use client";
// One conversation: the messages, the AI's answer as it streams, delivery ticks, sources, and
// the composer.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorText, type Conversation, type Message, type Page, type Source } from "@/lib/api";
import { getFeed, useFeedEvents } from "@/lib/feed";
import { customerLabel, dateTime, mergeMessages, statusRank, timeShort } from "@/lib/format";

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

function SourcesView({ messageId }: { messageId: string }) {
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Source[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function toggle() {
    setOpen(!open);
    if (items || open) return;
    try {
      const r = await api<{ items: Source[] }>(`/api/messages/${messageId}/sources`);
      setItems(r.items);
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

function Bubble({ m, quoted }: { m: Message; quoted?: Message }) {
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

export function Thread({
  conversation,
  onConversation,
  onBack,
  onShowCustomer,
}: {
  conversation: Conversation;
  onConversation: (c: Conversation) => void;
  onBack: () => void;
  onShowCustomer: () => void;
}) {
  const id = conversation.id;
  const [messages, setMessages] = useState<Message[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [streaming, setStreaming] = useState<string | null>(null);
  const [aiTyping, setAiTyping] = useState(false);
  const [colleagueTyping, setColleagueTyping] = useState(false);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const bottom = useRef<HTMLDivElement>(null);
  const lastTyping = useRef(0);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Status changes that arrived before their message did (WhatsApp can accept a reply before
  // the answer to its POST, or its message.created event, reaches this tab): applied whenever
  // the message shows up, never moving a status backwards.
  const early = useRef(new Map<string, { status?: Message["status"]; error?: Message["error"] }>());
  const settle = useCallback((list: Message[]) => {
    if (early.current.size === 0) return list;
    return list.map((x) => {
      const u = early.current.get(x.id);
      if (!u?.status || statusRank(u.status) <= statusRank(x.status)) return x;
      return { ...x, status: u.status, error: u.error ?? x.error };
    });
  }, []);

  const load = useCallback(async () => {
    try {
      const page = await api<Page<Message>>(`/api/conversations/${id}/messages?limit=50`);
      setMessages((list) => settle(mergeMessages(list, page.items)));
      setOlder(page.older_cursor ?? null);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [id, settle]);

  const markRead = useCallback(() => {
    void api(`/api/conversations/${id}/read`, { method: "POST" }).catch(() => undefined);
  }, [id]);

  useEffect(() => {
    setMessages([]);
    early.current.clear();
    setStreaming(null);
    setAiTyping(false);
    void load();
    markRead();
    const feed = getFeed();
    feed.subscribe(id);
    return () => feed.unsubscribe(id);
  }, [id, load, markRead]);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [messages.length, streaming]);

  useFeedEvents((e) => {
    // A socket that (re)connects may have missed what happened while it was away.
    if (e.type === "resync" || e.type === "ready") {
      void load();
      void api<Conversation>(`/api/conversations/${id}`).then(onConversation).catch(() => undefined);
      return;
    }
    if (String(e.data.conversation_id ?? "") !== id) {
      if (e.type === "conversation.updated") {
        const c = e.data.conversation as Partial<Conversation> & { id: string };
        if (c?.id === id && c.customer) onConversation(c as Conversation);
        else if (c?.id === id) onConversation({ ...conversation, ...c });
      }
      return;
    }
    switch (e.type) {
      case "message.created": {
        const m = e.data.message as Message;
        setMessages((list) => settle(mergeMessages(list, [{ ...m, conversation_id: id }])));
        if (m.sender === "ai") setStreaming(null);
        if (m.direction === "inbound") markRead();
        // Customer messages arrive in short form; media needs the full row.
        if (m.type !== "text" && m.direction === "inbound") void load();
        break;
      }
      case "message.updated": {
        const mid = String(e.data.message_id ?? "");
        early.current.set(mid, {
          status: e.data.status as Message["status"] | undefined,
          error: e.data.error_reason ? { code: null, title: null, reason: String(e.data.error_reason) } : undefined,
        });
        setMessages((list) =>
          list.map((x) =>
            x.id === mid
              ? {
                  ...x,
                  status: (e.data.status as Message["status"]) ?? x.status,
                  error: e.data.error_reason ? { code: null, title: null, reason: String(e.data.error_reason) } : x.error,
                }
              : x,
          ),
        );
        break;
      }
      case "ai.typing":
        setAiTyping(Boolean(e.data.typing));
        if (!e.data.typing) setStreaming(null);
        break;
      case "ai.delta":
        setStreaming(e.data.done ? null : String(e.data.text ?? ""));
        break;
      case "agent.typing":
        setColleagueTyping(true);
        if (typingTimer.current) clearTimeout(typingTimer.current);
        typingTimer.current = setTimeout(() => setColleagueTyping(false), 4000);
        break;
      case "conversation.handoff":
        void api<Conversation>(`/api/conversations/${id}`).then(onConversation).catch(() => undefined);
        break;
    }
  });

  async function loadOlder() {
    if (!older) return;
    try {
      const page = await api<Page<Message>>(`/api/conversations/${id}/messages?limit=50&before=${encodeURIComponent(older)}`);
      setMessages((list) => settle(mergeMessages(page.items, list)));
      setOlder(page.older_cursor ?? null);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function send() {
    const body = text.trim();
    if (!body || sending) return;
    setSending(true);
    setError(null);
    try {
      const r = await api<{ messages?: Message[]; message?: Message; conversation?: Conversation }>(
        `/api/conversations/${id}/messages`,
        { body: { text: body } },
      );
      const sent = r.messages ?? (r.message ? [r.message] : []);
      setMessages((list) => settle(mergeMessages(list, sent)));
      if (r.conversation) onConversation(r.conversation);
      setText("");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSending(false);
    }
  }

  async function setAi(enabled: boolean) {
    try {
      const c = await api<Conversation>(`/api/conversations/${id}`, {
        method: "PATCH",
        body: enabled ? { ai_enabled: true, status: "active" } : { ai_enabled: false },
      });
      onConversation(c);
    } catch (e) {
      setError(errorText(e));
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
  const byId = new Map(messages.map((m) => [m.whatsapp_message_id ?? m.id, m]));

  return (
    <section aria-label={`Conversation with ${customerLabel(conversation)}`} className="flex h-full min-h-0 flex-col">
      <header className="flex flex-wrap items-center gap-2 border-b border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900">
        <button type="button" className="btn-secondary px-2 py-1 md:hidden" onClick={onBack} aria-label="Back to the list">
          ←
        </button>
        <div className="min-w-0 flex-1">
          <h2 className="truncate font-semibold" data-testid="thread-title">
            {customerLabel(conversation)}
          </h2>
          <p className="truncate text-xs text-zinc-500 dark:text-zinc-400">
            {conversation.customer.phone ?? conversation.customer.wa_id ?? "number withheld"}
            {conversation.status === "handed_off" && " · needs a person"}
          </p>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            role="switch"
            className="h-4 w-4 accent-brand-600"
            checked={conversation.ai_enabled}
            onChange={(e) => void setAi(e.target.checked)}
            aria-label="AI answers this conversation"
          />
          AI
        </label>
        <button type="button" className="btn-secondary py-1 xl:hidden" onClick={onShowCustomer}>
          Customer
        </button>
        {conversation.ai_enabled ? (
          <button type="button" className="btn-secondary py-1" onClick={() => void setAi(false)}>
            Take over
          </button>
        ) : (
          <button type="button" className="btn-secondary py-1" onClick={() => void setAi(true)}>
            Hand back to AI
          </button>
        )}
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto bg-zinc-100/60 px-3 py-4 dark:bg-zinc-950">
        {older && (
          <div className="mb-3 text-center">
            <button type="button" className="btn-secondary py-1 text-xs" onClick={() => void loadOlder()}>
              Earlier messages
            </button>
          </div>
        )}
        <ol className="space-y-2" data-testid="thread">
          {messages.map((m) => (
            <Bubble key={m.id} m={m} quoted={m.context_message_id ? byId.get(m.context_message_id) : undefined} />
          ))}
          {streaming !== null && (
            <li className="flex justify-end" data-testid="ai-stream">
              <div className="max-w-[85%] rounded-2xl bg-brand-50 px-3 py-2 shadow-sm sm:max-w-[70%] dark:bg-brand-700/25">
                <p className="mb-0.5 text-[11px] font-medium text-zinc-500 dark:text-zinc-400">AI is writing…</p>
                <p className="whitespace-pre-wrap text-sm" aria-live="polite">
                  {streaming}
                </p>
              </div>
            </li>
          )}
        </ol>
        <div ref={bottom} />
      </div>
      <div className="border-t border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
        <p className="mb-1 h-4 text-xs text-zinc-500 dark:text-zinc-400" aria-live="polite" data-testid="typing">
          {aiTyping && streaming === null ? "AI is writing…" : colleagueTyping ? "A colleague is typing…" : ""}
        </p>
        {error && (
          <p role="alert" className="mb-2 text-sm text-red-700 dark:text-red-400">
            {error}
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
    </section>
  );
}
