#include "support/process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace botflow::test {
namespace {

std::atomic<int> g_counter{0};

std::string log_dir() {
    const char* dir = std::getenv("BOTFLOW_TEST_LOG_DIR");
    return dir && *dir ? dir : "/tmp";
}

std::vector<std::string> merged_env(const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> all;
    for (char** e = environ; e && *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) all[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : extra) {
        if (v.empty()) {
            all.erase(k);
        } else {
            all[k] = v;
        }
    }
    std::vector<std::string> out;
    for (const auto& [k, v] : all) out.push_back(k + "=" + v);
    return out;
}

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& log_path) {
    auto env_strings = merged_env(env);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{BOTFLOW_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    pid_t pid = fork();
    if (pid == 0) {
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    return pid;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

CommandResult run_botflow(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
    std::string path =
        log_dir() + "/cmd-" + std::to_string(getpid()) + "-" + std::to_string(g_counter++) + ".log";
    pid_t pid = spawn(args, env, path);
    int status = 0;
    waitpid(pid, &status, 0);
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.output = read_file(path);
    return r;
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0 && running()) {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    if (::testing::Test::HasFailure() && !log_path_.empty()) {
        std::string text = log();
        // Warnings and errors from anywhere in the log first: the cause of a failure is often
        // long before the tail.
        std::string notable;
        std::size_t pos = 0;
        while (pos < text.size() && notable.size() < 8000) {
            auto end = text.find('\n', pos);
            if (end == std::string::npos) end = text.size();
            auto line = text.substr(pos, end - pos);
            if (line.find(" error ") != std::string::npos ||
                line.find(" warning ") != std::string::npos) {
                notable += line + "\n";
            }
            pos = end + 1;
        }
        auto start = text.size() > 6000 ? text.size() - 6000 : 0;
        std::fprintf(stderr,
                     "---- botflow warnings and errors (%s) ----\n%s---- log tail ----\n%s\n----\n",
                     log_path_.c_str(), notable.c_str(), text.substr(start).c_str());
    }
}

bool ServerProcess::start(const std::map<std::string, std::string>& env) {
    log_path_ = log_dir() + "/server-" + std::to_string(getpid()) + "-" +
                std::to_string(g_counter++) + ".log";
    auto full = env;
    if (!full.count("PORT")) full["PORT"] = "0";
    if (!full.count("HOST")) full["HOST"] = "127.0.0.1";
    if (!full.count("LOG_LEVEL")) full["LOG_LEVEL"] = "debug";
    pid_ = spawn({"serve"}, full, log_path_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        std::string text = log();
        auto at = text.find("http.listening port=");
        if (at != std::string::npos) {
            port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + 20)));
            return true;
        }
        if (!running()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

void ServerProcess::signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);
}

bool ServerProcess::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    if (r == pid_) {
        exit_status_ = status;
        pid_ = -pid_;  // reaped; keep the number for messages
    }
    return false;
}

std::optional<int> ServerProcess::wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (exit_status_ && WIFEXITED(*exit_status_)) return WEXITSTATUS(*exit_status_);
    return std::nullopt;
}

std::string ServerProcess::log() const { return read_file(log_path_); }

bool ServerProcess::log_contains(const std::string& needle,
                                 std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (log().find(needle) != std::string::npos) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

pid_t start_fake(const std::string& script, const std::vector<std::string>& args,
                 std::uint16_t& port) {
    int out[2];
    if (pipe(out) != 0) {
        ADD_FAILURE() << "pipe: " << std::strerror(errno);
        return -1;
    }
    std::string path = std::string(BOTFLOW_SOURCE_DIR) + "/tests/fakes/" + script;
    std::vector<std::string> argv_storage{"python3", path};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execvp("python3", argv.data());
        _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[128] = {};
    // The fake prints only that line.
    if (!(f && std::fgets(line, sizeof line, f) &&
          std::sscanf(line, "listening %hu", &port) == 1)) {
        ADD_FAILURE() << "the fake did not start (python3 " << path << ")";
    }
    if (f) std::fclose(f);
    return pid;
}

void stop_fake(pid_t pid) {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
}

}  // namespace botflow::test
