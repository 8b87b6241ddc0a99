"use client";
// One simulated customer's conversation: what they write or tap goes through the real
// pipeline; what the business sends arrives live.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "@/lib/api/client";
import { listMessages, type Choice, type Message } from "@/lib/api/messages";
import { simulateTap, simulateText, type Simulated } from "@/lib/api/simulator";
import { getFeed, useFeedEvents } from "@/lib/feed";
import { mergeMessages } from "@/lib/format";

/** A number for a new simulated customer: +1 555, no real one's. */
export function randomPhone() {
  return "+1555" + String(Math.floor(1000000 + Math.random() * 8999999));
}

export function useSimulation(customer: { phone: string; name: string }) {
  const [conversationId, setConversationId] = useState<string | null>(null);
  // Set the moment the first send returns, before React renders: the AI may answer at once.
  const current = useRef<string | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [streaming, setStreaming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  const load = useCallback(async (id: string) => {
    const page = await listMessages(id);
    setMessages((list) => mergeMessages(list, page.items));
  }, []);

  useEffect(() => {
    if (!conversationId) return;
    const feed = getFeed();
    feed.subscribe(conversationId);
    return () => feed.unsubscribe(conversationId);
  }, [conversationId]);

  function onCreated(id: string, m: Message) {
    setMessages((list) => mergeMessages(list, [m]));
    if (m.sender === "ai") setStreaming(null);
    // The customer's own messages arrive in short form: a tap needs its payload.
    if (m.direction === "inbound" && m.type !== "text" && m.payload === undefined) void load(id);
  }

  useFeedEvents((e) => {
    const id = current.current;
    if (!id) return;
    if (e.type === "resync") return void load(id);
    if (String(e.data.conversation_id ?? "") !== id) return;
    if (e.type === "message.created") onCreated(id, e.data.message as Message);
    else if (e.type === "ai.delta") setStreaming(e.data.done ? null : String(e.data.text ?? ""));
    else if (e.type === "ai.typing" && !e.data.typing) setStreaming(null);
  });

  async function arrived(r: Simulated) {
    if (r.conversation.id !== current.current) {
      current.current = r.conversation.id;
      setMessages([]);
      setConversationId(r.conversation.id);
      await load(r.conversation.id);
    } else {
      setMessages((list) => mergeMessages(list, [r.message]));
    }
  }

  async function deliver(work: () => Promise<Simulated>): Promise<boolean> {
    setSending(true);
    setError(null);
    try {
      await arrived(await work());
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      setSending(false);
    }
  }

  const write = (text: string) => deliver(() => simulateText(customer, text));
  const tap = (m: Message, c: Choice) => void deliver(() => simulateTap(m.id, c.id));

  /** Shows a conversation the simulator did not start itself (a test of a flow's draft). */
  async function adopt(id: string) {
    current.current = id;
    setMessages([]);
    setStreaming(null);
    setError(null);
    setConversationId(id);
    await load(id);
  }

  function restart() {
    current.current = null;
    setConversationId(null);
    setMessages([]);
    setStreaming(null);
  }

  return { conversationId, messages, streaming, error, sending, write, tap, restart, adopt };
}
