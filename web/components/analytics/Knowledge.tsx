"use client";
// What the knowledge did in a period: the documents the AI cited most, and the questions it
// could not answer, each with a shortcut to add the answer.
import { useEffect, useRef, useState } from "react";
import Link from "next/link";
import { addSnippet } from "@/lib/api/knowledge";
import { useAction } from "@/lib/action";
import { dateTime } from "@/lib/format";
import { count } from "@/lib/analytics";
import type { KnowledgeGap, TopDocument } from "@/lib/api/analytics";
import { Field, FormError, TextArea } from "@/components/Form";

export function TopDocuments({ docs }: { docs: TopDocument[] }) {
  const max = Math.max(1, ...docs.map((d) => d.citations));
  return (
    <section className="card min-w-0 space-y-3 p-4" aria-labelledby="top-docs-title" data-testid="top-documents">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="top-docs-title" className="font-medium">
          Most cited knowledge
        </h2>
        <Link href="/knowledge/" className="text-sm text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">
          Open the knowledge
        </Link>
      </div>
      {docs.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No AI answer cited the knowledge in this period.</p>
      ) : (
        <ol className="space-y-2.5">
          {docs.map((d) => (
            <li key={d.document_id} data-testid="top-document" data-citations={d.citations}>
              <div className="flex items-baseline justify-between gap-3 text-sm">
                <Link href="/knowledge/" className="min-w-0 truncate hover:underline" title={d.title}>
                  {d.title}
                </Link>
                <span className="shrink-0 tabular-nums text-zinc-500 dark:text-zinc-400">
                  {count(d.citations)} citation{d.citations === 1 ? "" : "s"}
                </span>
              </div>
              <div className="mt-1 h-2 overflow-hidden rounded bg-zinc-100 dark:bg-zinc-800" aria-hidden>
                <div className="h-full rounded bg-brand-500" style={{ width: `${(d.citations / max) * 100}%` }} />
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

const REASON: Record<KnowledgeGap["reason"], { text: string; hint: string; tone: string }> = {
  handoff: {
    text: "Handed off",
    hint: "The AI found no answer in the knowledge and handed the conversation to a person.",
    tone: "bg-amber-50 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300",
  },
  no_answer: {
    text: "No answer",
    hint: "The AI could not answer and sent the fallback message.",
    tone: "bg-red-50 text-red-800 dark:bg-red-950 dark:text-red-300",
  },
  not_helpful: {
    text: "Did not help",
    hint: "A flow asked whether the AI's answer helped, and the customer said no.",
    tone: "bg-violet-50 text-violet-800 dark:bg-violet-950 dark:text-violet-300",
  },
};

function titleFor(question: string) {
  const q = question.trim();
  return (q.charAt(0).toUpperCase() + q.slice(1)).slice(0, 200);
}

function AnswerForm({
  question,
  onCancel,
  onAdded,
}: {
  question: string;
  onCancel: () => void;
  onAdded: (title: string) => void;
}) {
  const [title, setTitle] = useState(() => titleFor(question));
  const [content, setContent] = useState("");
  const { busy, error, fields, run } = useAction();
  const answer = useRef<HTMLTextAreaElement>(null);
  useEffect(() => answer.current?.focus(), []);
  return (
    <form
      className="mt-3 space-y-2 rounded-lg border border-zinc-200 p-3 dark:border-zinc-700"
      aria-label={`Add the answer to “${question}”`}
      onSubmit={async (e) => {
        e.preventDefault();
        if (await run(() => addSnippet(title.trim(), content))) onAdded(title.trim());
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") onCancel();
      }}
    >
      <FormError message={error} />
      <Field label="Title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} error={fields.title} />
      <TextArea
        label="Answer"
        ref={answer}
        className="min-h-24"
        required
        value={content}
        onChange={(e) => setContent(e.target.value)}
        placeholder="Yes, we deliver on Sundays from 9 am to 1 pm."
        hint="Write it as you would tell a customer: the AI answers from it from now on."
        error={fields.content}
      />
      <div className="flex flex-wrap gap-2">
        <button className="btn-primary" disabled={busy || !title.trim() || !content.trim()}>
          {busy ? "Adding…" : "Add to the knowledge"}
        </button>
        <button type="button" className="btn-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Said, and focused, where the button was: the keyboard stays on the row. */
function Added() {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <span ref={ref} tabIndex={-1} role="status" className="text-xs font-medium text-brand-700 dark:text-brand-100" data-testid="gap-added">
      ✓ Added to the knowledge
    </span>
  );
}

export function KnowledgeGaps({ gaps }: { gaps: KnowledgeGap[] }) {
  const [open, setOpen] = useState<string | null>(null);
  const [added, setAdded] = useState<Record<string, string>>({});
  const buttons = useRef(new Map<string, HTMLButtonElement>());

  const close = (question: string) => {
    setOpen(null);
    // Back where the keyboard was.
    setTimeout(() => buttons.current.get(question)?.focus(), 0);
  };

  return (
    <section className="card min-w-0 overflow-hidden" aria-labelledby="gaps-title" data-testid="knowledge-gaps">
      <div className="border-b border-zinc-200 p-4 dark:border-zinc-800">
        <h2 id="gaps-title" className="font-medium">
          Questions the AI could not answer {gaps.length > 0 && `(${gaps.length})`}
        </h2>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          Customers asked these, and the knowledge had no answer: add one and the AI answers them next time.
        </p>
      </div>
      {gaps.length === 0 ? (
        <p className="p-4 text-sm text-zinc-500 dark:text-zinc-400">
          No unanswered questions in this period: the knowledge covered everything customers asked.
        </p>
      ) : (
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {gaps.map((g) => {
            const reason = REASON[g.reason] ?? REASON.no_answer;
            const done = added[g.question];
            const formId = `gap-form-${encodeURIComponent(g.question)}`;
            return (
              <li key={g.question} className="p-4" data-testid="gap" data-question={g.question}>
                <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2">
                  <div className="min-w-[min(100%,14rem)] flex-1">
                    <p className="break-words font-medium" data-testid="gap-question">
                      “{g.question}”
                    </p>
                    <p className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-zinc-500 dark:text-zinc-400">
                      <span data-testid="gap-count">
                        Asked {count(g.count)} time{g.count === 1 ? "" : "s"}
                      </span>
                      <span aria-hidden>·</span>
                      <span>last {dateTime(g.last_asked_at)}</span>
                      <span className={`rounded px-1.5 py-0.5 ${reason.tone}`} title={reason.hint}>
                        {reason.text}
                        <span className="sr-only">: {reason.hint}</span>
                      </span>
                    </p>
                  </div>
                  <div className="flex shrink-0 flex-wrap items-center gap-2">
                    {g.conversation_id && (
                      <Link
                        href={`/conversations/?id=${encodeURIComponent(g.conversation_id)}`}
                        className="btn-secondary py-1 text-xs"
                        aria-label={`Open the conversation where “${g.question}” was last asked`}
                      >
                        Conversation
                      </Link>
                    )}
                    {done ? (
                      <Added />
                    ) : (
                      <button
                        type="button"
                        className="btn-primary py-1 text-xs"
                        aria-expanded={open === g.question}
                        aria-controls={open === g.question ? formId : undefined}
                        ref={(el) => {
                          if (el) buttons.current.set(g.question, el);
                          else buttons.current.delete(g.question);
                        }}
                        onClick={() => setOpen(open === g.question ? null : g.question)}
                      >
                        Add the answer
                      </button>
                    )}
                  </div>
                </div>
                {done && (
                  <p className="mt-2 text-xs text-zinc-500 dark:text-zinc-400">
                    Saved as “{done}”.{" "}
                    <Link href="/knowledge/" className="text-brand-700 underline dark:text-brand-100">
                      See it in the knowledge
                    </Link>
                  </p>
                )}
                {!done && open === g.question && (
                  <div id={formId}>
                    <AnswerForm
                      question={g.question}
                      onCancel={() => close(g.question)}
                      onAdded={(title) => {
                        setAdded((a) => ({ ...a, [g.question]: title }));
                        setOpen(null);
                      }}
                    />
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
