-- The older constraints cannot hold a whole-day interval or a closure until
-- midnight: the nearest they can (a second short of midnight).
UPDATE calendar_intervals SET end_time = '23:59:59'
    WHERE start_time = end_time AND start_time = '00:00';
UPDATE calendar_holidays SET closed_to = '23:59:59'
    WHERE closed_to = '00:00' AND closed_from IS NOT NULL;

ALTER TABLE calendar_holidays
    DROP CONSTRAINT calendar_holidays_part_day,
    ADD CONSTRAINT calendar_holidays_part_day CHECK (
        (closed_from IS NULL AND closed_to IS NULL)
        OR (closed_from IS NOT NULL AND closed_to IS NOT NULL AND closed_from < closed_to));

ALTER TABLE calendar_intervals
    DROP CONSTRAINT calendar_intervals_not_empty,
    ADD CONSTRAINT calendar_intervals_not_empty CHECK (start_time <> end_time);
