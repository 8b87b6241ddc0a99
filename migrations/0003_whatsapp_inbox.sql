-- Receiving WhatsApp messages and delivery statuses.

-- Statuses that arrive before the message they name: Meta does not order webhooks, and a
-- status can even beat the response to our own send call. They are applied (and removed) when
-- the message is stored, never dropped.
CREATE TABLE pending_statuses (
    whatsapp_message_id text NOT NULL,
    status              text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'played',
                                                        'failed')),
    at                  timestamptz NOT NULL,
    error_code          text,
    error_title         text,
    error_detail        text,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (whatsapp_message_id, status)  -- Meta re-delivers: one row per (wamid, status)
);
-- Pruning statuses for messages that never appeared.
CREATE INDEX pending_statuses_received_idx ON pending_statuses (received_at);

-- A voice message's first play ("played" status).
ALTER TABLE messages ADD COLUMN played_at timestamptz;

-- Arrival order. created_at is WhatsApp's own time (one-second precision, and a retried or
-- out-of-order delivery can be older than what is already stored), so thread pages and
-- "what arrived since" cursors follow seq instead, which never repeats or goes back.
ALTER TABLE messages ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX messages_conversation_seq_idx ON messages (conversation_id, seq);

-- The order of delivery states: a status never moves a message backwards, and failed is final.
CREATE FUNCTION botflow_status_rank(status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE status WHEN 'received' THEN 0 WHEN 'pending' THEN 1 WHEN 'sent' THEN 2
                       WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 WHEN 'failed' THEN 5
                       ELSE 0 END;

-- Conversation search ("q") over message text. 'simple' (no stemming, no stop words) because
-- customers write in any language.
CREATE INDEX messages_content_fts_idx ON messages USING gin (to_tsvector('simple', content));
-- Customer name and phone search with ILIKE '%...%'.
CREATE INDEX conversations_customer_trgm_idx
    ON conversations USING gin ((customer_name || ' ' || coalesce(phone, '')) gin_trgm_ops);

-- The team's private notes about a customer.
ALTER TABLE conversations ADD COLUMN notes text NOT NULL DEFAULT '';
-- The customer's WhatsApp profile name as last sent; customer_name starts as it and then
-- belongs to the team (an agent's correction is never overwritten by the next message).
ALTER TABLE conversations ADD COLUMN profile_name text NOT NULL DEFAULT '';
