// The outbox relay: a thread with a PostgreSQL connection of its own, which LISTENs for new
// events, holds the relay lock while it relays (one replica at a time, so events keep the
// order they were written in), and publishes each batch before marking it done.
#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "botflow/core/log.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/store/db.hpp"
#include "events/bus_state.hpp"

namespace botflow::events {
namespace {

// How long the relay waits for Redis to take a batch before marking it done anyway: Redis
// down costs the other replicas a resync (when it is back), never the relay's progress.
constexpr auto kRedisWait = std::chrono::milliseconds(1000);

}  // namespace

int Bus::State::relay_batch(void* raw) {
    auto& conn = *static_cast<pqxx::connection*>(raw);
    pqxx::work tx(conn);
    // Without waiting for the disk: a mark lost in a crash publishes the batch again, with the
    // same ids (which every bus drops), and a subscriber's work is lost with it, to be done
    // again. Exactly once either way, and the relay's commits never hold up the webhook's.
    commit_without_flush(tx);
    auto found = unpublished(tx, options.batch);
    if (found.rows.empty()) return 0;
    const auto& batch = found.events;
    for (const auto& event : batch) {
        auto subscribed = handlers.find(event.type);
        if (subscribed == handlers.end()) continue;
        for (const auto& handler : subscribed->second) {
            // A savepoint each: a subscriber that fails loses its own work, not the batch.
            try {
                pqxx::subtransaction sub(tx, "subscriber");
                handler(sub, event);
                sub.commit();
            } catch (const std::exception& e) {
                spdlog::error("events.subscriber_failed type={} event={} what=\"{}\"",
                              name(event.type), event.id, e.what());
            }
        }
    }
    // Live before done: a crash after this and before COMMIT publishes the batch again, with
    // the same ids, which every bus drops.
    auto sent = std::make_shared<std::promise<void>>();
    auto left = std::make_shared<std::atomic<std::size_t>>(batch.size());
    for (const auto& event : batch) {
        deliver(event);
        send(event, [sent, left] {
            if (--*left == 0) sent->set_value();
        });
    }
    if (!batch.empty()) sent->get_future().wait_for(kRedisWait);
    mark_published(tx, found.rows);
    tx.commit();
    return static_cast<int>(found.rows.size());
}

void Bus::State::relay_loop() {
    struct Receiver final : pqxx::notification_receiver {
        Receiver(pqxx::connection_base& c, bool& woken)
            : notification_receiver(c, kOutboxChannel), woken(woken) {}
        void operator()(const std::string&, int) override { woken = true; }
        bool& woken;
    };
    bool warned = false;
    const auto sweep_us = std::chrono::duration_cast<std::chrono::microseconds>(options.sweep);
    while (!stopping) {
        try {
            pqxx::connection conn(store::with_connection_defaults(options.database_url.reveal()));
            bool woken = true;  // anything written while nobody relayed
            Receiver receiver(conn, woken);
            bool leader = false;
            if (warned) spdlog::info("events.relay_connected");
            warned = false;
            while (!stopping) {
                if (!leader) {
                    pqxx::nontransaction q(conn);
                    leader = try_lead_relay(q);
                    if (leader) spdlog::info("events.relay_leading");
                }
                if (leader && woken) {
                    woken = false;
                    while (!stopping && relay_batch(&conn) == options.batch) {
                    }
                    // The NOTIFYs of this pause wait in the connection for the next look.
                    std::this_thread::sleep_for(options.gather);
                }
                // Wakes on a NOTIFY or after the sweep; a standby tries the lock again then.
                if (conn.await_notification(static_cast<long>(sweep_us.count() / 1000000),
                                            static_cast<long>(sweep_us.count() % 1000000)) == 0) {
                    woken = true;
                }
            }
        } catch (const std::exception& e) {
            if (!warned) spdlog::warn("events.relay_failed error=\"{}\"", e.what());
            warned = true;
            for (int i = 0; i < 10 && !stopping; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
    }
}

}  // namespace botflow::events
