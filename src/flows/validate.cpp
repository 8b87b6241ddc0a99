#include "flows/validate.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "flows/variables.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

// What the nodes store, by name; a name under which a JSON answer is kept covers its paths.
struct Defined {
    std::set<std::string> exact;
    std::set<std::string> prefixes;

    bool knows(const std::string& name) const {
        if (exact.count(name) || builtin_variables().count(name)) return true;
        for (const auto& p : prefixes) {
            if (name == p || name.rfind(p + ".", 0) == 0) return true;
        }
        // A stored "booking.date" makes "booking" an object that can be shown.
        return std::any_of(exact.begin(), exact.end(),
                           [&](const std::string& e) { return e.rfind(name + ".", 0) == 0; });
    }
};

// Reads every node's config (noting its problems) and what each stores.
Defined read_configs(const Document& doc, const ValidationContext& ctx, Problems& problems) {
    Defined d;
    for (const auto& node : doc.nodes) {
        switch (node.type) {
            case NodeType::trigger:
                read_trigger(node, problems);
                break;
            case NodeType::message:
                read_message(node, problems);
                break;
            case NodeType::question: {
                auto q = read_question(node, problems);
                if (!q.store_as.empty()) d.exact.insert(q.store_as);
                if (!q.score_as.empty()) d.exact.insert(q.score_as);
                break;
            }
            case NodeType::condition:
                read_condition(node, problems);
                break;
            case NodeType::set_variable:
                for (const auto& a : read_assignments(node, problems)) d.exact.insert(a.name);
                break;
            case NodeType::wait:
                read_wait(node, problems);
                break;
            case NodeType::jump: {
                auto target = read_jump(node, problems);
                bool ok = target.empty() || target == ctx.flow_id ||
                          (ctx.can_jump_to && ctx.can_jump_to(target));
                if (!ok) {
                    problems.push_back({node.id, "config.flow_id",
                                        "no published flow has this id: publish it first"});
                }
                break;
            }
            case NodeType::api_call: {
                auto call = read_api_call(node, problems);
                if (!call.response_variable.empty()) d.prefixes.insert(call.response_variable);
                if (!call.status_variable.empty()) d.exact.insert(call.status_variable);
                for (const auto& f : call.fields) d.exact.insert(f.variable);
                break;
            }
            case NodeType::handoff:
                read_handoff(node, problems);
                break;
            case NodeType::ai_response:
                read_ai(node, problems);
                break;
            case NodeType::save:
                read_save(node, problems);
                break;
            case NodeType::end:
                break;
        }
    }
    return d;
}

// A condition compares variables by name: each must be one the flow can have.
void check_rules(const Node& node, const Defined& defined, Problems& problems) {
    Problems ignored;
    auto c = read_condition(node, ignored);
    for (std::size_t i = 0; i < c.rules.size(); ++i) {
        const auto& name = c.rules[i].variable;
        if (name.empty() || defined.knows(name)) continue;
        problems.push_back({node.id, "config.rules[" + std::to_string(i) + "].variable",
                            "'" + name +
                                "' is not a variable of this flow: no step stores it and "
                                "BotFlow has no such value"});
    }
}

// A question's slots read the day from a variable: one the flow can have.
void check_slots_date(const Node& node, const Defined& defined, Problems& problems) {
    Problems ignored;
    auto q = read_question(node, ignored);
    if (q.slots_date.empty() || defined.knows(q.slots_date)) return;
    problems.push_back({node.id, "config.slots.date",
                        "'" + q.slots_date +
                            "' is not a variable of this flow: store the day first (a date "
                            "question)"});
}

void check_variables(const Document& doc, const ValidationContext& ctx, const Defined& defined,
                     Problems& problems) {
    for (const auto& node : doc.nodes) {
        if (node.type == NodeType::condition) check_rules(node, defined, problems);
        if (node.type == NodeType::question) check_slots_date(node, defined, problems);
        for (const auto& [key, value] : node.config.items()) {
            std::string error;
            auto refs = references_in(value, error);
            auto field = "config." + key;
            if (!error.empty()) problems.push_back({node.id, field, error});
            for (const auto& r : refs) {
                if (r.name.rfind("secrets.", 0) == 0) {
                    auto secret = r.name.substr(8);
                    if (node.type != NodeType::api_call) {
                        problems.push_back({node.id, field,
                                            "{{" + r.name +
                                                "}}: secrets are only for an "
                                                "api_call's url, headers and body"});
                    } else if (!ctx.secrets.count(secret)) {
                        problems.push_back({node.id, field,
                                            "{{" + r.name + "}}: no secret named '" + secret +
                                                "' is stored (PUT /api/flow-secrets/" + secret +
                                                ")"});
                    }
                } else if (!defined.knows(r.name)) {
                    problems.push_back({node.id, field,
                                        "{{" + r.name +
                                            "}} is not a variable of this flow: no "
                                            "step stores it and BotFlow has no such value"});
                }
            }
        }
    }
}

