"use client";
// One message of a flow (a message step's `message`, a question's `prompt`) in every shape of
// docs/messages.md, with the customer's view of it beside the fields. Changing its type keeps
// what the owner wrote: the text moves to the new type's text, buttons become rows and back.
import { Field, Select } from "@/components/Form";
import { LIMITS, type MessageType } from "@/lib/flowdoc/limits";
import { arr, obj, str, type Fields } from "@/lib/flowdoc/json";
import { MessagePreview } from "../MessagePreview";
import { VarField } from "../VarField";
import { EntryList } from "./controls";
import { ButtonsFields, ListFields, freshId, type PartProps } from "./InteractiveEditor";
import { Controls, FieldError, joined, put, useEditor, useKeys, without, type FieldPatterns } from "./shared";

const TYPE_NAMES: Record<MessageType, string> = {
  text: "Text",
  image: "Image",
  document: "Document",
  audio: "Audio",
  video: "Video",
  buttons: "Text with reply buttons",
  list: "Text with a list to pick from",
  template: "Template (approved by WhatsApp)",
  reaction: "Reaction",
};

// Every key some message type reads; the others are kept whatever the type.
const MESSAGE_KEYS = [
  "type",
  "text",
  "preview_url",
  "media_id",
  "link",
  "caption",
  "filename",
  "body",
  "header",
  "footer",
  "buttons",
  "button",
  "sections",
  "name",
  "language",
  "components",
  "message_id",
  "emoji",
];

const MEDIA = new Set<string>(["image", "document", "audio", "video"]);

export const typeOf = (message: Fields): string => str(message.type) || "text";

function choicesOf(message: Fields): Fields[] {
  if (typeOf(message) === "buttons") return arr(message.buttons).map(obj);
  if (typeOf(message) === "list") return arr(message.sections).flatMap((s) => arr(obj(s).rows).map(obj));
  return [];
}

function interactive(message: Fields, type: "buttons" | "list", words: string): Fields {
  const framing = { ...(message.header ? { header: message.header } : {}), ...(message.footer ? { footer: message.footer } : {}) };
  const choices = choicesOf(message).map((c) => ({ id: str(c.id), title: str(c.title) }));
  const fresh = [{ id: freshId("", []), title: "" }];
  if (type === "buttons") return { ...framing, body: words, buttons: choices.length ? choices.slice(0, LIMITS.buttons) : fresh };
  const sections = typeOf(message) === "list" ? arr(message.sections) : [{ rows: choices.length ? choices : fresh }];
  return { ...framing, body: words, button: str(message.button) || "Options", sections };
}

function media(message: Fields, type: string, words: string): Fields {
  const source = typeof message.media_id === "string" ? { media_id: message.media_id } : { link: str(message.link) || "https://" };
  const caption = type !== "audio" && words ? { caption: words } : {};
  const filename = type === "document" && str(message.filename) ? { filename: message.filename } : {};
  return { ...source, ...caption, ...filename };
}

/** The message as another type, with what it said carried over and the old type's fields gone. */
export function switchType(message: Fields, type: MessageType): Fields {
  const kept = without(message, ...MESSAGE_KEYS);
  const words = str(message.text) || str(message.body) || str(message.caption);
  if (type === "text") return { ...kept, type, text: words };
  if (MEDIA.has(type)) return { ...kept, type, ...media(message, type, words) };
  if (type === "buttons" || type === "list") return { ...kept, type, ...interactive(message, type, words) };
  if (type === "template") {
    const components = Array.isArray(message.components) ? { components: message.components } : {};
    return { ...kept, type, name: str(message.name), language: str(message.language) || "en_US", ...components };
  }
  return { ...kept, type, message_id: str(message.message_id), emoji: str(message.emoji) };
}

/** The fields of the message on screen, for placing the publishing check's problems. */
export function messageFields(path: string, message: Fields): FieldPatterns {
  const type = typeOf(message);
  const own = (keys: string[]) => [path, `${path}.type`, ...keys.map((k) => `${path}.${k}`)];
  const framing = ["body", "header", "footer"];
  if (type === "text") return own(["text", "preview_url"]);
  if (MEDIA.has(type)) return own(["media_id", "link", ...(type === "audio" ? [] : ["caption"]), ...(type === "document" ? ["filename"] : [])]);
  if (type === "buttons") return own([...framing, "buttons", "buttons[]", "buttons[].id", "buttons[].title"]);
  if (type === "list") {
    const row = ["id", "title", "description"].map((k) => `sections[].rows[].${k}`);
    return own([...framing, "button", "sections", "sections[]", "sections[].title", "sections[].rows", "sections[].rows[]", ...row]);
  }
  if (type === "template") return own(["name", "language", "components"]);
  return own(["message_id", "emoji"]);
}

function TextFields({ path, message, onChange }: PartProps) {
  const { doc, problemAt } = useEditor();
  const keys = useKeys(message, onChange, path);
  const preview = typeof message.preview_url === "boolean" ? String(message.preview_url) : "";
  return (
    <>
      <VarField label="Message text" multiline {...keys.text("text")} doc={doc} limit={LIMITS.text} hint="A longer text is sent as several messages." />
      <Select
        compact
        label="Link preview"
        value={preview}
        onChange={(e) => onChange(e.target.value ? put(message, "preview_url", e.target.value === "true") : without(message, "preview_url"))}
        error={problemAt(`${path}.preview_url`)}
      >
        <option value="">When the text has a link</option>
        <option value="true">Always</option>
        <option value="false">Never</option>
      </Select>
    </>
  );
}

