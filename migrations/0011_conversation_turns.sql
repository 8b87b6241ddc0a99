-- A customer's turn is one neutral job, `conversation_turn`, whose responders (the flow run,
-- the away message, the AI, ...) decide who answers. Ingestion enqueues it due after this
-- debounce, so messages typed in quick succession are one turn. The value is the one the owner
-- sets in Settings > AI (`debounce_ms`), else the server's AI_DEBOUNCE_MS (`fallback`).
-- `ai_reply` jobs queued by an earlier version keep running: the server handles that kind as
-- a turn too.
CREATE FUNCTION turn_debounce_ms(fallback float8) RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT COALESCE((SELECT (value->>'debounce_ms')::float8 FROM settings WHERE key = 'ai'),
                    fallback)
$$;
