"use client";
// Messages the customer answers with a tap: reply buttons (up to 3) and a list (sections of
// rows, 10 rows in all). Each button and row has a title the customer reads and an id the flow
// names its arrow after (`button:<id>`, `row:<id>`); while nothing is connected to it yet, the
// id follows the title, so the owner rarely has to write one.
import { Field } from "@/components/Form";
import { LIMITS } from "@/lib/flowdoc/limits";
import { arr, obj, str, type Fields } from "@/lib/flowdoc/json";
import { VarField } from "../VarField";
import { AddButton, Group, ItemCard } from "./controls";
import { FieldError, put, removed, replaced, useEditor, useKeys } from "./shared";

export interface PartProps {
  /** Where the message is in the config: "config.message" or "config.prompt". */
  path: string;
  message: Fields;
  onChange: (message: Fields) => void;
}

/** An id from a title: "Día libre" → "dia_libre". Variables are left out. */
export function slugId(title: string): string {
  return title
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\{\{[^}]*\}\}/g, " ")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
}

/** An id none of `taken` has: "option_3", or the base with a number after it. */
export function freshId(base: string, taken: string[]): string {
  if (base && !taken.includes(base)) return base;
  for (let n = 1; ; n++) {
    const id = base ? `${base}_${n + 1}` : `option_${n}`;
    if (!taken.includes(id)) return id;
  }
}

/** The id an edited title gives its button or row: it follows the title while the id is still
 * the one the old title (or a new item) had, and no arrow leaves on it. */
function useFollowingId(prefix: "button" | "row") {
  const { doc, node } = useEditor();
  return (item: Fields, title: string, taken: string[]): string => {
    const id = str(item.id);
    const derived = id === "" || id === slugId(str(item.title)) || /^option_\d+$/.test(id);
    const connected = doc.edges.some((e) => e.source === node.id && e.when === `${prefix}:${id}`);
    if (!derived || connected) return id;
    return slugId(title) ? freshId(slugId(title), taken) : id;
  };
}

/** The header, text and footer every interactive message has. */
export function Framing({ path, message, onChange, bodyLimit }: PartProps & { bodyLimit: number }) {
  const { doc } = useEditor();
  const keys = useKeys(message, onChange, path);
  return (
    <>
      <VarField label="Header" {...keys.text("header", true)} doc={doc} limit={LIMITS.header} placeholder="Optional" />
      <VarField label="Message text" multiline {...keys.text("body")} doc={doc} limit={bodyLimit} />
      <VarField label="Footer" {...keys.text("footer", true)} doc={doc} limit={LIMITS.footer} placeholder="Optional, in small grey letters" />
    </>
  );
}

function ChoiceFields({ path, label, item, onTitle, onChange, titleLimit, idLimit, described }: {
  path: string;
  label: string;
  item: Fields;
  onTitle: (title: string) => void;
  onChange: (item: Fields) => void;
  titleLimit: number;
  idLimit: number;
  described?: boolean;
}) {
  const { doc, problemAt } = useEditor();
  const keys = useKeys(item, onChange, path);
  return (
    <>
      <VarField label={`${label} title`} value={str(item.title)} onChange={onTitle} doc={doc} limit={titleLimit} error={problemAt(`${path}.title`)} />
      {described && (
        <VarField label={`${label} description`} {...keys.text("description", true)} doc={doc} limit={LIMITS.rowDescription} placeholder="Optional" />
      )}
      <Field
        compact
        label={`${label} id`}
        className="font-mono text-xs"
        {...keys.input("id")}
        hint={`Names its arrow in the flow. At most ${idLimit} characters.`}
      />
    </>
  );
}

export function ButtonsFields({ path, message, onChange }: PartProps) {
  const { problemAt } = useEditor();
  const follow = useFollowingId("button");
  const buttons = arr(message.buttons).map(obj);
  const ids = buttons.map((b) => str(b.id));
  const setButtons = (list: Fields[]) => onChange(put(message, "buttons", list));
  return (
    <>
      <Framing path={path} message={message} onChange={onChange} bodyLimit={LIMITS.buttonsBody} />
      <Group title="Reply buttons" hint="1 to 3, each title unique." error={problemAt(`${path}.buttons`)}>
        <ul className="space-y-2">
          {buttons.map((b, i) => (
            <ItemCard key={i} title={`Button ${i + 1}`} removeLabel={`Remove button ${i + 1}`} onRemove={() => setButtons(removed(buttons, i))}>
              <FieldError message={problemAt(`${path}.buttons[${i}]`)} />
              <ChoiceFields
                path={`${path}.buttons[${i}]`}
                label={`Button ${i + 1}`}
                item={b}
                titleLimit={LIMITS.buttonTitle}
                idLimit={LIMITS.buttonId}
                onTitle={(t) => setButtons(replaced(buttons, i, { ...b, title: t, id: follow(b, t, removed(ids, i)) }))}
                onChange={(next) => setButtons(replaced(buttons, i, next))}
              />
            </ItemCard>
          ))}
        </ul>
        <AddButton disabled={buttons.length >= LIMITS.buttons} onClick={() => setButtons([...buttons, { id: freshId("", ids), title: "" }])}>
          Add a button
        </AddButton>
      </Group>
    </>
  );
}

