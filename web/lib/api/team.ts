// The team (/api/users) and the audit log (/api/audit).
import { request, withQuery } from "./client";
import type { Role } from "./auth";

export interface TeamUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  invited: boolean;
  created_at: string;
  last_login_at: string | null;
}

export interface Invited {
  user: TeamUser;
  invite_url: string;
  invite_expires_at: number;
}

export async function listUsers(): Promise<TeamUser[]> {
  return (await request<{ items: TeamUser[] }>("/api/users")).items;
}

export function inviteUser(invite: { email: string; name: string; role: Role }): Promise<Invited> {
  return request<Invited>("/api/users", { body: invite });
}

export async function updateUser(id: string, change: { role?: Role; disabled?: boolean }): Promise<TeamUser> {
  return (await request<{ user: TeamUser }>(`/api/users/${id}`, { method: "PATCH", body: change })).user;
}

export function removeUser(id: string): Promise<unknown> {
  return request(`/api/users/${id}`, { method: "DELETE" });
}

export interface AuditEntry {
  id: number;
  at: string;
  user_id: string | null;
  user_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** Newest first; `before` is the `next_before` of the previous page. */
export function listAudit(limit: number, before: number | null): Promise<{ items: AuditEntry[]; next_before: number | null }> {
  return request(withQuery("/api/audit", { limit, before }));
}
