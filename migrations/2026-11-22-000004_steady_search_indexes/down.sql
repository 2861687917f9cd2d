ALTER INDEX tickets_search_idx RESET (fastupdate);
ALTER INDEX contacts_search_idx RESET (fastupdate);
