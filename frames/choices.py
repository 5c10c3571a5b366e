"""Vocabularies every app shares (docs/data-model.md, "Vocabularies": lowercase slugs with display labels)."""

from django.db import models


class Subsystem(models.TextChoices):
    AVIONICS = "avionics", "Avionics"
    STRUCTURES = "structures", "Structures"
    MISSION_OPS = "mission_ops", "Mission operations"
    THERMAL = "thermal", "Thermal"
    POWER = "power", "Power"
    COMMUNICATIONS = "communications", "Communications"
    PAYLOAD = "payload", "Payload"
    SOFTWARE = "software", "Software"


class StudentStatus(models.TextChoices):
    INCOMING = "incoming", "Incoming"
    ESTABLISHED = "established", "Established"
    OUTGOING = "outgoing", "Outgoing"


class ProjectType(models.TextChoices):
    COLLABORATIVE = "collaborative", "Collaborative"
    CONTRACT = "contract", "Contract"
    PROPOSAL = "proposal", "Proposal"
