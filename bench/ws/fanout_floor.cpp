// The machine's own floor for the feed's fan-out: what the kernel alone takes to carry one
// small frame to each of K loopback TCP connections, with no WebSocket library, no JSON and no
// botflow in the way.
//
// A sender process accepts K connections from a receiver process (each holds K descriptors, as
// botflow and ws_load do). For each round the sender's threads write one frame of --bytes to
// every connection with plain non-blocking send(); the receiver's threads read them with epoll
// and record, per frame, the time from the start of the round to its arrival. Prints p50, p99
// and max over every frame of every round: the latency a perfect server would show in
// bench/ws.sh on the same cores.
//
//   fanout_floor --clients 10000 --rounds 20 --threads 2 --bytes 420
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Options {
    std::size_t clients = 1000;
    unsigned rounds = 20;
    unsigned threads = 2;
    std::size_t bytes = 420;  // about the size of a message.created event
    unsigned interval_ms = 300;
};

std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);  // one clock for both processes
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "fanout_floor: %s: %s\n", what, std::strerror(errno));
    std::exit(2);
}

void raise_open_files() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

bool write_all(int fd, const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        auto n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool read_all(int fd, void* data, std::size_t size) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
        auto n = ::read(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Each frame carries its round's start time; the receiver subtracts it on arrival. Writes the
// latencies (ns) to `out` when every frame of every round has arrived.
int receiver(const Options& o, std::uint16_t port, int out) {
    std::vector<int> fds(o.clients);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    for (auto& fd : fds) {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
    }
    std::vector<int> epolls(o.threads);
    for (auto& ep : epolls) ep = epoll_create1(EPOLL_CLOEXEC);
    std::vector<std::string> pending(o.clients);
    for (std::size_t i = 0; i < fds.size(); ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        epoll_ctl(epolls[i % o.threads], EPOLL_CTL_ADD, fds[i], &ev);
    }
    const std::uint64_t expected = static_cast<std::uint64_t>(o.clients) * o.rounds;
    std::vector<std::uint32_t> latency(expected);
    std::atomic<std::uint64_t> count{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < o.threads; ++t) {
        threads.emplace_back([&, ep = epolls[t]] {
            std::vector<epoll_event> events(512);
            char chunk[16384];
            while (count < expected) {
                int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
                for (int i = 0; i < n; ++i) {
                    auto id = events[i].data.u64;
                    auto got = ::recv(fds[id], chunk, sizeof chunk, MSG_DONTWAIT);
                    if (got <= 0) continue;
                    auto now = now_ns();
                    auto& in = pending[id];
                    in.append(chunk, static_cast<std::size_t>(got));
                    while (in.size() >= o.bytes) {
                        std::int64_t start = 0;
                        std::memcpy(&start, in.data(), sizeof start);
                        latency[count++] = static_cast<std::uint32_t>(
                            std::clamp<std::int64_t>(now - start, 0, UINT32_MAX));
                        in.erase(0, o.bytes);
                    }
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    return write_all(out, latency.data(), latency.size() * sizeof(std::uint32_t)) ? 0 : 1;
}

double percentile_ms(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1] / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view name = argv[i];
        auto value = std::strtoul(argv[i + 1], nullptr, 10);
        if (name == "--clients") {
            o.clients = value;
        } else if (name == "--rounds") {
            o.rounds = static_cast<unsigned>(value);
        } else if (name == "--threads") {
            o.threads = static_cast<unsigned>(value);
        } else if (name == "--bytes") {
            o.bytes = value;
        } else if (name == "--interval-ms") {
            o.interval_ms = static_cast<unsigned>(value);
        } else {
            std::fprintf(stderr,
                         "usage: fanout_floor [--clients K] [--rounds N] [--threads T] "
                         "[--bytes B] [--interval-ms MS]\n");
            return 2;
        }
    }
    if (o.clients == 0 || o.rounds == 0 || o.threads == 0 || o.bytes < sizeof(std::int64_t)) {
        std::fprintf(stderr, "fanout_floor: clients, rounds and threads must be at least 1\n");
        return 2;
    }
    raise_open_files();

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener, 4096) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        die("listen");
    }
    int results[2];
    if (pipe(results) != 0) die("pipe");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        close(listener);
        close(results[0]);
        _exit(receiver(o, ntohs(addr.sin_port), results[1]));
    }
    close(results[1]);

    std::vector<int> fds(o.clients);
    for (auto& fd : fds) {
        fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) die("accept");
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    std::string frame(o.bytes, 'x');
    std::uint64_t short_writes = 0;
    for (unsigned round = 0; round < o.rounds; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
        auto start = now_ns();
        std::memcpy(frame.data(), &start, sizeof start);
        std::vector<std::thread> senders;
        std::atomic<std::uint64_t> short_round{0};
        for (unsigned t = 0; t < o.threads; ++t) {
            senders.emplace_back([&, t] {
                for (std::size_t i = t; i < fds.size(); i += o.threads) {
                    auto n = ::send(fds[i], frame.data(), frame.size(), MSG_NOSIGNAL);
                    if (n != static_cast<ssize_t>(frame.size())) ++short_round;
                }
            });
        }
        for (auto& s : senders) s.join();
        short_writes += short_round;
    }
    std::vector<std::uint32_t> latency(o.clients * o.rounds);
    bool ok = read_all(results[0], latency.data(), latency.size() * sizeof(std::uint32_t));
    int status = 0;
    waitpid(child, &status, 0);
    if (!ok || short_writes > 0) {
        std::fprintf(stderr, "fanout_floor: the receiver failed (%llu short writes)\n",
                     static_cast<unsigned long long>(short_writes));
        return 1;
    }
    std::sort(latency.begin(), latency.end());
    std::printf(
        "kernel floor (%zu loopback TCP connections, %zu-byte frames, %u+%u threads, %u rounds): "
        "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
        o.clients, o.bytes, o.threads, o.threads, o.rounds, percentile_ms(latency, 0.50),
        percentile_ms(latency, 0.99), latency.empty() ? 0.0 : latency.back() / 1e6);
    return 0;
}
