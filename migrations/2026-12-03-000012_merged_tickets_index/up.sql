-- The ticket page lists the tickets merged into the one shown
-- (`merged_into_id = $1`). Without an index that is a scan of every ticket:
-- about half a second at a million tickets. Few tickets are merged, so the
-- index holds only those.
CREATE INDEX tickets_merged_into_idx ON tickets (merged_into_id)
    WHERE merged_into_id IS NOT NULL;
