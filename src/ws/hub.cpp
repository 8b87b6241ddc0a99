#include "botflow/ws/hub.hpp"

#include <chrono>

#include "botflow/core/encoding.hpp"

namespace botflow::ws {
namespace {

std::string envelope(std::optional<std::uint64_t> id, const std::string& type, std::int64_t ts,
                     const nlohmann::json& data, std::int64_t event_id = 0) {
    nlohmann::json e{{"id", id ? nlohmann::json(*id) : nlohmann::json(nullptr)},
                     {"type", type},
                     {"ts", ts},
                     {"data", data}};
    if (event_id > 0) e["event_id"] = event_id;
    return e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::shared_ptr<const Event> control(const std::string& type, const nlohmann::json& data) {
    auto e = std::make_shared<Event>();
    e->type = type;
    e->text = envelope(std::nullopt, type, now_ms(), data);
    return e;
}

Hub::Hub(std::size_t replay_capacity)
    : capacity_(replay_capacity),
      first_id_(static_cast<std::uint64_t>(now_ms()) * 1000),
      last_id_(first_id_),
      evicted_up_to_(first_id_) {}

void Hub::deliver(const events::Event& event) {
    auto e = std::make_shared<Event>();
    e->type = std::string(events::name(event.type));
    if (event.conversation_only) e->conversation_id = event.conversation_id;
    e->from_connection = event.from_connection;
    const auto& conversation_id = e->conversation_id;
    const auto from_connection = e->from_connection;
    auto ts = event.ts ? event.ts : now_ms();
    {
        // Ids are given and queued under one lock, so every client sees them in order.
        std::lock_guard lock(mutex_);
        e->id = ++last_id_;
        e->text = envelope(e->id, e->type, ts, event.data, event.id);
        std::shared_ptr<const Event> shared = e;
        // Scoped events (a streamed answer, a colleague typing) are not replayed: they are
        // only worth seeing live.
        if (!conversation_id && !from_connection) {
            buffer_.push_back(shared);
            if (buffer_.size() > capacity_) {
                evicted_up_to_ = buffer_.front()->id;
                buffer_.pop_front();
            }
        }
        for (auto it = clients_.begin(); it != clients_.end();) {
            if (auto c = it->second.lock()) {
                c->push(shared);
                ++it;
            } else {
                it = clients_.erase(it);
            }
        }
    }
}

void Hub::resync_all(const std::string& reason) {
    auto e = control("resync", {{"reason", reason}});
    std::lock_guard lock(mutex_);
    for (const auto& [id, weak] : clients_) {
        if (auto c = weak.lock()) c->push(e);
    }
}

void Hub::attach(const std::shared_ptr<Client>& client, std::optional<std::uint64_t> since,
                 const std::function<void(const Start&)>& start) {
    std::lock_guard lock(mutex_);
    Start s;
    s.connection = ++next_connection_;
    s.last_id = last_id_;
    if (since) s.missed = replay_locked(*since);
    clients_.emplace(s.connection, client);
    start(s);
}

void Hub::detach(std::uint64_t connection) {
    std::lock_guard lock(mutex_);
    clients_.erase(connection);
}

std::optional<std::vector<std::shared_ptr<const Event>>> Hub::replay(std::uint64_t since) const {
    std::lock_guard lock(mutex_);
    return replay_locked(since);
}

std::optional<std::vector<std::shared_ptr<const Event>>> Hub::replay_locked(
    std::uint64_t since) const {
    if (since > last_id_ || since < first_id_) return std::nullopt;
    // Events up to evicted_up_to_ left the buffer: a client that saw less has a gap.
    if (since < evicted_up_to_) return std::nullopt;
    std::vector<std::shared_ptr<const Event>> out;
    for (const auto& e : buffer_) {
        if (e->id > since) out.push_back(e);
    }
    return out;
}

std::uint64_t Hub::last_id() const {
    std::lock_guard lock(mutex_);
    return last_id_;
}

std::size_t Hub::clients() const {
    std::lock_guard lock(mutex_);
    return clients_.size();
}

void Hub::close_all(int code, const std::string& reason) {
    std::vector<std::shared_ptr<Client>> all;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, weak] : clients_) {
            if (auto c = weak.lock()) all.push_back(c);
        }
    }
    for (const auto& c : all) c->close(code, reason);
}

}  // namespace botflow::ws
