"use client";
// Where the flow starts: on keywords, a pattern, a tap on a button or row, the customer's first
// message, what the AI understands they want, or any message; each kind with what it reads.
import { useId } from "react";
import { Field, Select, TextArea } from "@/components/Form";
import type { FlowDocument } from "@/lib/api/flowDocs";
import { arr, obj, str } from "@/lib/flowdoc/json";
import { EntryList, NumberField, Suggestions } from "./controls";
import { Controls, Hint, put, useEditor, useKeys, without, type Config, type EditorProps, type FieldPatterns } from "./shared";

const KINDS: [string, string, string][] = [
  ["keyword", "The message has a keyword", "Whole words in order, with case and accents ignored: “book a table” matches “Can I BOOK a table?”."],
  ["regex", "The message matches a pattern", "A regular expression found anywhere in the message, with case ignored."],
  ["payload", "The customer taps a button or a row", "The id of a button or list row they tap on any message the business sent, or a template button's payload."],
  ["first_message", "It is the customer's first message", "Takes the very first message of a conversation, before anything was answered."],
  ["intent", "The AI recognises what they want", "The AI sorts a message among the flows' descriptions; this flow starts when it picks this one surely enough."],
  ["any", "Any message", "Takes every message no other trigger took."],
];

// What each kind reads; the others' keys go when the kind changes.
const READS: Record<string, string[]> = {
  keyword: ["keywords"],
  regex: ["pattern"],
  payload: ["payloads"],
  intent: ["description", "threshold"],
};
const ALL_READS = Object.values(READS).flat();

export function triggerFields(): FieldPatterns {
  return ["config.kind", ...ALL_READS.map((k) => `config.${k}`)];
}

function withKind(config: Config, kind: string): Config {
  const stale = ALL_READS.filter((k) => !(READS[kind] ?? []).includes(k));
  const next = put(without(config, ...stale), "kind", kind);
  if (kind === "keyword" && !Array.isArray(next.keywords)) return put(next, "keywords", []);
  if (kind === "payload" && !Array.isArray(next.payloads)) return put(next, "payloads", []);
  return next;
}

/** The ids of every button and row the flow's messages and questions offer: what a payload
 * trigger can name without the owner copying one. */
export function tappableIds(doc: FlowDocument): string[] {
  const ids = new Set<string>();
  for (const n of doc.nodes) {
    const m = obj(n.type === "question" ? n.config.prompt : n.config.message);
    for (const b of arr(m.buttons)) if (str(obj(b).id)) ids.add(str(obj(b).id));
    for (const s of arr(m.sections)) for (const r of arr(obj(s).rows)) if (str(obj(r).id)) ids.add(str(obj(r).id));
  }
  return [...ids];
}

function KindFields({ kind, config, onChange }: EditorProps & { kind: string }) {
  const { doc } = useEditor();
  const keys = useKeys(config, onChange);
  const listId = useId();
  if (kind === "keyword") {
    return <EntryList title="Keywords" noun="keyword" {...keys.texts("keywords")} placeholder="book a table" hint="Any one of them starts the flow." />;
  }
  if (kind === "regex") {
    return <Field compact label="Pattern" className="font-mono text-xs" {...keys.input("pattern")} placeholder="\border\s*#?\d{4,}" />;
  }
  if (kind === "payload") {
    const known = tappableIds(doc);
    return (
      <>
        <EntryList
          title="Payloads"
          noun="payload"
          {...keys.texts("payloads")}
          listId={known.length ? listId : undefined}
          placeholder="book"
          hint="Compared exactly."
        />
        <Suggestions id={listId} values={known} />
      </>
    );
  }
  if (kind === "intent") {
    return (
      <>
        <TextArea
          compact
          label="What the customer wants"
          {...keys.input("description")}
          placeholder="The customer wants to book, move or cancel an appointment"
          maxLength={1000}
        />
        <NumberField
          label="Least confidence (0 to 1)"
          {...keys.number("threshold")}
          placeholder="0.7"
          min={0}
          max={1}
          step={0.05}
          hint="How sure the AI must be; above 0, at most 1."
        />
      </>
    );
  }
  return null;
}

export function TriggerEditor({ config, onChange }: EditorProps) {
  const { problemAt } = useEditor();
  const kind = str(config.kind);
  const about = KINDS.find(([k]) => k === kind)?.[2];
  return (
    <Controls>
      <Select compact label="Starts the flow when" value={kind} onChange={(e) => onChange(withKind(config, e.target.value))} error={problemAt("config.kind")}>
        {!KINDS.some(([k]) => k === kind) && <option value={kind}>{kind ? `“${kind}” (unknown)` : "Choose…"}</option>}
        {KINDS.map(([value, name]) => (
          <option key={value} value={value}>
            {name}
          </option>
        ))}
      </Select>
      {about && <Hint>{about}</Hint>}
      <KindFields kind={kind} config={config} onChange={onChange} />
    </Controls>
  );
}
