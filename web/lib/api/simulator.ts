// The simulator (/api/simulator/messages): playing the customer, through the real ingestion,
// as Meta's webhook would deliver a message or a tap.
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

/** The customer taps a button, or picks a row, of an outbound buttons or list message. */
export function simulateTap(messageId: string, choiceId: string): Promise<Simulated> {
  return request<Simulated>("/api/simulator/messages", { body: { reply: { message_id: messageId, id: choiceId } } });
}

/** The simulated customer's conversation before they write (a test of a flow starts there);
 * theirs when they have one already. */
export async function openSimulatorConversation(customer: { phone: string; name: string }): Promise<Conversation> {
  return (await request<{ conversation: Conversation }>("/api/simulator/conversations", { body: customer })).conversation;
}
