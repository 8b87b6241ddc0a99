// An ai_response step's two halves in the database: the question it asks the business's AI
// (the customer's last message, the run's variables as facts), and the answer sent and the
// run moved on, in one transaction, once.
#include <pqxx/pqxx>

#include "botflow/ai/settings.hpp"
#include "botflow/core/log.hpp"
#include "flows/steps.hpp"
#include "flows/variables.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

// The variables the steps stored, flattened to "order.status: shipped" lines for the model.
void facts_of(const json& value, const std::string& prefix,
              std::vector<std::pair<std::string, std::string>>& out) {
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            facts_of(item, prefix.empty() ? key : prefix + "." + key, out);
        }
        return;
    }
    if (value.is_null() || out.size() >= 40) return;
    auto text = as_text(value);
    if (text.size() > 300) text = text.substr(0, 300) + "...";
    out.emplace_back(prefix, text);
}

}  // namespace

PendingAnswer prepare_answer(pqxx::dbtransaction& tx, const Run& run, const Node& node,
                             const json& scope, const StepEnv& env) {
    Problems ignored;
    auto config = read_ai(node, ignored);
    ai::Question q;
    q.conversation = run.conversation_id;
    q.message_seq = run.consumed_seq;
    q.message =
        run.vars.contains("message") ? as_text(run.vars["message"].value("text", json(""))) : "";
    q.document_tag = config.document_tag;
    q.instructions =
        render(config.instructions, [&scope](const std::string& n) { return find_path(scope, n); });
    json stored = run.vars;
    stored.erase("message");
    facts_of(stored, "", q.facts);
    PendingAnswer p;
    p.run_id = run.id;
    p.step_seq = run.step_seq;
    p.question = q.message;
    p.prompt = ai::prepare_answer(tx, q, env.config);
    return p;
}

StepDone apply_answer(pqxx::dbtransaction& tx, const PendingAnswer& pending,
                      const ai::Answer& answer, const StepEnv& env) {
    auto run = lock_run(tx, pending.run_id);
    if (!run || run->status != "running" || run->step_seq != pending.step_seq) return {};
    auto doc = env.documents.of(tx, *run);
    const Node* node = doc ? doc->node(run->node_id) : nullptr;
    if (!node || node->type != NodeType::ai_response) return {};
    if (stop_if_taken_over(tx, *run, doc.get())) return {};
    StepRecord step;
    step.run_id = run->id;
    step.flow_id = run->flow_id;
    step.version = run->version;
    step.node_id = node->id;
    step.node_type = "ai_response";
    step.input = {{"question", pending.question}, {"mode", answer.mode}};
    if (answer.details.contains("total_ms") && answer.details["total_ms"].is_number()) {
        step.duration_ms = answer.details["total_ms"].get<int>();
    }
    if (answer.details.contains("error")) step.error = answer.details["error"].get<std::string>();
    step.message_ids = ai::queue_answer(tx, run->conversation_id, answer, pending.prompt.settings);
    spdlog::info("flows.ai_answer run={} mode={} messages={}", run->id, answer.mode,
                 step.message_ids.size());
    if (answer.hands_over()) {
        // queue_answer handed the conversation over; the run ends with it.
        step.outcome = "handed_off";
        end_run(tx, *run, doc.get(), "handed_off", answer.handoff_reason, false, std::move(step));
        return {};
    }
    bool go_on = move_on(tx, *run, *doc, "default", std::move(step));
    return {go_on, std::nullopt, run->id};
}

}  // namespace botflow::flows
