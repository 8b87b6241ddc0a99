#include "botflow/whatsapp/sender.hpp"

#include <cmath>

#include "botflow/config/config.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/message_repo.hpp"
#include "botflow/util/crypto.hpp"
#include "botflow/util/redis_client.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/graph.hpp"
#include "botflow/whatsapp/media_repo.hpp"
#include "botflow/whatsapp/module.hpp"
#include "botflow/whatsapp/outgoing.hpp"
#include "botflow/whatsapp/statuses.hpp"
#include "botflow/whatsapp/text.hpp"
#include "whatsapp/registration.hpp"

namespace botflow::whatsapp {
namespace {

// Two token buckets checked and taken together: the business number's (per_second, refilled
// continuously) and the customer's (pair_burst, one back every pair_interval). Returns 0 when
// both had a token (both are taken), else the milliseconds until both will have one (none
// taken). Redis' own clock, so every replica agrees.
constexpr const char* kPaceScript = R"LUA(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function level(key, cap, interval)
  local v = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(v[1]) or cap
  local at = tonumber(v[2]) or now
  return math.min(cap, tokens + math.max(0, now - at) / interval)
end
local c1, i1 = tonumber(ARGV[1]), tonumber(ARGV[2])
local c2, i2 = tonumber(ARGV[3]), tonumber(ARGV[4])
local a = level(KEYS[1], c1, i1)
local b = level(KEYS[2], c2, i2)
if a >= 1 and b >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(a - 1), 'at', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(c1 * i1) + 1000)
  redis.call('HSET', KEYS[2], 'tokens', tostring(b - 1), 'at', now)
  redis.call('PEXPIRE', KEYS[2], math.ceil(c2 * i2) + 1000)
  return 0
end
local wait = 0
if a < 1 then wait = math.max(wait, math.ceil((1 - a) * i1)) end
if b < 1 then wait = math.max(wait, math.ceil((1 - b) * i2)) end
return wait
)LUA";

// Waits this long in the worker for a pacing slot; longer waits give the job back to the
// queue (a worker is not held for seconds).
constexpr std::chrono::milliseconds kMaxInlineWait{1500};

// Milliseconds until a message to `recipient` may go; 0 means go now (and the slot is taken).
// Without Redis, sending goes on unpaced: Meta's rate-limit errors still retry.
asio::awaitable<long long> pace(Module& mod, const std::string& recipient) {
    double number_interval = 1000.0 / std::max(1, mod.config.whatsapp_send_rate);
    std::vector<std::string> args{
        "EVAL",
        kPaceScript,
        "2",
        mod.config.redis_prefix + "pace:number:" + mod.whatsapp.get()->phone_number_id,
        mod.config.redis_prefix + "pace:pair:" + recipient,
        std::to_string(mod.config.whatsapp_send_rate),
        std::to_string(number_interval),
        std::to_string(mod.config.whatsapp_pair_burst),
        "6000"};
    try {
        auto reply = co_await mod.redis.command(std::move(args));
        if (reply.type == util::RedisReply::Type::integer) co_return reply.integer;
        spdlog::warn("whatsapp.pace_failed reply=\"{}\"", reply.str);
    } catch (const Error& e) {
        spdlog::debug("whatsapp.pace_unavailable cause=\"{}\"", e.cause());
    }
    co_return 0;
}

// A stored message waiting to be sent, and what its sending needs to know.
struct Stored {
    std::string id;
    std::string status;
    std::optional<std::string> wamid;
    Outgoing message;
    std::optional<std::string> context;
    std::optional<std::string> reaction;  // the wamid of the message reacted to
    std::string wa_id, bsuid;
    bool simulated = false;
};

std::optional<Stored> load_outgoing(pqxx::dbtransaction& tx, const std::string& id) {
    auto row = store::find_outbound_message(tx, id);
    if (!row) return std::nullopt;
    Stored o;
    o.id = row->id;
    o.status = row->status;
    o.wamid = row->whatsapp_message_id;
    // Messages stored before payloads were are text.
    o.message = row->payload.is_null() ? text_message(row->content) : parse_outgoing(row->payload);
    o.context = row->context_message_id;
    o.wa_id = row->wa_id;
    o.bsuid = row->bsuid;
    o.simulated = row->simulated;
    o.reaction = row->reaction_wamid;
    return o;
}

