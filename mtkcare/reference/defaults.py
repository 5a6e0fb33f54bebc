"""The option lists a new installation starts with. Administrators can add and retire options."""

from __future__ import annotations

LANGUAGES = [
    ("en", "English"),
    ("mi", "Te reo Māori"),
    ("sm", "Samoan"),
    ("to", "Tongan"),
    ("zh", "Mandarin Chinese"),
    ("yue", "Cantonese"),
    ("hi", "Hindi"),
    ("pa", "Punjabi"),
    ("ar", "Arabic"),
    ("es", "Spanish"),
    ("fil", "Filipino"),
    ("ko", "Korean"),
    ("fj", "Fijian"),
    ("nzsl", "New Zealand Sign Language"),
    ("other", "Another language"),
]

CULTURAL_IDENTITIES = [
    ("nz_european", "New Zealand European"),
    ("maori", "Māori"),
    ("samoan", "Samoan"),
    ("cook_islands_maori", "Cook Islands Māori"),
    ("tongan", "Tongan"),
    ("niuean", "Niuean"),
    ("chinese", "Chinese"),
    ("indian", "Indian"),
    ("filipino", "Filipino"),
    ("middle_eastern", "Middle Eastern"),
    ("latin_american", "Latin American"),
    ("african", "African"),
    ("other_european", "Other European"),
    ("other", "Another identity"),
    ("not_stated", "Prefer not to say"),
]

RELATIONSHIP_TYPES = [
    ("parent", "Parent"),
    ("partner", "Partner or spouse"),
    ("child", "Son or daughter"),
    ("sibling", "Brother or sister"),
    ("grandparent", "Grandparent"),
    ("whanau", "Whānau / extended family"),
    ("friend", "Friend"),
    ("guardian", "Guardian"),
    ("carer", "Carer"),
    ("neighbour", "Neighbour"),
    ("other", "Other"),
]

DECLINE_REASONS = [
    ("not_eligible", "Does not meet eligibility criteria"),
    ("no_capacity", "Program at capacity"),
    ("consent_declined", "Client declined consent"),
    ("unable_to_contact", "Unable to contact client"),
    ("duplicate", "Duplicate referral"),
    ("referred_elsewhere", "Better served by another provider"),
    ("other", "Other reason"),
]

SERVICE_TYPES = [
    ("housing", "Housing support"),
    ("mental_health", "Mental health"),
    ("family_violence", "Family violence"),
    ("youth", "Youth services"),
    ("disability", "Disability support"),
    ("addiction", "Alcohol and drug support"),
    ("employment", "Employment and training"),
    ("financial", "Financial capability"),
]

# "Client consent required for most services": the exceptions. A family violence safety
# response may begin before the client has consented (a statutory referral).
SERVICE_TYPES_WITHOUT_CONSENT = frozenset({"family_violence"})

DOCUMENT_TYPES = [
    ("REFERRAL_LETTER", "Referral letter"),
    ("CONSENT_FORM", "Consent form"),
    ("ASSESSMENT", "Assessment"),
    ("IDENTIFICATION", "Identification"),
    ("CORRESPONDENCE", "Correspondence"),
    ("OTHER", "Other"),
]

# Document types whose documents go out of date: an expiry date is asked for on upload.
DOCUMENT_TYPES_THAT_EXPIRE = frozenset({"IDENTIFICATION"})

DEFAULTS = {
    "language": LANGUAGES,
    "cultural_identity": CULTURAL_IDENTITIES,
    "relationship_type": RELATIONSHIP_TYPES,
    "decline_reason": DECLINE_REASONS,
    "service_type": SERVICE_TYPES,
    "document_type": DOCUMENT_TYPES,
}
