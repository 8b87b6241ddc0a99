"use client";
// Values the flow stores for later steps: each a name and a value of its own kind, so that a
// number stays a number and true stays true in the flow's JSON.
import { Field, Select } from "@/components/Form";
import { arr, obj, str, type Fields } from "@/lib/flowdoc/json";
import { AddButton, Group, ItemCard, KIND_NAMES, ValueInput, convert, kindOf, type ValueKind } from "./controls";
import { Controls, joined, put, removed, replaced, useEditor, type EditorProps, type FieldPatterns } from "./shared";

export function setVariableFields(): FieldPatterns {
  return ["config.assignments", "config.assignments[]", "config.assignments[].name", "config.assignments[].value"];
}

function AssignmentCard({ i, item, onChange, onRemove }: { i: number; item: Fields; onChange: (a: Fields) => void; onRemove: () => void }) {
  const { problemAt } = useEditor();
  const n = i + 1;
  const at = `config.assignments[${i}]`;
  return (
    <ItemCard title={`Variable ${n}`} removeLabel={`Remove variable ${n}`} onRemove={onRemove}>
      <Field
        compact
        label={`Variable ${n} name`}
        className="font-mono text-xs"
        value={str(item.name)}
        placeholder="booking.source"
        onChange={(e) => onChange({ ...item, name: e.target.value })}
        error={joined(problemAt(at), problemAt(`${at}.name`))}
      />
      <Select compact label={`Variable ${n} kind`} value={kindOf(item.value)} onChange={(e) => onChange({ ...item, value: convert(item.value, e.target.value as ValueKind) })}>
        {(Object.keys(KIND_NAMES) as ValueKind[]).map((k) => (
          <option key={k} value={k}>
            {KIND_NAMES[k]}
          </option>
        ))}
      </Select>
      <ValueInput label={`Variable ${n} value`} value={item.value} onChange={(v) => onChange({ ...item, value: v })} error={problemAt(`${at}.value`)} />
    </ItemCard>
  );
}

export function SetVariableEditor({ config, onChange }: EditorProps) {
  const { problemAt } = useEditor();
  const items = arr(config.assignments).map(obj);
  const setItems = (list: Fields[]) => onChange(put(config, "assignments", list));
  return (
    <Controls>
      <Group
        title="Variables to set"
        hint="A text that is one variable and nothing else ({{order.total}}) takes that variable's own value, so a number stays a number."
        error={problemAt("config.assignments")}
      >
        <ul className="space-y-2">
          {items.map((item, i) => (
            <AssignmentCard key={i} i={i} item={item} onChange={(a) => setItems(replaced(items, i, a))} onRemove={() => setItems(removed(items, i))} />
          ))}
        </ul>
        <AddButton onClick={() => setItems([...items, { name: "", value: "" }])}>Add a variable</AddButton>
      </Group>
    </Controls>
  );
}
