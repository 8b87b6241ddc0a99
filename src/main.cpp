// botflow: one binary, subcommands serve and migrate.
#include <cstdio>
#include <iostream>

#include "botflow/app/app.hpp"
#include "botflow/auth/auth.hpp"
#include "botflow/auth/passwords.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/embedded.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/knowledge/extract.hpp"
#include "botflow/store/migrator.hpp"

namespace {

constexpr const char* kUsage = R"(usage: botflow <command>

commands:
  serve      migrate the database, then serve HTTP until SIGTERM or SIGINT
  migrate    apply pending database migrations and exit
  create-user EMAIL --role owner|agent [--name NAME]
             create a user and print a one-time link (7 days) to set the password
  reset-password EMAIL
             print a one-time password reset link (1 hour)
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

int run_create_user(int argc, char** argv) {
    std::string email, role, name;
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--role" && i + 1 < argc) {
            role = argv[++i];
        } else if (arg == "--name" && i + 1 < argc) {
            name = argv[++i];
        } else if (email.empty() && arg.rfind("--", 0) != 0) {
            email = arg;
        } else {
            std::fprintf(stderr, "botflow: unexpected argument %s\n", arg.c_str());
            return 2;
        }
    }
    if (email.empty() || role.empty()) {
        std::fprintf(stderr, "usage: botflow create-user EMAIL --role owner|agent [--name NAME]\n");
        return 2;
    }
    auto config = load_or_report(botflow::config::Purpose::cli);
    if (!config) return 2;
    botflow::log::init(config->log_format, "warn");
    return botflow::auth::create_user_command(*config, email, role, name);
}

int run_reset_password(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: botflow reset-password EMAIL\n");
        return 2;
    }
    auto config = load_or_report(botflow::config::Purpose::cli);
    if (!config) return 2;
    botflow::log::init(config->log_format, "warn");
    return botflow::auth::reset_password_command(*config, argv[2]);
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
        botflow::auth::init_crypto();
        if (command == "serve") return run_serve();
        if (command == "migrate") return run_migrate();
        if (command == "create-user") return run_create_user(argc, argv);
        if (command == "reset-password") return run_reset_password(argc, argv);
        if (command == "extract") return botflow::knowledge::extract_command(argc, argv);
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
