// Starts the real botflow binary as a child process and reads its log.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace botflow::test {

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

/// Runs `botflow args...` with the current environment plus `env` (empty value: unset) and
/// waits for it. Blocks.
CommandResult run_botflow(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env);

/// Starts `python3 tests/fakes/<script> args...` and reads its "listening <port>" line.
/// Returns its pid (-1, with a test failure, when it does not start) and sets `port`.
pid_t start_fake(const std::string& script, const std::vector<std::string>& args,
                 std::uint16_t& port);
/// SIGKILLs and reaps a fake started with start_fake (nothing for -1).
void stop_fake(pid_t pid);

class ServerProcess {
public:
    ServerProcess() = default;
    ~ServerProcess();  // SIGKILL if still running; prints the log tail if the test failed
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    /// Starts `botflow serve` on PORT=0 and waits (up to 30 s) for its "http.listening" line.
    /// Returns false, with the log in `log()`, if it exits or never listens.
    bool start(const std::map<std::string, std::string>& env);
    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }

    void signal(int sig) const;
    /// Waits for the process to exit; returns its exit code, or nullopt on timeout or when
    /// killed by a signal.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    std::string log() const;
    /// Waits until the log contains `needle` (the server flushes its log every second).
    bool log_contains(const std::string& needle,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

private:
    pid_t pid_ = -1;
    std::optional<int> exit_status_;  // raw waitpid status once reaped
    std::uint16_t port_ = 0;
    std::string log_path_;
};

}  // namespace botflow::test
