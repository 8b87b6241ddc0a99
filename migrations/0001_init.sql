-- BotFlow schema, version 1. Applied once by `botflow migrate` in one transaction; never edited
-- after it has landed: later changes go in 0002_..., 0003_....

-- Trigram similarity for knowledge search that forgives misspellings and partial words.
-- (pg_trgm is a trusted extension: a database owner may create it without superuser.)
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- People who sign in to the dashboard: the business owner and the agents they invite.
CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
    name                text NOT NULL DEFAULT '',
    role                text NOT NULL CHECK (role IN ('owner', 'agent')),
    password_hash       text,  -- argon2id string; NULL until an invited user sets a password
    disabled            boolean NOT NULL DEFAULT false,
    password_changed_at timestamptz,
    last_login_at       timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
-- Sign-in looks users up by email; emails are stored lower-case so this also enforces
-- case-insensitive uniqueness.
CREATE UNIQUE INDEX users_email_key ON users (email);

-- One conversation per customer. WhatsApp identifies a customer by wa_id (their phone number
-- as digits) and, where the customer uses a username and hides the number, by a
-- business-scoped user id (bsuid); at least one is always known.
CREATE TABLE conversations (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    wa_id                    text,
    bsuid                    text,
    phone                    text,  -- E.164 when known
    customer_name            text NOT NULL DEFAULT '',
    status                   text NOT NULL DEFAULT 'active'
                             CHECK (status IN ('active', 'handed_off', 'closed', 'archived')),
    ai_enabled               boolean NOT NULL DEFAULT true,
    assigned_user_id         uuid REFERENCES users (id) ON DELETE SET NULL,
    tags                     text[] NOT NULL DEFAULT '{}',
    unread_count             integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    last_message_at          timestamptz,
    last_customer_message_at timestamptz,  -- opens WhatsApp's 24-hour free-text window
    last_message_preview     text NOT NULL DEFAULT '',
    handoff_reason           text,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (wa_id IS NOT NULL OR bsuid IS NOT NULL)
);
-- Webhook ingestion upserts the conversation by whichever customer identity Meta sent; each
-- identity is unique where present (partial indexes, so NULLs do not collide).
CREATE UNIQUE INDEX conversations_wa_id_key ON conversations (wa_id) WHERE wa_id IS NOT NULL;
CREATE UNIQUE INDEX conversations_bsuid_key ON conversations (bsuid) WHERE bsuid IS NOT NULL;
CREATE UNIQUE INDEX conversations_phone_key ON conversations (phone) WHERE phone IS NOT NULL;
-- The inbox lists conversations newest first, usually filtered by status ("handed off",
-- "active"): this index serves both the filter and the order, and keyset paging on it.
CREATE INDEX conversations_inbox_idx ON conversations (status, last_message_at DESC NULLS LAST, id);
-- "Assigned to me" view of an agent.
CREATE INDEX conversations_assigned_idx ON conversations (assigned_user_id, last_message_at DESC)
    WHERE assigned_user_id IS NOT NULL;
-- Filtering the inbox by tag (tags @> '{vip}').
CREATE INDEX conversations_tags_idx ON conversations USING gin (tags);

-- Every message in and out: customer messages, AI answers, agent replies, system notes.
CREATE TABLE messages (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id     uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    direction           text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    sender              text NOT NULL CHECK (sender IN ('customer', 'ai', 'agent', 'system')),
    sender_user_id      uuid REFERENCES users (id) ON DELETE SET NULL,  -- the agent who wrote it
    type                text NOT NULL,  -- text, image, audio, video, document, sticker, location,
                                        -- contacts, interactive, button, reaction, template,
                                        -- unsupported, system
    content             text NOT NULL DEFAULT '',  -- text, caption, or a readable description
    media_id            text,  -- Meta's media id
    media_mime_type     text,
    media_filename      text,
    media_sha256        text,
    media_size          bigint,
    context_message_id  text,  -- the wamid this message replies to
    whatsapp_message_id text,  -- wamid; Meta re-delivers webhooks, so inserts are idempotent on it
    status              text NOT NULL DEFAULT 'received'
                        CHECK (status IN ('received', 'pending', 'sent', 'delivered', 'read',
                                          'failed')),
    sent_at             timestamptz,
    delivered_at        timestamptz,
    read_at             timestamptz,
    failed_at           timestamptz,
    error_code          text,
    error_title         text,  -- what went wrong, in words an owner understands
    error_detail        text,
    ai_model            text,
    prompt_tokens       integer,
    completion_tokens   integer,
    cost_usd            numeric(12, 6),
    processing_ms       integer,
    metadata            jsonb NOT NULL DEFAULT '{}',  -- the raw webhook JSON, AI sources, ...
    created_at          timestamptz NOT NULL DEFAULT now()
);
-- ON CONFLICT (whatsapp_message_id) DO NOTHING makes webhook re-deliveries no-ops, and status
-- callbacks (sent/delivered/read/failed) find their outbound message by wamid.
CREATE UNIQUE INDEX messages_whatsapp_message_id_key ON messages (whatsapp_message_id)
    WHERE whatsapp_message_id IS NOT NULL;
