-- Let the database hold every calendar the business-time arithmetic accepts
-- (src/domain/business_time.rs), so an administrator can save each of them:
-- an interval 00:00-00:00 is a whole day, and a part-day holiday may close
-- until the end of its day (closed_to = 00:00).

ALTER TABLE calendar_intervals
    DROP CONSTRAINT calendar_intervals_not_empty,
    ADD CONSTRAINT calendar_intervals_not_empty
        CHECK (start_time <> end_time OR start_time = '00:00');

ALTER TABLE calendar_holidays
    DROP CONSTRAINT calendar_holidays_part_day,
    ADD CONSTRAINT calendar_holidays_part_day CHECK (
        (closed_from IS NULL AND closed_to IS NULL)
        OR (closed_from IS NOT NULL AND closed_to IS NOT NULL
            AND (closed_from < closed_to OR (closed_to = '00:00' AND closed_from > '00:00'))));
