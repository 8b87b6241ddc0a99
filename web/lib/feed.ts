"use client";
// The live feed (/api/ws): one socket per tab, reconnecting with ?since= so nothing is missed,
// and a `resync` when the server cannot replay the gap.
import { useEffect, useRef, useState } from "react";

export interface FeedEvent {
  id: number | null;
  type: string;
  ts: number;
  data: Record<string, unknown>;
}

type Listener = (e: FeedEvent) => void;
export type FeedState = "connecting" | "open" | "reconnecting";

class Feed {
  private socket: WebSocket | null = null;
  private lastId: number | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<(s: FeedState) => void>();
  private subscriptions = new Set<string>();
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  state: FeedState = "connecting";

  start() {
    this.stopped = false;
    if (!this.socket) this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
  }

  private setState(s: FeedState) {
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const since = this.lastId !== null ? `?since=${this.lastId}` : "";
    const ws = new WebSocket(`${proto}//${location.host}/api/ws${since}`);
    this.socket = ws;
    ws.onmessage = (m) => {
      let e: FeedEvent;
      try {
        e = JSON.parse(String(m.data)) as FeedEvent;
      } catch {
        return;
      }
      if (e.type === "ready") {
        this.attempts = 0;
        this.setState("open");
        // A fresh socket has no subscriptions: ask again for the streamed answers on screen.
        for (const id of this.subscriptions) this.send({ type: "subscribe", conversation_id: id });
        if (this.lastId === null) this.lastId = Number(e.data.last_id ?? 0);
      }
      if (typeof e.id === "number") this.lastId = e.id;
      for (const l of this.listeners) l(e);
    };
    ws.onclose = () => {
      if (this.socket !== ws) return;
      this.socket = null;
      if (this.stopped) return;
      this.setState("reconnecting");
      // 0.5 s, 1 s, 2 s ... up to 15 s, with jitter, so a restarted server is not stormed.
      const delay = Math.min(15000, 500 * 2 ** this.attempts) * (0.75 + Math.random() / 2);
      this.attempts += 1;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  send(command: Record<string, unknown>) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(command));
  }

  subscribe(conversationId: string) {
    this.subscriptions.add(conversationId);
    this.send({ type: "subscribe", conversation_id: conversationId });
  }

  unsubscribe(conversationId: string) {
    this.subscriptions.delete(conversationId);
    this.send({ type: "unsubscribe", conversation_id: conversationId });
  }

  on(l: Listener) {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }

  onState(l: (s: FeedState) => void) {
    this.stateListeners.add(l);
    return () => void this.stateListeners.delete(l);
  }
}

let feed: Feed | null = null;

export function getFeed(): Feed {
  if (!feed) feed = new Feed();
  return feed;
}

/** Calls `handler` for every event while the component is mounted. */
export function useFeedEvents(handler: Listener) {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => getFeed().on((e) => ref.current(e)), []);
}

export function useFeedState(): FeedState {
  const [state, setState] = useState<FeedState>(() => getFeed().state);
  useEffect(() => getFeed().onState(setState), []);
  return state;
}
