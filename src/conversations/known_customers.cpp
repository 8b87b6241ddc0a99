// Storing the group's plain messages set-based (store_known_customers): the webhook's hot
// path, a fixed number of statements whatever the number of messages.
#include <algorithm>
#include <map>
#include <set>

#include "botflow/conversations/inbox.hpp"
#include "botflow/whatsapp/text.hpp"
#include "conversations/inbox_repo.hpp"
#include "conversations/inbox_rows.hpp"

namespace botflow::conversations {

using whatsapp::InboundMessage;
using whatsapp::WebhookBatch;

namespace {

struct Candidate {
    const InboundMessage* m;
    StoreResult* result;
};

// A customer is taken whole or not at all: when any of their messages in the group needs
// the general path (media, an echo, a business-scoped id, the simulator), all of theirs
// take it, in delivery order, so their thread order, names and preview end as one by one.
bool plain(const WebhookBatch& batch, const InboundMessage& m) {
    return !batch.simulated && !m.echo && !m.media_id && m.payload.is_null() &&
           !m.customer_wa_id.empty() && m.customer_bsuid.empty() && !m.wamid.empty();
}

// The group's plain messages from customers none of whose messages needs the general path;
// `general` gets the customers whose messages do.
std::vector<Candidate> plain_candidates(const std::vector<const WebhookBatch*>& batches,
                                        const std::vector<StoreResult*>& results,
                                        std::set<std::string>& general) {
    for (const auto* batch : batches) {
        for (const auto& m : batch->messages) {
            if (!plain(*batch, m) && !m.customer_wa_id.empty()) general.insert(m.customer_wa_id);
        }
    }
    std::vector<Candidate> candidates;
    for (std::size_t b = 0; b < batches.size(); ++b) {
        for (const auto& m : batches[b]->messages) {
            if (!plain(*batches[b], m) || general.count(m.customer_wa_id)) continue;
            candidates.push_back({&m, results[b]});
        }
    }
    return candidates;
}

// Their conversations, with what they hold about the customer.
KnownMap known_conversations(pqxx::dbtransaction& tx, const std::vector<Candidate>& candidates) {
    std::vector<std::optional<std::string>> customers;
    for (const auto& c : candidates) customers.emplace_back(c.m->customer_wa_id);
    std::sort(customers.begin(), customers.end());
    customers.erase(std::unique(customers.begin(), customers.end()), customers.end());
    return find_known_conversations(tx, customers);
}

// Anything to record about a customer (a number, a new name) sends all of their messages
// to the general path too. A first contact is taken when all of their messages carry the
// same name, which their new conversation then holds: returned with that name.
std::map<std::string, std::string> first_contacts(const std::vector<Candidate>& candidates,
                                                  const KnownMap& known,
                                                  std::set<std::string>& general) {
    std::map<std::string, std::string> first_names;  // first contacts: the name they all carry
    for (const auto& c : candidates) {
        const auto& m = *c.m;
        const auto& wa = m.customer_wa_id;
        if (general.count(wa)) continue;
        auto k = known.find(wa);
        if (k != known.end()) {
            bool changes =
                k->second.stale ||
                (!m.customer_name.empty() &&
                 (m.customer_name != k->second.profile_name || k->second.customer_name.empty()));
            if (changes) general.insert(wa);
            continue;
        }
        auto [name, fresh] = first_names.emplace(wa, m.customer_name);
        if (!fresh && name->second != m.customer_name) general.insert(wa);
    }
    return first_names;
}

// First contacts: their conversations, in one statement too. A conflict (the number is
// another conversation's phone) leaves that customer to the general path.
void create_conversations(pqxx::dbtransaction& tx,
                          const std::map<std::string, std::string>& first_names,
                          const std::set<std::string>& general, KnownMap& known) {
    std::vector<std::optional<std::string>> new_wa, new_phone, new_name;
    for (const auto& [wa, name] : first_names) {
        if (general.count(wa)) continue;
        new_wa.emplace_back(wa);
        new_phone.emplace_back("+" + wa);
        new_name.emplace_back(name);
    }
    insert_first_contacts(tx, new_wa, new_phone, new_name, known);
}

// The messages taken, one array per column (each a statement parameter), and the ones found to
// be re-deliveries within the group.
struct Taken {
    std::vector<Candidate> taken;
    std::vector<const InboundMessage*> done;
    PlainMessages rows;
};

Taken take(const std::vector<Candidate>& candidates, const KnownMap& known,
           const std::set<std::string>& general) {
    Taken t;
    std::set<std::string> wamids;
    for (const auto& c : candidates) {
        const auto& m = *c.m;
        auto k = known.find(m.customer_wa_id);
        if (general.count(m.customer_wa_id) || k == known.end()) continue;
        if (!wamids.insert(m.wamid).second) {
            // The same wamid twice in one group: Meta re-delivered it.
            ++c.result->duplicates;
            t.done.push_back(c.m);
            continue;
        }
        t.taken.push_back(c);
        auto& rows = t.rows;
        rows.conversation.emplace_back(k->second.id);
        rows.type.emplace_back(m.type);
        rows.content.emplace_back(m.content);
        rows.context.emplace_back(m.context_id);
        rows.wamid.emplace_back(m.wamid);
        rows.ts.emplace_back(timestamp_text(m.timestamp));
        rows.metadata.emplace_back(
            m.raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        rows.short_text.emplace_back(whatsapp::message_preview(m.content));
    }
    return t;
}

// Counts each message taken as stored (its message.created is in the outbox already) or as a
// re-delivery.
void count_stored(const std::set<std::string>& stored_wamids, Taken& t) {
    for (const auto& c : t.taken) {
        t.done.push_back(c.m);
        if (!stored_wamids.count(c.m->wamid)) {
            ++c.result->duplicates;
            continue;
        }
        ++c.result->stored;
    }
}

}  // namespace

std::vector<const InboundMessage*> store_known_customers(
    pqxx::dbtransaction& tx, const std::vector<const WebhookBatch*>& batches,
    const std::vector<StoreResult*>& results, int default_debounce_ms) {
    std::set<std::string> general;
    auto candidates = plain_candidates(batches, results, general);
    if (candidates.empty()) return {};
    auto known = known_conversations(tx, candidates);
    auto first_names = first_contacts(candidates, known, general);
    create_conversations(tx, first_names, general, known);
    auto t = take(candidates, known, general);
    if (t.taken.empty()) {
        std::sort(t.done.begin(), t.done.end());
        return t.done;
    }
    auto stored = insert_plain_messages(tx, t.rows, default_debounce_ms);
    count_stored(stored, t);
    std::sort(t.done.begin(), t.done.end());
    return t.done;
}

}  // namespace botflow::conversations
