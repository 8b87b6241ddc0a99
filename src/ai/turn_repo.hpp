// The AI's rows in PostgreSQL: its turns (ai_turns), what it reads of a conversation and its
// messages, and what it writes on the messages it sends (mode, figures, sources). Each function
// runs in the caller's transaction. Private to ai/.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ai/turn.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::ai {

/// What the AI needs to know of a conversation.
struct ConversationState {
    bool ai_enabled = false;
    std::string status;
    bool simulated = false;
    std::string customer_name;
    std::int64_t answered_seq = 0;  // the last customer message the AI has dealt with
};
std::optional<ConversationState> find_conversation_state(pqxx::dbtransaction& tx,
                                                         const std::string& conversation);
/// Locks the conversation and tells whether it is still the AI's to answer through `through`:
/// AI on, not handed off, not answered that far.
bool lock_open_for_ai(pqxx::dbtransaction& tx, const std::string& conversation,
                      std::int64_t through);
/// Flags the conversation for the morning and notes the away message, unless it already went
/// out in this closed period (`closed_minutes` long so far). Returns whether it is due now.
bool claim_away(pqxx::dbtransaction& tx, const std::string& conversation, int closed_minutes);

/// A customer message waiting for an answer.
struct PendingMessage {
    std::int64_t seq = 0;
    std::string content;
    std::string wamid;  // empty when none
};
/// The customer messages after `after_seq` that ask something, oldest first, the last `limit`.
std::vector<PendingMessage> unanswered_messages(pqxx::dbtransaction& tx,
                                                const std::string& conversation,
                                                std::int64_t after_seq, int limit);
/// A person answered after the customer message `seq`.
bool agent_replied_since(pqxx::dbtransaction& tx, const std::string& conversation,
                         std::int64_t seq);
/// A line of the conversation: who wrote it (customer, ai, agent, system) and what.
struct HistoryLine {
    std::string sender;
    std::string content;
};
/// The `limit` messages before `before_seq`, newest first.
std::vector<HistoryLine> history_before(pqxx::dbtransaction& tx, const std::string& conversation,
                                        std::int64_t before_seq, int limit);
/// The customer's last message before `before_seq`.
std::optional<std::string> previous_customer_message(pqxx::dbtransaction& tx,
                                                     const std::string& conversation,
                                                     std::int64_t before_seq);

/// The day of the week (1 Monday .. 7 Sunday) and the minute of the day now in `time_zone`.
struct LocalTime {
    int isodow = 1;
    int minute = 0;
};
LocalTime local_time(pqxx::dbtransaction& tx, const std::string& time_zone);
/// Today's date in `time_zone` as a prompt says it: "Monday, 7 December 2026".
std::string today_in(pqxx::dbtransaction& tx, const std::string& time_zone);

/// The turn for the customer messages through `through`, created if new: its row is the
/// idempotency key of the answer.
Turn claim_turn(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t through);
/// The turn, locked for its queuing.
std::optional<Turn> lock_turn(pqxx::dbtransaction& tx, std::int64_t id);
/// A generated turn whose answer could not be queued: it sends the fallback message instead.
void turn_to_fallback(pqxx::dbtransaction& tx, std::int64_t id, const std::string& reason);
/// Keeps the answer on a turn still generating.
void save_turn_answer(pqxx::dbtransaction& tx, std::int64_t id, const Generated& answer);
void mark_turn_skipped(pqxx::dbtransaction& tx, std::int64_t id);
/// The turn is queued as the messages `message_ids`.
void mark_turn_queued(pqxx::dbtransaction& tx, std::int64_t id,
                      const std::vector<std::string>& message_ids);

/// Marks an outbound message as written by the AI in `mode`, with the call's figures.
void mark_ai_message(pqxx::dbtransaction& tx, const std::string& message_id, Mode mode,
                     const AnswerFigures& figures = {});
/// Adds the figures of a call made about the customer message `seq` (a classification) to
/// that message, where the reports count them.
void add_call_figures(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t seq,
                      const AnswerFigures& figures);
/// A passage an answer was given, as it was then.
struct Citation {
    int rank = 0;
    std::optional<long long> chunk_id;
    std::optional<std::string> document_id;  // none once the document is gone
    std::string document_title, heading, content;
    double score = 0;
    bool current = false;  // the passage still exists
};
/// Keeps a passage as a source of the message (its document only while it exists).
void insert_citation(pqxx::dbtransaction& tx, const std::string& message_id, const Citation& cite);
/// An outbound message's sources, best first.
struct MessageSources {
    std::optional<std::string> mode;  // how the AI wrote it; none: a person or the system
    std::vector<Citation> items;
};
/// None when there is no such outbound message.
std::optional<MessageSources> find_message_sources(pqxx::dbtransaction& tx,
                                                   const std::string& message_id);

}  // namespace botflow::ai
