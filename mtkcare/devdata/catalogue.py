"""The shape of the provider's work: programs by service type, the organisations that refer,
how referrals move and end, reasons, risk, and the people's ages and contacts. Kept as compact
tables (the formatter would put every value on a line)."""

from __future__ import annotations

from mtkcare.devdata.basics import HISTORY_DAYS, Weighted
from mtkcare.referrals.models import ReferralStatus

# fmt: off

# service type: (code prefix, [(program, capacity, state, description)]). State "inactive": no
# longer takes referrals; "deleted": soft-deleted, its enrolments kept for reporting.
PROGRAMS: dict[str, tuple[str, list[tuple[str, int, str, str]]]] = {
    "housing": ("HOU", [
        ("Kāinga Housing First", 60, "active", "Support into, and to keep, a permanent home."),
        ("Emergency Housing Support", 120, "active", "Help for whānau in emergency housing."),
        ("Tenancy Sustainment Service", 80, "inactive", "Keeping tenancies going despite arrears."),
    ]),
    "mental_health": ("MH", [
        ("Te Ara Oranga Wellbeing", 90, "active", "Wellbeing support and brief intervention."),
        ("Mind Matters Counselling", 70, "active", "Up to twelve counselling sessions."),
        ("Peer Support Service", 50, "active", "Support from people with lived experience."),
    ]),
    "family_violence": ("FV", [
        ("Whānau Safety Service", 60, "active", "Safety planning and advocacy after family harm."),
        ("Safe at Home", 40, "active", "Home security and safety for people at high risk."),
    ]),
    "youth": ("YTH", [
        ("Rangatahi Mentoring", 50, "active", "Mentoring for rangatahi aged 12 to 24."),
        ("Youth Transitions", 40, "active", "Support for young people leaving care or school."),
        ("Youth Health Hub", 60, "inactive", "Drop-in health and wellbeing clinic."),
    ]),
    "disability": ("DIS", [
        ("Community Participation", 45, "active", "Support to take part in community life."),
        ("Carer Respite", 35, "active", "Planned breaks for family carers."),
    ]),
    "addiction": ("AOD", [
        ("Alcohol & Drug Counselling", 70, "active", "Assessment and counselling for AOD use."),
        ("Recovery Navigator", 40, "active", "Walking alongside people in recovery."),
        ("Whānau Ora AOD", 30, "inactive", "Whānau-centred alcohol and drug support."),
    ]),
    "employment": ("EMP", [
        ("Pathways to Work", 80, "active", "CVs, interviews and work placements."),
        ("Driver Licensing Programme", 60, "active", "Lessons and tests for learner licences."),
    ]),
    "financial": ("FIN", [
        ("Budgeting Service", 100, "active", "Financial mentoring and budgeting."),
        ("MoneyMates", 40, "active", "Peer groups on money and debt."),
        ("Debt Solutions Pilot", 30, "deleted", "Debt negotiation pilot, now Budgeting."),
    ]),
}
SERVICE_WEIGHTS = Weighted({
    "housing": 20, "mental_health": 20, "family_violence": 12, "youth": 10, "disability": 7,
    "addiction": 10, "employment": 10, "financial": 11,
})

# (name, type, e-mail domain, share of external referrals)
ORGANISATIONS: list[tuple[str, str, str, float]] = [
    ("Work and Income – Manukau", "GOVERNMENT", "msd.govt.nz", 14),
    ("Oranga Tamariki – Ōtara site", "GOVERNMENT", "ot.govt.nz", 9),
    ("Kāinga Ora – Homes and Communities", "GOVERNMENT", "kaingaora.govt.nz", 7),
    ("Te Whatu Ora – Counties Manukau", "HEALTH", "health.nz", 12),
    ("Tamaki Family Medical Centre", "HEALTH", "tamakifamilymedical.co.nz", 8),
    ("Community Mental Health Team – South", "HEALTH", "health.nz", 8),
    ("Plunket – Papatoetoe", "HEALTH", "plunket.org.nz", 3),
    ("Manurewa High School", "EDUCATION", "manurewa.school.nz", 4),
    ("Papatoetoe Intermediate", "EDUCATION", "papint.school.nz", 2),
    ("NZ Police – Counties Manukau Family Harm", "JUSTICE", "police.govt.nz", 9),
    ("Ara Poutama Aotearoa – Probation", "JUSTICE", "corrections.govt.nz", 5),
    ("Citizens Advice Bureau – Manukau", "COMMUNITY", "cab.org.nz", 5),
    ("Te Puna Ora Trust", "COMMUNITY", "tepunaora.org.nz", 5),
    ("South Auckland Women's Refuge", "COMMUNITY", "refugesouth.org.nz", 4),
    ("Salvation Army Community Ministries", "OTHER", "salvationarmy.org.nz", 5),
]

