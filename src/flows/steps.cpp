#include "flows/steps.hpp"

#include <pqxx/pqxx>

#include "botflow/ai/reply.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/catalog.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/whatsapp/queue.hpp"
#include "flows/flow_repo.hpp"
#include "flows/hours.hpp"
#include "flows/logic.hpp"
#include "flows/metrics.hpp"
#include "flows/variables.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

Lookup lookup_in(const json& scope) {
    return [&scope](const std::string& name) { return find_path(scope, name); };
}

StepRecord record_for(const Run& run, const Node& node) {
    StepRecord s;
    s.run_id = run.id;
    s.flow_id = run.flow_id;
    s.version = run.version;
    s.node_id = node.id;
    s.node_type = std::string(type_name(node.type));
    return s;
}

std::string describe(const Error& e) {
    std::string out = e.detail();
    for (const auto& f : e.fields()) out += " " + f.field + ": " + f.message + ".";
    return out;
}

bool is_terminal_type(NodeType type) {
    return type == NodeType::end || type == NodeType::handoff || type == NodeType::jump;
}

// The collected answers, one per line, for the agent who takes over.
std::string answers_note(const json& vars) {
    std::string out;
    for (const auto& [key, value] : vars.items()) {
        if (key == "message") continue;
        out += "\n" + key + ": " + as_text(value);
    }
    return out;
}

// The conversation's tags and notes as the API keeps them: 20 tags at most (a flow's tag past the
// twentieth is not added), and 10,000 bytes of notes (the oldest give way to the newest).
constexpr std::size_t kMaxConversationTags = 20;
constexpr std::size_t kMaxConversationNotes = 10000;

std::vector<std::string> with_tags(std::vector<std::string> tags,
                                   const std::vector<std::string>& more) {
    for (const auto& t : more) {
        if (tags.size() >= kMaxConversationTags) break;
        if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
    }
    return tags;
}

std::string with_note(const std::string& notes, const std::string& paragraph) {
    auto out = (notes.empty() ? "" : notes + "\n\n") + paragraph;
    if (out.size() <= kMaxConversationNotes) return out;
    auto from = out.size() - kMaxConversationNotes;
    // Not in the middle of a character: UTF-8 continuation bytes are 10xxxxxx.
    while (from < out.size() && (static_cast<unsigned char>(out[from]) & 0xC0) == 0x80) ++from;
    return out.substr(from);
}

void hand_over(pqxx::dbtransaction& tx, const Run& run, const std::string& reason) {
    store::hand_off(tx, run.conversation_id, reason);
    events::stage(tx, events::conversation_handoff(run.conversation_id, reason));
}

// handoff: to a person, with the note, a tag and an assignee when the step names them.
void run_handoff(pqxx::dbtransaction& tx, Run& run, const Document& doc, const Node& node,
                 const json& scope) {
    Problems ignored;
    auto h = read_handoff(node, ignored);
    auto note = render(h.note, lookup_in(scope));
    auto conversation = store::find_conversation(tx, run.conversation_id);
    store::ConversationChange change;
    if (!h.tag.empty() && conversation) change.tags = with_tags(conversation->tags, {h.tag});
    // An assignee who left the team: the handoff still happens, to nobody in particular.
    if (!h.assign_to.empty() && user_exists(tx, h.assign_to)) {
        change.set_assigned = true;
        change.assigned_to = h.assign_to;
    }
    auto header = "[" + run.flow_name + "] " + (note.empty() ? "handed over" : note);
    change.notes = with_note(conversation ? conversation->notes : std::string(),
                             header + answers_note(run.vars));
    store::update_conversation(tx, run.conversation_id, change);
    auto reason = "The flow " + run.flow_name + " handed over" + (note.empty() ? "." : ": " + note);
    StepRecord line;
    line.input = {{"note", note}};
    end_run(tx, run, &doc, "handed_off", std::nullopt, false, std::move(line));
    hand_over(tx, run, reason);
}

