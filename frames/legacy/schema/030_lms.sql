-- The old database's LMS tables, as old schema 003 (the LMS write-up) declares them, plus
-- old schema 002's module_prerequisites. Changed, each change marked "FIX:", is only what
-- PostgreSQL cannot build as written, and one thing throughout:
--   * REFERENCES clauses are kept as comments: the old database kept its relations in
--     the application (old schema 000: "logical relationships", no foreign keys), so its rows
--     can name modules, students or faculty that do not exist; the import reports them.
--     (One could not be built anyway: old schema 003's team_id INTEGER against the VARCHAR
--     teams.id of old schema 000.)
-- Timestamps stay TIMESTAMP, as old schema 003 declares them (the registry's text
-- timestamps are old schema 000's, in 000_registry.sql).

-- modules: old schema 003's definition. Old schema 000 describes the same table differently (one
-- table in the old database, two write-ups): `module_id VARCHAR PRIMARY KEY` (no integer
-- id), a separate `slug VARCHAR UNIQUE`, `difficulty VARCHAR` (Beginner, Intermediate,
-- Advanced), `status VARCHAR DEFAULT 'Draft'` with the capitalised words Draft / Review /
-- Published, `tags TEXT[]`, `sections JSONB`, `notion_page_id`, `github_file`, `meta JSONB`,
-- and no ownership or prerequisites columns. The importer reads those columns too when a
-- source has them (lms/legacy.py), and accepts both status vocabularies.
CREATE TABLE modules (
    id                  SERIAL PRIMARY KEY,
    module_id           VARCHAR(100) UNIQUE NOT NULL,  -- Slug (e.g., 'lab-safety-101')
    title               VARCHAR(255) NOT NULL,
    description         TEXT,
    category            VARCHAR(100),                  -- 'Safety', 'Technical', 'Orientation'
    estimated_minutes   INTEGER DEFAULT 10,

    -- Ownership
    created_by_id       VARCHAR,                       -- FIX: was REFERENCES faculty(id) (no foreign keys in the old database)
    university_id       VARCHAR,                       -- FIX: was REFERENCES universities(id)

    -- Status
    status              VARCHAR(50) DEFAULT 'draft',   -- 'draft', 'published', 'archived'

    -- Organization (JSON)
    prerequisites       JSON DEFAULT '[]',             -- [module_ids]
    related_modules     JSON DEFAULT '[]',
    tags                JSON DEFAULT '[]',             -- ['required', 'safety', 'lab']

    -- Metadata
    target_audience     VARCHAR(100) DEFAULT 'incoming_students',
    revision            INTEGER DEFAULT 1,
    created_at          TIMESTAMP DEFAULT NOW(),
    updated_at          TIMESTAMP DEFAULT NOW(),
    published_at        TIMESTAMP
);

CREATE INDEX idx_modules_status ON modules(status);
CREATE INDEX idx_modules_category ON modules(category);
CREATE INDEX idx_modules_module_id ON modules(module_id);

CREATE TABLE module_sections (
    id                  SERIAL PRIMARY KEY,
    module_id           INTEGER NOT NULL,              -- FIX: was REFERENCES modules(id) ON DELETE CASCADE
    section_number      INTEGER NOT NULL,              -- Display order
    section_type        VARCHAR(50) NOT NULL,          -- 'text', 'video', 'image', 'checklist'
    title               VARCHAR(255),
    content             TEXT NOT NULL,
    media_url           VARCHAR(500),
    duration_seconds    INTEGER,

    UNIQUE(module_id, section_number)
);

CREATE INDEX idx_sections_module ON module_sections(module_id);

