-- AI replies. An answer is a "turn": the reply to a conversation's customer messages up to
-- one of them (through_seq). The turn's row is the idempotency key that makes a reply happen
-- once however often its job runs: the job claims the turn, keeps the model's answer here the
-- moment it arrives (a crash afterwards does not pay for a second call), and queues the
-- outbound message in the same transaction that marks the turn queued.
CREATE TABLE ai_turns (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    through_seq     bigint NOT NULL,
    state           text NOT NULL DEFAULT 'generating'
                    CHECK (state IN ('generating', 'generated', 'queued', 'skipped')),
    mode            text CHECK (mode IN ('llm', 'extractive', 'fallback', 'handoff')),
    answer          text,
    handoff_reason  text,
    details         jsonb NOT NULL DEFAULT '{}',  -- model, tokens, cost, timings, error
    citations       jsonb NOT NULL DEFAULT '[]',  -- the passages the prompt held
    message_ids     uuid[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, through_seq)
);

-- The last customer message that has had its answer (or was deliberately left to a person).
ALTER TABLE conversations ADD COLUMN ai_answered_seq bigint NOT NULL DEFAULT 0;
-- When the away message last went out; it goes once per closed period.
ALTER TABLE conversations ADD COLUMN away_sent_at timestamptz;
-- Flagged for a person when the business opens (a message arrived while it was closed).
ALTER TABLE conversations ADD COLUMN follow_up boolean NOT NULL DEFAULT false;

-- How an automatic message was produced, and how long the model took to its first token.
ALTER TABLE messages ADD COLUMN ai_mode text
    CHECK (ai_mode IN ('llm', 'extractive', 'fallback', 'handoff', 'away'));
ALTER TABLE messages ADD COLUMN first_token_ms integer;

-- The passages an AI answer was given, as they were then (a document replaced later does not
-- change what the answer was based on).
CREATE TABLE message_citations (
    message_id     uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    rank           smallint NOT NULL,
    chunk_id       bigint,
    document_id    uuid REFERENCES documents (id) ON DELETE SET NULL,
    document_title text NOT NULL,
    heading        text NOT NULL DEFAULT '',
    content        text NOT NULL,
    score          real NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, rank)
);
