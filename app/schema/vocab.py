"""Controlled vocabularies of the common schema.

Values are English identifiers; the source systems' Spanish labels are mapped onto them by the
adapters. Exploitation purposes follow the HTCDS / CTDC categories so that exports for
international exchange need no second mapping.
"""

from enum import StrEnum

__all__ = [
    "DocumentType",
    "OffenceFamily",
    "Purpose",
    "Recruitment",
    "Role",
    "Sex",
    "Stage",
    "System",
]


class System(StrEnum):
    """Source information system."""

    RETA = "RETA"
    SISTRA = "SISTRA"


class Role(StrEnum):
    """Role of the person in the case."""

    VICTIM = "victim"
    SUSPECT = "suspect"


class Sex(StrEnum):
    """Sex as registered."""

    FEMALE = "F"
    MALE = "M"


class DocumentType(StrEnum):
    """Identity document type."""

    DNI = "DNI"
    CE = "CE"  # carné de extranjería
    PASSPORT = "PASSPORT"
    PTP = "PTP"  # permiso temporal de permanencia
    NONE = "NONE"  # sin documento / no precisa


class OffenceFamily(StrEnum):
    """Trafficking proper versus related offences ("afines")."""

    TRAFFICKING = "trafficking"
    RELATED = "related"


class Purpose(StrEnum):
    """Exploitation purpose, HTCDS / CTDC categories."""

    SEXUAL_EXPLOITATION = "SexualExploitation"
    FORCED_LABOUR = "ForcedLabour"
    FORCED_BEGGING = "ForcedBegging"
    SERVITUDE = "Servitude"
    SLAVERY = "Slavery"
    ORGAN_REMOVAL = "OrganRemoval"
    SALE_OF_CHILDREN = "SaleOfChildren"
    OTHER = "Other"
    UNKNOWN = "Unknown"


class Recruitment(StrEnum):
    """Recruitment means, CTDC-style categories."""

    JOB_OFFER = "JobOffer"
    SOCIAL_MEDIA = "SocialMedia"
    ROMANCE = "Romance"
    FAMILY_OR_ACQUAINTANCE = "FamilyOrAcquaintance"
    EMPLOYMENT_AGENCY = "EmploymentAgency"
    ABDUCTION = "Abduction"
    OTHER = "Other"
    UNKNOWN = "Unknown"


class Stage(StrEnum):
    """Procedural stage of the case, common to police and prosecution."""

    POLICE_INVESTIGATION = "police_investigation"  # RETA: EN INVESTIGACION
    REFERRED_TO_PROSECUTOR = "referred_to_prosecutor"  # RETA: REMITIDO A FISCALIA
    POLICE_CONCLUDED = "police_concluded"  # RETA: CONCLUIDO
    QUALIFICATION = "qualification"  # SISTRA: CALIFICACION
    PRELIMINARY_INVESTIGATION = "preliminary_investigation"
    PREPARATORY_INVESTIGATION = "preparatory_investigation"
    INTERMEDIATE = "intermediate"
    TRIAL = "trial"
    ARCHIVED = "archived"
    CONVICTION = "conviction"
    ACQUITTAL = "acquittal"