CREATE TABLE module_assignments (
    id                  SERIAL PRIMARY KEY,
    module_id           INTEGER NOT NULL,              -- FIX: was REFERENCES modules(id) ON DELETE CASCADE
    student_id          VARCHAR,                       -- FIX: was REFERENCES students(id) ON DELETE CASCADE
    university_id       VARCHAR,                       -- FIX: was REFERENCES universities(id)
    -- FIX: old schema 003 says `team_id INTEGER REFERENCES teams(id)`, which PostgreSQL refuses
    -- (teams.id is VARCHAR, old schema 000: a foreign key's types must match); VARCHAR like teams.id.
    team_id             VARCHAR,

    -- Assignment metadata
    assigned_by_id      VARCHAR,                       -- FIX: was REFERENCES faculty(id)
    assignment_type     VARCHAR(50) DEFAULT 'required',  -- 'required', 'optional', 'recommended'
    due_date            DATE,
    assigned_at         TIMESTAMP DEFAULT NOW(),

    UNIQUE(module_id, student_id)
);

CREATE INDEX idx_assignments_student ON module_assignments(student_id);
CREATE INDEX idx_assignments_module ON module_assignments(module_id);

-- module_progress: old schema 003's definition. Old schema 000's write-up of the same table has
-- `id VARCHAR`, `module_id VARCHAR` (the slug), `completed_sections TEXT[]`,
-- `time_spent_minutes`, `score` (0-100) and `meta JSONB`; the importer reads those
-- columns too when a source has them.
CREATE TABLE module_progress (
    id                  SERIAL PRIMARY KEY,
    module_id           INTEGER NOT NULL,              -- FIX: was REFERENCES modules(id) ON DELETE CASCADE
    student_id          VARCHAR NOT NULL,              -- FIX: was REFERENCES students(id) ON DELETE CASCADE

    -- Progress tracking
    status              VARCHAR(50) DEFAULT 'not_started',  -- 'not_started', 'in_progress', 'completed', 'skipped'
    progress_percent    INTEGER DEFAULT 0,                  -- 0-100
    current_section     INTEGER DEFAULT 1,

    -- Timestamps
    started_at          TIMESTAMP,
    completed_at        TIMESTAMP,
    last_accessed_at    TIMESTAMP DEFAULT NOW(),

    -- Time tracking
    total_time_seconds  INTEGER DEFAULT 0,
    pause_count         INTEGER DEFAULT 0,

    UNIQUE(module_id, student_id)
);

CREATE INDEX idx_progress_student ON module_progress(student_id);
CREATE INDEX idx_progress_module ON module_progress(module_id);
CREATE INDEX idx_progress_status ON module_progress(status);

CREATE TABLE module_analytics_events (
    id                  SERIAL PRIMARY KEY,
    module_id           INTEGER NOT NULL,              -- FIX: was REFERENCES modules(id) ON DELETE CASCADE
    student_id          VARCHAR NOT NULL,              -- FIX: was REFERENCES students(id) ON DELETE CASCADE

    -- Event details
    event_type          VARCHAR(100) NOT NULL,         -- 'section_view', 'pause', 'hint_used', etc.
    event_data          JSON,                          -- Type-specific data
    section_number      INTEGER,

    -- Context
    session_id          VARCHAR(255),                  -- Group events by session
    device_type         VARCHAR(50),                   -- 'tablet', 'phone', 'desktop'

    -- Timing
    timestamp           TIMESTAMP DEFAULT NOW(),
    time_elapsed_seconds INTEGER                       -- Time since module start
);

CREATE INDEX idx_events_module_student ON module_analytics_events(module_id, student_id);
CREATE INDEX idx_events_type ON module_analytics_events(event_type);
CREATE INDEX idx_events_timestamp ON module_analytics_events(timestamp);

CREATE TABLE module_feedback (
    id                  SERIAL PRIMARY KEY,
    module_id           INTEGER NOT NULL,              -- FIX: was REFERENCES modules(id) ON DELETE CASCADE
    student_id          VARCHAR NOT NULL,              -- FIX: was REFERENCES students(id) ON DELETE CASCADE

    -- Feedback
    rating              INTEGER CHECK (rating >= 1 AND rating <= 5),
    difficulty_rating   INTEGER CHECK (difficulty_rating >= 1 AND difficulty_rating <= 5),
    comment             TEXT,

    -- Metadata
    created_at          TIMESTAMP DEFAULT NOW(),
    is_anonymous        BOOLEAN DEFAULT FALSE,

    UNIQUE(module_id, student_id)
);

CREATE INDEX idx_feedback_module ON module_feedback(module_id);
CREATE INDEX idx_feedback_rating ON module_feedback(rating);

-- module_prerequisites: old schema 002's learning-path graph (the same edges the modules'
-- `prerequisites` JSON lists name, kept as a table by the basecamp scripts).
CREATE TABLE module_prerequisites (
    prereq_id SERIAL PRIMARY KEY,
    module_id INTEGER,                                 -- FIX: was REFERENCES modules(id)
    prerequisite_module_id INTEGER,                    -- FIX: was REFERENCES modules(id)
    required BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
