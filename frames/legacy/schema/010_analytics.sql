-- The old database's research-analytics tables, as old schema 000 (the schema reference)
-- declares them. Only what PostgreSQL cannot build is changed, each change marked "FIX:".
-- The old database kept its relations in the application ("logical relationships", no
-- foreign keys), so rows may name entities that do not exist; the import reports them.
--
-- Old schema 001 (the shared-database README) also lists `risk_factors`, `factor_values`,
-- `interface_factor_values`, `factor_models`, `model_factors` and `model_validations`
-- as current tables, but gives none of their columns (it names the tables only). Their
-- DDL is therefore not reconstructed here, and the import has no mapping for them: a
-- guess at their columns would be an invented schema. FRAMES' own tables of those names
-- (analytics/models/) were designed afresh.

-- interfaces: a relationship between two registry entities (team, faculty, project).
CREATE TABLE interfaces (
    id VARCHAR PRIMARY KEY,
    from_entity VARCHAR NOT NULL,      -- Source ID (team, faculty, project)
    to_entity VARCHAR NOT NULL,        -- Target ID
    interface_type VARCHAR,            -- knowledge_transfer, mentoring, etc.
    bond_type VARCHAR,
    energy_loss INTEGER,               -- 0-100 (health metric, 0=healthy)
    from_university VARCHAR,           -- FIX: was "VARCHAR INDEX" (no inline INDEX in PostgreSQL; index below)
    to_university VARCHAR,             -- FIX: was "VARCHAR INDEX" (index below)
    is_cross_university BOOLEAN DEFAULT FALSE, -- FIX: was "BOOLEAN DEFAULT FALSE INDEX" (index below)
    created_at VARCHAR,
    meta JSON
);
-- Old schema 000's own index statements (its "Indexes" section).
CREATE INDEX idx_interfaces_from_university ON interfaces(from_university);
CREATE INDEX idx_interfaces_to_university ON interfaces(to_university);
CREATE INDEX idx_interfaces_cross_university ON interfaces(is_cross_university);

-- outcomes: mission and program success per university and cohort.
CREATE TABLE outcomes (
    id SERIAL PRIMARY KEY,             -- FIX: was "INTEGER PRIMARY KEY AUTOINCREMENT" (SQLite syntax)
    university_id VARCHAR NOT NULL,
    project_id VARCHAR,
    outcome_type VARCHAR NOT NULL,     -- mission_success or program_success
    success BOOLEAN NOT NULL,
    cohort_year INTEGER,
    notes TEXT,
    recorded_at VARCHAR,
    meta JSON
);
