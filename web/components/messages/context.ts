// What a rendered message needs from the screen around it.
import type { Choice, Message } from "@/lib/api/messages";

export interface MessageContext {
  /** A message of the same thread by its id or WhatsApp's, for quotes and taps. */
  find: (id: string) => Message | undefined;
  /** The team (the dashboard's thread) or the customer (the simulator's phone). */
  viewer: "team" | "customer";
  /** The customer taps a button or picks a list row; without it the choices are only shown. */
  onChoose?: (message: Message, choice: Choice) => void;
  /** A tap is being sent: the choices wait. */
  choosing?: boolean;
}

export function senderName(m: Message, viewer: MessageContext["viewer"]): string {
  if (viewer === "customer") return m.direction === "inbound" ? "You" : "Business";
  return { customer: "Customer", ai: "AI", agent: "Agent", system: "System", flow: "Flow" }[m.sender];
}
