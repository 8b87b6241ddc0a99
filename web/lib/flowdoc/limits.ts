// A message of a flow (a message step's `message`, a question's `prompt`) counted against
// WhatsApp's limits (docs/messages.md) as the owner types, with the checks, field paths and
// wording of the server's own (src/whatsapp/outgoing.cpp), so that what the builder says fits
// is what publishing accepts. Variables are counted as written: the server checks them so too,
// and again once they are filled in. Pure.
import { isObject, type Fields } from "./json";

/** One limit a message breaks: `buttons[2].title`, `23 characters, WhatsApp allows 20`. */
export interface LimitProblem {
  field: string;
  message: string;
}

export const LIMITS = {
  text: 4096,
  caption: 1024,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  buttonsBody: 1024,
  listBody: 4096,
  header: 60,
  footer: 60,
  listButton: 20,
  sections: 10,
  rows: 10,
  rowId: 200,
  rowTitle: 24,
  rowDescription: 72,
  sectionTitle: 24,
  filename: 240,
  templateName: 512,
  language: 15,
} as const;

export const MESSAGE_TYPES = ["text", "image", "document", "audio", "video", "buttons", "list", "template", "reaction"] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** The types a question may ask with. */
export const PROMPT_TYPES: MessageType[] = ["text", "buttons", "list"];

// An agent may paste a long text (it goes as several messages); no other field is long.
const MAX_TEXT_BYTES = 32 * 1024;
const MAX_FIELD_BYTES = 8 * 1024;

/** Characters as WhatsApp counts them, and the server with it: UTF-16 units, so an emoji
 * outside the basic plane counts two. */
export function whatsappLength(text: string): number {
  return text.length;
}

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const indexed = (name: string, i: number) => `${name}[${i}]`;

/** Reads the fields of one object as the server does, noting a wrong type under its path. */
class Reader {
  private readonly object: Fields;
  private readonly prefix: string;
  private readonly out: LimitProblem[];

  constructor(object: Fields, prefix: string, out: LimitProblem[]) {
    this.object = object;
    this.prefix = prefix;
    this.out = out;
  }

  path(key: string): string {
    return this.prefix ? `${this.prefix}.${key}` : key;
  }

  private present(key: string): boolean {
    return this.object[key] !== undefined && this.object[key] !== null;
  }

  text(key: string, maxBytes: number = MAX_FIELD_BYTES): string {
    if (!this.present(key)) return "";
    const v = this.object[key];
    if (typeof v !== "string") {
      this.out.push({ field: this.path(key), message: "must be text" });
      return "";
    }
    if (v.includes("\0")) this.out.push({ field: this.path(key), message: "must not contain NUL characters" });
    else if (utf8Bytes(v) > maxBytes) this.out.push({ field: this.path(key), message: `must be at most ${maxBytes} bytes` });
    return v;
  }

  optionalText(key: string): string | null {
    return this.present(key) ? this.text(key) : null;
  }

  /** The id of a file or a message of ours. */
  id(key: string): string | null {
    const v = this.optionalText(key);
    if (v !== null && !UUID.test(v)) this.out.push({ field: this.path(key), message: "must be an id (a uuid)" });
    return v;
  }

  flag(key: string): void {
    if (this.present(key) && typeof this.object[key] !== "boolean") {
      this.out.push({ field: this.path(key), message: "must be true or false" });
    }
  }

  array(key: string): unknown[] {
    if (!this.present(key)) return [];
    const v = this.object[key];
    if (!Array.isArray(v)) {
      this.out.push({ field: this.path(key), message: "must be a list" });
      return [];
    }
    return v;
  }
}

interface Choice {
  id: string;
  title: string;
  description: string;
}

/** The message as the server reads it before checking it. */
interface Read {
  type: MessageType;
  text: string;
  mediaId: string | null;
  link: string | null;
  caption: string;
  filename: string;
  header: string;
  footer: string;
  buttons: Choice[];
  button: string;
  sections: { title: string; rows: Choice[] }[];
  name: string;
  language: string;
  reactionTo: string;
  emoji: string;
}

const EMPTY: Read = {
  type: "text",
  text: "",
  mediaId: null,
  link: null,
  caption: "",
  filename: "",
  header: "",
  footer: "",
  buttons: [],
  button: "",
  sections: [],
  name: "",
  language: "",
  reactionTo: "",
  emoji: "",
};

