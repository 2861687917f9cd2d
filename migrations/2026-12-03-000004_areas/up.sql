-- Areas: the council's wards or districts, imported as GeoJSON polygons, and
-- the area each ticket with coordinates lies in (tickets.area_id; NULL is
-- "unknown" in reports). There is no PostGIS: the polygons are kept as
-- GeoJSON and tested in the application (src/areas), which reads them once
-- per import; the bounding box lets a point skip the areas far from it.

-- One import of a GeoJSON file: who, what, and what it changed.
CREATE TABLE area_imports (
    id            BIGSERIAL PRIMARY KEY,
    source        TEXT NOT NULL CHECK (source IN ('cli', 'admin', 'seed')),
    file_name     TEXT CHECK (length(file_name) <= 255),
    actor_user_id BIGINT REFERENCES users (id),
    kind          TEXT NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
    features      INTEGER NOT NULL CHECK (features >= 1),
    -- New codes, and retired ones back again.
    created       INTEGER NOT NULL DEFAULT 0 CHECK (created >= 0),
    -- Same code, new outline.
    reshaped      INTEGER NOT NULL DEFAULT 0 CHECK (reshaped >= 0),
    -- Same code and outline, new name, kind or properties.
    renamed       INTEGER NOT NULL DEFAULT 0 CHECK (renamed >= 0),
    unchanged     INTEGER NOT NULL DEFAULT 0 CHECK (unchanged >= 0),
    -- Codes no longer in the file.
    retired       INTEGER NOT NULL DEFAULT 0 CHECK (retired >= 0),
    created_at    TIMESTAMPTZ NOT NULL
);

-- Re-placing tickets: after an import that changed outlines, or asked for by
-- hand (`civicdesk areas place --all`). It runs in batches once the import
-- has committed (the CLI and the admin page start it; the background worker
-- finishes anything left); each batch moves `placed_through` forward in the
-- same transaction as its updates, so it resumes exactly where it stopped.
CREATE TABLE area_placements (
    id               BIGSERIAL PRIMARY KEY,
    import_id        BIGINT REFERENCES area_imports (id),
    -- Every ticket with coordinates; otherwise only those now placed in one of
    -- `changed_area_ids` (reshaped or retired) or inside the box (around
    -- every new or reshaped outline).
    all_tickets      BOOLEAN NOT NULL DEFAULT FALSE,
    changed_area_ids BIGINT[] NOT NULL DEFAULT '{}',
    min_lat          DOUBLE PRECISION,
    max_lat          DOUBLE PRECISION,
    min_lon          DOUBLE PRECISION,
    max_lon          DOUBLE PRECISION,
    -- Tickets with an id up to this one have been looked at.
    placed_through   BIGINT NOT NULL DEFAULT 0,
    tickets_checked  BIGINT NOT NULL DEFAULT 0,
    tickets_moved    BIGINT NOT NULL DEFAULT 0,
    finished_at      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    CONSTRAINT area_placements_box CHECK (
        (min_lat IS NULL AND max_lat IS NULL AND min_lon IS NULL AND max_lon IS NULL)
        OR (min_lat <= max_lat AND min_lon <= max_lon))
);
CREATE INDEX area_placements_pending_idx ON area_placements (id) WHERE finished_at IS NULL;

-- The areas. An import replaces the set of active areas, matched by code:
-- an area whose code is no longer in the file is retired (kept, so tickets and
-- reports that named it still can), and comes back if a later file has it.
CREATE TABLE areas (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
    code         TEXT NOT NULL CONSTRAINT areas_code_key UNIQUE
                 CHECK (length(code) BETWEEN 1 AND 100 AND code = btrim(code)),
    name         TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- A GeoJSON MultiPolygon in WGS 84 longitude/latitude (RFC 7946), as checked on import.
    geometry     JSONB NOT NULL CHECK (geometry->>'type' = 'MultiPolygon'),
    min_lat      DOUBLE PRECISION NOT NULL,
    max_lat      DOUBLE PRECISION NOT NULL,
    min_lon      DOUBLE PRECISION NOT NULL,
    max_lon      DOUBLE PRECISION NOT NULL,
    vertex_count INTEGER NOT NULL CHECK (vertex_count >= 4),
    -- The feature's other properties, as they were in the file.
    properties   JSONB NOT NULL DEFAULT '{}'::JSONB CHECK (jsonb_typeof(properties) = 'object'),
    -- The import that last set its shape.
    import_id    BIGINT NOT NULL REFERENCES area_imports (id),
    retired_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT areas_box CHECK (min_lat <= max_lat AND min_lon <= max_lon
        AND min_lat >= -90 AND max_lat <= 90 AND min_lon >= -180 AND max_lon <= 180)
);

-- Not indexed on purpose: reports group by it over a period's tickets (found
-- through tickets_created_idx), and leaving it out of every index lets
-- re-placement's updates be HOT where a page has room, so they touch no index
-- (the GIN search index above all).
ALTER TABLE tickets ADD COLUMN area_id BIGINT REFERENCES areas (id);