interface Section {
  fields: Fields;
  rows: Fields[];
}

function sectionsOf(message: Fields): Section[] {
  return arr(message.sections).map((s) => ({ fields: obj(s), rows: arr(obj(s).rows).map(obj) }));
}

function SectionCard({ path, s, section, first, total, count, onChange, onRemove }: {
  path: string;
  s: number;
  section: Section;
  /** The number of this section's first row among all the list's rows. */
  first: number;
  /** The rows of the whole list and their ids. */
  total: { rows: number; ids: string[] };
  count: number;
  onChange: (section: Fields) => void;
  onRemove?: () => void;
}) {
  const { doc, problemAt } = useEditor();
  const follow = useFollowingId("row");
  const at = `${path}.sections[${s}]`;
  const keys = useKeys(section.fields, onChange, at);
  const setRows = (rows: Fields[]) => onChange(put(section.fields, "rows", rows));
  return (
    <ItemCard title={`Section ${s + 1}`} removeLabel={`Remove section ${s + 1}`} onRemove={onRemove}>
      <FieldError message={problemAt(at)} />
      <VarField
        label={`Section ${s + 1} title`}
        {...keys.text("title", true)}
        doc={doc}
        limit={LIMITS.sectionTitle}
        placeholder={count > 1 ? "Needed: the list has several sections" : "Optional with one section"}
      />
      <ul className="space-y-2">
        {section.rows.map((r, i) => (
          <ItemCard key={i} title={`Row ${first + i}`} removeLabel={`Remove row ${first + i}`} onRemove={() => setRows(removed(section.rows, i))}>
            <ChoiceFields
              path={`${at}.rows[${i}]`}
              label={`Row ${first + i}`}
              item={r}
              titleLimit={LIMITS.rowTitle}
              idLimit={LIMITS.rowId}
              described
              onTitle={(t) => setRows(replaced(section.rows, i, { ...r, title: t, id: follow(r, t, total.ids.filter((id) => id !== str(r.id))) }))}
              onChange={(next) => setRows(replaced(section.rows, i, next))}
            />
          </ItemCard>
        ))}
      </ul>
      <FieldError message={problemAt(`${at}.rows`)} />
      <AddButton disabled={total.rows >= LIMITS.rows} onClick={() => setRows([...section.rows, { id: freshId("", total.ids), title: "" }])}>
        {`Add a row to section ${s + 1}`}
      </AddButton>
    </ItemCard>
  );
}

export function ListFields({ path, message, onChange }: PartProps) {
  const { doc, problemAt } = useEditor();
  const keys = useKeys(message, onChange, path);
  const sections = sectionsOf(message);
  const raw = arr(message.sections).map(obj);
  const ids = sections.flatMap((s) => s.rows.map((r) => str(r.id)));
  const total = { rows: ids.length, ids };
  const setSections = (list: Fields[]) => onChange(put(message, "sections", list));
  // Rows are numbered across the list, as WhatsApp counts its 10 rows.
  const starts = sections.map((_, s) => 1 + sections.slice(0, s).reduce((n, x) => n + x.rows.length, 0));
  return (
    <>
      <Framing path={path} message={message} onChange={onChange} bodyLimit={LIMITS.listBody} />
      <VarField label="Button that opens the list" {...keys.text("button")} doc={doc} limit={LIMITS.listButton} placeholder="Options" />
      <Group title="Sections" hint="1 to 10 sections, 10 rows in all." error={problemAt(`${path}.sections`)}>
        <ul className="space-y-2">
          {sections.map((section, s) => (
            <SectionCard
              key={s}
              path={path}
              s={s}
              section={section}
              first={starts[s] ?? 1}
              total={total}
              count={sections.length}
              onChange={(next) => setSections(replaced(raw, s, next))}
              onRemove={sections.length > 1 ? () => setSections(removed(raw, s)) : undefined}
            />
          ))}
        </ul>
        <AddButton
          disabled={sections.length >= LIMITS.sections || total.rows >= LIMITS.rows}
          onClick={() => setSections([...raw, { rows: [{ id: freshId("", ids), title: "" }] }])}
        >
          Add a section
        </AddButton>
      </Group>
    </>
  );
}