// save: the fields (their variables filled in), tags and note go onto the conversation, and
// the team's view of it is told.
StepRecord run_save(pqxx::dbtransaction& tx, const Run& run, const Node& node, StepRecord step,
                    const json& scope) {
    Problems ignored;
    auto s = read_save(node, ignored);
    json fields = json::object();
    for (const auto& [name, value] : s.fields) fields[name] = render(value, lookup_in(scope));
    if (!fields.empty()) store::merge_conversation_fields(tx, run.conversation_id, fields);
    auto conversation = store::find_conversation(tx, run.conversation_id);
    if (!conversation) return step;
    store::ConversationChange change;
    if (!s.tags.empty()) change.tags = with_tags(conversation->tags, s.tags);
    auto note = render(s.note, lookup_in(scope));
    if (!note.empty())
        change.notes = with_note(conversation->notes, "[" + run.flow_name + "] " + note);
    store::update_conversation(tx, run.conversation_id, change);
    if (auto updated = store::find_conversation(tx, run.conversation_id)) {
        events::stage(tx, events::conversation_updated(events::to_json(*updated)));
    }
    step.input = {{"fields", fields}, {"tags", s.tags}};
    if (!note.empty()) step.input["note"] = note;
    auto gap = render(s.knowledge_gap, lookup_in(scope));
    if (gap.find_first_not_of(" \t\r\n") != std::string::npos) {
        report_gap(tx, run.conversation_id, gap);
        step.input["knowledge_gap"] = gap;
    }
    return step;
}

// jump: this run ends and a run of the other flow's published version starts.
StepDone run_jump(pqxx::dbtransaction& tx, Run& run, const Document& doc, const Node& node,
                  const StepEnv& env) {
    Problems ignored;
    auto target = read_jump(node, ignored);
    auto live = find_live_flow(tx, target);
    std::shared_ptr<const Document> next_doc =
        live ? env.documents.version(tx, live->id, live->version) : nullptr;
    const Node* start = nullptr;
    if (next_doc) {
        for (const auto& n : next_doc->nodes) {
            if (n.type == NodeType::trigger && !start) start = &n;
        }
    }
    if (!start) {
        end_run(tx, run, &doc, "failed", "The flow to jump to is not published any more.", true);
        return {};
    }
    auto vars = run.vars;
    StepRecord line;
    line.input = {{"jump_to", live->name}};
    line.outcome = "jump";
    end_run(tx, run, &doc, "completed", std::nullopt, false, std::move(line));
    auto next = insert_run(tx, run.conversation_id, live->id, live->version, nullptr, start->id,
                           run.consumed_seq, vars);
    if (!next) return {};
    flow_metrics().run_started();
    return {true, std::nullopt, next->id};
}

// Seconds left of WhatsApp's 24-hour window, less a margin for what the step then sends;
// nullopt when there is no window to mind (the simulator, or the customer never wrote).
std::optional<int> window_left(pqxx::dbtransaction& tx, const Run& run) {
    constexpr long kWindow = 24 * 3600;
    constexpr long kMargin = 300;
    auto w = store::find_reply_window(tx, run.conversation_id);
    if (!w || w->simulated || !w->seconds_since_customer) return std::nullopt;
    return static_cast<int>(std::max(60L, kWindow - *w->seconds_since_customer - kMargin));
}

// question: asks, and the run waits for the answer (or the timeout). A timeout past the
// 24-hour window would take `timeout` when nothing can be sent any more: it is brought
// forward to just before the window closes, and the log says so.
// With `slots` and no time left on that day, nothing is asked: it takes `invalid` at once.
bool ask(pqxx::dbtransaction& tx, Run& run, const Document& doc, const Node& node,
         const json& scope) {
    Problems ignored;
    auto q = read_question(node, ignored);
    auto step = record_for(run, node);
    auto prompt = question_prompt(tx, run, q, scope);
    if (prompt.slots && prompt.slots->empty()) {
        step.input = {{"slots", json::array()}};
        return move_on(tx, run, doc, "invalid", std::move(step));
    }
    step.message_ids = send(tx, run, prompt.message, scope);
    int timeout = q.timeout_minutes * 60;
    if (auto left = window_left(tx, run); left && *left < timeout) {
        timeout = *left;
        step.input = {{"timeout_seconds", timeout},
                      {"note",
                       "The timeout was brought forward: WhatsApp's 24-hour window closes "
                       "before it."}};
    }
    step.outcome = "asked";
    step.seq = ++run.step_seq;
    log_step(tx, step);
    run.status = "waiting";
    run.waiting_for = "answer";
    run.attempts = 0;
    update_run(tx, run, timeout);
    schedule_resume(tx, run, timeout);
    return false;
}

