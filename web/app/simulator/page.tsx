"use client";
// Talk to the bot as a customer would: each message is a genuine, signed WhatsApp delivery
// through the real pipeline; replies never leave the server.
import { useCallback, useEffect, useRef, useState } from "react";
import Link from "next/link";
import { errorText } from "@/lib/api/client";
import { listMessages, type Message } from "@/lib/api/messages";
import { simulateText } from "@/lib/api/simulator";
import { getFeed, useFeedEvents } from "@/lib/feed";
import { SignedIn } from "@/lib/session";
import { Shell } from "@/components/Shell";
import { Field } from "@/components/Form";
import { mergeMessages, timeShort } from "@/lib/format";

const KEY = "botflow-simulator";

function randomPhone() {
  return "+1555" + String(Math.floor(1000000 + Math.random() * 8999999));
}

function Simulator() {
  const [phone, setPhone] = useState("");
  const [name, setName] = useState("Test customer");
  const [conversationId, setConversationId] = useState<string | null>(null);
  // Set the moment the first send returns, before React renders: the AI may answer at once.
  const current = useRef<string | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [streaming, setStreaming] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "{}") as { phone?: string; name?: string };
    setPhone(saved.phone ?? randomPhone());
    if (saved.name) setName(saved.name);
  }, []);

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

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [messages.length, streaming]);

  useFeedEvents((e) => {
    const id = current.current;
    if (!id) return;
    if (e.type === "resync") return void load(id);
    if (String(e.data.conversation_id ?? "") !== id) return;
    if (e.type === "message.created") {
      const m = e.data.message as Message;
      setMessages((list) => mergeMessages(list, [m]));
      if (m.sender === "ai") setStreaming(null);
    } else if (e.type === "ai.delta") {
      setStreaming(e.data.done ? null : String(e.data.text ?? ""));
    } else if (e.type === "ai.typing" && !e.data.typing) {
      setStreaming(null);
    }
  });

  async function send(e: React.FormEvent) {
    e.preventDefault();
    const body = text.trim();
    if (!body) return;
    setSending(true);
    setError(null);
    try {
      localStorage.setItem(KEY, JSON.stringify({ phone, name }));
      const r = await simulateText({ phone, name }, body);
      if (r.conversation.id !== current.current) {
        current.current = r.conversation.id;
        setMessages([]);
        setConversationId(r.conversation.id);
        await load(r.conversation.id);
      } else {
        setMessages((list) => mergeMessages(list, [r.message]));
      }
      setText("");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSending(false);
    }
  }

  function restart() {
    const p = randomPhone();
    setPhone(p);
    current.current = null;
    setConversationId(null);
    setMessages([]);
    setStreaming(null);
    localStorage.setItem(KEY, JSON.stringify({ phone: p, name }));
  }

  return (
    <div className="flex h-full min-h-0 flex-col items-center gap-4 overflow-y-auto p-4 lg:flex-row lg:items-start lg:justify-center">
      <div className="w-full max-w-sm space-y-3 lg:order-2">
        <h1 className="text-xl font-semibold">Simulator</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Write as a customer. Each message goes through the same pipeline as a real WhatsApp message: it is stored,
          shown in the inbox and answered by the AI from your knowledge. Replies here are never sent to WhatsApp.
        </p>
        <div className="grid grid-cols-2 gap-2">
          <Field compact label="Customer phone" value={phone} onChange={(e) => setPhone(e.target.value)} />
          <Field compact label="Customer name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="flex gap-2">
          <button type="button" className="btn-secondary" onClick={restart}>
            New customer
          </button>
          {conversationId && (
            <Link className="btn-secondary" href={`/conversations/?id=${conversationId}`}>
              Open in the inbox
            </Link>
          )}
        </div>
      </div>
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
          {messages.map((m) => {
            const mine = m.direction === "inbound";
            return (
              <li key={m.id} className={`flex ${mine ? "justify-end" : "justify-start"}`} data-testid="sim-message" data-sender={m.sender}>
                <div className={`max-w-[80%] rounded-lg px-2.5 py-1.5 text-sm shadow ${mine ? "bg-[#dcf8c6] dark:bg-brand-700/60" : "bg-white dark:bg-zinc-800"}`}>
                  <p className="whitespace-pre-wrap break-words">{m.content}</p>
                  <p className="text-right text-[10px] text-zinc-500 dark:text-zinc-400">{timeShort(m.created_at)}</p>
                </div>
              </li>
            );
          })}
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
        <form onSubmit={send} className="flex gap-2 bg-zinc-100 p-2 dark:bg-zinc-800">
          <label htmlFor="sim-text" className="sr-only">
            Message
          </label>
          <input
            id="sim-text"
            className="input rounded-full"
            placeholder="Message"
            value={text}
            onChange={(e) => setText(e.target.value)}
            maxLength={4096}
          />
          <button type="submit" className="btn-primary rounded-full" disabled={sending || !text.trim() || !phone}>
            Send
          </button>
        </form>
      </div>
    </div>
  );
}

export default function SimulatorPage() {
  return (
    <SignedIn>
      <Shell>
        <Simulator />
      </Shell>
    </SignedIn>
  );
}