function MediaFields({ path, message, onChange }: PartProps) {
  const { doc, problemAt } = useEditor();
  const keys = useKeys(message, onChange, path);
  const type = typeOf(message);
  const uploaded = typeof message.media_id === "string";
  // "Give either media_id or link" is about the source, whichever is shown.
  const sourceError = joined(problemAt(`${path}.media_id`), problemAt(`${path}.link`));
  return (
    <>
      <Select
        compact
        label="Send the file from"
        value={uploaded ? "media_id" : "link"}
        onChange={(e) =>
          onChange(e.target.value === "media_id" ? put(without(message, "link"), "media_id", "") : put(without(message, "media_id"), "link", "https://"))
        }
      >
        <option value="link">A link (https) WhatsApp downloads it from</option>
        <option value="media_id">A file uploaded to BotFlow (its media id)</option>
      </Select>
      {uploaded ? (
        <Field
          compact
          label="Media id"
          className="font-mono text-xs"
          value={str(message.media_id)}
          onChange={(e) => onChange(put(message, "media_id", e.target.value))}
          hint="The id POST /api/media answered for the file."
          error={sourceError}
        />
      ) : (
        <VarField
          label="Link"
          value={str(message.link)}
          onChange={(v) => onChange(put(message, "link", v))}
          doc={doc}
          placeholder="https://example.com/menu.pdf"
          className="font-mono text-xs"
          error={sourceError}
        />
      )}
      {type !== "audio" && <VarField label="Caption" multiline {...keys.text("caption", true)} doc={doc} limit={LIMITS.caption} placeholder="Optional" />}
      {type === "document" && <VarField label="File name" {...keys.text("filename", true)} doc={doc} limit={LIMITS.filename} placeholder="menu.pdf" />}
    </>
  );
}

const isBody = (c: unknown) => str(obj(c).type).toLowerCase() === "body";

/** The texts that fill the template body's {{1}}, {{2}}…, in order. */
export function bodyParameters(message: Fields): string[] {
  const body = arr(message.components).find(isBody);
  return arr(obj(body).parameters).map((p) => str(obj(p).text) || str(obj(obj(p).currency).fallback_value) || str(obj(obj(p).date_time).fallback_value));
}

/** The message with its body parameters replaced; the template's other components as they were. */
export function withBodyParameters(message: Fields, texts: string[]): Fields {
  const components = arr(message.components);
  const at = components.findIndex(isBody);
  const body = { ...obj(components[at]), type: "body", parameters: texts.map((text) => ({ type: "text", text })) };
  const next = at < 0 ? [...components, body] : components.map((c, i) => (i === at ? body : c));
  const kept = texts.length ? next : next.filter((c) => !isBody(c));
  return kept.length ? put(message, "components", kept) : without(message, "components");
}

function TemplateFields({ path, message, onChange }: PartProps) {
  const { problemAt } = useEditor();
  const keys = useKeys(message, onChange, path);
  return (
    <>
      <Field
        compact
        label="Template name"
        className="font-mono text-xs"
        {...keys.input("name")}
        hint="As approved in WhatsApp Manager. A template can be sent after the 24-hour window has closed."
      />
      <Field compact label="Template language" className="font-mono text-xs" {...keys.input("language")} placeholder="en_US" />
      <EntryList
        title="Template parameters"
        noun="parameter"
        values={bodyParameters(message)}
        onChange={(texts) => onChange(withBodyParameters(message, texts))}
        hint="The texts for the body's {{1}}, {{2}}…, in order."
        variables
        startEmpty
        error={problemAt(`${path}.components`)}
      />
    </>
  );
}

function ReactionFields({ path, message, onChange }: PartProps) {
  const keys = useKeys(message, onChange, path);
  return (
    <>
      <Field compact label="Message reacted to (its id)" {...keys.input("message_id")} />
      <Field compact label="Emoji" {...keys.input("emoji")} />
    </>
  );
}

function TypeFields(props: PartProps) {
  const type = typeOf(props.message);
  if (type === "text") return <TextFields {...props} />;
  if (MEDIA.has(type)) return <MediaFields {...props} />;
  if (type === "buttons") return <ButtonsFields {...props} />;
  if (type === "list") return <ListFields {...props} />;
  if (type === "template") return <TemplateFields {...props} />;
  if (type === "reaction") return <ReactionFields {...props} />;
  return <p className="text-xs text-zinc-500 dark:text-zinc-400">BotFlow cannot send a message of type “{type}”: choose another type.</p>;
}

export function MessageEditor({
  path,
  value,
  onChange,
  types,
  question,
}: {
  path: string;
  value: unknown;
  onChange: (message: Fields) => void;
  /** The types offered (a question asks with text, buttons or a list). */
  types: MessageType[];
  question?: boolean;
}) {
  const { problemAt } = useEditor();
  const message = obj(value);
  const type = typeOf(message);
  const offered: string[] = types.includes(type as MessageType) ? types : [...types, type];
  return (
    <div className="space-y-4">
      <Controls>
        {/* About the message as a whole: a variable it names that the flow does not have. */}
        <FieldError message={problemAt(path)} />
        <Select
          compact
          label="Message type"
          value={type}
          onChange={(e) => onChange(switchType(message, e.target.value as MessageType))}
          error={problemAt(`${path}.type`)}
        >
          {offered.map((t) => (
            <option key={t} value={t}>
              {TYPE_NAMES[t as MessageType] ?? t}
            </option>
          ))}
        </Select>
        <TypeFields path={path} message={message} onChange={onChange} />
      </Controls>
      <MessagePreview message={message} question={question} />
    </div>
  );
}