void start_wait(pqxx::dbtransaction& tx, Run& run, const Node& node) {
    Problems ignored;
    auto seconds = read_wait(node, ignored);
    auto step = record_for(run, node);
    step.outcome = "waiting";
    step.input = {{"seconds", seconds}};
    if (auto left = window_left(tx, run); left && *left < seconds) {
        step.input["note"] =
            "WhatsApp's 24-hour window closes before this wait ends: a message after it can only "
            "reach the customer if they write again first.";
    }
    step.seq = ++run.step_seq;
    log_step(tx, step);
    run.status = "waiting";
    run.waiting_for = "delay";
    update_run(tx, run, seconds);
    schedule_resume(tx, run, seconds);
}

std::string condition_outcome(pqxx::dbtransaction& tx, const Node& node, const json& scope) {
    Problems ignored;
    auto c = read_condition(node, ignored);
    if (!c.business_hours) return evaluate(c, lookup_in(scope)) ? "true" : "false";
    const auto& hours = scope["business"]["profile_hours"];
    if (!hours.is_object()) return "in_hours";  // no opening hours: always open
    auto now = local_now(tx, hours.value("time_zone", std::string("UTC")));
    return ai::minutes_closed(hours, now.isodow, now.hour * 60 + now.minute) ? "out_of_hours"
                                                                             : "in_hours";
}

json assign(Run& run, const Node& node, const json& scope) {
    Problems ignored;
    json changed = json::object();
    for (const auto& a : read_assignments(node, ignored)) {
        auto value = render_json(a.value, lookup_in(scope));
        set_path(run.vars, a.name, value);
        changed[a.name] = value;
    }
    return changed;
}

StepDone take(pqxx::dbtransaction& tx, Run& run, const Document& doc, const Node& node,
              const StepEnv& env) {
    auto scope = scope_of(tx, run);
    auto step = record_for(run, node);
    switch (node.type) {
        case NodeType::trigger:
            break;
        case NodeType::message: {
            Problems ignored;
            step.message_ids = send(tx, run, read_message(node, ignored), scope);
            break;
        }
        case NodeType::question:
            return {ask(tx, run, doc, node, scope)};
        case NodeType::wait:
            start_wait(tx, run, node);
            return {};
        case NodeType::condition: {
            auto outcome = condition_outcome(tx, node, scope);
            return {move_on(tx, run, doc, outcome, std::move(step))};
        }
        case NodeType::set_variable:
            step.changed = assign(run, node, scope);
            break;
        case NodeType::save:
            step = run_save(tx, run, node, std::move(step), scope);
            break;
        case NodeType::end:
            end_run(tx, run, &doc, "completed", std::nullopt, false);
            return {};
        case NodeType::handoff:
            run_handoff(tx, run, doc, node, scope);
            return {};
        case NodeType::jump:
            return run_jump(tx, run, doc, node, env);
        case NodeType::api_call:
            return {false, prepare_call(tx, run, node, scope, env)};
        case NodeType::ai_response: {
            StepDone done;
            done.answer = prepare_answer(tx, run, node, scope, env);
            return done;
        }
    }
    return {move_on(tx, run, doc, "default", std::move(step))};
}

}  // namespace

QuestionPrompt question_prompt(pqxx::dbtransaction& tx, const Run& run, const QuestionConfig& q,
                               const json& scope) {
    const auto& hours = scope["business"]["profile_hours"];
    if (q.slots_date.empty() || !has_hours(hours)) return {q.prompt, std::nullopt};
    const json* day = find_path(run.vars, q.slots_date);
    auto date = day && day->is_string() ? day->get<std::string>().substr(0, 10) : std::string();
    auto now = local_now(tx, hours.value("time_zone", std::string("UTC")));
    auto slots = open_slots(hours, date, q.slot_minutes, now);
    json rows = json::array();
    for (const auto& s : slots) rows.push_back({{"id", s}, {"title", s}});
    auto text = q.prompt.value("text", q.prompt.value("body", std::string()));
    json list{{"type", "list"},
              {"body", text.empty() ? "Which time suits you?" : text},
              {"button", "Pick a time"},
              {"sections", json::array({{{"rows", rows}}})}};
    return {list, slots};
}

