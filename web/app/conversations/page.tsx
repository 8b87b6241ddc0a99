"use client";
// The main screen: the live list, the open thread (?id=) and the customer beside it.
import { Suspense, useCallback, useEffect, useState } from "react";
import { useRouter, useSearchParams } from "next/navigation";
import { errorText } from "@/lib/api/client";
import { getConversation, type Conversation } from "@/lib/api/conversations";
import { SignedIn } from "@/lib/session";
import { Shell } from "@/components/Shell";
import { ConversationList } from "@/components/conversations/ConversationList";
import { Thread } from "@/components/conversations/Thread";
import { CustomerPanel } from "@/components/conversations/CustomerPanel";

function Inbox() {
  const params = useSearchParams();
  const router = useRouter();
  const selected = params.get("id");
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [customerOpen, setCustomerOpen] = useState(false);

  useEffect(() => {
    setConversation(null);
    setError(null);
    if (!selected) return;
    getConversation(selected)
      .then(setConversation)
      .catch((e: unknown) => setError(errorText(e)));
  }, [selected]);

  const changed = useCallback(
    (c: Conversation) => {
      if (c.id === selected) setConversation((old) => ({ ...(old ?? c), ...c }));
    },
    [selected],
  );

  return (
    <div className="flex h-full min-h-0">
      <div className={`${selected ? "hidden md:flex" : "flex"} w-full flex-col border-r border-zinc-200 bg-white md:w-80 lg:w-96 dark:border-zinc-800 dark:bg-zinc-900`}>
        <ConversationList selected={selected} onSelect={(id) => router.push(`/conversations/?id=${id}`)} onChanged={changed} />
      </div>
      <div className={`${selected ? "flex" : "hidden md:flex"} min-w-0 flex-1 flex-col`}>
        {error && (
          <p role="alert" className="p-6 text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        {!selected && (
          <div className="m-auto max-w-sm p-6 text-center text-sm text-zinc-500 dark:text-zinc-400">
            Choose a conversation. New messages appear here the moment they arrive.
          </div>
        )}
        {conversation && (
          <Thread
            conversation={conversation}
            onConversation={changed}
            onBack={() => router.push("/conversations/")}
            onShowCustomer={() => setCustomerOpen(true)}
          />
        )}
      </div>
      {conversation && (
        <div className="hidden w-72 shrink-0 border-l border-zinc-200 bg-white xl:block dark:border-zinc-800 dark:bg-zinc-900">
          <CustomerPanel conversation={conversation} onConversation={changed} />
        </div>
      )}
      {conversation && customerOpen && (
        // Narrower screens: the customer opens over the thread.
        <div
          className="fixed inset-0 z-20 flex justify-end bg-black/30 xl:hidden"
          onClick={(e) => e.target === e.currentTarget && setCustomerOpen(false)}
          onKeyDown={(e) => e.key === "Escape" && setCustomerOpen(false)}
        >
          <div role="dialog" aria-modal="true" aria-label="Customer" className="h-full w-full max-w-sm bg-white shadow-xl dark:bg-zinc-900">
            <div className="flex justify-end p-2">
              <button type="button" className="btn-secondary py-1" onClick={() => setCustomerOpen(false)} autoFocus>
                Close
              </button>
            </div>
            <CustomerPanel conversation={conversation} onConversation={changed} />
          </div>
        </div>
      )}
    </div>
  );
}

export default function ConversationsPage() {
  return (
    <SignedIn>
      <Shell>
        <Suspense>
          <Inbox />
        </Suspense>
      </Shell>
    </SignedIn>
  );
}
