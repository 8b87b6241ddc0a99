"use client";
// One conversation: the messages with the steps of its flow runs among them, the running flow
// above them, the AI's answer as it streams, and the composer.
import { useEffect, useRef } from "react";
import { errorText } from "@/lib/api/client";
import { updateConversation, type Conversation } from "@/lib/api/conversations";
import { activeRun, threadItems } from "@/lib/flows";
import { customerLabel } from "@/lib/format";
import { indexMessages } from "@/lib/messages";
import type { MessageContext } from "@/components/messages/MessageContent";
import { Bubble } from "./Bubble";
import { Composer } from "./Composer";
import { FlowBanner } from "./FlowBanner";
import { FlowStepLine } from "./FlowStepLine";
import { ThreadHeader } from "./ThreadHeader";
import { useFlowRuns } from "./useFlowRuns";
import { useThread } from "./useThread";

function Streaming({ text }: { text: string }) {
  return (
    <li className="flex justify-end" data-testid="ai-stream">
      <div className="max-w-[85%] rounded-2xl bg-brand-50 px-3 py-2 shadow-sm sm:max-w-[70%] dark:bg-brand-700/25">
        <p className="mb-0.5 text-[11px] font-medium text-zinc-500 dark:text-zinc-400">AI is writing…</p>
        <p className="whitespace-pre-wrap text-sm" aria-live="polite">
          {text}
        </p>
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
  const thread = useThread(conversation, onConversation);
  const { messages, streaming } = thread;
  // What a run does shows as messages, or changes the conversation (a handoff).
  const last = messages[messages.length - 1];
  const flows = useFlowRuns(
    conversation.id,
    `${messages.length}:${last?.id}:${conversation.status}:${conversation.ai_enabled}`,
  );
  const items = threadItems(messages, flows.runs, !thread.older);
  const running = activeRun(flows.runs);
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [items.length, streaming]);

  async function setAi(enabled: boolean) {
    try {
      const c = await updateConversation(
        conversation.id,
        enabled ? { ai_enabled: true, status: "active" } : { ai_enabled: false },
      );
      onConversation(c);
    } catch (e) {
      thread.setError(errorText(e));
    }
  }

  const ctx: MessageContext = { find: indexMessages(messages), viewer: "team" };
  return (
    <section aria-label={`Conversation with ${customerLabel(conversation)}`} className="flex h-full min-h-0 flex-col">
      <ThreadHeader conversation={conversation} onAi={(on) => void setAi(on)} onBack={onBack} onShowCustomer={onShowCustomer} />
      {running && <FlowBanner run={running} onStop={flows.stop} />}
      <div className="min-h-0 flex-1 overflow-y-auto bg-zinc-100/60 px-3 py-4 dark:bg-zinc-950">
        {thread.older && (
          <div className="mb-3 text-center">
            <button type="button" className="btn-secondary py-1 text-xs" onClick={() => void thread.loadOlder()}>
              Earlier messages
            </button>
          </div>
        )}
        {flows.error && (
          <p role="alert" className="mb-2 text-center text-xs text-red-700 dark:text-red-400">
            The flow runs could not be loaded: {flows.error}
          </p>
        )}
        <ol className="space-y-2" data-testid="thread">
          {items.map((item) =>
            item.kind === "message" ? (
              <Bubble key={item.message.id} m={item.message} ctx={ctx} />
            ) : (
              <FlowStepLine key={item.key} run={item.run} step={item.step} />
            ),
          )}
          {streaming !== null && <Streaming text={streaming} />}
        </ol>
        <div ref={bottom} />
      </div>
      <Composer
        conversation={conversation}
        typing={thread.typing}
        threadError={thread.error}
        onSent={(sent, c) => {
          thread.add(sent);
          if (c) onConversation(c);
        }}
      />
    </section>
  );
}
