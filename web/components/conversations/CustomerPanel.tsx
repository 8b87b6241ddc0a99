"use client";
// Who the customer is and what the team notes about them.
import { useEffect, useState } from "react";
import { errorText } from "@/lib/api/client";
import {
  conversationExportUrl,
  eraseConversation,
  updateConversation,
  type Conversation,
} from "@/lib/api/conversations";
import { useMe } from "@/lib/session";
import { dateTime } from "@/lib/format";
import { Field, FormError, Select, TextArea } from "@/components/Form";

/** What bot flows collected from the customer (a booking's service and day, a lead's budget). */
function CollectedFields({ fields }: { fields?: Record<string, string> }) {
  const entries = Object.entries(fields ?? {});
  if (entries.length === 0) return null;
  return (
    <section aria-labelledby="collected-title" className="space-y-1 rounded-lg bg-zinc-100 p-2 dark:bg-zinc-800/60" data-testid="collected-fields">
      <h3 id="collected-title" className="text-xs font-medium">
        Collected by flows
      </h3>
      <dl className="space-y-1">
        {entries.map(([name, value]) => (
          <div key={name} data-testid="collected-field" data-name={name}>
            <dt className="text-xs text-zinc-500 dark:text-zinc-400">{name}</dt>
            <dd className="whitespace-pre-wrap break-words">{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function CustomerPanel({ conversation, onConversation }: { conversation: Conversation; onConversation: (c: Conversation) => void }) {
  const me = useMe();
  const [name, setName] = useState(conversation.customer.name);
  const [tags, setTags] = useState(conversation.tags.join(", "));
  const [notes, setNotes] = useState(conversation.notes);
  const [status, setStatus] = useState(conversation.status);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    setName(conversation.customer.name);
    setTags(conversation.tags.join(", "));
    setNotes(conversation.notes);
    setStatus(conversation.status);
    // Only when another conversation is shown: live updates must not wipe what is being typed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [conversation.id]);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const c = await updateConversation(conversation.id, {
        customer_name: name,
        tags: tags
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
        notes,
        status,
      });
      onConversation(c);
      setSaved(true);
      setTimeout(() => setSaved(false), 1500);
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function erase() {
    if (!confirm("Erase every message and file of this customer? This cannot be undone.")) return;
    try {
      await eraseConversation(conversation.id);
      location.assign("/conversations/");
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <aside aria-label="Customer" className="h-full space-y-4 overflow-y-auto p-4 text-sm">
      <dl className="space-y-2">
        <div>
          <dt className="text-xs text-zinc-500 dark:text-zinc-400">Phone</dt>
          <dd>{conversation.customer.phone ?? "withheld by WhatsApp"}</dd>
        </div>
        {conversation.customer.profile_name && (
          <div>
            <dt className="text-xs text-zinc-500 dark:text-zinc-400">WhatsApp profile name</dt>
            <dd>{conversation.customer.profile_name}</dd>
          </div>
        )}
        <div>
          <dt className="text-xs text-zinc-500 dark:text-zinc-400">First seen</dt>
          <dd>{dateTime(conversation.created_at)}</dd>
        </div>
        {conversation.message_count !== undefined && (
          <div>
            <dt className="text-xs text-zinc-500 dark:text-zinc-400">Messages</dt>
            <dd data-testid="message-count">{conversation.message_count}</dd>
          </div>
        )}
        {conversation.handoff_reason && (
          <div>
            <dt className="text-xs text-zinc-500 dark:text-zinc-400">Handed off because</dt>
            <dd>{conversation.handoff_reason}</dd>
          </div>
        )}
      </dl>
      <CollectedFields fields={conversation.fields} />
      <form onSubmit={save} className="space-y-3">
        <FormError message={error} />
        <Field compact label="Name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <Select compact label="Status" value={status} onChange={(e) => setStatus(e.target.value as Conversation["status"])}>
          <option value="active">Active</option>
          <option value="handed_off">Needs a person</option>
          <option value="closed">Closed</option>
          <option value="archived">Archived</option>
        </Select>
        <Field compact label="Tags (comma-separated)" value={tags} onChange={(e) => setTags(e.target.value)} />
        <TextArea compact label="Notes" value={notes} onChange={(e) => setNotes(e.target.value)} />
        <button className="btn-primary w-full" type="submit">
          {saved ? "Saved" : "Save"}
        </button>
      </form>
      <div className="space-y-2 border-t border-zinc-200 pt-3 dark:border-zinc-800">
        <p className="text-xs font-medium">Export</p>
        <div className="flex gap-2">
          <a className="btn-secondary py-1 text-xs" href={conversationExportUrl(conversation.id, "csv")}>
            CSV
          </a>
          <a className="btn-secondary py-1 text-xs" href={conversationExportUrl(conversation.id, "json")}>
            JSON
          </a>
        </div>
        {me.role === "owner" && (
          <button type="button" className="btn w-full border border-red-300 text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-400 dark:hover:bg-red-950" onClick={() => void erase()}>
            Erase this customer&apos;s data
          </button>
        )}
      </div>
    </aside>
  );
}
