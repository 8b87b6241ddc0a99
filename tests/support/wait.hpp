// Waiting in integration tests: poll a condition instead of sleeping a fixed time.
#pragma once
#include <chrono>
#include <thread>

namespace botflow::test {

/// Polls `ready` every 50 ms until it holds or `timeout` passes; returns its last answer.
template <class F>
bool eventually(F ready, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return ready();
}

/// Unix time in seconds, for webhook timestamps ("now" as Meta would send it).
inline long unix_seconds() {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}

}  // namespace botflow::test