std::shared_ptr<const Document> DocumentCache::of(pqxx::dbtransaction& tx, const Run& run) {
    if (run.version == 0) {
        if (run.document.is_null()) return nullptr;
        return std::make_shared<const Document>(parse_document(run.document));
    }
    return version(tx, run.flow_id, run.version);
}

std::shared_ptr<const Document> DocumentCache::version(pqxx::dbtransaction& tx,
                                                       const std::string& flow_id, int version) {
    {
        std::lock_guard lock(mutex_);
        auto it = documents_.find({flow_id, version});
        if (it != documents_.end()) return it->second;
    }
    auto row = find_version(tx, flow_id, version);
    if (!row) return nullptr;
    auto doc = std::make_shared<const Document>(parse_document(row->document));
    std::lock_guard lock(mutex_);
    documents_[{flow_id, version}] = doc;
    return doc;
}

json scope_of(pqxx::dbtransaction& tx, const Run& run) {
    json scope = run.vars;
    auto c = store::find_conversation(tx, run.conversation_id);
    if (c) {
        scope["customer"] = {{"name", c->customer.name},
                             {"phone", c->customer.phone.value_or("")},
                             {"wa_id", c->customer.wa_id.value_or("")}};
        scope["conversation"] = {
            {"id", c->id}, {"status", c->status}, {"tags", c->tags}, {"notes", c->notes}};
    }
    auto profile = prompts::business_profile(tx);
    scope["business"] = {
        {"name", profile["name"]},
        {"language", profile["language"]},
        {"hours", profile["hours"].is_object() ? prompts::format_hours(profile["hours"]) : ""},
        {"profile_hours", profile["hours"]}};
    scope["flow"] = {{"name", run.flow_name}};
    return scope;
}

std::vector<std::string> send(pqxx::dbtransaction& tx, const Run& run, const json& message,
                              const json& scope) {
    auto rendered = render_json(message, lookup_in(scope));
    auto outgoing = whatsapp::parse_outgoing(rendered);
    whatsapp::QueuedMessage q{run.conversation_id, std::move(outgoing), "flow"};
    auto ids = whatsapp::queue_message(tx, q);
    for (auto& m : store::messages_by_id(tx, ids)) {
        events::stage(tx, events::message_created(run.conversation_id, std::move(m)));
    }
    return ids;
}

bool stop_if_taken_over(pqxx::dbtransaction& tx, Run& run, const Document* doc) {
    // A test of a draft runs because the owner started it, whoever has the conversation.
    if (run.version == 0) return false;
    auto c = store::find_conversation(tx, run.conversation_id);
    if (c && c->ai_enabled && c->status != "handed_off") return false;
    end_run(tx, run, doc, "stopped", "A person took over the conversation.", false);
    return true;
}

void log_step(pqxx::dbtransaction& tx, const StepRecord& step) {
    insert_step(tx, step);
    flow_metrics().step(step.node_type, step.outcome.value_or("none"));
}

void schedule_resume(pqxx::dbtransaction& tx, const Run& run, int seconds) {
    jobs::EnqueueOptions options;
    options.delay = std::chrono::seconds(seconds);
    options.idempotency_key = "flow_resume:" + run.id + ":" + std::to_string(run.step_seq);
    options.conversation_id = run.conversation_id;
    jobs::enqueue(tx, kResumeKind,
                  {{"run_id", run.id}, {"node_id", run.node_id}, {"step_seq", run.step_seq}},
                  options);
}

