"use client";
// The steps that bring in the AI or the team: an AI answer (with instructions, from documents of
// one tag if the owner wants) and a handoff to a person (with a note, a tag, and whom to assign).
import { useEffect, useId, useState } from "react";
import { Field, Select } from "@/components/Form";
import { listDocuments } from "@/lib/api/knowledge";
import { listUsers, type TeamUser } from "@/lib/api/team";
import { VarField } from "../VarField";
import { Controls, Hint, putOptional, str, useEditor, type Config, type FieldPatterns } from "./shared";

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

export function AiEditor({ config, onChange }: { config: Config; onChange: (c: Config) => void }) {
  const { doc, problemAt } = useEditor();
  const tags = useLoaded(documentTags, NO_TAGS);
  const listId = useId();
  return (
    <Controls>
      <VarField
        label="Instructions for the AI"
        multiline
        value={str(config.instructions)}
        onChange={(v) => onChange(putOptional(config, "instructions", v))}
        doc={doc}
        limit={MAX_TEXT}
        placeholder="The customer booked a {{booking.service}}. Answer in two sentences."
        hint="Added to your AI's prompt for this answer; the flow's variables are given to it as facts."
        error={problemAt("config.instructions")}
      />
      <Field
        compact
        label="Only documents tagged"
        list={listId}
        value={str(config.document_tag)}
        placeholder="All documents"
        maxLength={40}
        onChange={(e) => onChange(putOptional(config, "document_tag", e.target.value))}
        hint="When set, the knowledge search reads only the documents with this tag."
        error={problemAt("config.document_tag")}
      />
      <datalist id={listId}>
        {tags.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
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

export function HandoffEditor({ config, onChange }: { config: Config; onChange: (c: Config) => void }) {
  const { doc, problemAt } = useEditor();
  return (
    <Controls>
      <VarField
        label="Note for the team"
        multiline
        value={str(config.note)}
        onChange={(v) => onChange(putOptional(config, "note", v))}
        doc={doc}
        limit={MAX_TEXT}
        placeholder="Booking request from {{customer.name}}: please confirm it."
        hint="Shown as the handoff's reason; the conversation's notes also get every variable the flow stored."
        error={problemAt("config.note")}
      />
      <Field
        compact
        label="Tag"
        value={str(config.tag)}
        placeholder="booking"
        maxLength={50}
        onChange={(e) => onChange(putOptional(config, "tag", e.target.value))}
        hint="Added to the conversation."
        error={problemAt("config.tag")}
      />
      <AssignTo value={str(config.assign_to)} onChange={(id) => onChange(putOptional(config, "assign_to", id))} error={problemAt("config.assign_to")} />
      <Hint>The customer is sent nothing: put a message before this step to tell them a person will answer.</Hint>
    </Controls>
  );
}
