-- What a bot flow collected from the customer (a booking's service and day, a lead's budget),
-- kept on the conversation by the flow's `save` steps as named text fields and shown to the
-- team beside the thread. A later save of the same field replaces it.
ALTER TABLE conversations ADD COLUMN fields jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Questions a flow's `save` step reported as not answered by the knowledge (a customer said
-- the AI's answer did not help): the knowledge-gap report counts them beside the AI's own.
CREATE TABLE flow_gaps (
    id              bigserial PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    question        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flow_gaps_created_at_idx ON flow_gaps (created_at);
