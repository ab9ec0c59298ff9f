-- 0013: API clients (upstream systems, the console's backend, operators' tools): a name, the
-- SHA-256 of a high-entropy secret shown once, scopes, and whether it may still call.

CREATE TABLE api_clients (
    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9-]*$' AND char_length(name) <= 63),
    secret_sha256 text NOT NULL UNIQUE CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
    scopes text[] NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    rotated_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz
);
