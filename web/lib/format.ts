export function customerLabel(c: { customer: { name: string; phone: string | null; wa_id: string | null } }) {
  return c.customer.name || c.customer.phone || c.customer.wa_id || "Customer";
}

export function timeShort(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) {
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  return d.toLocaleDateString([], { day: "numeric", month: "short" });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

const STATUS_RANK: Record<string, number> = { queued: 0, received: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/** How far a message has got: a status never moves backwards to a lower rank. */
export function statusRank(status: string): number {
  return STATUS_RANK[status] ?? 0;
}

/**
 * The union of two lists of one thread's messages, in arrival order. A page fetched while live
 * events arrive must not drop them, and a status never moves backwards.
 */
export function mergeMessages<T extends { id: string; status: string; created_at: string; seq?: number }>(
  a: T[],
  b: T[],
): T[] {
  const byId = new Map<string, T>();
  for (const m of [...a, ...b]) {
    const old = byId.get(m.id);
    if (!old) byId.set(m.id, m);
    else {
      const newer = (STATUS_RANK[m.status] ?? 0) >= (STATUS_RANK[old.status] ?? 0) ? m : old;
      byId.set(m.id, { ...old, ...m, status: newer.status, seq: m.seq ?? old.seq });
    }
  }
  return [...byId.values()].sort((x, y) =>
    x.seq !== undefined && y.seq !== undefined ? x.seq - y.seq : x.created_at.localeCompare(y.created_at),
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
