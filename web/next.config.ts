import type { NextConfig } from "next";

// A static export: botflow serves web/out itself, so there is no Node.js server in
// production. Pages that need an id take it from the query string (?id=).
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  poweredByHeader: false,
  reactStrictMode: true,
  // `next dev` talks to a botflow on :8080 through the same origin, as in production.
  ...(process.env.NODE_ENV === "development"
    ? {
        async rewrites() {
          const target = process.env.BOTFLOW_URL ?? "http://127.0.0.1:8080";
          return [{ source: "/api/:path*", destination: `${target}/api/:path*` }];
        },
      }
    : {}),
};

export default config;