-- A conversation's thread, newest first, paged by (created_at, id); also history for the AI.
CREATE INDEX messages_thread_idx ON messages (conversation_id, created_at DESC, id DESC);
-- Analytics scan messages by time range; rows arrive in time order, so a tiny BRIN index is
-- enough.
CREATE INDEX messages_created_at_brin ON messages USING brin (created_at);
-- The "failed messages" view and retries.
CREATE INDEX messages_failed_idx ON messages (failed_at DESC) WHERE status = 'failed';

-- Knowledge the AI answers from: uploaded files (original bytes kept) and typed-in text.
CREATE TABLE documents (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title          text NOT NULL,
    filename       text,
    kind           text NOT NULL CHECK (kind IN ('pdf', 'docx', 'txt', 'markdown', 'csv', 'html',
                                                 'text')),
    mime_type      text NOT NULL,
    size_bytes     bigint NOT NULL CHECK (size_bytes >= 0),
    sha256         text NOT NULL,
    content        bytea,  -- the original file; NULL for typed-in text
    extracted_text text NOT NULL DEFAULT '',
    status         text NOT NULL DEFAULT 'processing'
                   CHECK (status IN ('processing', 'ready', 'error')),
    error          text,
    category       text NOT NULL DEFAULT '',
    tags           text[] NOT NULL DEFAULT '{}',
    chunk_count    integer NOT NULL DEFAULT 0,
    created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- The library page lists documents newest first.
CREATE INDEX documents_created_at_idx ON documents (created_at DESC);

-- Passages of a document, the unit the AI retrieves.
CREATE TABLE document_chunks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    heading     text NOT NULL DEFAULT '',
    content     text NOT NULL,
    -- Weighted (heading A, body B) in the configured text-search language; written by the
    -- server, since the language is a setting and a generated column needs a fixed one.
    tsv         tsvector NOT NULL,
    UNIQUE (document_id, ordinal)  -- also serves "all chunks of a document, in order"
);
-- Full-text search: websearch_to_tsquery(...) @@ tsv.
CREATE INDEX document_chunks_tsv_idx ON document_chunks USING gin (tsv);
-- Misspellings and partial words: content % query / similarity() through trigrams.
CREATE INDEX document_chunks_trgm_idx ON document_chunks USING gin (content gin_trgm_ops);

-- System prompts: built-in industry templates and the owner's own; one is active.
CREATE TABLE prompt_templates (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE,  -- built-in templates are seeded and updated by slug
    name        text NOT NULL,
    industry    text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    body        text NOT NULL,
    variables   jsonb NOT NULL DEFAULT '{}',
    is_builtin  boolean NOT NULL DEFAULT false,
    is_active   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- At most one active template: a unique index over a constant, for active rows only.
CREATE UNIQUE INDEX prompt_templates_one_active ON prompt_templates ((true)) WHERE is_active;

-- Instance settings edited in the dashboard. Secrets (WhatsApp token, app secret, LLM key)
-- live only in encrypted_value (AES-256-GCM: nonce || ciphertext || tag) and are never
-- returned by the API.
CREATE TABLE settings (
    key             text PRIMARY KEY,
    value           jsonb,
    encrypted_value bytea,
    updated_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (value IS NULL OR encrypted_value IS NULL)
);

-- The durable job queue: every step after a webhook's COMMIT is a row here, claimed with
-- FOR UPDATE SKIP LOCKED by any replica's workers and retried with backoff.
CREATE TABLE jobs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL,  -- ai_reply, whatsapp_send, media_download, extract_document, ...
    payload         jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'done', 'failed')),
    priority        smallint NOT NULL DEFAULT 0,
    run_at          timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL DEFAULT 8,
    last_error      text,
    locked_by       text,  -- worker id (host:pid:n) that holds it while running
    locked_at       timestamptz,
    idempotency_key text,  -- enqueueing the same step twice is a no-op
    conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
-- The claim query: WHERE status = 'queued' AND run_at <= now() ORDER BY priority DESC, run_at
-- ... FOR UPDATE SKIP LOCKED. The partial index holds only pending rows, so it stays small
-- however many finished jobs accumulate.
CREATE INDEX jobs_claim_idx ON jobs (priority DESC, run_at) WHERE status = 'queued';
-- Recovery of jobs whose worker died: running rows with an old locked_at.
CREATE INDEX jobs_running_idx ON jobs (locked_at) WHERE status = 'running';
-- One AI reply in flight per conversation: look up a conversation's unfinished jobs.
CREATE INDEX jobs_conversation_idx ON jobs (conversation_id, kind)
    WHERE status IN ('queued', 'running');
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Pruning finished jobs by age.
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE status IN ('done', 'failed');

-- Who did what: sign-ins, settings and secret changes, takeovers, deletions.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    action      text NOT NULL,  -- e.g. user.login, settings.update, conversation.takeover
    target_type text,
    target_id   text,
    ip          text,
    details     jsonb NOT NULL DEFAULT '{}'
);
-- The audit page lists newest first, optionally for one user.
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at DESC) WHERE user_id IS NOT NULL;