function readChoices(list: unknown[], at: string, shape: string, out: LimitProblem[]): Choice[] {
  return list.flatMap((item, i) => {
    if (!isObject(item)) {
      out.push({ field: indexed(at, i), message: `must be ${shape}` });
      return [];
    }
    const r = new Reader(item, indexed(at, i), out);
    return [{ id: r.text("id"), title: r.text("title"), description: r.text("description") }];
  });
}

function readInteractive(m: Read, r: Reader, out: LimitProblem[]): void {
  m.text = r.text("body", MAX_TEXT_BYTES);
  m.header = r.text("header");
  m.footer = r.text("footer");
  if (m.type === "buttons") {
    m.buttons = readChoices(r.array("buttons"), "buttons", "{id, title}", out);
    return;
  }
  m.button = r.text("button");
  m.sections = r.array("sections").flatMap((s, i) => {
    const at = indexed("sections", i);
    if (!isObject(s)) {
      out.push({ field: at, message: "must be {title, rows}" });
      return [];
    }
    const sr = new Reader(s, at, out);
    return [{ title: sr.text("title"), rows: readChoices(sr.array("rows"), `${at}.rows`, "{id, title, description}", out) }];
  });
}

function readType(r: Reader, out: LimitProblem[]): MessageType {
  const type = r.text("type");
  if (!type) return "text";
  if ((MESSAGE_TYPES as readonly string[]).includes(type)) return type as MessageType;
  out.push({ field: "type", message: "must be text, image, document, audio, video, buttons, list, template or reaction" });
  return "text";
}

function read(message: Fields, out: LimitProblem[]): Read {
  const r = new Reader(message, "", out);
  const m: Read = { ...EMPTY, type: readType(r, out) };
  r.id("reply_to");
  if (m.type === "text") {
    m.text = r.text("text", MAX_TEXT_BYTES);
    r.flag("preview_url");
  } else if (m.type === "image" || m.type === "document" || m.type === "audio" || m.type === "video") {
    m.mediaId = r.id("media_id");
    m.link = r.optionalText("link");
    m.caption = r.text("caption");
    m.filename = r.text("filename");
  } else if (m.type === "buttons" || m.type === "list") {
    readInteractive(m, r, out);
  } else if (m.type === "template") {
    m.name = r.text("name");
    m.language = r.text("language");
    r.array("components");
  } else {
    m.reactionTo = r.id("message_id") ?? "";
    m.emoji = r.text("emoji");
  }
  return m;
}

/** "23 characters, WhatsApp allows 20" past `max`; "is required" when empty and required. */
function length(out: LimitProblem[], field: string, value: string, max: number, required: boolean): void {
  if (!value) {
    if (required) out.push({ field, message: "is required" });
    return;
  }
  const n = whatsappLength(value);
  if (n > max) out.push({ field, message: `${n} characters, WhatsApp allows ${max}` });
}

function framing(m: Read, out: LimitProblem[], bodyMax: number): void {
  length(out, "body", m.text, bodyMax, true);
  length(out, "header", m.header, LIMITS.header, false);
  length(out, "footer", m.footer, LIMITS.footer, false);
}

function checkButtons(m: Read, out: LimitProblem[]): void {
  framing(m, out, LIMITS.buttonsBody);
  if (m.buttons.length === 0) out.push({ field: "buttons", message: "needs 1 to 3 buttons" });
  if (m.buttons.length > LIMITS.buttons) {
    out.push({ field: "buttons", message: `${m.buttons.length} buttons, WhatsApp allows ${LIMITS.buttons}` });
  }
  const ids = new Set<string>();
  const titles = new Set<string>();
  m.buttons.forEach((b, i) => {
    const at = indexed("buttons", i);
    length(out, `${at}.id`, b.id, LIMITS.buttonId, true);
    length(out, `${at}.title`, b.title, LIMITS.buttonTitle, true);
    if (b.id && ids.has(b.id)) out.push({ field: `${at}.id`, message: "is used twice" });
    if (b.title && titles.has(b.title)) {
      out.push({ field: `${at}.title`, message: "is used twice; WhatsApp needs each title unique" });
    }
    ids.add(b.id);
    titles.add(b.title);
  });
}

