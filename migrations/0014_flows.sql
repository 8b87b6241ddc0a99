-- Bot flows (docs/flows.md): each flow has a draft document and numbered published versions,
-- which never change once published. A run is one customer's walk through one version: where
-- it is, what it has stored, and whether it waits for an answer or a delay. Each step a run
-- takes is a row of its log, which the drop-off counts are made from.
CREATE TABLE flows (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text NOT NULL,
    description       text NOT NULL DEFAULT '',
    draft             jsonb NOT NULL,
    draft_updated_at  timestamptz NOT NULL DEFAULT now(),
    -- The version that runs; null when the flow is not published (or was unpublished).
    published_version integer,
    -- Among flows whose triggers are of the same kind, the lower is tried first.
    priority          integer NOT NULL DEFAULT 100,
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX flows_name_key ON flows (lower(name));

CREATE TABLE flow_versions (
    flow_id      uuid NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version      integer NOT NULL CHECK (version > 0),
    document     jsonb NOT NULL,
    published_by uuid REFERENCES users (id) ON DELETE SET NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, version)
);

CREATE TABLE flow_runs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    flow_id         uuid NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version         integer NOT NULL,  -- 0: a test of the draft, whose document is kept here
    document        jsonb,
    node_id         text NOT NULL,
    status          text NOT NULL CHECK (status IN ('running', 'waiting', 'completed',
                                                    'handed_off', 'failed', 'expired',
                                                    'stopped')),
    waiting_for     text CHECK (waiting_for IN ('answer', 'delay')),
    wait_until      timestamptz,
    attempts        integer NOT NULL DEFAULT 0,  -- answers the current question has taken
    vars            jsonb NOT NULL DEFAULT '{}',
    step_seq        integer NOT NULL DEFAULT 0,  -- steps taken: the key of each one's effects
    consumed_seq    bigint NOT NULL DEFAULT 0,   -- the last customer message the run has read
    error           text,
    stopped_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz
);
-- At most one active run per conversation.
CREATE UNIQUE INDEX flow_runs_active_key ON flow_runs (conversation_id)
    WHERE status IN ('running', 'waiting');
CREATE INDEX flow_runs_conversation_idx ON flow_runs (conversation_id, started_at DESC);
CREATE INDEX flow_runs_flow_idx ON flow_runs (flow_id, started_at);

CREATE TABLE flow_steps (
    run_id      uuid NOT NULL REFERENCES flow_runs (id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    flow_id     uuid NOT NULL,
    version     integer NOT NULL,
    node_id     text NOT NULL,
    node_type   text NOT NULL,
    input       jsonb,             -- what the step read: the customer's answer, an API's status
    outcome     text,              -- the edge it took; null when the run ended there
    changed     jsonb NOT NULL DEFAULT '{}',  -- the variables it set
    message_ids uuid[] NOT NULL DEFAULT '{}', -- what it sent
    duration_ms integer NOT NULL DEFAULT 0,
    error       text,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX flow_steps_flow_idx ON flow_steps (flow_id, at);

-- Values an api_call step may send (a shop's API key), sealed with SECRET_KEY; never shown
-- back and never logged.
CREATE TABLE flow_secrets (
    name       text PRIMARY KEY CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$'),
    sealed     bytea NOT NULL,
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What a flow sends is the flow's, apart from the AI's and the agents'.
ALTER TABLE messages DROP CONSTRAINT messages_sender_check;
ALTER TABLE messages ADD CONSTRAINT messages_sender_check
    CHECK (sender IN ('customer', 'ai', 'agent', 'system', 'flow'));
