"use client";
// A thread's live state: its messages (pages and live events merged in arrival order), the AI's
// answer while it streams, and who is typing.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "@/lib/api/client";
import { getConversation, markRead as postRead, type Conversation } from "@/lib/api/conversations";
import { listMessages, type Message } from "@/lib/api/messages";
import { getFeed, useFeedEvents, type FeedEvent } from "@/lib/feed";
import { mergeMessages, statusRank } from "@/lib/format";

type StatusUpdate = { status?: Message["status"]; error?: Message["error"] };

function statusUpdate(e: FeedEvent): StatusUpdate {
  return {
    status: e.data.status as Message["status"] | undefined,
    error: e.data.error_reason ? { code: null, title: null, reason: String(e.data.error_reason) } : undefined,
  };
}

export function useThread(conversation: Conversation, onConversation: (c: Conversation) => void) {
  const id = conversation.id;
  const [messages, setMessages] = useState<Message[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [streaming, setStreaming] = useState<string | null>(null);
  const [aiTyping, setAiTyping] = useState(false);
  const [colleagueTyping, setColleagueTyping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Status changes that arrived before their message did (WhatsApp can accept a reply before
  // the answer to its POST, or its message.created event, reaches this tab): applied whenever
  // the message shows up, never moving a status backwards.
  const early = useRef(new Map<string, StatusUpdate>());
  const settle = useCallback((list: Message[]) => {
    if (early.current.size === 0) return list;
    return list.map((x) => {
      const u = early.current.get(x.id);
      if (!u?.status || statusRank(u.status) <= statusRank(x.status)) return x;
      return { ...x, status: u.status, error: u.error ?? x.error };
    });
  }, []);
  const add = useCallback((list: Message[]) => setMessages((old) => settle(mergeMessages(old, list))), [settle]);

  const load = useCallback(async () => {
    try {
      const page = await listMessages(id);
      setMessages((list) => settle(mergeMessages(list, page.items)));
      setOlder(page.older_cursor ?? null);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [id, settle]);

  const markRead = useCallback(() => {
    void postRead(id).catch(() => undefined);
  }, [id]);

  const refetchConversation = useCallback(() => {
    void getConversation(id).then(onConversation).catch(() => undefined);
  }, [id, onConversation]);

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

  function onCreated(m: Message) {
    add([{ ...m, conversation_id: id }]);
    if (m.sender === "ai") setStreaming(null);
    if (m.direction === "inbound") markRead();
    // Customer messages arrive in short form; media needs the full row.
    if (m.type !== "text" && m.direction === "inbound") void load();
  }

  function onUpdated(e: FeedEvent) {
    const mid = String(e.data.message_id ?? "");
    const u = statusUpdate(e);
    early.current.set(mid, u);
    setMessages((list) =>
      list.map((x) => (x.id === mid ? { ...x, status: u.status ?? x.status, error: u.error ?? x.error } : x)),
    );
  }

  function onColleagueTyping() {
    setColleagueTyping(true);
    if (typingTimer.current) clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(() => setColleagueTyping(false), 4000);
  }

  function onOtherConversation(e: FeedEvent) {
    if (e.type !== "conversation.updated") return;
    const c = e.data.conversation as Partial<Conversation> & { id: string };
    if (c?.id === id && c.customer) onConversation(c as Conversation);
    else if (c?.id === id) onConversation({ ...conversation, ...c });
  }

  useFeedEvents((e) => {
    // A socket that (re)connects may have missed what happened while it was away.
    if (e.type === "resync" || e.type === "ready") {
      void load();
      refetchConversation();
      return;
    }
    if (String(e.data.conversation_id ?? "") !== id) return onOtherConversation(e);
    if (e.type === "message.created") onCreated(e.data.message as Message);
    else if (e.type === "message.updated") onUpdated(e);
    else if (e.type === "ai.typing") {
      setAiTyping(Boolean(e.data.typing));
      if (!e.data.typing) setStreaming(null);
    } else if (e.type === "ai.delta") setStreaming(e.data.done ? null : String(e.data.text ?? ""));
    else if (e.type === "agent.typing") onColleagueTyping();
    else if (e.type === "conversation.handoff") refetchConversation();
  });

  async function loadOlder() {
    if (!older) return;
    try {
      const page = await listMessages(id, older);
      setMessages((list) => settle(mergeMessages(page.items, list)));
      setOlder(page.older_cursor ?? null);
    } catch (e) {
      setError(errorText(e));
    }
  }

  const typing = aiTyping && streaming === null ? "AI is writing…" : colleagueTyping ? "A colleague is typing…" : "";
  return { messages, add, older, loadOlder, streaming, typing, error, setError };
}
