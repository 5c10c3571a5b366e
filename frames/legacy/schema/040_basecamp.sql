-- The old database's Ascent Basecamp tables, as old schema 002 (the basecamp write-up)
-- declares them. They point at modules by the old integer `modules(id)`. Everything
-- here is valid PostgreSQL; the one change, each place marked "FIX:", is:
--   * REFERENCES clauses are kept as comments: the old database had no foreign keys
--     ("logical relationships"), so its rows can name modules or students that do not
--     exist; the import reports those orphans.
-- (module_prerequisites, also old schema 002's, is with the LMS tables in 030_lms.sql;
-- ascent_basecamp_agent_log is the registry's, in 000_registry.sql.)

CREATE TABLE ghost_cohorts (
    cohort_id SERIAL PRIMARY KEY,
    cohort_name VARCHAR(255) NOT NULL,
    semester VARCHAR(100),
    university VARCHAR(255),
    subsystem VARCHAR(255),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE learner_performance (
    log_id SERIAL PRIMARY KEY,
    student_id VARCHAR(255),                           -- FIX: was REFERENCES students(id)
    module_id INTEGER,                                 -- FIX: was REFERENCES modules(id)
    attempt_number INTEGER,
    time_spent_seconds INTEGER,
    errors_count INTEGER,
    mastery_score DECIMAL(5,2),
    completed BOOLEAN DEFAULT FALSE,
    timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_learner_performance_student ON learner_performance(student_id);
CREATE INDEX idx_learner_performance_module ON learner_performance(module_id);

CREATE TABLE module_difficulty_calibrations (
    calibration_id SERIAL PRIMARY KEY,
    module_id INTEGER,                                 -- FIX: was REFERENCES modules(id)
    difficulty_level VARCHAR(50),
    average_time_seconds INTEGER,
    success_rate DECIMAL(5,2),
    sample_size INTEGER,
    last_updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE module_version_history (
    version_id SERIAL PRIMARY KEY,
    module_id INTEGER,                                 -- FIX: was REFERENCES modules(id)
    version_number VARCHAR(50),
    spec_json JSONB,
    change_description TEXT,
    created_by VARCHAR(255),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE simulation_environments (
    env_id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    type VARCHAR(100),
    subsystem VARCHAR(255),
    config_json JSONB,
    status VARCHAR(50),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE race_metadata (
    race_id SERIAL PRIMARY KEY,
    module_id INTEGER,                                 -- FIX: was REFERENCES modules(id)
    ghost_data JSONB,
    time_targets JSONB,
    checkpoints JSONB,
    leaderboard_data JSONB,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE subsystem_competency (
    competency_id SERIAL PRIMARY KEY,
    student_id VARCHAR(255),                           -- FIX: was REFERENCES students(id)
    subsystem VARCHAR(255) NOT NULL,
    competency_level VARCHAR(50),
    modules_completed INTEGER DEFAULT 0,
    last_activity TIMESTAMP,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_subsystem_competency_student ON subsystem_competency(student_id);
CREATE INDEX idx_subsystem_competency_subsystem ON subsystem_competency(subsystem);
