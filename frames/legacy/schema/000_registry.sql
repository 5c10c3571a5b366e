-- The old database's registry tables, as old schema 000 (the schema reference) declares them,
-- plus the two logs: old schema 002's `ascent_basecamp_agent_log` and `audit_logs`.
-- Only what PostgreSQL cannot build is changed, each change marked "FIX:".
-- The old database kept its relations in the application ("logical relationships", no
-- foreign keys), so rows may name entities that do not exist; the import reports them.
--
-- Old schema 003 describes `universities`, `teams`, `faculty` and `students` with other
-- columns (location, contact_email, email, department, role, an integer team id,
-- TIMESTAMP created_at). The import reads whichever columns a source table has; the
-- tests build old schema 003's variants of those tables themselves (tests/legacy/).

-- universities: the program's universities.
CREATE TABLE universities (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    is_lead BOOLEAN DEFAULT FALSE,     -- Lead university for program
    active BOOLEAN DEFAULT TRUE,
    meta JSON,
    created_at VARCHAR
);

-- projects: research programs (PROVES, CADENCE, contract projects).
CREATE TABLE projects (
    id VARCHAR PRIMARY KEY,
    university_id VARCHAR,             -- FIX: was "VARCHAR INDEX" (no inline INDEX in PostgreSQL; index below). NULL for collaborative projects
    name VARCHAR NOT NULL,
    type VARCHAR,                      -- collaborative, contract, proposal
    is_collaborative BOOLEAN DEFAULT FALSE, -- TRUE for PROVES
    duration INTEGER,                  -- Months
    description TEXT,
    created_at VARCHAR,
    meta JSON
);

-- teams: teams within projects.
CREATE TABLE teams (
    id VARCHAR PRIMARY KEY,
    university_id VARCHAR,             -- FIX: was "VARCHAR INDEX" (index below)
    project_id VARCHAR NOT NULL,       -- FIX: was "VARCHAR NOT NULL INDEX" (index below)
    discipline VARCHAR,                -- Engineering, CS, Design, etc.
    name VARCHAR NOT NULL,
    description TEXT,
    created_at VARCHAR,                -- ISO timestamp
    meta JSON                          -- Flexible metadata
);

-- faculty: faculty advisors and program coordinators.
CREATE TABLE faculty (
    id VARCHAR PRIMARY KEY,
    university_id VARCHAR,             -- FIX: was "VARCHAR INDEX" (index below)
    name VARCHAR NOT NULL,
    role VARCHAR,                      -- Faculty Advisor, Program Coordinator
    description TEXT,
    created_at VARCHAR,
    meta JSON
);

-- students: individual students, for term-based rotation.
CREATE TABLE students (
    id VARCHAR PRIMARY KEY,
    university_id VARCHAR NOT NULL,    -- FIX: was "VARCHAR NOT NULL INDEX" (index below)
    name VARCHAR NOT NULL,
    team_id VARCHAR,                   -- FK to teams (logical only)
    expertise_area VARCHAR,            -- Electrical, Software, Mechanical
    graduation_term VARCHAR,           -- e.g., "Spring 2026"
    terms_remaining INTEGER NOT NULL DEFAULT 4,
    status VARCHAR,                    -- incoming/established/outgoing (auto-calc)
    is_lead BOOLEAN DEFAULT FALSE,     -- Team lead designation
    active BOOLEAN DEFAULT TRUE,       -- FALSE when graduated
    created_at VARCHAR,
    graduated_at VARCHAR,              -- Set when terms_remaining hits 0
    meta JSON
);

-- Old schema 000's own index statements (its "Indexes" section).
CREATE INDEX idx_teams_university ON teams(university_id);
CREATE INDEX idx_teams_project ON teams(project_id);
CREATE INDEX idx_faculty_university ON faculty(university_id);
CREATE INDEX idx_projects_university ON projects(university_id);
CREATE INDEX idx_students_university ON students(university_id);

-- ascent_basecamp_agent_log: every agent's actions (old schema 002, as declared there).
CREATE TABLE ascent_basecamp_agent_log (
    log_id SERIAL PRIMARY KEY,
    timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    agent_name VARCHAR(100) NOT NULL,
    action_type VARCHAR(100) NOT NULL,
    subsystem VARCHAR(255),
    status VARCHAR(50),
    error TEXT,
    resolution TEXT,
    message TEXT,
    metadata JSONB
);
CREATE INDEX idx_agent_log_timestamp ON ascent_basecamp_agent_log(timestamp);
CREATE INDEX idx_agent_log_agent_name ON ascent_basecamp_agent_log(agent_name);

-- audit_logs: RECONSTRUCTED. Old schema 001 names the table ("Auditing: audit_logs - System
-- activity logs") but no seed gives its columns. These are the columns FRAMES' own
-- audit_logs keeps (who, when, which record, what changed), in the old scripts' style
-- (integer key, text user, JSON changes); the import reads whichever of them a source has.
CREATE TABLE audit_logs (
    id SERIAL PRIMARY KEY,
    timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    user_id VARCHAR,                   -- who: the old scripts' user name or id (there were no accounts)
    action VARCHAR,                    -- create / update / delete
    table_name VARCHAR,
    record_id VARCHAR,                 -- the changed record's id
    changes JSON,                      -- {field: [before, after]} or free-form details
    source VARCHAR                     -- which script or app wrote it
);
CREATE INDEX idx_audit_logs_table_record ON audit_logs(table_name, record_id);
