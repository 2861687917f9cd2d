ALTER TABLE tickets DROP COLUMN area_id;
DROP TABLE areas;
DROP TABLE area_placements;
DROP TABLE area_imports;
