-- Every type BotFlow sends (text, media, reply buttons, list, template, reaction) is stored
-- with its structured content in `payload` (whatsapp/outgoing.hpp; docs/messages.md), beside
-- the one-line `content` kept for previews and search. A customer's tap on a button or a list
-- row is stored the same way, with the id of the message it answers. Older messages have none.
ALTER TABLE messages ADD COLUMN payload jsonb;

-- Files agents upload to send (POST /api/media). Copied into message_media when sent, so the
-- thread shows them like a customer's files; uploaded to WhatsApp once and reused while
-- WhatsApp keeps it (30 days).
CREATE TABLE media_uploads (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind                 text NOT NULL CHECK (kind IN ('image', 'document', 'audio', 'video')),
    mime_type            text NOT NULL,
    filename             text NOT NULL,
    size                 bigint NOT NULL,
    sha256               text NOT NULL,
    bytes                bytea NOT NULL,
    uploaded_by          uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    whatsapp_media_id    text,
    whatsapp_uploaded_at timestamptz
);
