"use client";
// What a message says, for every type of docs/messages.md, the same in the dashboard's thread
// and in the simulator's phone: the frame around it (bubble, sender, time, ticks) is theirs.
import type { Message } from "@/lib/api/messages";
import { quotedId, viewOf, type MessageView } from "@/lib/messages";
import type { MessageContext } from "./context";
import { ButtonsMessage, ListMessage, TapReply } from "./Interactive";
import { Media } from "./Media";
import { Quote } from "./Quote";

export type { MessageContext } from "./context";

type Template = Extract<MessageView, { kind: "template" }>;
type Reaction = Extract<MessageView, { kind: "reaction" }>;

function TemplateMessage({ v }: { v: Template }) {
  return (
    <div className="space-y-1" data-testid="template">
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Template <code className="font-semibold text-zinc-700 dark:text-zinc-200">{v.name}</code>
        {v.language && <> · {v.language}</>}
      </p>
      {v.parameters.length > 0 && (
        <ol className="space-y-0.5 text-sm" aria-label="Body parameters">
          {v.parameters.map((p, i) => (
            <li key={i} data-testid="template-parameter">
              <code className="text-xs text-zinc-500 dark:text-zinc-400">{`{{${i + 1}}}`}</code> {p}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function ReactionMessage({ v, ctx }: { v: Reaction; ctx: MessageContext }) {
  return (
    <div data-testid="reaction">
      <p className="text-sm">
        {v.emoji ? (
          <>
            <span className="text-xl" data-testid="reaction-emoji">
              {v.emoji}
            </span>{" "}
            reacted to
          </>
        ) : (
          "Removed a reaction from"
        )}
      </p>
      {v.target && <Quote target={ctx.find(v.target)} viewer={ctx.viewer} />}
    </div>
  );
}

function Body({ m, v, ctx }: { m: Message; v: MessageView; ctx: MessageContext }) {
  switch (v.kind) {
    case "media":
      return <Media v={v} />;
    case "buttons":
      return <ButtonsMessage m={m} v={v} ctx={ctx} />;
    case "list":
      return <ListMessage m={m} v={v} ctx={ctx} />;
    case "template":
      return <TemplateMessage v={v} />;
    case "reaction":
      return <ReactionMessage v={v} ctx={ctx} />;
    case "tap":
      return <TapReply v={v} ctx={ctx} />;
    case "text":
      return (
        <p className="whitespace-pre-wrap break-words text-sm" data-testid="message-text">
          {v.text}
        </p>
      );
  }
}

export function MessageContent({ m, ctx }: { m: Message; ctx: MessageContext }) {
  const v = viewOf(m);
  // A tap quotes the message it answers, and a reaction the one it is on, themselves.
  const quoted = v.kind === "tap" || v.kind === "reaction" ? null : quotedId(m);
  return (
    <div data-testid="message-content" data-kind={v.kind}>
      {quoted && <Quote target={ctx.find(quoted)} viewer={ctx.viewer} />}
      <Body m={m} v={v} ctx={ctx} />
    </div>
  );
}
