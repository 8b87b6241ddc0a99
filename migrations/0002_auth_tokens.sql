-- One-time tokens for signing in without a password yet: the first owner's setup token, agent
-- invites and password resets. Only a SHA-256 of each token is stored; the token itself is
-- shown once (in the server log, the invite response, or the operator's shell).
CREATE TABLE auth_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind       text NOT NULL CHECK (kind IN ('setup', 'invite', 'reset')),
    user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'setup') = (user_id IS NULL))
);
-- Redeeming a token looks it up by hash (and the hash is unique, so a token names one row).
CREATE UNIQUE INDEX auth_tokens_hash_key ON auth_tokens (token_hash);
-- Re-inviting a user or issuing a new reset link retires that user's open tokens of the kind.
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id, kind) WHERE used_at IS NULL;
