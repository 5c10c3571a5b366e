from basecamp.models.adaptive import (
    CompetencyLevel,
    GhostCohort,
    LeaderboardPreference,
    LearnerPerformance,
    ModuleDifficultyCalibration,
    ModuleVersionHistory,
    RaceMetadata,
    RaceResult,
    SimulationEnvironment,
    SubsystemCompetency,
)
from basecamp.models.skills import (
    Assessment,
    DataEntry,
    EntryType,
    Level,
    RubricSkill,
    SkillCategory,
    SkillTarget,
    TargetProposal,
    TeacherCorrection,
)

__all__ = [
    "Assessment", "CompetencyLevel", "DataEntry", "EntryType", "GhostCohort", "LeaderboardPreference", "LearnerPerformance", "Level",
    "ModuleDifficultyCalibration", "ModuleVersionHistory", "RaceMetadata", "RaceResult", "RubricSkill", "SimulationEnvironment",
    "SkillCategory", "SkillTarget", "SubsystemCompetency", "TargetProposal", "TeacherCorrection",
]
