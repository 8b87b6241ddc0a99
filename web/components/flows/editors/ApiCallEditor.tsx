"use client";
// A call to the business's own API: the request (method, address, headers, a JSON body) and
// what to keep of its answer (all of it under one name, or single values by their path).
import { Field, Select } from "@/components/Form";
import { arr, obj, str, type Fields } from "@/lib/flowdoc/json";
import { VarField } from "../VarField";
import { AddButton, Group, ItemCard, JsonField, NumberField, useTyped, type Parsed } from "./controls";
import { Controls, joined, put, putOptional, removed, replaced, useEditor, useKeys, without, type EditorProps, type FieldPatterns } from "./shared";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const WITHOUT_BODY = new Set(["GET", "DELETE"]);

export function apiCallFields(): FieldPatterns {
  const own = ["method", "url", "headers", "headers.*", "body", "timeout_ms", "response_variable", "status_variable", "fields", "fields[]", "fields[].variable", "fields[].path"];
  return own.map((k) => `config.${k}`);
}

interface Header {
  name: string;
  value: string;
}

const headerRows = (headers: unknown): Header[] =>
  Object.entries(obj(headers)).map(([name, value]) => ({ name, value: typeof value === "string" ? value : JSON.stringify(value) }));

function headerObject(rows: Header[]): Fields | undefined {
  const out: Fields = {};
  for (const r of rows) if (r.name) out[r.name] = r.value;
  return Object.keys(out).length ? out : undefined;
}

// An object cannot hold a header without a name yet, or the same name twice: the rows are kept
// as typed, and the config gets the named ones.
const readHeaders = (rows: Header[]): Parsed<unknown> => ({ ok: true, value: headerObject(rows) });

function Headers({ config, onChange }: EditorProps) {
  const { doc, problemAt } = useEditor();
  const { typed: rows, edit } = useTyped(config.headers, headerRows, readHeaders, (headers) => onChange(putOptional(config, "headers", headers)));
  const twice = (name: string) => name !== "" && rows.filter((r) => r.name.toLowerCase() === name.toLowerCase()).length > 1;
  return (
    <Group title="Headers" hint="Values may hold variables and secrets: Bearer {{secrets.SHOP_TOKEN}}." error={problemAt("config.headers")}>
      <ul className="space-y-2">
        {rows.map((r, i) => (
          <ItemCard key={i} title={`Header ${i + 1}`} removeLabel={`Remove header ${i + 1}`} onRemove={() => edit(removed(rows, i))}>
            <Field
              compact
              label={`Header ${i + 1} name`}
              className="font-mono text-xs"
              value={r.name}
              placeholder="Authorization"
              onChange={(e) => edit(replaced(rows, i, { ...r, name: e.target.value }))}
              error={twice(r.name) ? "This header is named twice: the last one is sent." : r.name ? problemAt(`config.headers.${r.name}`) : undefined}
            />
            <VarField label={`Header ${i + 1} value`} value={r.value} onChange={(v) => edit(replaced(rows, i, { ...r, value: v }))} doc={doc} className="font-mono text-xs" />
          </ItemCard>
        ))}
      </ul>
      <AddButton onClick={() => edit([...rows, { name: "", value: "" }])}>Add a header</AddButton>
    </Group>
  );
}

function Kept({ config, onChange }: EditorProps) {
  const { problemAt } = useEditor();
  const items = arr(config.fields).map(obj);
  const setItems = (list: Fields[]) => onChange(list.length ? put(config, "fields", list) : without(config, "fields"));
  return (
    <Group title="Values to keep from the answer" hint="Kept only when the API answers 2xx. A path the answer does not have leaves the variable empty." error={problemAt("config.fields")}>
      <ul className="space-y-2">
        {items.map((f, i) => {
          const at = `config.fields[${i}]`;
          return (
            <ItemCard key={i} title={`Value ${i + 1}`} removeLabel={`Remove value ${i + 1}`} onRemove={() => setItems(removed(items, i))}>
              <Field
                compact
                label={`Value ${i + 1} path`}
                className="font-mono text-xs"
                value={str(f.path)}
                placeholder="data.items.0.status"
                onChange={(e) => setItems(replaced(items, i, { ...f, path: e.target.value }))}
                error={joined(problemAt(at), problemAt(`${at}.path`))}
              />
              <Field
                compact
                label={`Value ${i + 1} saved as`}
                className="font-mono text-xs"
                value={str(f.variable)}
                placeholder="order.status"
                onChange={(e) => setItems(replaced(items, i, { ...f, variable: e.target.value }))}
                error={problemAt(`${at}.variable`)}
              />
            </ItemCard>
          );
        })}
      </ul>
      <AddButton onClick={() => setItems([...items, { path: "", variable: "" }])}>Add a value</AddButton>
    </Group>
  );
}

export function ApiCallEditor({ config, onChange }: EditorProps) {
  const { doc, problemAt } = useEditor();
  const keys = useKeys(config, onChange);
  const method = str(config.method) || "GET";
  const hasBody = config.body !== undefined;
  return (
    <Controls>
      <Select compact label="Method" value={method} onChange={(e) => onChange(put(config, "method", e.target.value))} error={problemAt("config.method")}>
        {!METHODS.includes(method) && <option value={method}>{method}</option>}
        {METHODS.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </Select>
      <VarField
        label="URL"
        {...keys.text("url")}
        doc={doc}
        placeholder="https://shop.example.com/orders/{{order_number}}"
        className="font-mono text-xs"
        hint="Variables in it are percent-encoded. Only public addresses can be reached."
      />
      <Headers config={config} onChange={onChange} />
      {(!WITHOUT_BODY.has(method) || hasBody) && (
        <JsonField
          label="Body (JSON)"
          value={config.body}
          onChange={(v) => onChange(putOptional(config, "body", v))}
          placeholder={'{"order": "{{order_number}}"}'}
          hint={
            WITHOUT_BODY.has(method)
              ? `A ${method} request has no body: empty this, or choose another method.`
              : "Sent as JSON. A text that is one variable and nothing else keeps the variable's type."
          }
          error={problemAt("config.body")}
        />
      )}
      <NumberField
        label="Give up after (milliseconds)"
        {...keys.number("timeout_ms")}
        placeholder="10000"
        min={100}
        max={30000}
        step={100}
        hint="100 to 30000; then the step takes “error”."
      />
      <Field
        compact
        label="Keep the whole answer as"
        className="font-mono text-xs"
        {...keys.input("response_variable", true)}
        placeholder="order"
        hint="Then {{order.status}} reads the field status of the answer."
      />
      <Field
        compact
        label="Keep the HTTP status as"
        className="font-mono text-xs"
        {...keys.input("status_variable", true)}
        placeholder="order_lookup.status"
        hint="Kept on success and on error alike (0 when no answer came), so that a condition can tell “not found” (404) from a failure."
      />
      <Kept config={config} onChange={onChange} />
    </Controls>
  );
}
