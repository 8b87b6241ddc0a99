"use client";
// The thread's header: who the customer is, the AI switch and taking over or handing back.
import type { Conversation } from "@/lib/api/conversations";
import { customerLabel } from "@/lib/format";

export function ThreadHeader({
  conversation,
  onAi,
  onBack,
  onShowCustomer,
}: {
  conversation: Conversation;
  onAi: (enabled: boolean) => void;
  onBack: () => void;
  onShowCustomer: () => void;
}) {
  return (
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
          onChange={(e) => onAi(e.target.checked)}
          aria-label="AI answers this conversation"
        />
        AI
      </label>
      <button type="button" className="btn-secondary py-1 xl:hidden" onClick={onShowCustomer}>
        Customer
      </button>
      {conversation.ai_enabled ? (
        <button type="button" className="btn-secondary py-1" onClick={() => onAi(false)}>
          Take over
        </button>
      ) : (
        <button type="button" className="btn-secondary py-1" onClick={() => onAi(true)}>
          Hand back to AI
        </button>
      )}
    </header>
  );
}
