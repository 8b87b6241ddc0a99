// extract_in_child: an upload's text is read by `botflow extract` in a child process under CPU,
// memory and time limits, so a hostile file ends as an error message, never as a crash.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "botflow/core/error.hpp"
#include "botflow/knowledge/extract.hpp"

namespace botflow::knowledge {
namespace {

constexpr const char* kNoTemporarySpace = "The file could not be processed (no temporary space).";

// The extractor's process and the read ends of its stdout and stderr.
struct Child {
    pid_t pid;
    int out;
    int err;
};

// What the child printed, and whether it had to be stopped.
struct Output {
    std::string out;
    std::string err;
    bool timed_out = false;
    bool too_much = false;
};

bool write_all(int fd, std::string_view bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n <= 0) return false;
        written += static_cast<std::size_t>(n);
    }
    return true;
}

// In the forked child: only async-signal-safe calls from here to exec. The child gets
// stdin/out/err and nothing else of the server: no sockets, no files, no environment (no
// secrets).
[[noreturn]] void exec_extractor(const std::string& executable, const std::string& kind,
                                 const char* path, const ChildLimits& limits, int out, int err) {
    dup2(out, 1);
    dup2(err, 2);
    ::close_range(3, ~0U, 0);
    rlimit cpu{static_cast<rlim_t>(limits.cpu.count()),
               static_cast<rlim_t>(limits.cpu.count() + 1)};
    setrlimit(RLIMIT_CPU, &cpu);
    rlimit mem{limits.memory, limits.memory};
    setrlimit(RLIMIT_AS, &mem);
    rlimit core{0, 0};
    setrlimit(RLIMIT_CORE, &core);
    char* const empty_env[] = {nullptr};
    execle(executable.c_str(), "botflow", "extract", kind.c_str(), path,
           static_cast<char*>(nullptr), empty_env);
    _exit(127);
}

Child spawn_extractor(const std::string& executable, const std::string& kind, const char* path,
                      const ChildLimits& limits) {
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        throw Error(Errc::unavailable, "The file cannot be processed right now.", "pipe2 failed");
    }
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw Error(Errc::unavailable, "The file cannot be processed right now.", "pipe2 failed");
    }
    pid_t pid = fork();
    if (pid < 0) {
        for (int f : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(f);
        // Transient: the job runs again.
        throw Error(Errc::unavailable, "The file cannot be processed right now.", "fork failed");
    }
    if (pid == 0) exec_extractor(executable, kind, path, limits, out_pipe[1], err_pipe[1]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    return Child{pid, out_pipe[0], err_pipe[0]};
}

// Reads the child's stdout and stderr until both close, the deadline passes, or it printed
// more than any document holds.
Output collect(const Child& child, std::chrono::steady_clock::time_point deadline) {
    Output o;
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            o.timed_out = true;
            break;
        }
        pollfd fds[2] = {{out_open ? child.out : -1, POLLIN, 0},
                         {err_open ? child.err : -1, POLLIN, 0}};
        if (::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000))) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        char buf[64 * 1024];
        for (int i = 0; i < 2; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            auto n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                (i == 0 ? out_open : err_open) = false;
                continue;
            }
            auto& target = i == 0 ? o.out : o.err;
            if (target.size() < (64u << 20)) {
                target.append(buf, static_cast<std::size_t>(n));
            } else {
                o.too_much = true;
            }
        }
        if (o.too_much) break;
    }
    return o;
}

// The child's exit status, once it exited.
int reap(pid_t pid) {
    int status = 0;
    pid_t reaped;
    while ((reaped = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    if (reaped != pid) {
        throw Error(Errc::unavailable, "The file cannot be processed right now.", "waitpid failed");
    }
    return status;
}

// The text, or the problem in the owner's words, from how the child ended.
ExtractResult result_of(int status, Output& o) {
    ExtractResult result;
    if (o.timed_out) {
        result.error =
            "Reading this file took too long; it may be damaged or built to be "
            "hard to read. Try exporting it again.";
    } else if (o.too_much) {
        result.error = "This file produces far too much text to be one document.";
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        result.ok = true;
        result.text = std::move(o.out);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
        // The message is the child's last line (libraries may have printed before it).
        auto& err = o.err;
        while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
        auto nl = err.rfind('\n');
        if (nl != std::string::npos) err = err.substr(nl + 1);
        if (err.size() > 500) err.resize(500);
        result.error = err.empty() ? "The file could not be read." : err;
    } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
        result.error =
            "Reading this file took too long; it may be damaged or built to be hard "
            "to read. Try exporting it again.";
    } else {
        result.error = "This file could not be read; it may be damaged. Try exporting it again.";
    }
    return result;
}

}  // namespace

ExtractResult extract_in_child(const std::string& executable, const std::string& kind,
                               std::string_view bytes, const ChildLimits& limits) {
    ExtractResult result;
    char path[] = "/tmp/botflow-extract-XXXXXX";
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0) {
        result.error = kNoTemporarySpace;
        return result;
    }
    struct Unlink {
        const char* p;
        ~Unlink() { ::unlink(p); }
    } unlink_guard{path};
    bool written = write_all(fd, bytes);
    ::close(fd);
    if (!written) {
        result.error = kNoTemporarySpace;
        return result;
    }
    Child child = spawn_extractor(executable, kind, path, limits);
    Output output = collect(child, std::chrono::steady_clock::now() + limits.wall);
    if (output.timed_out || output.too_much) ::kill(child.pid, SIGKILL);
    ::close(child.out);
    ::close(child.err);
    return result_of(reap(child.pid), output);
}

}  // namespace botflow::knowledge
