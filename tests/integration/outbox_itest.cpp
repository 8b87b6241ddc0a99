// The transactional outbox: an event committed with its change but not yet published survives a
// SIGKILL, and after the restart reaches a dashboard socket and an in-process subscriber once.
// The test holds back the relay by holding its lock (events::kRelayLock), as a replica that
// relays would: no test-only code in the server.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "botflow/events/bus.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/util/redis_client.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_fixture.hpp"
#include "support/test_env.hpp"
#include "support/wait.hpp"
#include "support/whatsapp.hpp"
#include "support/ws_client.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Holds the relay lock on a connection of its own until release() (or destruction).
class RelayHold {
public:
    explicit RelayHold(const std::string& url) : conn_(url) {
        pqxx::nontransaction q(conn_);
        q.exec_params("SELECT pg_advisory_lock($1)", events::kRelayLock);
    }
    void release() {
        pqxx::nontransaction q(conn_);
        q.exec_params("SELECT pg_advisory_unlock($1)", events::kRelayLock);
    }

private:
    pqxx::connection conn_;
};

TEST(Outbox, AnEventCommittedButNotPublishedReachesTheFeedOnceAfterASigkill) {
    TestDatabase db;
    auto env = server_env(db);
    add_owner(env);
    add_webhook(env);
    env["JOB_WORKERS"] = "0";  // the message alone, no answer
    RelayHold hold(db.url());  // before the server, whose relay would otherwise lead at once
    auto server = std::make_unique<ServerProcess>();
    ASSERT_TRUE(server->start(env)) << server->log();
    customer_writes(server->port(), db, kCustomer, "wamid.outbox1");
    // Committed with the message, and waiting for the relay.
    EXPECT_EQ(db.scalar("SELECT count(*) FROM outbox WHERE type = 'batch:message.created'"), "1");
    // The row's first (and only) event: its id is the row's, shifted (events/outbox_repo.hpp).
    auto event_id = db.scalar("SELECT id * 65536 FROM outbox");
    server->signal(SIGKILL);
    server->wait(5s);

    server = std::make_unique<ServerProcess>();
    std::string token;
    ASSERT_NO_FATAL_FAILURE(start_signed_in(*server, env, token));
    WsClient socket;
    ASSERT_TRUE(socket.connect(server->port(), {.bearer = token})) << socket.error();
    ASSERT_TRUE(socket.wait_for("ready", 10s));
    hold.release();
    auto is_ours = [](const json& m) {
        return m["data"]["message"].value("whatsapp_message_id", "") == "wamid.outbox1";
    };
    auto event = socket.find("message.created", 15s, is_ours);
    ASSERT_TRUE(event) << server->log();
    EXPECT_EQ((*event)["event_id"].dump(), event_id) << event->dump();
    ASSERT_TRUE(eventually([&] { return db.scalar("SELECT count(*) FROM outbox") == "0"; }));
    std::this_thread::sleep_for(1500ms);  // past another sweep: nothing comes twice
    EXPECT_EQ(socket.count("message.created", is_ours), 1u);
}

// An in-process subscriber in a child process of this test, so that the test can SIGKILL it
// in the middle of the relay's transaction. The subscriber records each event it was given in
// `seen`; `stall` makes it stop there (until killed) after writing.
[[noreturn]] void run_subscriber(const std::string& url, bool stall, int ready_fd) {
    asio::io_context io;
    auto guard = asio::make_work_guard(io);
    std::thread runner([&io] { io.run(); });
    auto endpoint = util::parse_redis_url(redis_url());
    util::RedisClient redis(io, endpoint);
    redis.start();
    events::Bus bus(io, redis, endpoint,
                    {.channel = "outbox-test:events",
                     .origin = "child-" + std::to_string(getpid()),
                     .database_url = Secret(url)});
    bus.on(events::Type::message_created,
           [stall, ready_fd](pqxx::dbtransaction& tx, const events::Event& e) {
               tx.exec_params("INSERT INTO seen (event_id) VALUES ($1)", e.id);
               if (!stall) return;
               char byte = 1;
               if (write(ready_fd, &byte, 1) != 1) _exit(3);
               for (;;) pause();  // inside the relay's transaction, until SIGKILL
           });
    bus.start();
    for (;;) pause();  // until SIGKILL
}

pid_t spawn_subscriber(const std::string& url, bool stall, int ready_fd) {
    pid_t pid = fork();
    if (pid == 0) run_subscriber(url, stall, ready_fd);
    return pid;
}

void kill_and_reap(pid_t pid) {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
}

TEST(Outbox, ASubscriberKilledMidRelayGetsTheEventOnceAfterTheRestart) {
    TestDatabase db;
    auto migrated = run_botflow({"migrate"}, {{"DATABASE_URL", db.url()}});
    ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
    db.exec("CREATE TABLE seen (event_id bigint NOT NULL)");
    {
        pqxx::connection c(db.url());
        pqxx::work tx(c);
        events::stage(tx, events::message_created("00000000-0000-0000-0000-000000000001",
                                                  {{"id", "m1"}, {"content", "Hello"}}));
        tx.commit();
    }
    // A newer version's event (a rolling deploy): this version's relay leaves it waiting.
    db.exec("INSERT INTO outbox (type, data) VALUES ('flow.step_done', '{}')");
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    // The first relay stops inside its transaction, after the subscriber wrote: killed there,
    // its work rolls back with the event's being marked published.
    pid_t first = spawn_subscriber(db.url(), true, pipe_fds[1]);
    char byte = 0;
    ASSERT_EQ(read(pipe_fds[0], &byte, 1), 1);
    kill_and_reap(first);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM seen"), "0");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM outbox WHERE type = 'message.created'"), "1");
    auto event = db.scalar("SELECT id * 65536 FROM outbox WHERE type = 'message.created'");

    pid_t second = spawn_subscriber(db.url(), false, pipe_fds[1]);
    bool published = eventually([&] {
        return db.scalar("SELECT count(*) FROM outbox WHERE type = 'message.created'") == "0";
    });
    std::this_thread::sleep_for(1500ms);  // past another sweep: nothing comes twice
    kill_and_reap(second);
    ASSERT_TRUE(published);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM seen"), "1");
    EXPECT_EQ(db.scalar("SELECT event_id FROM seen"), event);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM outbox WHERE type = 'flow.step_done'"), "1");
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

}  // namespace
}  // namespace botflow::test
