"use client";
import { Suspense } from "react";
import { TokenPassword } from "@/components/TokenPassword";

export default function AcceptInvitePage() {
  return (
    <Suspense>
      <TokenPassword kind="invite" />
    </Suspense>
  );
}
