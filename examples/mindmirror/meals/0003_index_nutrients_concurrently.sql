-- orchestrate:no-transaction
-- Built concurrently so a large foods table stays writable; must run outside a transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS foods_nutrients ON foods USING gin (nutrients);
