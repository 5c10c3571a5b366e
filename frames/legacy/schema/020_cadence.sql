-- The old database's CADENCE tables. Two families live side by side in it:
--   * old schema 000's "canonical" tables `people`, `tasks`, `meetings`, `documents` (string
--     ids, `meetings.attendees TEXT[]` of person ids), and
--   * old schema 002's `cadence_people`, `cadence_projects`, `cadence_tasks`,
--     `cadence_meetings` (`attendees TEXT`, a list of names), `cadence_documents`,
--     `notion_sync_metadata`, filled from `cadence_raw_content`.
-- Only what PostgreSQL cannot build is changed, each change marked "FIX:". One change runs
-- through old schema 002's tables: their REFERENCES clauses are kept as comments. Old schema 000 says
-- the database kept its relations in the application ("logical relationships", no foreign
-- key constraints), so its rows can name people and projects that do not exist; the import
-- reports those orphans, and the test database must be able to hold them.

-- ---------------------------------------------------------------- old schema 000

CREATE TABLE people (
    person_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    role VARCHAR,                      -- Team Lead, Engineer, Student
    email VARCHAR,
    subsystem VARCHAR                  -- Avionics, Power, Software, etc.
);

CREATE TABLE tasks (
    task_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    "desc" TEXT,                       -- FIX: desc is a reserved word in PostgreSQL: quoted
    status VARCHAR,                    -- Not Started, In Progress, Complete, Blocked
    due TIMESTAMP,
    assignee VARCHAR,                  -- FK to people.person_id
    project VARCHAR                    -- FK to projects.project_id
);
-- Old schema 000's "Recommended Indexes (CADENCE Tables)".
CREATE INDEX idx_tasks_status ON tasks(status);
CREATE INDEX idx_tasks_assignee ON tasks(assignee);
CREATE INDEX idx_tasks_project ON tasks(project);
CREATE INDEX idx_tasks_due ON tasks(due);

CREATE TABLE meetings (
    meeting_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    date TIMESTAMP,
    attendees TEXT[],                  -- Array of person_ids
    project VARCHAR                    -- FK to projects.project_id
);
CREATE INDEX idx_meetings_date ON meetings(date);
CREATE INDEX idx_meetings_project ON meetings(project);

CREATE TABLE documents (
    doc_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    url VARCHAR,                       -- Link to file (Google Drive, GitHub, etc.)
    type VARCHAR,                      -- Datasheet, Procedure, Reference
    category VARCHAR,                  -- structural, technical, workflow, program
    subsystem VARCHAR                  -- Avionics, Power, etc.
);
CREATE INDEX idx_documents_category ON documents(category);
CREATE INDEX idx_documents_subsystem ON documents(subsystem);
CREATE INDEX idx_documents_type ON documents(type);

-- ---------------------------------------------------------------- old schema 002

-- cadence_raw_content: old schema 002 names this table (1,416 rows, "SOURCE TABLE" of the
-- cadence_* tables) and only one of its columns, `category` (values tasks, meetings,
-- documents_program, documents_technical, documents_workflow). RECONSTRUCTED: the other
-- columns come from what old schema 002 says about the rows (Notion export pages, linked by
-- notion_page_id, whose markdown the population script parsed for people, dates and
-- status); no seed declares them, so they are named plainly after what they hold, and
-- cadence/legacy.py maps exactly these.
CREATE TABLE cadence_raw_content (
    id SERIAL PRIMARY KEY,
    notion_page_id VARCHAR(100),
    title VARCHAR(500),
    file_path TEXT,                    -- the page's path inside the Notion export
    category VARCHAR(100),             -- tasks, meetings, documents_program, documents_technical, documents_workflow
    content TEXT,                      -- the page's markdown
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE cadence_people (
    person_id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    role VARCHAR(255),
    subsystem VARCHAR(255),
    email VARCHAR(255) UNIQUE,
    notion_page_id VARCHAR(100),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
-- Old schema 002: "Indexes: email, subsystem" (email is already indexed by its UNIQUE).
CREATE INDEX idx_cadence_people_subsystem ON cadence_people(subsystem);

CREATE TABLE cadence_projects (
    project_id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    subsystem VARCHAR(255),
    status VARCHAR(100),
    owner_id INTEGER,                  -- FIX (see top): was REFERENCES cadence_people(person_id)
    notion_page_id VARCHAR(100),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE cadence_tasks (
    task_id SERIAL PRIMARY KEY,
    title VARCHAR(255) NOT NULL,
    description TEXT,
    status VARCHAR(100),
    due_date DATE,
    assignee_id INTEGER,               -- FIX (see top): was REFERENCES cadence_people(person_id)
    project_id INTEGER,                -- FIX (see top): was REFERENCES cadence_projects(project_id)
    notion_page_id VARCHAR(100),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
-- Old schema 002: "Indexes: assignee_id, project_id, status".
CREATE INDEX idx_cadence_tasks_assignee ON cadence_tasks(assignee_id);
CREATE INDEX idx_cadence_tasks_project ON cadence_tasks(project_id);
CREATE INDEX idx_cadence_tasks_status ON cadence_tasks(status);

CREATE TABLE cadence_meetings (
    meeting_id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    meeting_date TIMESTAMP,
    attendees TEXT,
    project_id INTEGER,                -- FIX (see top): was REFERENCES cadence_projects(project_id)
    notes TEXT,
    notion_page_id VARCHAR(100),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE cadence_documents (
    doc_id SERIAL PRIMARY KEY,
    title VARCHAR(255) NOT NULL,
    url TEXT,
    doc_type VARCHAR(100),
    category VARCHAR(100),
    subsystem VARCHAR(255),
    notion_page_id VARCHAR(100),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
-- Old schema 002: "Indexes: subsystem, category".
CREATE INDEX idx_cadence_documents_subsystem ON cadence_documents(subsystem);
CREATE INDEX idx_cadence_documents_category ON cadence_documents(category);

CREATE TABLE notion_sync_metadata (
    sync_id SERIAL PRIMARY KEY,
    sync_type VARCHAR(100),
    last_sync TIMESTAMP,
    records_synced INTEGER,
    errors INTEGER,
    status VARCHAR(50),
    error_details TEXT
);
