"use client";
// What the flow keeps on the conversation, where the team sees it beside the thread: fields
// (a name the team reads, a value that may hold the answers), tags, a note, and a question the
// knowledge did not answer, for the knowledge-gap report.
import { Field } from "@/components/Form";
import { arr, obj, str, type Fields } from "@/lib/flowdoc/json";
import { VarField } from "../VarField";
import { AddButton, EntryList, Group, ItemCard } from "./controls";
import { Controls, Hint, joined, put, removed, replaced, useEditor, useKeys, without, type EditorProps, type FieldPatterns } from "./shared";

// The engine's limits (docs/flows.md, save).
const MAX_FIELDS = 50;
const MAX_TAGS = 20;
const MAX_NOTE = 4000;
const MAX_GAP = 1000;

export function saveFields(): FieldPatterns {
  const own = ["fields", "fields[]", "fields[].name", "fields[].value", "tags", "note", "knowledge_gap"];
  return own.map((k) => `config.${k}`);
}

function FieldCard({ i, item, onChange, onRemove }: { i: number; item: Fields; onChange: (f: Fields) => void; onRemove: () => void }) {
  const { doc, problemAt } = useEditor();
  const n = i + 1;
  const at = `config.fields[${i}]`;
  return (
    <ItemCard title={`Field ${n}`} removeLabel={`Remove field ${n}`} onRemove={onRemove}>
      <Field
        compact
        label={`Field ${n} name`}
        value={str(item.name)}
        placeholder="Service"
        maxLength={100}
        onChange={(e) => onChange({ ...item, name: e.target.value })}
        error={joined(problemAt(at), problemAt(`${at}.name`))}
      />
      <VarField
        label={`Field ${n} value`}
        value={str(item.value)}
        onChange={(v) => onChange({ ...item, value: v })}
        doc={doc}
        placeholder="{{booking.service}}"
        error={problemAt(`${at}.value`)}
      />
    </ItemCard>
  );
}

function SavedFields({ config, onChange }: EditorProps) {
  const { problemAt } = useEditor();
  const items = arr(config.fields).map(obj);
  // The last field removed takes the key with it: a step may keep only tags or a note.
  const setItems = (list: Fields[]) => onChange(list.length ? put(config, "fields", list) : without(config, "fields"));
  return (
    <Group
      title="Fields"
      hint="Shown beside the conversation. A field saved again, by this flow or another, replaces the one of the same name."
      error={problemAt("config.fields")}
    >
      <ul className="space-y-2">
        {items.map((item, i) => (
          <FieldCard key={i} i={i} item={item} onChange={(f) => setItems(replaced(items, i, f))} onRemove={() => setItems(removed(items, i))} />
        ))}
      </ul>
      <AddButton disabled={items.length >= MAX_FIELDS} onClick={() => setItems([...items, { name: "", value: "" }])}>
        Add a field
      </AddButton>
    </Group>
  );
}

export function SaveEditor({ config, onChange }: EditorProps) {
  const { doc } = useEditor();
  const keys = useKeys(config, onChange);
  const tags = keys.texts("tags");
  // A list with nothing typed in it is no tags at all: the key goes rather than an empty tag.
  const setTags = (list: string[]) => onChange(list.length <= 1 && !list[0] ? without(config, "tags") : put(config, "tags", list));
  return (
    <Controls>
      <SavedFields config={config} onChange={onChange} />
      <EntryList title="Tags" noun="tag" {...tags} onChange={setTags} max={MAX_TAGS} placeholder="lead" hint="Added to the conversation's tags." />
      <VarField
        label="Note for the team"
        multiline
        {...keys.text("note", true)}
        doc={doc}
        limit={MAX_NOTE}
        placeholder="Wants a quote for {{lead.service}} by {{lead.date}}."
        hint="Added to the conversation's notes, after the flow's name."
      />
      <VarField
        label="Question for the knowledge-gap report"
        {...keys.text("knowledge_gap", true)}
        doc={doc}
        limit={MAX_GAP}
        placeholder="{{faq.question}}"
        hint="A question your knowledge did not answer: the analytics list it, for you to add the answer."
      />
      <Hint>The step needs at least one of these. The customer is sent nothing.</Hint>
    </Controls>
  );
}
