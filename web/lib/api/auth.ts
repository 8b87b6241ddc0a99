// Signing in and out, who is signed in, and passwords (/api/auth).
import { request } from "./client";

export type Role = "owner" | "agent";

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface Me {
  user: User;
  role: Role;
  business_name: string | null;
}

export function getMe(): Promise<Me> {
  return request<Me>("/api/auth/me");
}

export function login(email: string, password: string): Promise<unknown> {
  return request("/api/auth/login", { body: { email, password } });
}

export function logout(): Promise<unknown> {
  return request("/api/auth/logout", { method: "POST" });
}

export function changePassword(current: string, next: string): Promise<unknown> {
  return request("/api/auth/change-password", { body: { current_password: current, new_password: next } });
}

/** A new password from a one-time link: an invite to accept, or a reset. */
export function setPasswordWithToken(kind: "invite" | "reset", token: string, password: string): Promise<unknown> {
  const path = kind === "invite" ? "/api/auth/accept-invite" : "/api/auth/reset-password";
  return request(path, { body: { token, password } });
}
