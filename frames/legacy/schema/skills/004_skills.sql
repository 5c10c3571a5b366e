-- The skills tracker's database (old schema 004), table for table. Its `students` and
-- `teachers` collide with the registry's names, so it lives in its own schema or its own
-- database: this file names no schema (run it with `search_path` set to the schema, or
-- in the other database). Unlike the program's shared database, the skills tracker
-- declared its foreign keys and checks, so they are kept as written: everything here is
-- valid PostgreSQL and nothing is changed.

CREATE TABLE teachers (
    id VARCHAR(10) PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(255) UNIQUE,
    created_at TIMESTAMP DEFAULT NOW(),

    CONSTRAINT chk_teacher_id CHECK (id ~ '^T[0-9]{3}$'),
    CONSTRAINT chk_email_format CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$')
);

CREATE TABLE students (
    id VARCHAR(10) PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    grade INTEGER NOT NULL,
    teacher_id VARCHAR(10) REFERENCES teachers(id),
    created_at TIMESTAMP DEFAULT NOW(),

    CONSTRAINT chk_student_id CHECK (id ~ '^S[0-9]{3}$'),
    CONSTRAINT chk_grade_range CHECK (grade BETWEEN 6 AND 8)
);

CREATE TABLE data_entries (
    id VARCHAR(20) PRIMARY KEY,
    student_id VARCHAR(10) REFERENCES students(id) ON DELETE CASCADE,
    teacher_id VARCHAR(10) REFERENCES teachers(id),
    type VARCHAR(50) NOT NULL,
    date DATE NOT NULL,
    content TEXT NOT NULL,
    metadata JSONB DEFAULT '{}'::jsonb,
    created_at TIMESTAMP DEFAULT NOW(),

    CONSTRAINT chk_data_entry_id CHECK (id ~ '^DE[0-9]{3,}$'),
    CONSTRAINT chk_data_type CHECK (type IN (
        'group_discussion_transcript',
        'peer_tutoring_transcript',
        'project_presentation_transcript',
        'reflection_journal',
        'peer_feedback',
        'teacher_observation_note',
        'parent_note'
    )),
    CONSTRAINT chk_content_not_empty CHECK (LENGTH(TRIM(content)) > 0)
);

CREATE TABLE assessments (
    id SERIAL PRIMARY KEY,
    data_entry_id VARCHAR(20) REFERENCES data_entries(id) ON DELETE CASCADE,
    student_id VARCHAR(10) REFERENCES students(id) ON DELETE CASCADE,
    skill_name VARCHAR(100) NOT NULL,
    skill_category VARCHAR(50) NOT NULL,
    level VARCHAR(20) NOT NULL,
    confidence_score DECIMAL(3,2) CHECK (confidence_score BETWEEN 0 AND 1),
    justification TEXT NOT NULL,
    source_quote TEXT NOT NULL,
    data_point_count INTEGER DEFAULT 1,
    rubric_version VARCHAR(10) DEFAULT '1.0',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(),

    CONSTRAINT chk_skill_category CHECK (skill_category IN ('SEL', 'EF', '21st_Century')),
    CONSTRAINT chk_level CHECK (level IN ('Emerging', 'Developing', 'Proficient', 'Advanced')),
    CONSTRAINT chk_data_point_count CHECK (data_point_count > 0),
    UNIQUE (data_entry_id, skill_name)
);

CREATE TABLE teacher_corrections (
    id SERIAL PRIMARY KEY,
    assessment_id INTEGER REFERENCES assessments(id) ON DELETE CASCADE,
    original_level VARCHAR(20) NOT NULL,
    corrected_level VARCHAR(20) NOT NULL,
    original_justification TEXT,
    corrected_justification TEXT,
    teacher_notes TEXT,
    corrected_by VARCHAR(10) REFERENCES teachers(id),
    corrected_at TIMESTAMP DEFAULT NOW(),

    CONSTRAINT chk_original_level CHECK (original_level IN ('Emerging', 'Developing', 'Proficient', 'Advanced')),
    CONSTRAINT chk_corrected_level CHECK (corrected_level IN ('Emerging', 'Developing', 'Proficient', 'Advanced')),
    CONSTRAINT chk_levels_different CHECK (original_level != corrected_level OR original_justification != corrected_justification),
    UNIQUE (assessment_id)
);

CREATE TABLE skill_targets (
    id SERIAL PRIMARY KEY,
    student_id VARCHAR(10) REFERENCES students(id) ON DELETE CASCADE,
    skill_name VARCHAR(100) NOT NULL,
    assigned_by VARCHAR(10) REFERENCES teachers(id),
    assigned_at TIMESTAMP DEFAULT NOW(),
    completed BOOLEAN DEFAULT FALSE,
    completed_at TIMESTAMP,

    CONSTRAINT chk_completion_logic CHECK (
        (completed = FALSE AND completed_at IS NULL) OR
        (completed = TRUE AND completed_at IS NOT NULL)
    ),
    UNIQUE (student_id, skill_name, completed)
);

CREATE INDEX idx_data_entries_student_date ON data_entries(student_id, date DESC);
CREATE INDEX idx_data_entries_type ON data_entries(type);
CREATE INDEX idx_data_entries_teacher ON data_entries(teacher_id);
CREATE INDEX idx_assessments_student_skill ON assessments(student_id, skill_name);
CREATE INDEX idx_assessments_level ON assessments(level);
CREATE INDEX idx_assessments_confidence ON assessments(confidence_score) WHERE confidence_score < 0.8;
CREATE INDEX idx_assessments_created ON assessments(created_at DESC);
CREATE INDEX idx_corrections_teacher ON teacher_corrections(corrected_by);
CREATE INDEX idx_corrections_created ON teacher_corrections(corrected_at DESC);
CREATE INDEX idx_targets_student_active ON skill_targets(student_id, completed) WHERE completed = FALSE;
CREATE INDEX idx_data_entries_metadata ON data_entries USING gin(metadata);
