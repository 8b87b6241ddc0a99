"use client";
// Knowledge typed in directly (POST /api/documents/text): the first-run checklist and the
// knowledge page both offer it.
import { useState } from "react";
import { addSnippet } from "@/lib/api/knowledge";
import { useAction } from "@/lib/action";
import { Field, FormError, TextArea } from "@/components/Form";

export function SnippetForm({ onSaved }: { onSaved: () => void }) {
  const [title, setTitle] = useState("");
  const [content, setContent] = useState("");
  const { busy, error, fields, run } = useAction();
  return (
    <form
      className="space-y-2"
      aria-label="Add a text snippet"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await run(() => addSnippet(title, content))) {
          setTitle("");
          setContent("");
          onSaved();
        }
      }}
    >
      <FormError message={error} />
      <Field
        label="Title"
        required
        maxLength={200}
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        placeholder="Opening hours"
        error={fields.title}
      />
      <TextArea
        label="What the AI should know"
        className="min-h-24"
        required
        value={content}
        onChange={(e) => setContent(e.target.value)}
        placeholder="We are open Monday to Friday, 9:00 to 18:00…"
        error={fields.content}
      />
      <button className="btn-primary" disabled={busy || !title.trim() || !content.trim()}>
        Add to knowledge
      </button>
    </form>
  );
}
