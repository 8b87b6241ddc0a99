"use client";
// The steps that bring in the AI or the team: an AI answer (with instructions, from documents of
// one tag if the owner wants) and a handoff to a person (with a note, a tag, and whom to assign).
import { useEffect, useId, useState } from "react";
import { Field, Select } from "@/components/Form";
import { listDocuments } from "@/lib/api/knowledge";
import { listUsers, type TeamUser } from "@/lib/api/team";
import { VarField } from "../VarField";
import { Suggestions } from "./controls";
import { Controls, Hint, useEditor, useKeys, type EditorProps, type FieldPatterns } from "./shared";

const MAX_TEXT = 4000;

/** Loads once per page, shared by every step that asks, and again after a failure. */
function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= load().catch((e: unknown) => {
      pending = null;
      throw e;
    });
    return pending;
  };
}

const documentTags = cached(async () => [...new Set((await listDocuments()).flatMap((d) => d.tags))].sort());
const teamUsers = cached(listUsers);

/** What a loader answers, or `fallback` until then (and when it fails: the field still works). */
function useLoaded<T>(load: () => Promise<T>, fallback: T): T {
  const [value, setValue] = useState(fallback);
  useEffect(() => {
    let live = true;
    load().then(
      (v) => live && setValue(v),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [load]);
  return value;
}

export function aiFields(): FieldPatterns {
  return ["config.instructions", "config.document_tag"];
}

const NO_TAGS: string[] = [];

/** A long text of the step that may name variables; emptied, it is left out. */
function LongText({ config, onChange, name, label, placeholder, hint }: EditorProps & { name: string; label: string; placeholder: string; hint: string }) {
  const { doc } = useEditor();
  const keys = useKeys(config, onChange);
  return <VarField label={label} multiline {...keys.text(name, true)} doc={doc} limit={MAX_TEXT} placeholder={placeholder} hint={hint} />;
}

export function AiEditor({ config, onChange }: EditorProps) {
  const keys = useKeys(config, onChange);
  const tags = useLoaded(documentTags, NO_TAGS);
  const listId = useId();
  return (
    <Controls>
      <LongText
        config={config}
        onChange={onChange}
        name="instructions"
        label="Instructions for the AI"
        placeholder="The customer booked a {{booking.service}}. Answer in two sentences."
        hint="Added to your AI's prompt for this answer; the flow's variables are given to it as facts."
      />
      <Field
        compact
        label="Only documents tagged"
        list={listId}
        {...keys.input("document_tag", true)}
        placeholder="All documents"
        maxLength={40}
        hint="When set, the knowledge search reads only the documents with this tag."
      />
      <Suggestions id={listId} values={tags} />
      <Hint>When the AI hands over (or has nothing to answer with), the conversation goes to a person and the flow ends.</Hint>
    </Controls>
  );
}

export function handoffFields(): FieldPatterns {
  return ["config.note", "config.tag", "config.assign_to"];
}

const NO_USERS: TeamUser[] = [];

function AssignTo({ value, onChange, error }: { value: string; onChange: (id: string) => void; error?: string }) {
  const users = useLoaded(teamUsers, NO_USERS);
  const active = users.filter((u) => !u.disabled || u.id === value);
  const known = value === "" || active.some((u) => u.id === value);
  return (
    <Select compact label="Assign to" value={value} onChange={(e) => onChange(e.target.value)} error={error}>
      <option value="">Nobody in particular</option>
      {active.map((u) => (
        <option key={u.id} value={u.id}>
          {u.name || u.email} ({u.role})
        </option>
      ))}
      {!known && <option value={value}>Someone no longer in the team</option>}
    </Select>
  );
}

export function HandoffEditor({ config, onChange }: EditorProps) {
  const keys = useKeys(config, onChange);
  return (
    <Controls>
      <LongText
        config={config}
        onChange={onChange}
        name="note"
        label="Note for the team"
        placeholder="Booking request from {{customer.name}}: please confirm it."
        hint="Shown as the handoff's reason; the conversation's notes also get every variable the flow stored."
      />
      <Field compact label="Tag" {...keys.input("tag", true)} placeholder="booking" maxLength={50} hint="Added to the conversation." />
      <AssignTo {...keys.text("assign_to", true)} />
      <Hint>The customer is sent nothing: put a message before this step to tell them a person will answer.</Hint>
    </Controls>
  );
}
