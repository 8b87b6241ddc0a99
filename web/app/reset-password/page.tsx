"use client";
import { Suspense } from "react";
import { TokenPassword } from "@/components/TokenPassword";

export default function ResetPasswordPage() {
  return (
    <Suspense>
      <TokenPassword kind="reset" />
    </Suspense>
  );
}
