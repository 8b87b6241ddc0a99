-- The transactional outbox: every event that describes committed state (a message stored, a
-- status, a conversation changed, a document indexed, ...) is a row written in the same
-- transaction as the change. The relay of one replica at a time (the session advisory lock
-- events::kRelayLock) publishes them in id order to the live feed, to the other replicas over
-- Redis and to in-process subscribers, then deletes them. A crash between the change's COMMIT
-- and the publish loses nothing: the row waits for the next relay.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type            text NOT NULL,         -- message.created, ... (events/catalog.cpp)
    conversation_id uuid,                  -- no foreign key: an erased conversation's last
                                           -- events are still published
    data            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