// Marks the still-queued messages among `ids` failed with a reason an owner can read.
void mark_failed(pqxx::dbtransaction& tx, const std::string& conversation,
                 const std::vector<std::string>& ids, const GraphError& error,
                 const std::string& reason) {
    store::MessageError failure;
    if (error.code) failure.code = std::to_string(error.code);
    if (!error.title.empty()) failure.title = error.title;
    if (!error.details.empty()) failure.detail = error.details;
    failure.reason = reason;
    for (const auto& id : ids) {
        if (store::mark_message_failed(tx, id, failure)) {
            events::stage(tx, events::message_updated(conversation, id, "failed", reason));
        }
    }
}

// Records the wamid Meta assigned, and applies any status that raced ahead of it. The wamid's
// advisory lock is the one webhook ingestion takes, so a status arriving at this moment is
// either seen here as pending or finds the message.
// Returns false when the message had a wamid already (it was sent twice: the first one
// stays, so the statuses of what the customer saw first keep applying).
bool record_sent(pqxx::dbtransaction& tx, const std::string& id, const std::string& wamid) {
    if (!store::mark_message_sent(tx, id, wamid)) return false;
    apply_pending_statuses(tx, wamid);
    return true;
}

// The WhatsApp media id of a message's uploaded file: uploaded once, and used again while
// WhatsApp keeps it (30 days). Throws GraphFailure.
asio::awaitable<std::string> whatsapp_media(Module& mod, const Stored& msg) {
    struct File {
        std::optional<std::string> uploaded;
        std::string bytes, mime, filename;
    };
    auto read = [id = msg.id, upload = *msg.message.media_id](pqxx::dbtransaction& tx) {
        File f;
        f.uploaded = find_whatsapp_media_id(tx, upload);
        if (f.uploaded) return f;
        auto file = find_message_file(tx, id);
        if (!file || !file->downloaded) {
            throw Error(Errc::unprocessable, "The file of this message is gone.");
        }
        f.bytes = std::move(file->bytes);
        f.mime = file->mime_type;
        f.filename = file->filename;
        return f;
    };
    auto file = co_await mod.jobs_db.run(std::move(read));
    if (file.uploaded) co_return *file.uploaded;
    auto media = co_await mod.graph.upload_media(file.bytes, file.mime, file.filename);
    auto keep = [upload = *msg.message.media_id, media](pqxx::dbtransaction& tx) {
        update_whatsapp_media_id(tx, upload, media);
    };
    co_await mod.jobs_db.run(std::move(keep));
    co_return media;
}

std::vector<std::string> message_ids(const jobs::Job& job) {
    std::vector<std::string> ids;
    if (job.payload.contains("message_ids") && job.payload["message_ids"].is_array()) {
        for (const auto& v : job.payload["message_ids"]) {
            if (v.is_string()) ids.push_back(v.get<std::string>());
        }
    }
    if (ids.empty()) throw Error(Errc::bad_request, "whatsapp_send job without message_ids");
    return ids;
}

// The simulator's customer is not on WhatsApp: the reply is "delivered" at once.
asio::awaitable<void> deliver_simulated(Module& mod, std::string id, std::string conversation) {
    auto deliver = [id, conversation](pqxx::dbtransaction& tx) {
        if (store::mark_simulated_delivered(tx, id)) {
            events::stage(tx, events::message_updated(conversation, id, "delivered", {}));
        }
    };
    co_await mod.jobs_db.run(std::move(deliver));
}

// Marks the still-queued messages among `ids` failed, in their own transaction.
asio::awaitable<void> fail_messages(Module& mod, std::string conversation,
                                    std::vector<std::string> ids, GraphError error,
                                    std::string reason) {
    auto fail = [ids, error, reason, conversation](pqxx::dbtransaction& tx) {
        mark_failed(tx, conversation, ids, error, reason);
    };
    co_await mod.jobs_db.run(std::move(fail));
}

