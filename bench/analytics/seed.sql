-- One million messages over the last 90 days, for bench/analytics.sh: 20,000 customers and
-- 500,000 exchanges, each a customer's message and its answer (75% the AI, 20% an agent, 5% a
-- handoff by the AI) 2 to 60 seconds later. AI answers carry tokens and cost and cite one of
-- 20 documents; handoffs have their AI turn, so that the knowledge-gap report has work to do.
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO documents (id, title, kind, mime_type, size_bytes, sha256, status, chunk_count)
SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 'Document ' || n, 'text',
       'text/plain', 1000, md5(n::text), 'ready', 10
FROM generate_series(1, 20) n;

CREATE TEMP TABLE customers AS
SELECT n, gen_random_uuid() AS id FROM generate_series(0, 19999) n;
INSERT INTO conversations (id, wa_id, phone, customer_name, created_at)
SELECT id, (34600000000 + n)::text, '+' || (34600000000 + n), 'Customer ' || n,
       now() - interval '91 days'
FROM customers;

CREATE TEMP TABLE exchanges AS
SELECT e, c.id AS conversation_id,
       now() - interval '90 days' + (e * interval '90 days' / 500000)
         + (random() * interval '60 seconds') AS asked_at,
       2 + random() * 58 AS wait_s,
       CASE WHEN e % 20 = 0 THEN 'handoff' WHEN e % 5 = 1 THEN 'agent' ELSE 'ai' END AS answer
FROM generate_series(0, 499999) e JOIN customers c ON c.n = e % 20000;

INSERT INTO messages (conversation_id, direction, sender, type, content, status, created_at)
SELECT conversation_id, 'inbound', 'customer', 'text',
       (ARRAY['Do you deliver on Sundays?', 'What time do you open?', 'How much is shipping?',
              'Can I return an item?', 'Is the cake gluten free?', 'Where is my order?'])[1 + e % 6]
         || ' #' || (e % 50),
       'received', asked_at
FROM exchanges ORDER BY asked_at;

INSERT INTO messages (conversation_id, direction, sender, type, content, status, created_at,
                      ai_mode, ai_model, prompt_tokens, completion_tokens, cost_usd)
SELECT conversation_id, 'outbound', CASE WHEN answer = 'agent' THEN 'agent' ELSE 'ai' END, 'text',
       CASE answer WHEN 'handoff' THEN 'A person will answer you shortly.'
                   ELSE 'Here is what we know about that.' END,
       'read', asked_at + wait_s * interval '1 second',
       CASE answer WHEN 'ai' THEN 'llm' WHEN 'handoff' THEN 'handoff' END,
       CASE WHEN answer = 'ai' THEN 'openai/gpt-4o-mini' END,
       CASE WHEN answer = 'ai' THEN 900 + e % 400 END,
       CASE WHEN answer = 'ai' THEN 40 + e % 60 END,
       CASE WHEN answer = 'ai' THEN 0.0002 END
FROM exchanges ORDER BY asked_at;

INSERT INTO message_citations (message_id, rank, document_id, document_title, content)
SELECT m.id, 1, ('00000000-0000-0000-0000-' || lpad((1 + m.seq % 20)::text, 12, '0'))::uuid,
       'Document ' || (1 + m.seq % 20), 'A passage.'
FROM messages m WHERE m.sender = 'ai' AND m.ai_mode = 'llm';

INSERT INTO ai_turns (conversation_id, through_seq, state, mode, handoff_reason, created_at)
SELECT m.conversation_id, m.seq, 'queued', 'handoff', 'The AI could not answer.', m.created_at
FROM messages m JOIN exchanges x ON x.conversation_id = m.conversation_id
  AND x.asked_at = m.created_at AND m.direction = 'inbound'
WHERE x.answer = 'handoff'
ON CONFLICT DO NOTHING;

-- As autovacuum would have by now: statistics, and the BRIN ranges of created_at summarised.
VACUUM ANALYZE;
