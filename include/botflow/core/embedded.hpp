// What is compiled into the binary at build time: migrations, the OpenAPI document, templates,
// the version.
#pragma once
#include <span>
#include <string_view>

namespace botflow {

struct EmbeddedFile {
    std::string_view name;  // base name, e.g. "0001_init.sql"
    std::string_view content;
};

/// migrations/*.sql in file-name order.
std::span<const EmbeddedFile> embedded_migrations();
/// docs/openapi.json (one entry).
std::span<const EmbeddedFile> embedded_openapi();
/// templates/*.md (without README.md) in file-name order.
std::span<const EmbeddedFile> embedded_templates();
/// templates/flows/*.json, the pre-built bots, in file-name order.
std::span<const EmbeddedFile> embedded_flow_templates();

/// Build version and commit, e.g. "0.1.0" and "a1b2c3d4e5f6".
const char* build_version() noexcept;
const char* build_commit() noexcept;

}  // namespace botflow