void end_run(pqxx::dbtransaction& tx, Run& run, const Document* doc, const std::string& status,
             const std::optional<std::string>& error, bool hand_off, StepRecord step,
             const std::optional<std::string>& stopped_by) {
    step.run_id = run.id;
    step.flow_id = run.flow_id;
    step.version = run.version;
    if (step.node_id.empty()) {
        step.node_id = run.node_id;
        const Node* node = doc ? doc->node(run.node_id) : nullptr;
        step.node_type = node ? std::string(type_name(node->type)) : "unknown";
    }
    if (!step.error) step.error = error;
    if (!step.outcome && status != "completed") step.outcome = status;
    step.seq = ++run.step_seq;
    log_step(tx, step);
    run.status = status;
    run.waiting_for.reset();
    run.error = error;
    update_run(tx, run, std::nullopt, stopped_by);
    if (hand_off) {
        hand_over(tx, run,
                  "The flow " + run.flow_name + " stopped: " + error.value_or(status) +
                      " A person takes over.");
    }
    flow_metrics().run_ended(status);
    // What other systems hear of a run that did its job; a test of a draft is the owner's.
    if ((status == "completed" || status == "handed_off") && run.version != 0) {
        json done{{"run_id", run.id},           {"flow_id", run.flow_id},
                  {"flow_name", run.flow_name}, {"version", run.version},
                  {"status", status},           {"fields", saved_fields(tx, run.id)}};
        events::stage(tx, events::flow_completed(run.conversation_id, std::move(done)));
    }
    spdlog::info("flows.run_ended run={} conversation={} status={} steps={}", run.id,
                 run.conversation_id, status, run.step_seq);
}

bool move_on(pqxx::dbtransaction& tx, Run& run, const Document& doc, const std::string& outcome,
             StepRecord step) {
    step.outcome = outcome;
    auto next = doc.next(run.node_id, outcome);
    if (!next) {
        if (outcome == "timeout") {
            end_run(tx, run, &doc, "expired", std::nullopt, false, std::move(step));
        } else if (outcome == "invalid") {
            end_run(tx, run, &doc, "handed_off", "The customer's answers did not fit the question.",
                    true, std::move(step));
        } else {
            end_run(tx, run, &doc, "completed", std::nullopt, false, std::move(step));
        }
        return false;
    }
    step.seq = ++run.step_seq;
    log_step(tx, step);
    run.node_id = *next;
    run.status = "running";
    run.waiting_for.reset();
    run.attempts = 0;
    update_run(tx, run);
    return true;
}

Batch take_steps(pqxx::dbtransaction& tx, std::string run_id, const config::Config& config,
                 DocumentCache& documents, int taken, bool checked) {
    Batch b;
    b.taken = taken;
    for (int here = 0;; ++here) {
        StepEnv env{config, documents, b.taken >= config.flow_max_steps, here == 0 && !checked};
        b.done = step(tx, run_id, env);
        ++b.taken;
        bool quick = b.done.go_on && b.done.run_id && !b.done.call && !b.done.answer;
        if (!quick || here + 1 >= kStepsPerBatch) return b;
        run_id = *b.done.run_id;
    }
}

StepDone step(pqxx::dbtransaction& tx, const std::string& run_id, const StepEnv& env) {
    auto run = lock_run(tx, run_id);
    if (!run || run->status != "running") return {};
    auto doc = env.documents.of(tx, *run);
    const Node* node = doc ? doc->node(run->node_id) : nullptr;
    if (!node) {
        end_run(tx, *run, doc.get(), "failed", "The flow has no step " + run->node_id + ".", true);
        return {};
    }
    if (env.first_of_batch && stop_if_taken_over(tx, *run, doc.get())) return {};
    if (run->step_seq >= kMaxStepsPerRun || run->vars.dump().size() > kMaxVariablesBytes) {
        // A loop through a wait, or variables that grow each time round: no run lasts forever.
        end_run(tx, *run, doc.get(), "failed",
                "The run reached its limits (" + std::to_string(kMaxStepsPerRun) +
                    " steps, or variables over 256 KiB) and was stopped.",
                true);
        return {};
    }
    if (env.over_limit && !is_terminal_type(node->type)) {
        auto why = "The flow took " + std::to_string(env.config.flow_max_steps) +
                   " steps without waiting for the customer, so it was stopped before a loop "
                   "could reach them.";
        spdlog::warn("flows.step_limit run={} conversation={} node={}", run->id,
                     run->conversation_id, node->id);
        end_run(tx, *run, doc.get(), "failed", why, true);
        return {};
    }
    try {
        auto done = take(tx, *run, *doc, *node, env);
        if (!done.run_id && done.go_on) done.run_id = run->id;
        return done;
    } catch (const Error& e) {
        if (e.code() != Errc::unprocessable) throw;
        // A message that breaks WhatsApp's limits once filled in (a long name in a button).
        end_run(tx, *run, doc.get(), "failed", "Step " + node->id + ": " + describe(e), true);
        return {};
    }
}

}  // namespace botflow::flows