void check_edges(const Document& doc, Problems& problems) {
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& e : doc.edges) {
        const Node* source = doc.node(e.source);
        const Node* target = doc.node(e.target);
        if (!source || !target) continue;  // parse_document has refused these
        auto outcomes = outcomes_of(*source);
        bool known = e.when == "default"
                         ? !outcomes.all.empty()
                         : std::count(outcomes.all.begin(), outcomes.all.end(), e.when) > 0;
        if (outcomes.all.empty()) {
            problems.push_back({source->id, "",
                                "a " + std::string(type_name(source->type)) +
                                    " step ends the run: nothing can follow it"});
        } else if (!known) {
            std::string list;
            for (const auto& o : outcomes.all) list += (list.empty() ? "" : ", ") + o;
            problems.push_back({source->id, "edges." + e.id,
                                "'" + e.when + "' is not an outcome of this step (" + list + ")"});
        }
        if (target->type == NodeType::trigger) {
            problems.push_back({target->id, "edges." + e.id,
                                "a trigger starts the flow: no step can lead into it"});
        }
        if (!seen.insert({e.source, e.when}).second) {
            problems.push_back(
                {source->id, "edges." + e.id, "two edges leave on '" + e.when + "': keep one"});
        }
    }
}

void check_outcomes(const Document& doc, Problems& problems) {
    for (const auto& node : doc.nodes) {
        auto outcomes = outcomes_of(node);
        auto required = outcomes.required;
        if (node.type == NodeType::question) {
            // A choice whose every button has its own edge needs no `valid` one.
            std::vector<std::string> taps(outcomes.all.begin() + 3, outcomes.all.end());
            bool all_taps = !taps.empty() && std::all_of(taps.begin(), taps.end(), [&](auto& t) {
                return std::any_of(doc.edges.begin(), doc.edges.end(), [&](const Edge& e) {
                    return e.source == node.id && e.when == t;
                });
            });
            if (all_taps) required.clear();
        }
        for (const auto& outcome : required) {
            if (!doc.next(node.id, outcome)) {
                problems.push_back(
                    {node.id, "",
                     "the outcome '" + outcome + "' leads nowhere: connect it to a step"});
            }
        }
    }
}

void check_reachable(const Document& doc, Problems& problems) {
    std::set<std::string> reached;
    std::vector<std::string> frontier;
    for (const auto& n : doc.nodes) {
        if (n.type == NodeType::trigger) frontier.push_back(n.id);
    }
    if (frontier.empty())
        problems.push_back({"", "nodes", "a flow needs a trigger step to start it"});
    while (!frontier.empty()) {
        auto id = frontier.back();
        frontier.pop_back();
        if (!reached.insert(id).second) continue;
        for (const auto& e : doc.edges) {
            if (e.source == id) frontier.push_back(e.target);
        }
    }
    for (const auto& n : doc.nodes) {
        if (!reached.count(n.id)) {
            problems.push_back({n.id, "", "no trigger leads to this step"});
        }
    }
}

// Tarjan's strongly connected components over the edges that leave steps which do not wait:
// any component with a cycle is a loop that would run without the customer or time passing.
class LoopFinder {
public:
    explicit LoopFinder(const Document& doc) : doc_(doc) {
        for (const auto& e : doc.edges) {
            const Node* s = doc.node(e.source);
            if (s && !waits(s->type)) next_[e.source].push_back(e.target);
        }
    }
    void report(Problems& problems) {
        for (const auto& n : doc_.nodes) {
            if (!index_.count(n.id)) visit(n.id);
        }
        for (const auto& loop : loops_) {
            std::string path;
            for (const auto& id : loop) path += (path.empty() ? "" : " > ") + id;
            problems.push_back({loop.front(), "",
                                "these steps loop without waiting for the customer or a delay: " +
                                    path + " (add a question or a wait to the loop)"});
        }
    }

private:
    void visit(const std::string& id) {
        index_[id] = low_[id] = counter_++;
        stack_.push_back(id);
        on_stack_.insert(id);
        for (const auto& t : next_[id]) {
            if (!index_.count(t)) {
                visit(t);
                low_[id] = std::min(low_[id], low_[t]);
            } else if (on_stack_.count(t)) {
                low_[id] = std::min(low_[id], index_[t]);
            }
        }
        if (low_[id] != index_[id]) return;
        std::vector<std::string> component;
        std::string top;
        do {
            top = stack_.back();
            stack_.pop_back();
            on_stack_.erase(top);
            component.push_back(top);
        } while (top != id);
        auto& out = next_[id];
        bool self = std::count(out.begin(), out.end(), id) > 0;
        if (component.size() > 1 || self) {
            std::reverse(component.begin(), component.end());
            loops_.push_back(std::move(component));
        }
    }

    const Document& doc_;
    std::map<std::string, std::vector<std::string>> next_;
    std::map<std::string, int> index_, low_;
    std::vector<std::string> stack_;
    std::set<std::string> on_stack_;
    std::vector<std::vector<std::string>> loops_;
    int counter_ = 0;
};

}  // namespace

const std::set<std::string>& builtin_variables() {
    static const std::set<std::string> names{
        "customer.name",
        "customer.phone",
        "customer.wa_id",
        "conversation.id",
        "conversation.status",
        "conversation.tags",
        "conversation.notes",
        "business.name",
        "business.language",
        "business.hours",
        "message.text",
        "flow.name",
        "message.intent_confidence",
    };
    return names;
}

Problems validate(const Document& document, const ValidationContext& context) {
    Problems problems;
    auto defined = read_configs(document, context, problems);
    check_variables(document, context, defined, problems);
    check_edges(document, problems);
    check_outcomes(document, problems);
    check_reachable(document, problems);
    LoopFinder(document).report(problems);
    return problems;
}

}  // namespace botflow::flows
