-- Webhook latency: the GIN indexes that every stored message touches (message search, and the
-- conversation's customer search and tags, whose rows every message updates) insert into their
-- main structure at once instead of through a pending list. The pending list made most inserts
-- cheaper but, each time it filled, one insert merged it (tens of milliseconds): in one run of
-- bench/webhook.sh at 64 connections on 2 cores, p99 went from 79.6 to 16.4 ms for 10% fewer
-- messages per second.
ALTER INDEX messages_content_fts_idx SET (fastupdate = off);
ALTER INDEX conversations_customer_trgm_idx SET (fastupdate = off);
ALTER INDEX conversations_tags_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('messages_content_fts_idx'::regclass);
SELECT gin_clean_pending_list('conversations_customer_trgm_idx'::regclass);
SELECT gin_clean_pending_list('conversations_tags_idx'::regclass);