// Waits for a pacing slot to `recipient`, in the worker while the wait is short; a longer one
// gives the job back to the queue.
asio::awaitable<void> wait_for_pacing(Module& mod, asio::steady_timer& timer,
                                      std::string recipient) {
    for (;;) {
        auto wait = std::chrono::milliseconds(co_await pace(mod, recipient));
        if (wait.count() == 0) break;
        if (wait > kMaxInlineWait) {
            throw jobs::RetryLater(wait, "waiting for WhatsApp's pacing", false);
        }
        timer.expires_after(wait);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

// Records the wamid Meta assigned to message `id`, and logs the send.
asio::awaitable<void> record_wamid(Module& mod, const jobs::Job& job, std::string id,
                                   std::string wamid, std::string conversation) {
    auto record = [id, wamid, conversation](pqxx::dbtransaction& tx) {
        bool recorded = record_sent(tx, id, wamid);
        if (recorded) {
            events::stage(tx, events::message_updated(conversation, id, "sent", {}));
        }
        return recorded;
    };
    if (co_await mod.jobs_db.run(std::move(record))) {
        spdlog::info("whatsapp.sent message={} wamid={} job={}", id, wamid, job.id);
    } else {
        spdlog::warn("whatsapp.sent_twice message={} wamid={} job={}", id, wamid, job.id);
    }
}

// A failure the job may still overcome: retried when Meta says when (or, for the pair rate
// limit, when its rule does), else with the queue's backoff. Always throws.
[[noreturn]] void retry_send(const jobs::Job& job, const std::string& id,
                             const GraphError& failure) {
    spdlog::warn("whatsapp.send_retry message={} code={} http={} reason=\"{}\"", id, failure.code,
                 failure.http_status, failure.reason);
    if (failure.retry_after) {
        throw jobs::RetryLater(*failure.retry_after, failure.reason, true);
    }
    if (failure.code == 131056) {
        // Meta: retry the pair rate limit after 4^X seconds, X = 0, 1, 2, ...
        auto seconds = static_cast<long>(std::pow(4.0, std::min(job.attempts - 1, 5)));
        throw jobs::RetryLater(std::chrono::seconds(seconds), failure.reason, true);
    }
    throw Error(Errc::upstream_failed, failure.reason, failure.title);
}

asio::awaitable<void> send_job(Module& mod, const jobs::Job& job) {
    auto ids = message_ids(job);
    const auto conversation = job.conversation_id.value_or("");
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto id = ids[i];
        auto load = [id](pqxx::dbtransaction& tx) { return load_outgoing(tx, id); };
        auto msg = co_await mod.jobs_db.run(std::move(load));
        // Sent before (a retry after a crash or a lost lease), failed, or erased: skip.
        if (!msg || msg->wamid || msg->status != "queued") continue;
        std::vector<std::string> rest(ids.begin() + static_cast<long>(i), ids.end());

        if (msg->simulated) {
            co_await deliver_simulated(mod, id, conversation);
            continue;
        }
        if (!mod.graph.configured()) {
            std::string reason =
                "WhatsApp is not connected: add the access token and the phone number ID in "
                "Settings > WhatsApp, then send the reply again.";
            GraphError none;
            co_await fail_messages(mod, conversation, rest, none, reason);
            throw Error(Errc::unprocessable, reason);
        }
        std::string recipient = msg->wa_id.empty() ? msg->bsuid : msg->wa_id;
        co_await wait_for_pacing(mod, timer, recipient);

        // Still ours? A job whose lease was lost belongs to another worker now; sending from
        // here too would reach the customer twice.
        auto hold = [job](pqxx::dbtransaction& tx) { return job.still_held(tx); };
        if (!co_await mod.jobs_db.run(std::move(hold))) {
            throw Error(Errc::conflict, "This send was taken over by another worker.",
                        "job " + std::to_string(job.id) + " lease lost before sending");
        }
        std::optional<GraphError> failure;
        std::string wamid;
        try {
            Resolved resolved{msg->wa_id, msg->bsuid, msg->context, msg->reaction, {}};
            if (msg->message.media_id) resolved.media = co_await whatsapp_media(mod, *msg);
            wamid = co_await mod.graph.send(graph_payload(msg->message, resolved));
        } catch (const GraphFailure& f) {
            failure = f.error();
        }
        if (!failure) {
            co_await record_wamid(mod, job, id, wamid, conversation);
            continue;
        }

        bool spent = job.attempts >= job.max_attempts;
        if (failure->transient && !spent) retry_send(job, id, *failure);
        std::string reason = failure->reason;
        if (failure->transient) {
            reason += " Gave up after " + std::to_string(job.attempts) + " attempts.";
        }
        co_await fail_messages(mod, conversation, rest, *failure, reason);
        spdlog::error("whatsapp.send_failed message={} code={} http={} reason=\"{}\"", id,
                      failure->code, failure->http_status, reason);
        throw Error(Errc::unprocessable, reason, failure->title);
    }
}

// WhatsApp's sha256 in webhooks is base64 (with padding); the media endpoint's is hex.
std::string base64_of_hex_digest(const std::string& digest_bytes) {
    auto s = base64url_encode(digest_bytes);
    for (auto& c : s) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    while (s.size() % 4 != 0) s += '=';
    return s;
}

asio::awaitable<void> media_job(Module& mod, const jobs::Job& job) {
    if (!job.payload.contains("message_id") || !job.payload["message_id"].is_string()) {
        throw Error(Errc::bad_request, "media_fetch job without message_id");
    }
    auto id = job.payload["message_id"].get<std::string>();
    struct Wanted {
        std::string media_id, type;
        std::optional<std::string> sha256;
    };
    auto find = [id](pqxx::dbtransaction& tx) -> std::optional<Wanted> {
        auto m = store::find_message(tx, id);
        if (!m || !m->media || m->media->downloaded) return std::nullopt;
        return Wanted{m->media->id, m->type, m->media->sha256};
    };
    auto wanted = co_await mod.jobs_db.run(std::move(find));
    if (!wanted) co_return;  // fetched already, or the message was erased
    if (!mod.graph.configured()) {
        throw Error(Errc::unprocessable,
                    "WhatsApp is not connected: add the access token in Settings > WhatsApp to "
                    "download media.");
    }
    std::size_t limit = media_limit(wanted->type);
    std::optional<GraphError> failure;
    MediaInfo info;
    std::string bytes;
    try {
        info = co_await mod.graph.media_info(wanted->media_id);
        if (info.file_size && static_cast<std::size_t>(*info.file_size) > limit) {
            GraphError g;
            g.reason = "The file is larger than WhatsApp allows for this kind of media.";
            throw GraphFailure(std::move(g));
        }
        bytes = co_await mod.graph.download(info.url, limit);
    } catch (const GraphFailure& f) {
        failure = f.error();
    }
    if (failure) {
        if (failure->transient) throw Error(Errc::upstream_failed, failure->reason, failure->title);
        throw Error(Errc::unprocessable, failure->reason, failure->title);
    }
    auto digest = util::sha256(bytes);
    auto hex = util::to_hex(digest);
    bool hex_ok = info.sha256.empty() || http::iequals(info.sha256, hex);
    bool b64_ok = !wanted->sha256 || wanted->sha256->size() != 44 ||
                  *wanted->sha256 == base64_of_hex_digest(digest);
    if (!hex_ok || !b64_ok) {
        throw Error(Errc::upstream_failed, "The downloaded file does not match its checksum.",
                    "sha256 " + hex + " expected " + info.sha256);
    }
    std::string mime = info.mime_type.empty() ? "application/octet-stream" : info.mime_type;
    auto size = static_cast<long long>(bytes.size());
    auto store = [id, mime, hex, bytes = std::move(bytes)](pqxx::dbtransaction& tx) {
        insert_message_file(tx, id, mime, hex, bytes);
    };
    co_await mod.jobs_db.run(std::move(store));
    spdlog::info("whatsapp.media_stored message={} bytes={} mime={}", id, size, mime);
}

}  // namespace

