-- GIN's fast-update pending list makes an occasional insert pay for merging
-- the whole list into the index, a latency spike for the citizen who triggers
-- it. Submissions are small and steady: update the index on every insert.
ALTER INDEX tickets_search_idx SET (fastupdate = off);
ALTER INDEX contacts_search_idx SET (fastupdate = off);
