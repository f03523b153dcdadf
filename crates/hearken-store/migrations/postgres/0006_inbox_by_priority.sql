-- Inbox pages walk items by priority and stop after a page: with only the per-owner index, a
-- department's first page sorted every item it can see (measured on 1,000,000 mentions: from
-- minutes to a fraction of a second on PostgreSQL; see BENCHMARKS.md "Reporting").
CREATE INDEX inbox_by_priority ON inbox_items (priority DESC, mention_id);