function checkList(m: Read, out: LimitProblem[]): void {
  framing(m, out, LIMITS.listBody);
  length(out, "button", m.button, LIMITS.listButton, true);
  if (m.sections.length === 0) out.push({ field: "sections", message: "needs at least one section" });
  if (m.sections.length > LIMITS.sections) {
    out.push({ field: "sections", message: `${m.sections.length} sections, WhatsApp allows ${LIMITS.sections}` });
  }
  const ids = new Set<string>();
  let rows = 0;
  m.sections.forEach((section, s) => {
    const at = indexed("sections", s);
    length(out, `${at}.title`, section.title, LIMITS.sectionTitle, m.sections.length > 1);
    if (section.rows.length === 0) out.push({ field: `${at}.rows`, message: "needs at least one row" });
    section.rows.forEach((row, r) => {
      const rat = indexed(`${at}.rows`, r);
      length(out, `${rat}.id`, row.id, LIMITS.rowId, true);
      length(out, `${rat}.title`, row.title, LIMITS.rowTitle, true);
      length(out, `${rat}.description`, row.description, LIMITS.rowDescription, false);
      if (row.id && ids.has(row.id)) out.push({ field: `${rat}.id`, message: "is used twice" });
      ids.add(row.id);
    });
    rows += section.rows.length;
  });
  if (rows > LIMITS.rows) out.push({ field: "sections", message: `${rows} rows in all, WhatsApp allows ${LIMITS.rows}` });
}

function checkMedia(m: Read, out: LimitProblem[]): void {
  if ((m.mediaId !== null) === (m.link !== null)) {
    out.push({ field: "media_id", message: "give either media_id (from POST /api/media) or link" });
  }
  if (m.link !== null && !m.link.startsWith("https://")) out.push({ field: "link", message: "must be an https:// address" });
  if (m.type === "audio" && m.caption) out.push({ field: "caption", message: "WhatsApp sends audio without a caption" });
  length(out, "caption", m.caption, LIMITS.caption, false);
  if (m.type !== "document" && m.filename) out.push({ field: "filename", message: "only a document has a file name" });
  length(out, "filename", m.filename, LIMITS.filename, false);
}

function checkText(m: Read, out: LimitProblem[]): void {
  if (!m.text.trim()) {
    out.push({ field: "text", message: "is required" });
    return;
  }
  // Not refused: the server sends a longer text as several messages, which the owner should know.
  const n = whatsappLength(m.text);
  if (n > LIMITS.text) {
    out.push({ field: "text", message: `${n} characters, WhatsApp allows ${LIMITS.text} in one message: it is sent as several` });
  }
}

function check(m: Read, out: LimitProblem[]): void {
  switch (m.type) {
    case "text":
      return checkText(m, out);
    case "image":
    case "document":
    case "audio":
    case "video":
      return checkMedia(m, out);
    case "buttons":
      return checkButtons(m, out);
    case "list":
      return checkList(m, out);
    case "template":
      length(out, "name", m.name, LIMITS.templateName, true);
      length(out, "language", m.language, LIMITS.language, true);
      return;
    case "reaction":
      if (!m.reactionTo) out.push({ field: "message_id", message: "is required" });
      if (whatsappLength(m.emoji) > 8) out.push({ field: "emoji", message: "must be one emoji" });
  }
}

/** Everything the message breaks, each with its field. `question`: it is a question's prompt,
 * which may only be text, buttons or a list. */
export function messageLimits(message: unknown, options: { question?: boolean } = {}): LimitProblem[] {
  if (!isObject(message)) return [{ field: "", message: 'must be a message, like {"type": "text", "text": "Hello"}' }];
  const out: LimitProblem[] = [];
  const m = read(message, out);
  // As the server: a field of the wrong type is named, and nothing is counted until it is fixed.
  if (out.length === 0) check(m, out);
  if (options.question && !PROMPT_TYPES.includes(m.type)) {
    out.push({ field: "type", message: "a question asks with text, buttons or a list" });
  }
  return out;
}

/** One problem as a line: "buttons[2].title: 23 characters, WhatsApp allows 20". */
export function limitLine(p: LimitProblem): string {
  return p.field ? `${p.field}: ${p.message}` : p.message;
}
