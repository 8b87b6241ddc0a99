// Reading a flow's JSON loosely: a document may have been imported or written by hand, so any
// field may hold anything. A value of the wrong type reads as nothing, and publishing names it.

/** An object of the document: a config, a message, a button. */
export type Fields = Record<string, unknown>;

export const isObject = (v: unknown): v is Fields => !!v && typeof v === "object" && !Array.isArray(v);
export const obj = (v: unknown): Fields => (isObject(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === "string" ? v : "");
export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
