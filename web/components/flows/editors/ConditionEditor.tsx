"use client";
// A condition: a way chosen on the flow's variables (rules that must all, or any, hold), or on
// the business's opening hours.
import { useId } from "react";
import { Field, Select } from "@/components/Form";
import { variablesOf } from "@/lib/flowdoc/variables";
import { arr, obj, str, type Fields } from "@/lib/flowdoc/json";
import { VarField } from "../VarField";
import { AddButton, Group, ItemCard, RequiredNumber, convert } from "./controls";
import { Controls, Hint, joined, put, removed, replaced, useEditor, without, type EditorProps, type FieldPatterns } from "./shared";

const OPS: [string, string][] = [
  ["equals", "is"],
  ["not_equals", "is not"],
  ["contains", "contains"],
  ["starts_with", "starts with"],
  ["greater_than", "is more than (or later than)"],
  ["less_than", "is less than (or earlier than)"],
  ["is_set", "has a value"],
  ["is_empty", "is empty"],
  ["matches", "matches the pattern"],
];

const NO_VALUE = new Set(["is_set", "is_empty"]);

export function conditionFields(): FieldPatterns {
  return ["config.check", "config.match", "config.rules", "config.rules[]", ...["variable", "op", "value"].map((k) => `config.rules[].${k}`)];
}

/** A rule after its comparison changed: no value where none is read, text for a pattern. */
function withOp(rule: Fields, op: string): Fields {
  if (NO_VALUE.has(op)) return without({ ...rule, op }, "value");
  if (op === "matches") return { ...rule, op, value: typeof rule.value === "string" ? rule.value : "" };
  return { ...rule, op, value: rule.value ?? "" };
}

function RuleValue({ n, rule, at, onChange }: { n: number; rule: Fields; at: string; onChange: (r: Fields) => void }) {
  const { doc, problemAt } = useEditor();
  const op = str(rule.op);
  if (NO_VALUE.has(op)) return null;
  const error = problemAt(`${at}.value`);
  if (op === "matches") {
    return (
      <Field
        compact
        label={`Rule ${n} value`}
        className="font-mono text-xs"
        value={str(rule.value)}
        placeholder="^(yes|sure)"
        onChange={(e) => onChange({ ...rule, value: e.target.value })}
        hint="A regular expression, found anywhere, with case ignored."
        error={error}
      />
    );
  }
  const asNumber = typeof rule.value === "number";
  return (
    <>
      <Select
        compact
        label={`Rule ${n} compares with`}
        value={asNumber ? "number" : "text"}
        onChange={(e) => onChange({ ...rule, value: convert(rule.value, e.target.value === "number" ? "number" : "text") })}
      >
        <option value="text">Text</option>
        <option value="number">A number</option>
      </Select>
      {asNumber ? (
        <RequiredNumber label={`Rule ${n} value`} value={rule.value as number} onChange={(v) => onChange({ ...rule, value: v })} error={error} />
      ) : (
        <VarField label={`Rule ${n} value`} value={typeof rule.value === "boolean" ? String(rule.value) : str(rule.value)} onChange={(v) => onChange({ ...rule, value: v })} doc={doc} error={error} />
      )}
    </>
  );
}

function RuleCard({ i, rule, listId, onChange, onRemove }: { i: number; rule: Fields; listId: string; onChange: (r: Fields) => void; onRemove: () => void }) {
  const { problemAt } = useEditor();
  const n = i + 1;
  const at = `config.rules[${i}]`;
  return (
    <ItemCard title={`Rule ${n}`} removeLabel={`Remove rule ${n}`} onRemove={onRemove}>
      <Field
        compact
        label={`Rule ${n} variable`}
        className="font-mono text-xs"
        list={listId}
        value={str(rule.variable)}
        placeholder="booking.date"
        onChange={(e) => onChange({ ...rule, variable: e.target.value.replace(/^\{\{\s*|\s*\}\}$/g, "") })}
        error={joined(problemAt(at), problemAt(`${at}.variable`))}
      />
      <Select compact label={`Rule ${n} comparison`} value={str(rule.op)} onChange={(e) => onChange(withOp(rule, e.target.value))} error={problemAt(`${at}.op`)}>
        {!OPS.some(([op]) => op === str(rule.op)) && <option value={str(rule.op)}>{str(rule.op) || "Choose…"}</option>}
        {OPS.map(([op, name]) => (
          <option key={op} value={op}>
            {name}
          </option>
        ))}
      </Select>
      <RuleValue n={n} rule={rule} at={at} onChange={onChange} />
    </ItemCard>
  );
}

function Rules({ config, onChange }: EditorProps) {
  const { doc, problemAt } = useEditor();
  const listId = useId();
  const rules = arr(config.rules).map(obj);
  const setRules = (list: Fields[]) => onChange(put(config, "rules", list));
  return (
    <>
      <Select compact label="Take “yes” when" value={str(config.match) || "all"} onChange={(e) => onChange(put(config, "match", e.target.value))} error={problemAt("config.match")}>
        <option value="all">Every rule holds</option>
        <option value="any">At least one rule holds</option>
      </Select>
      <Group title="Rules" hint="Texts compare with case and accents ignored; numbers as numbers." error={problemAt("config.rules")}>
        <ul className="space-y-2">
          {rules.map((rule, i) => (
            <RuleCard key={i} i={i} rule={rule} listId={listId} onChange={(r) => setRules(replaced(rules, i, r))} onRemove={() => setRules(removed(rules, i))} />
          ))}
        </ul>
        <AddButton onClick={() => setRules([...rules, { variable: "", op: "equals", value: "" }])}>Add a rule</AddButton>
      </Group>
      <datalist id={listId}>
        {variablesOf(doc).map((v) => (
          <option key={v.name} value={v.name}>
            {v.about}
          </option>
        ))}
      </datalist>
    </>
  );
}

export function ConditionEditor({ config, onChange }: EditorProps) {
  const { problemAt } = useEditor();
  const hours = str(config.check) === "business_hours";
  return (
    <Controls>
      <Select compact label="Decide on" value={hours ? "business_hours" : "variables"} onChange={(e) => onChange(put(config, "check", e.target.value))} error={problemAt("config.check")}>
        <option value="variables">The flow&apos;s variables</option>
        <option value="business_hours">The opening hours</option>
      </Select>
      {hours ? (
        <Hint>Takes “open” during the opening hours of Settings, at the local time now, else “closed”. With no opening hours set, the business counts as open.</Hint>
      ) : (
        <Rules config={config} onChange={onChange} />
      )}
    </Controls>
  );
}