STATUSES = tuple(s.value for s in ReferralStatus)
# Referral status by the referral's age in days (below the limit): new referrals are still in
# the pipeline, old ones finished.
STATUS_BY_AGE: list[tuple[int, Weighted]] = [
    (7, Weighted({"PENDING": 45, "ASSESSED": 22, "AWAITING_CONSENT": 15, "APPROVED": 4,
                   "DECLINED": 9, "CLOSED": 2, "WITHDRAWN": 3})),
    (30, Weighted({"PENDING": 10, "ASSESSED": 12, "AWAITING_CONSENT": 20, "FOLLOW_UP": 16,
                    "APPROVED": 14, "ACTIVE": 12, "DECLINED": 9, "CLOSED": 3, "WITHDRAWN": 4})),
    (120, Weighted({"PENDING": 1, "ASSESSED": 2, "AWAITING_CONSENT": 4, "FOLLOW_UP": 9,
                     "APPROVED": 6, "ACTIVE": 45, "DECLINED": 13, "CLOSED": 12,
                     "WITHDRAWN": 8})),
    (365, Weighted({"FOLLOW_UP": 1, "APPROVED": 1, "ACTIVE": 32, "DECLINED": 16, "CLOSED": 38,
                     "WITHDRAWN": 12})),
    (10_000, Weighted({"ACTIVE": 12, "DECLINED": 17, "CLOSED": 56, "WITHDRAWN": 15})),
]
# Ages (days) at which a status is plausible: used when a small data set has to be nudged so
# that every status appears.
STATUS_AGES = {
    "PENDING": (0, 30), "ASSESSED": (0, 45), "AWAITING_CONSENT": (1, 60), "FOLLOW_UP": (5, 120),
    "APPROVED": (3, 120), "ACTIVE": (10, HISTORY_DAYS), "DECLINED": (0, HISTORY_DAYS),
    "CLOSED": (3, HISTORY_DAYS), "WITHDRAWN": (1, HISTORY_DAYS),
}
# Days each workflow step takes after the one before it (low, high).
STEP_DAYS: dict[tuple[str, str], tuple[float, float]] = {
    ("PENDING", "ASSESSED"): (0.1, 5), ("PENDING", "DECLINED"): (0.2, 10),
    ("PENDING", "WITHDRAWN"): (0.5, 10), ("ASSESSED", "AWAITING_CONSENT"): (0.5, 7),
    ("ASSESSED", "DECLINED"): (0.5, 7), ("ASSESSED", "APPROVED"): (0.5, 7),
    ("AWAITING_CONSENT", "FOLLOW_UP"): (5, 14), ("AWAITING_CONSENT", "APPROVED"): (1, 14),
    ("AWAITING_CONSENT", "DECLINED"): (1, 14), ("FOLLOW_UP", "APPROVED"): (1, 14),
    ("FOLLOW_UP", "DECLINED"): (3, 21), ("FOLLOW_UP", "WITHDRAWN"): (14, 45),
    ("APPROVED", "ACTIVE"): (3, 28), ("APPROVED", "CLOSED"): (3, 30),
    ("ACTIVE", "CLOSED"): (30, 300), ("ACTIVE", "WITHDRAWN"): (10, 200),
}
# Who withdrew a referral, and why, by the status it was withdrawn from.
WITHDRAWALS: dict[str, tuple[str, str]] = {
    "PENDING": ("REFERRER", "the client's needs are now met by another service."),
    "FOLLOW_UP": ("REFERRER", "the client could not be reached after several attempts."),
    "ACTIVE": ("CLIENT", "the client no longer wants the service."),
}
DECLINE_REASONS = Weighted({"not_eligible": 35, "no_capacity": 20, "referred_elsewhere": 25,
                              "duplicate": 8, "unable_to_contact": 6, "other": 6})