std::size_t media_limit(const std::string& type) {
    constexpr std::size_t mb = 1024 * 1024;
    if (type == "image") return 5 * mb;
    if (type == "sticker") return 500 * 1024;
    if (type == "audio" || type == "video") return 16 * mb;
    return 100 * mb;  // documents, and anything else that carries a media id
}

void check_window(pqxx::dbtransaction& tx, const std::string& conversation_id) {
    auto window = store::find_reply_window(tx, conversation_id);
    if (!window) http::not_found("conversation", conversation_id);
    if (window->simulated) return;
    if (!window->seconds_since_customer) {
        throw Error(Errc::conflict,
                    "This customer has not written yet; WhatsApp only allows template messages "
                    "until they do.");
    }
    auto age = std::chrono::seconds(*window->seconds_since_customer);
    if (age >= std::chrono::hours(24)) {
        throw Error(Errc::conflict, window_closed_reason(age)).with_extension("window_open", false);
    }
}

asio::awaitable<void> mark_read(GraphClient& graph, std::string wamid, bool typing) {
    if (!graph.configured() || wamid.rfind("simulator.", 0) == 0) co_return;
    try {
        co_await graph.mark_read(wamid, typing);
    } catch (const GraphFailure& f) {
        spdlog::warn("whatsapp.mark_read_failed wamid={} code={} reason=\"{}\"", wamid,
                     f.error().code, f.error().reason);
    }
}

void register_jobs(Module& mod) {
    // Sends to one customer keep their order.
    mod.jobs.add("whatsapp_send", [&mod](const jobs::Job& job) { return send_job(mod, job); },
                 {.serial_per_conversation = "whatsapp_send"});
    mod.jobs.add("media_fetch", [&mod](const jobs::Job& job) { return media_job(mod, job); });
    // A status whose message never came is kept a week, as done jobs are.
    mod.jobs.add_cleanup("whatsapp.pending_statuses", [](pqxx::dbtransaction& tx) {
        return store::delete_pending_statuses_before(tx, std::chrono::hours(24 * 7));
    });
}

}  // namespace botflow::whatsapp
