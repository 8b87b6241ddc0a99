// botflow: one binary, subcommands serve and migrate.
#include <cstdio>
#include <iostream>

#include "botflow/config/config.hpp"
#include "botflow/core/app.hpp"
#include "botflow/core/embedded.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/store/migrator.hpp"

namespace {

constexpr const char* kUsage = R"(usage: botflow <command>

commands:
  serve      migrate the database, then serve HTTP until SIGTERM or SIGINT
  migrate    apply pending database migrations and exit
  version    print the version and exit

Configuration comes from environment variables; see .env.example or the README.
)";

std::optional<botflow::config::Config> load_or_report(botflow::config::Purpose purpose) {
    auto result = botflow::config::load(botflow::config::process_env(), purpose);
    if (auto* errors = std::get_if<std::vector<std::string>>(&result)) {
        std::fprintf(stderr, "botflow: invalid configuration:\n");
        for (const auto& e : *errors) std::fprintf(stderr, "  %s\n", e.c_str());
        return std::nullopt;
    }
    return std::get<botflow::config::Config>(std::move(result));
}

int run_migrate() {
    auto config = load_or_report(botflow::config::Purpose::migrate);
    if (!config) return 2;
    botflow::log::init(config->log_format, config->log_level);
    try {
        auto plan = botflow::store::plan_migrations(botflow::embedded_migrations());
        auto report = botflow::store::migrate(config->database_url.reveal(), plan);
        for (const auto& name : report.applied) spdlog::info("migrate.applied name={}", name);
        spdlog::info("migrate.done applied={} already={}", report.applied.size(), report.already);
        return 0;
    } catch (const botflow::Error& e) {
        spdlog::error("migrate.failed detail=\"{}\" cause=\"{}\"", e.detail(), e.cause());
        return 1;
    }
}

int run_serve() {
    auto config = load_or_report(botflow::config::Purpose::serve);
    if (!config) return 2;
    botflow::log::init(config->log_format, config->log_level);
    spdlog::info("botflow.start version={} commit={}", botflow::build_version(),
                 botflow::build_commit());
    botflow::App app(std::move(*config));
    return app.serve();
}

}  // namespace

int main(int argc, char** argv) {
    std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "serve") return run_serve();
        if (command == "migrate") return run_migrate();
        if (command == "version" || command == "--version") {
            std::printf("botflow %s (%s)\n", botflow::build_version(), botflow::build_commit());
            return 0;
        }
        if (command == "help" || command == "--help" || command == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "botflow: %s\n", e.what());
        return 1;
    }
    std::fputs(kUsage, stderr);
    return 2;
}
