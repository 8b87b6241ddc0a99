#include "flows/triggers.hpp"

#include <pqxx/pqxx>
#include <tuple>

#include "botflow/core/log.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "flows/logic.hpp"
#include "flows/metrics.hpp"
#include "flows/run_repo.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

struct Ranked {
    int rank = 0;
    std::size_t order = 0;
    TriggerCandidate candidate;
};

// The conversation's last waiting customer message, when it may start a flow at all.
std::optional<CustomerMessage> waiting_message(pqxx::dbtransaction& tx,
                                               const std::string& conversation, bool& first) {
    auto c = store::find_conversation(tx, conversation);
    if (!c || !c->ai_enabled || c->status == "handed_off") return std::nullopt;
    if (lock_active_run(tx, conversation)) return std::nullopt;
    auto answered = store::find_answered_seq(tx, conversation).value_or(0);
    auto pending = customer_messages_after(tx, conversation, answered);
    if (pending.empty()) return std::nullopt;
    first = customer_message_count(tx, conversation, pending.back().seq) ==
            static_cast<long>(pending.size());
    return pending.back();
}

std::optional<std::string> start(pqxx::dbtransaction& tx, const std::string& conversation,
                                 const TriggerCandidate& c, const CustomerMessage& last,
                                 json vars) {
    auto run =
        insert_run(tx, conversation, c.flow.id, c.flow.version, nullptr, c.node, last.seq, vars);
    if (!run) return std::nullopt;
    flow_metrics().run_started();
    store::mark_answered(tx, conversation, last.seq);
    spdlog::info("flows.run_started run={} conversation={} flow={} version={}", run->id,
                 conversation, c.flow.id, c.flow.version);
    return run->id;
}

}  // namespace

TriggerPick pick_trigger(pqxx::dbtransaction& tx, const std::string& conversation,
                         DocumentCache& documents, const config::Config& config) {
    bool first = false;
    auto last = waiting_message(tx, conversation, first);
    if (!last) return {};
    Incoming incoming{last->text, last->tapped_id, first};
    std::optional<Ranked> best;
    IntentStage stage;
    stage.seq = last->seq;
    auto flows = live_flows(tx);
    for (std::size_t i = 0; i < flows.size(); ++i) {
        auto doc = documents.version(tx, flows[i].id, flows[i].version);
        if (!doc) continue;
        for (const auto& node : doc->nodes) {
            if (node.type != NodeType::trigger) continue;
            Problems ignored;
            auto t = read_trigger(node, ignored);
            if (t.kind == TriggerKind::intent) {
                stage.intents.push_back({flows[i], node.id, t.threshold});
                stage.ask.intents.push_back(t.description);
                continue;
            }
            if (!matches(t, incoming)) continue;
            Ranked r{trigger_rank(t.kind), i, {flows[i], node.id}};
            if (!best || std::tie(r.rank, r.order) < std::tie(best->rank, best->order)) best = r;
        }
    }
    json vars{{"message", {{"text", last->text}}}};
    bool before_intents = best && best->rank < trigger_rank(TriggerKind::intent);
    if (!before_intents && !stage.intents.empty()) {
        auto ask = ai::prepare_intents(tx, last->text, stage.ask.intents, config);
        if (ask.access.configured) {
            stage.ask = std::move(ask);
            if (best) stage.fallback = best->candidate;
            return {std::nullopt, std::move(stage)};
        }
    }
    if (!best) return {};
    return {start(tx, conversation, best->candidate, *last, vars), std::nullopt};
}

std::optional<std::string> start_by_intent(pqxx::dbtransaction& tx, const std::string& conversation,
                                           const IntentStage& stage,
                                           const ai::IntentAnswer& answer) {
    bool first = false;
    auto last = waiting_message(tx, conversation, first);
    // Answered meanwhile, or a newer message came: its own turn decides.
    if (!last || last->seq != stage.seq) return std::nullopt;
    ai::record_call_figures(tx, conversation, stage.seq, answer.details);
    json vars{{"message", {{"text", last->text}}}};
    if (answer.intent >= 0 && static_cast<std::size_t>(answer.intent) < stage.intents.size()) {
        const auto& chosen = stage.intents[static_cast<std::size_t>(answer.intent)];
        spdlog::info("flows.intent conversation={} flow={} confidence={:.2f} threshold={:.2f}",
                     conversation, chosen.flow.id, answer.confidence, chosen.threshold);
        if (answer.confidence >= chosen.threshold) {
            vars["message"]["intent_confidence"] = answer.confidence;
            return start(tx, conversation, chosen, *last, vars);
        }
    }
    if (stage.fallback) return start(tx, conversation, *stage.fallback, *last, vars);
    return std::nullopt;
}

}  // namespace botflow::flows
