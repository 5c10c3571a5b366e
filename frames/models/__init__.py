from frames.models.legacy import LegacyKey
from frames.models.logs import AgentLog, AuditLog
from frames.models.registry import Faculty, Project, Student, Team, TermRotation, University

__all__ = ["AgentLog", "AuditLog", "Faculty", "LegacyKey", "Project", "Student", "Team", "TermRotation", "University"]
