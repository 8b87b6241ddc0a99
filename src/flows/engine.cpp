#include "flows/engine.hpp"

#include <pqxx/pqxx>

#include "botflow/ai/reply.hpp"
#include "botflow/ai/settings.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/catalog.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/setting_repo.hpp"
#include "flows/addresses.hpp"
#include "flows/answers.hpp"
#include "flows/flow_repo.hpp"
#include "flows/hours.hpp"
#include "flows/logic.hpp"
#include "flows/metrics.hpp"
#include "flows/text.hpp"
#include "flows/triggers.hpp"
#include "flows/variables.hpp"

namespace botflow::flows {
namespace {

using conversations::Outcome;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Where the turn's answer left the run.
struct Handled {
    bool taken = false;
    std::optional<std::string> run_id;  // go on with this run's steps
};

std::vector<std::string> escape_words(pqxx::dbtransaction& tx) {
    auto stored = store::get_setting(tx, "flows");
    if (stored && stored->contains("escape_words") && (*stored)["escape_words"].is_array()) {
        return (*stored)["escape_words"].get<std::vector<std::string>>();
    }
    return default_escape_words();
}

// An escape word, or one of the phrases with which a customer asks for a person (the
// owner's, Settings > AI).
bool leaves(pqxx::dbtransaction& tx, const std::string& text, const config::Config& config) {
    for (const auto& word : escape_words(tx)) {
        if (same_words(text, word)) return true;
    }
    return ai::asks_for_person(text, ai::load_settings(tx, config).handoff_phrases);
}

LocalNow business_now(pqxx::dbtransaction& tx, const json& profile) {
    const auto& hours = profile["hours"];
    auto zone = hours.is_object() ? hours.value("time_zone", std::string("UTC")) : "UTC";
    return local_now(tx, zone);
}

// A wrong answer: asked again (the prompt too when it has buttons to tap), or `invalid` once
// the question's attempts are spent.
bool wrong_answer(pqxx::dbtransaction& tx, Run& run, const Document& doc, const QuestionConfig& q,
                  StepRecord step) {
    if (++run.attempts >= q.max_attempts) {
        return move_on(tx, run, doc, "invalid", std::move(step));
    }
    auto scope = scope_of(tx, run);
    step.message_ids = send(tx, run, {{"type", "text"}, {"text", q.reask}}, scope);
    auto prompt = question_prompt(tx, run, q, scope);
    if (!q.choices.empty() || (prompt.slots && !prompt.slots->empty())) {
        auto again = send(tx, run, prompt.message, scope);
        step.message_ids.insert(step.message_ids.end(), again.begin(), again.end());
    }
    step.outcome = "retry";
    step.seq = ++run.step_seq;
    log_step(tx, step);
    update_run(tx, run);
    // The question's timeout stands: its wake-up, due when it was, for this step.
    schedule_resume(tx, run, wait_left(tx, run.id));
    return false;
}

// What the opening hours make of a valid answer: a day the business is closed (open_days), or
// a time it is not open on the day the question's slots read, is a wrong answer after all.
bool fits_hours(const Run& run, const QuestionConfig& q, const json& value, const json& hours) {
    if (!value.is_string() || !has_hours(hours)) return true;
    const auto& text = value.get_ref<const std::string&>();
    if (q.open_days && !open_on(hours, text.substr(0, 10))) return false;
    if (!q.slots_date.empty()) {
        const json* day = find_path(run.vars, q.slots_date);
        if (!day || !day->is_string()) return true;
        return open_at(hours, day->get<std::string>().substr(0, 10), text);
    }
    return true;
}

// A choice's points, added to the question's score (0 until the first).
void add_points(Run& run, const QuestionConfig& q, const std::string& outcome, StepRecord& step) {
    if (q.score_as.empty()) return;
    auto id = outcome.substr(outcome.find(':') + 1);
    auto it = q.points.find(id);
    if (outcome == "valid" || it == q.points.end()) return;
    const json* had = find_path(run.vars, q.score_as);
    double total = (had && had->is_number() ? had->get<double>() : 0.0) + it->second;
    json value = total == static_cast<double>(static_cast<long long>(total))
                     ? json(static_cast<long long>(total))
                     : json(total);
    set_path(run.vars, q.score_as, value);
    step.changed[q.score_as] = value;
}

bool take_answer(pqxx::dbtransaction& tx, Run& run, const Document& doc, const Node& node,
                 const CustomerMessage& last) {
    Problems ignored;
    auto q = read_question(node, ignored);
    auto profile = prompts::business_profile(tx);
    auto checked = check_answer(q, Reply{last.text, last.tapped_id}, business_now(tx, profile));
    if (checked.valid && !fits_hours(run, q, checked.value, profile["hours"])) {
        checked.valid = false;
    }
    StepRecord step;
    step.run_id = run.id;
    step.flow_id = run.flow_id;
    step.version = run.version;
    step.node_id = node.id;
    step.node_type = "question";
    step.input = {{"text", last.text}};
    if (!last.tapped_id.empty()) step.input["tapped"] = last.tapped_id;
    if (!checked.valid) return wrong_answer(tx, run, doc, q, std::move(step));
    if (!q.store_as.empty()) {
        set_path(run.vars, q.store_as, checked.value);
        step.changed[q.store_as] = checked.value;
    }
    add_points(run, q, checked.outcome, step);
    // A tap with no edge of its own takes the question's `valid` one (or its `default`).
    auto outcome = checked.outcome;
    if (outcome != "valid" && !doc.has_edge(node.id, outcome)) outcome = "valid";
    return move_on(tx, run, doc, outcome, std::move(step));
}

// A tap on one of the waiting question's own buttons or rows is its answer, whatever the
// button says ("Cancel"): only what the customer writes, or a tap elsewhere, can leave the flow.
bool taps_the_question(const Run& run, const Document* doc, const CustomerMessage& m) {
    if (m.tapped_id.empty() || run.status != "waiting" || run.waiting_for != "answer" || !doc) {
        return false;
    }
    const Node* node = doc->node(run.node_id);
    if (!node || node->type != NodeType::question) return false;
    Problems ignored;
    for (const auto& c : read_question(*node, ignored).choices) {
        if (c.id == m.tapped_id) return true;
    }
    return false;
}

Handled handle_answer(pqxx::dbtransaction& tx, const std::string& conversation,
                      DocumentCache& documents, const config::Config& config) {
    auto run = lock_active_run(tx, conversation);
    if (!run) return {};
    auto doc = documents.of(tx, *run);
    if (stop_if_taken_over(tx, *run, doc.get())) return {};
    // What the AI already answered (during a delay) is no answer for the run.
    auto after =
        std::max(run->consumed_seq, store::find_answered_seq(tx, conversation).value_or(0));
    auto pending = customer_messages_after(tx, conversation, after);
    // Nothing new: this turn was read before (a retry after a crash); the run carries on.
    if (pending.empty())
        return {true, run->status == "running" ? run->id : std::optional<std::string>()};
    const auto& last = pending.back();
    if (!taps_the_question(*run, doc.get(), last) && leaves(tx, last.text, config)) {
        run->consumed_seq = last.seq;
        store::mark_answered(tx, conversation, last.seq);
        StepRecord step;
        step.input = {{"text", last.text}};
        step.outcome = "escaped";
        end_run(tx, *run, doc.get(), "handed_off", std::nullopt, false, std::move(step));
        store::hand_off(tx, conversation, ai::kCustomerAskedReason);
        events::stage(tx, events::conversation_handoff(conversation, ai::kCustomerAskedReason));
        return {true, std::nullopt};
    }
    // During a delay the run is not listening: the rest (the AI) answers.
    if (run->status == "waiting" && run->waiting_for == "delay") return {};
    // Between two steps: the message is the run's (read by its next question if it comes
    // after it), and this turn goes on with the run in case its driver crashed; a step taken
    // twice at once is applied once (the run's lock and step number).
    if (run->status == "running") return {true, run->id};
    run->consumed_seq = last.seq;
    run->vars["message"] = {{"text", last.text}};
    store::mark_answered(tx, conversation, last.seq);
    const Node* node = doc ? doc->node(run->node_id) : nullptr;
    if (!node || node->type != NodeType::question) {
        update_run(tx, *run);
        return {true, run->id};
    }
    bool go_on = take_answer(tx, *run, *doc, *node, last);
    return {true, go_on ? std::optional<std::string>(run->id) : std::nullopt};
}

std::optional<std::string> handle_resume(pqxx::dbtransaction& tx, const json& payload,
                                         DocumentCache& documents) {
    auto run_id = payload.value("run_id", std::string());
    auto node_id = payload.value("node_id", std::string());
    auto run = run_id.empty() ? std::nullopt : lock_run(tx, run_id);
    if (!run) return std::nullopt;
    // Woken for a step the run has left (it was answered, or came back to the same node).
    if (payload.contains("step_seq") && payload["step_seq"] != run->step_seq) return std::nullopt;
    // Running: this job is a retry after a crash between steps, or a test's first steps.
    if (run->status == "running") return run->id;
    if (run->status != "waiting" || run->node_id != node_id) return std::nullopt;
    if (!run->wait_due) {
        throw jobs::RetryLater(std::chrono::seconds(1), "the wait is not over yet", false);
    }
    auto doc = documents.of(tx, *run);
    if (stop_if_taken_over(tx, *run, doc.get())) return std::nullopt;
    const Node* node = doc ? doc->node(run->node_id) : nullptr;
    if (!node) return std::nullopt;
    StepRecord step;
    step.run_id = run->id;
    step.flow_id = run->flow_id;
    step.version = run->version;
    step.node_id = node->id;
    step.node_type = std::string(type_name(node->type));
    auto outcome = run->waiting_for == "delay" ? "default" : "timeout";
    bool go_on = move_on(tx, *run, *doc, outcome, std::move(step));
    return go_on ? std::optional<std::string>(run->id) : std::nullopt;
}

// A transport failure in words, without the secrets: the URL it names (cut at 200 bytes,
// which may cut a secret) is replaced by the URL with its secrets masked.
std::string transport_error(std::string cause, const PendingCall& call) {
    auto cut = call.url.substr(0, 200);
    if (auto at = cause.find(cut); at != std::string::npos) {
        cause.replace(at, cut.size(), mask_secrets(call.url, call.secret_values));
    }
    return mask_secrets(cause, call.secret_values);
}

}  // namespace

const std::vector<std::string>& default_escape_words() {
    static const std::vector<std::string> words{
        "agent",   "human",   "person",      "operator",  "stop",      "cancel", "agente",
        "humano",  "persona", "parar",       "atendente", "pessoa",    "humain", "conseiller",
        "arreter", "mensch",  "mitarbeiter", "stopp",     "abbrechen",
    };
    return words;
}

asio::awaitable<Outcome> Engine::answer(const conversations::Turn& turn) {
    auto conversation = turn.conversation_id;
    // The answer and the steps after it in one transaction.
    auto work = [conversation, this](pqxx::dbtransaction& tx) {
        auto handled = handle_answer(tx, conversation, documents_, mod_.config);
        std::optional<Batch> batch;
        if (handled.run_id)
            batch = take_steps(tx, *handled.run_id, mod_.config, documents_, 0, true);
        return std::make_pair(handled.taken, batch);
    };
    auto answered = co_await mod_.jobs_db.run(std::move(work));
    if (!answered.first) co_return Outcome::passed;
    if (answered.second) co_await go_on(*answered.second);
    co_return Outcome::taken;
}

asio::awaitable<Outcome> Engine::trigger(const conversations::Turn& turn) {
    auto conversation = turn.conversation_id;
    auto work = [conversation, this](pqxx::dbtransaction& tx) {
        auto pick = pick_trigger(tx, conversation, documents_, mod_.config);
        std::optional<Batch> batch;
        if (pick.run_id) batch = take_steps(tx, *pick.run_id, mod_.config, documents_, 0, true);
        return std::make_pair(std::move(pick.stage), batch);
    };
    auto picked = co_await mod_.jobs_db.run(std::move(work));
    auto batch = std::move(picked.second);
    if (picked.first) {
        // Only intent triggers are left: the model sorts the message, then a run may start.
        auto stage = std::move(*picked.first);
        auto answer = co_await ai::classify_intent(mod_.llm, mod_.config, stage.ask);
        auto chosen = [conversation, stage, answer, this](pqxx::dbtransaction& tx) {
            auto run_id = start_by_intent(tx, conversation, stage, answer);
            std::optional<Batch> b;
            if (run_id) b = take_steps(tx, *run_id, mod_.config, documents_, 0, true);
            return b;
        };
        batch = co_await mod_.jobs_db.run(std::move(chosen));
    }
    if (!batch) co_return Outcome::passed;
    co_await go_on(*batch);
    co_return Outcome::taken;
}

asio::awaitable<void> Engine::resume(const jobs::Job& job) {
    auto payload = job.payload;
    auto work = [payload, this](pqxx::dbtransaction& tx) {
        auto run_id = handle_resume(tx, payload, documents_);
        std::optional<Batch> batch;
        if (run_id) batch = take_steps(tx, *run_id, mod_.config, documents_, 0, false);
        return batch;
    };
    auto batch = co_await mod_.jobs_db.run(std::move(work));
    if (batch) co_await go_on(*batch);
}

asio::awaitable<std::string> Engine::start_test(std::string flow_id, std::string conversation) {
    auto work = [flow_id, conversation, this](pqxx::dbtransaction& tx) {
        auto flow = find_flow(tx, flow_id);
        if (!flow) throw Error(Errc::not_found, "There is no flow " + flow_id + ".");
        auto c = store::find_conversation(tx, conversation);
        if (!c || !c->simulated) {
            throw Error(Errc::unprocessable, "A test runs in a simulator conversation.", {},
                        {{"conversation_id", "must be a conversation of the simulator"}});
        }
        auto doc = parse_document(flow->draft);
        const Node* start = nullptr;
        for (const auto& n : doc.nodes) {
            if (n.type == NodeType::trigger && !start) start = &n;
        }
        if (!start) {
            throw Error(Errc::unprocessable, "The draft has no trigger step to start from.");
        }
        if (auto active = lock_active_run(tx, conversation)) {
            end_run(tx, *active, documents_.of(tx, *active).get(), "stopped",
                    "A test of the draft started.", false);
        }
        // What the customer wrote before the test is not an answer to its first question.
        auto pending = customer_messages_after(tx, conversation, 0);
        auto latest = pending.empty() ? 0 : pending.back().seq;
        auto run = insert_run(tx, conversation, flow_id, 0, to_json(doc), start->id, latest,
                              json{{"message", {{"text", ""}}}});
        if (!run) throw Error(Errc::conflict, "The conversation has a run already.");
        flow_metrics().run_started();
        // Its steps run as a job, so a crash in the middle of them does not leave it stuck.
        schedule_resume(tx, *run, 0);
        return run->id;
    };
    co_return co_await mod_.db.run(std::move(work));
}

asio::awaitable<void> Engine::go_on(Batch batch) {
    for (;;) {
        // apply_call and apply_answer have checked who has the conversation.
        bool checked = batch.done.call || batch.done.answer;
        auto done = co_await complete(batch.done, batch.taken);
        if (!done.go_on || !done.run_id) co_return;
        auto work = [run_id = *done.run_id, taken = batch.taken, checked,
                     this](pqxx::dbtransaction& tx) {
            return take_steps(tx, run_id, mod_.config, documents_, taken, checked);
        };
        batch = co_await mod_.jobs_db.run(std::move(work));
    }
}

asio::awaitable<StepDone> Engine::complete(StepDone done, int taken) {
    StepEnv env{mod_.config, documents_, taken >= mod_.config.flow_max_steps};
    if (done.call) {
        auto pending = *done.call;
        auto result = co_await call(pending);
        auto apply = [pending, result, env](pqxx::dbtransaction& tx) {
            return apply_call(tx, pending, result, env);
        };
        co_return co_await mod_.jobs_db.run(std::move(apply));
    }
    if (done.answer) {
        auto pending = *done.answer;
        auto answer = co_await ai::make_answer(mod_.llm, mod_.bus, mod_.config, pending.prompt);
        auto apply = [pending, answer, env](pqxx::dbtransaction& tx) {
            return apply_answer(tx, pending, answer, env);
        };
        co_return co_await mod_.jobs_db.run(std::move(apply));
    }
    co_return done;
}

asio::awaitable<CallResult> Engine::call(const PendingCall& pending) {
    util::HttpRequest r;
    r.method = pending.method;
    r.url = pending.url;
    r.headers = pending.headers;
    r.headers.push_back("User-Agent: BotFlow");
    r.body = pending.body;
    r.timeout = std::chrono::milliseconds(pending.timeout_ms);
    r.connect_timeout = std::min(r.timeout, std::chrono::milliseconds(5000));
    r.max_response_bytes = 1u << 20;
    auto allowlist = mod_.config.flow_api_allowlist;
    r.allow_address = [allowlist](const std::string& ip) { return address_allowed(ip, allowlist); };
    CallResult result;
    auto started = Clock::now();
    try {
        auto response = co_await mod_.http.request(std::move(r));
        result.status = response.status;
        result.body = std::move(response.body);
    } catch (const Error& e) {
        result.error =
            e.cause().find("address not allowed") != std::string::npos
                ? "The API's address is this server's own or a private network's: refused "
                  "(FLOW_API_ALLOWLIST can allow it)."
                : "The API could not be reached: " + transport_error(e.cause(), pending);
    }
    result.duration_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
    co_return result;
}

}  // namespace botflow::flows
