-- Analytics: one row per closed day (in the business's time zone) summing that day's messages,
-- so that a 90-day report reads 90 small rows instead of every message. Days are computed from
-- `messages` when first asked for (and by the maintenance job); today and yesterday, which can
-- still change, are always computed live and never stored here.
CREATE TABLE analytics_days (
    day               date NOT NULL,
    time_zone         text NOT NULL,
    inbound           integer NOT NULL,
    ai                integer NOT NULL,
    agent             integer NOT NULL,
    system            integer NOT NULL,
    prompt_tokens     bigint NOT NULL,
    completion_tokens bigint NOT NULL,
    cost_usd          numeric(14, 6) NOT NULL,
    conversations     integer NOT NULL,  -- conversations in which the customer wrote that day
    ai_resolved       integer NOT NULL,  -- ... that the AI answered, with no handoff or agent reply
    handed_off        integer NOT NULL,  -- ... that the AI handed off or an agent answered
    frt_hist          integer[] NOT NULL,  -- first-response times: 80 buckets, 100 ms * 1.25^i
    hours             integer[] NOT NULL,  -- customer messages by local hour, 0..23
    computed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, time_zone)
);

-- How often each document's passages were given to the AI, per closed day.
CREATE TABLE analytics_day_documents (
    day         date NOT NULL,
    time_zone   text NOT NULL,
    document_id uuid NOT NULL,
    title       text NOT NULL,
    citations   integer NOT NULL,
    PRIMARY KEY (day, time_zone, document_id)
);

-- The knowledge-gap report per closed day: the customer questions (lower case, words only)
-- that the AI handed off or answered with the fallback message, how often, and the latest.
CREATE TABLE analytics_day_gaps (
    day             date NOT NULL,
    time_zone       text NOT NULL,
    question        text NOT NULL,
    asked           integer NOT NULL,
    last_asked_at   timestamptz NOT NULL,
    conversation_id uuid NOT NULL,  -- of the latest
    reason          text NOT NULL CHECK (reason IN ('handoff', 'no_answer')),
    PRIMARY KEY (day, time_zone, question)
);

-- A day's turns that ended in a handoff or the fallback message.
CREATE INDEX ai_turns_gaps_idx ON ai_turns (created_at) WHERE mode IN ('handoff', 'fallback');

-- Reports read messages by day through the BRIN index on created_at: let autovacuum
-- summarise each block range as it fills, so that a day's query never scans unsummarised ranges.
ALTER INDEX messages_created_at_brin SET (autosummarize = on);