DECLINE_NOTES = {
    "not_eligible": "Outside the program's eligibility criteria (age or area).",
    "no_capacity": "Program is full; referrer advised of the waitlist.",
    "referred_elsewhere": "A kaupapa Māori provider closer to home is a better fit.",
    "duplicate": "Same referral already received from another agency.",
    "unable_to_contact": "Three calls and a text over two weeks, no reply.",
    "other": "Client moved out of the region before assessment.",
    "consent_declined": "Client did not want their information shared with the program.",
}
SOURCES = Weighted({"EXTERNAL": 72, "INTERNAL": 13, "SELF": 15})
PRIORITY = Weighted({"LOW": 10, "NORMAL": 60, "HIGH": 22, "URGENT": 8})
CONSENT_METHODS = Weighted({"WRITTEN": 40, "ELECTRONIC": 30, "VERBAL": 30})
REASONS: dict[str, list[str]] = {
    "housing": [
        "Client is {situation} and needs support to find stable housing.",
        "Facing eviction after rent arrears of ${amount}; needs tenancy support.",
        "{people} people living in a {rooms}-bedroom home; overcrowding affecting health.",
        "Leaving emergency motel accommodation in {weeks} weeks with nowhere to go.",
    ],
    "mental_health": [
        "Low mood and anxiety affecting daily life; GP requests counselling support.",
        "Recently discharged from the inpatient unit; needs community follow-up.",
        "Struggling after a bereavement; isolated and not sleeping.",
        "Presented at ED in crisis {weeks} weeks ago; needs ongoing wellbeing support.",
    ],
    "family_violence": [
        "Police family harm report; client requests safety planning.",
        "Disclosed ongoing psychological abuse from partner; needs advocacy.",
        "Protection order in place; support needed for client and tamariki.",
        "Ex-partner released from prison; client worried about safety.",
    ],
    "youth": [
        "Not attending school for {weeks} weeks; school requests mentoring.",
        "Rangatahi leaving care in {weeks} weeks; needs transition support.",
        "Conflict at home and staying with friends; youth worker referral.",
    ],
    "disability": [
        "Needs support to get to community activities and appointments.",
        "Family carer is exhausted and asks for respite.",
        "Wants to explore supported living options.",
    ],
    "addiction": [
        "Wants help to cut down drinking; motivated to change.",
        "Methamphetamine use affecting work and whānau.",
        "Court-directed alcohol and drug assessment.",
        "Gambling losses of ${amount} this year; asks for support.",
    ],
    "employment": [
        "Unemployed for {weeks} weeks; wants help with CV and interviews.",
        "Needs a restricted licence to get to work.",
        "Recently made redundant; looking at retraining.",
    ],
    "financial": [
        "Debts of ${amount} with several lenders; needs budgeting advice.",
        "Struggling to meet weekly costs; Work and Income referral.",
        "Needs help with a hardship grant application.",
    ],
}
HOUSING_SITUATIONS = ["sleeping in their car", "couch surfing with whānau", "staying in a motel",
                       "living in a garage", "about to lose their rental"]

GENDERS = Weighted({"FEMALE": 52, "MALE": 44.5, "NON_BINARY": 1.5, "ANOTHER": 0.5,
                      "NOT_STATED": 1.5})
ADULT_AGES = Weighted({(18, 24): 14, (25, 34): 26, (35, 44): 22, (45, 54): 16, (55, 64): 11,
                         (65, 74): 7, (75, 95): 4})
DISABILITY_AGES = Weighted({(5, 17): 15, (18, 44): 35, (45, 64): 25, (65, 95): 25})
CONTACT_COUNTS = Weighted({0: 15, 1: 50, 2: 28, 3: 7})
RISK_FACTORS: dict[str, list[str]] = {
    "LOW": ["Financial hardship", "Social isolation", "Chronic health condition", "Unemployment"],
    "MEDIUM": ["Housing instability", "Alcohol use", "Recent bereavement",
               "Caring responsibilities", "Debt stress", "Disengaged from school"],
    "HIGH": ["Family violence history", "Methamphetamine use", "Self-harm history",
             "Unstable mental health", "Child protection concerns", "Homelessness"],
    "CRITICAL": ["Current threats to life", "Recent suicide attempt",
                 "Breach of protection order", "Infant at risk"],
}
RISK_BY_SERVICE = {
    "family_violence": Weighted({"LOW": 10, "MEDIUM": 35, "HIGH": 40, "CRITICAL": 15}),
    "mental_health": Weighted({"LOW": 30, "MEDIUM": 40, "HIGH": 24, "CRITICAL": 6}),
    "addiction": Weighted({"LOW": 25, "MEDIUM": 45, "HIGH": 25, "CRITICAL": 5}),
}
RISK_DEFAULT = Weighted({"LOW": 55, "MEDIUM": 33, "HIGH": 10, "CRITICAL": 2})
IWI = ["Ngāpuhi", "Ngāti Porou", "Waikato-Tainui", "Ngāi Tahu", "Ngāti Kahungunu", "Te Arawa",
        "Ngāti Maniapoto", "Tūhoe", "Ngāti Whātua", "Te Āti Awa", "Ngāti Tūwharetoa"]
CLIENT_NOTES = [
    "Prefers contact by text message.", "Please call after 3pm (works mornings).",
    "Has a dog at the property; phone ahead before visits.", "Prefers a female worker.",
    "Whānau hui preferred for big decisions.", "No mail to the home address.",
    "Hard of hearing; speak clearly and face them.", "Shares a phone with their partner.",
]
EXIT_COMPLETED = ["Goals achieved", "Plan completed", "Moved to ongoing community support",
                   "Housed and settled", "Completed all sessions"]
EXIT_WITHDRAWN = ["Client withdrew consent", "Disengaged from service", "Moved out of area",
                   "Client chose another provider"]

TRACKING_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
GRAPH_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # Graph drive item ids are base32
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpg": "image/jpeg",
}

# fmt: on
