// The simulator (/api/simulator/messages): playing the customer, through the real ingestion.
import { request } from "./client";
import type { Conversation } from "./conversations";
import type { Message } from "./messages";

export interface Simulated {
  message: Message;
  conversation: Conversation;
}

/** The customer writes. */
export function simulateText(customer: { phone: string; name: string }, text: string): Promise<Simulated> {
  return request<Simulated>("/api/simulator/messages", { body: { ...customer, text } });
}
