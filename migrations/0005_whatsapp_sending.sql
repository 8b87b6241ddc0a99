-- Sending replies and keeping media: outbound messages wait as 'queued' until WhatsApp accepts
-- them, media bytes live beside their message, and simulator conversations never reach Meta.

-- 'queued' is the state of a reply stored but not yet accepted by WhatsApp ('pending' was
-- never written by any release).
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
UPDATE messages SET status = 'queued' WHERE status = 'pending';
ALTER TABLE messages ADD CONSTRAINT messages_status_check
    CHECK (status IN ('received', 'queued', 'sent', 'delivered', 'read', 'failed'));
CREATE OR REPLACE FUNCTION botflow_status_rank(status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE status WHEN 'received' THEN 0 WHEN 'queued' THEN 1 WHEN 'sent' THEN 2
                       WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 WHEN 'failed' THEN 5
                       ELSE 0 END;

-- A readable reason for a failed message, written by the sender ("The customer last wrote 26
-- hours ago; ...") next to Meta's own error_code and error_title.
ALTER TABLE messages ADD COLUMN error_reason text;

-- Downloaded media of inbound messages, one row per message. Kept apart from messages so that
-- listing a thread never reads the bytes.
CREATE TABLE message_media (
    message_id  uuid PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    mime_type   text NOT NULL,
    size        bigint NOT NULL,
    sha256      text NOT NULL,  -- hex, checked against Meta's on download
    bytes       bytea NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now()
);

-- Conversations started from the dashboard's simulator: replies are marked delivered at once
-- instead of being sent to WhatsApp.
ALTER TABLE conversations ADD COLUMN simulated boolean NOT NULL DEFAULT false;

-- Threads, exports and history page by seq (messages_conversation_seq_idx); this index was
-- never used and cost every stored message one more index insert.
DROP INDEX messages_thread_idx;

-- A send job that stopped for good (its attempts spent, or its server died once too often)
-- leaves no reply silently queued: what it had not sent is marked failed. Retrying the dead
-- job (POST /api/jobs/:id/retry) queues its unsent replies again.
CREATE FUNCTION botflow_send_job_state() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'dead' THEN
        UPDATE messages SET status = 'failed', failed_at = now(),
               error_reason = COALESCE(error_reason,
                   'Sending was given up after repeated errors; retry it from the failed jobs.')
         WHERE id IN (SELECT jsonb_array_elements_text(NEW.payload -> 'message_ids')::uuid)
           AND status = 'queued';
    ELSIF OLD.state = 'dead' AND NEW.state = 'queued' THEN
        UPDATE messages SET status = 'queued', failed_at = NULL, error_code = NULL,
               error_title = NULL, error_detail = NULL, error_reason = NULL
         WHERE id IN (SELECT jsonb_array_elements_text(NEW.payload -> 'message_ids')::uuid)
           AND status = 'failed' AND whatsapp_message_id IS NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_send_state AFTER UPDATE OF state ON jobs
    FOR EACH ROW
    WHEN (NEW.kind = 'whatsapp_send' AND OLD.state IS DISTINCT FROM NEW.state
          AND (NEW.state = 'dead' OR OLD.state = 'dead'))
    EXECUTE FUNCTION botflow_send_job_state();
