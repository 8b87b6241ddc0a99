"use client";
// Interactive messages as the customer sees them on WhatsApp: reply buttons under the text, a
// list behind its button (sections of rows with descriptions), and the customer's tap on
// either, quoting the message it answers.
import { useId, useState } from "react";
import type { Choice, Message } from "@/lib/api/messages";
import type { MessageView } from "@/lib/messages";
import type { MessageContext } from "./context";
import { Quote } from "./Quote";

type Buttons = Extract<MessageView, { kind: "buttons" }>;
type List = Extract<MessageView, { kind: "list" }>;
type Tap = Extract<MessageView, { kind: "tap" }>;

const choiceLook =
  "flex w-full items-center justify-center gap-1.5 border-t border-black/10 py-2 text-sm font-medium text-sky-700 dark:border-white/10 dark:text-sky-300";

function Framing({ header, body, footer }: { header: string; body: string; footer: string }) {
  return (
    <>
      {header && <p className="mb-1 font-semibold">{header}</p>}
      <p className="whitespace-pre-wrap break-words text-sm" data-testid="message-text">
        {body}
      </p>
      {footer && (
        <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400" data-testid="message-footer">
          {footer}
        </p>
      )}
    </>
  );
}

/** A button or row: tappable in the simulator, only shown in the thread. */
function ChoiceItem({
  m,
  c,
  ctx,
  className,
  children,
}: {
  m: Message;
  c: Choice;
  ctx: MessageContext;
  className: string;
  children: React.ReactNode;
}) {
  const onChoose = ctx.onChoose;
  if (!onChoose || m.direction !== "outbound") {
    return (
      <li className={className} data-testid="choice" data-choice={c.id}>
        {children}
      </li>
    );
  }
  return (
    <li>
      <button
        type="button"
        className={`${className} hover:bg-black/5 disabled:opacity-60 dark:hover:bg-white/5`}
        disabled={ctx.choosing}
        data-testid="choice"
        data-choice={c.id}
        onClick={() => onChoose(m, c)}
      >
        {children}
      </button>
    </li>
  );
}

export function ButtonsMessage({ m, v, ctx }: { m: Message; v: Buttons; ctx: MessageContext }) {
  return (
    <div>
      <Framing header={v.header} body={v.body} footer={v.footer} />
      <ul className="mt-2" aria-label="Buttons" data-testid="buttons">
        {v.buttons.map((b) => (
          <ChoiceItem key={b.id} m={m} c={b} ctx={ctx} className={choiceLook}>
            <span aria-hidden>↩</span>
            {b.title}
          </ChoiceItem>
        ))}
      </ul>
    </div>
  );
}

function Rows({ m, v, ctx, id }: { m: Message; v: List; ctx: MessageContext; id: string }) {
  return (
    <div
      id={id}
      role="group"
      aria-label={v.button || "List"}
      className="mt-1 space-y-2 rounded-lg bg-black/5 p-2 dark:bg-white/5"
      data-testid="list-rows"
    >
      {v.sections.map((s, i) => (
        <section key={i} aria-label={s.title || undefined}>
          {s.title && (
            <h4 className="px-1 text-xs font-semibold uppercase tracking-wide text-brand-700 dark:text-brand-100">{s.title}</h4>
          )}
          <ul>
            {s.rows.map((r) => (
              <ChoiceItem key={r.id} m={m} c={r} ctx={ctx} className="block w-full rounded-md px-1 py-1.5 text-left">
                <span className="block text-sm">{r.title}</span>
                {r.description && <span className="block text-xs text-zinc-500 dark:text-zinc-400">{r.description}</span>}
              </ChoiceItem>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

export function ListMessage({ m, v, ctx }: { m: Message; v: List; ctx: MessageContext }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <div data-testid="list">
      <Framing header={v.header} body={v.body} footer={v.footer} />
      <button
        type="button"
        className={`mt-2 ${choiceLook}`}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden>☰</span>
        {v.button || "Options"}
      </button>
      {open && <Rows m={m} v={v} ctx={ctx} id={id} />}
    </div>
  );
}

export function TapReply({ v, ctx }: { v: Tap; ctx: MessageContext }) {
  const answered = v.answers ? ctx.find(v.answers) : undefined;
  return (
    <div data-testid="tap" data-choice={v.choice.id} data-answers={answered?.id ?? v.answers ?? undefined}>
      {v.answers && <Quote target={answered} viewer={ctx.viewer} />}
      {ctx.viewer === "team" && (
        <p className="text-[11px] text-zinc-500 dark:text-zinc-400">{v.via === "list" ? "Picked from the list" : "Tapped a button"}</p>
      )}
      <p className="whitespace-pre-wrap break-words text-sm" data-testid="message-text">
        {v.choice.title}
      </p>
      {v.choice.description && <p className="text-xs text-zinc-500 dark:text-zinc-400">{v.choice.description}</p>}
    </div>
  );
}
