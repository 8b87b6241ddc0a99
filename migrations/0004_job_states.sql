-- The job queue's states as workers use them: queued -> running (under a lease) -> done, or
-- dead once its attempts are spent or it failed for good. "locked_until" is the lease: a
-- running job whose lease passed belonged to a worker that died, and is taken again.
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs RENAME COLUMN status TO state;
UPDATE jobs SET state = 'dead' WHERE state = 'failed';
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check
    CHECK (state IN ('queued', 'running', 'done', 'dead'));
ALTER TABLE jobs RENAME COLUMN locked_at TO locked_until;

DROP INDEX jobs_claim_idx;
DROP INDEX jobs_running_idx;
DROP INDEX jobs_conversation_idx;
DROP INDEX jobs_finished_idx;
-- The claim: WHERE state = 'queued' AND run_at <= now() ORDER BY priority DESC, run_at.
CREATE INDEX jobs_claim_idx ON jobs (priority DESC, run_at) WHERE state = 'queued';
-- Lease expiry: running jobs by the end of their lease.
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE state = 'running';
-- A conversation's unfinished jobs (one AI reply in flight per conversation).
CREATE INDEX jobs_conversation_idx ON jobs (conversation_id, kind)
    WHERE state IN ('queued', 'running');
-- Pruning finished jobs by age.
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE state IN ('done', 'dead');
-- GET /api/jobs?state=dead, newest first.
CREATE INDEX jobs_dead_idx ON jobs (id DESC) WHERE state = 'dead';
