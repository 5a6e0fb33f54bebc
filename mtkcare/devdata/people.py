"""Who the provider's clients, staff and referrers are: cultural backgrounds (which drive names,
identities and language, so a record hangs together), name pools, and the places they live.
Kept as compact tables (the formatter would put every value on a line)."""

from __future__ import annotations

from faker import Faker

from mtkcare.devdata.basics import Weighted

# fmt: off

# Cultural background drives names, identities and language, so a client's record hangs together.
# background: (weight, identity code, second-identity options, primary language weights)
BACKGROUNDS: dict[str, tuple[float, str, list[str], dict[str, float]]] = {
    "nz_european": (36, "nz_european", ["maori", "other_european"], {"en": 99, "nzsl": 1}),
    "maori": (24, "maori", ["nz_european", "cook_islands_maori", "samoan"], {"en": 90, "mi": 10}),
    "samoan": (8, "samoan", ["nz_european", "maori", "tongan"], {"en": 60, "sm": 40}),
    "tongan": (4, "tongan", ["samoan", "nz_european"], {"en": 60, "to": 40}),
    "cook_islands_maori": (2.5, "cook_islands_maori", ["maori", "nz_european"],
                           {"en": 90, "other": 10}),
    "niuean": (1, "niuean", ["samoan", "nz_european"], {"en": 90, "other": 10}),
    "chinese": (5, "chinese", ["nz_european"], {"en": 40, "zh": 40, "yue": 20}),
    "indian": (6, "indian", ["nz_european", "other"], {"en": 60, "hi": 20, "pa": 20}),
    "filipino": (2.5, "filipino", ["nz_european"], {"en": 75, "fil": 25}),
    "korean": (1.5, "other", ["nz_european"], {"en": 45, "ko": 55}),
    "middle_eastern": (2.5, "middle_eastern", ["other"], {"en": 40, "ar": 45, "other": 15}),
    "african": (2, "african", ["other"], {"en": 65, "ar": 10, "other": 25}),
    "latin_american": (1, "latin_american", ["other_european"], {"en": 45, "es": 55}),
    "other_european": (4, "other_european", ["nz_european"], {"en": 85, "other": 15}),
}

# Hand-written pools for the backgrounds Faker has no locale for: (female, male, surnames).
NAMES: dict[str, tuple[str, str, str]] = {
    "maori": (
        "Aroha Anahera Hine Kiri Mere Moana Ngaio Tia Huia Kaia Marama Awhina Hana Maia Mihi "
        "Ngaire Pania Roimata Tui Waimarie Ataahua Manaia Rongo Whetu",
        "Hemi Tama Wiremu Rāwiri Nikau Tāne Mikaere Manaaki Ihaia Hohepa Kauri Matiu Paora Rewi "
        "Rangi Tamati Ariki Tipene Kahu Ari Te Rangi Pita Eru",
        "Ngata Parata Tipene Te Awa Ruatapu Tamihana Horomona Wihongi Hetaraka Hohaia Kereama "
        "Mahuika Ngawati Paki Pomare Rewiti Ruawai Tahana Takerei Tamatea Tawhai Te Kani "
        "Te Whata Waaka Wehi Whaanga Herewini Karaka Hura Poutama Marino Tuhiwai Hapeta",
    ),
    "samoan": (
        "Losa Mele Fetu Sina Lagi Malia Talia Leilani Tausala Ana Luisa Seini Faith Grace "
        "Lusia Tina Va'a Silia",
        "Sione Tavita Siaosi Iosefa Pita Tui Sefo Lui Mikaele Ioane Tama Fa'amoana Junior "
        "Falaniko Leota Peni",
        "Faleolo Tuilagi Fonoti Leota Tuiasosopo Aiono Lemalu Masoe Pouono Sapolu Sopoaga "
        "Vaifale Faamausili Lealaiauloto Toleafoa Sauni Alofivae Tauiliili Matagi Penitani",
    ),
    "tongan": (
        "Salote Mele Lesieli Ana Losaline Siosaia Ofa Seini Kalolaine Lupe Vika Ilaisaane",
        "Sione Tevita Viliami Siosaia Semisi Paula Taniela Sitani Lopeti Feleti Manu",
        "Taufa Vaipulu Havili Latu Fifita Tupou Vake Moala Kaufana Lolohea Fonua Mahe "
        "Tu'ipulotu Halaholo Kata Mateo Vea Fusitu'a",
    ),
    "cook_islands_maori": (
        "Teina Mii Tiare Ngapoko Mama Rima Tepaeru Vaine",
        "Teariki Tangi Ngametua Tuaine Rongo Tutai Mataiapo Pa",
        "Tangitamaiti Marsters Tupa Rongo Teariki Matapo Vaine Tamarua Ioane",
    ),
    "niuean": (
        "Moka Hine Fiafia Lagi Talia Mele",
        "Tauveli Fulu Sione Hima Vili Tomasi",
        "Tukuitoga Pulu Hekau Tongatule Makamea Talagi Vilitama",
    ),
    "chinese": (
        "Mei Li Na Xiaoling Wen Jing Ying Hui Yan Grace Jenny Amy Vivian Fiona Lily",
        "Wei Jun Hao Lei Ming Jian Tao Bo Kevin David Jason Eric Michael Tony",
        "Wang Li Zhang Chen Liu Yang Huang Zhao Wu Zhou Lin Xu Sun Ma Zhu Hu Guo He Lam Wong "
        "Chan Cheung Ng Tan",
    ),
    "indian": (
        "Priya Anjali Sunita Pooja Neha Kavita Harpreet Simran Manpreet Divya Aarti Ritu "
        "Shalini Jaspreet Anita",
        "Arjun Rahul Vikram Amit Rajesh Sanjay Gurpreet Harjit Manish Rohan Deepak Sandeep "
        "Ravi Jaswinder Ajay",
        "Singh Patel Kumar Sharma Kaur Gupta Reddy Prasad Naidu Chand Lal Nair Mehta Gill "
        "Sandhu Dhillon Sidhu Shah Verma Chauhan",
    ),
    "filipino": (
        "Maria Angelica Kristine Joy Rowena Jasmine Camille Lorna Marites Cristina",
        "Jose Mark Rodel Carlo Jericho Ramon Paolo Reynaldo Joel Arnel",
        "Santos Reyes Cruz Bautista Garcia Mendoza Dela Cruz Villanueva Ramos Aquino "
        "Castillo Fernandez Navarro Torres",
    ),
    "korean": (
        "Ji-woo Seo-yeon Min-ji Hye-jin Soo-jin Eun-ji Ha-eun Yuna",
        "Min-jun Ji-hoon Seung-ho Hyun-woo Dong-hyun Jae-won Sung-min Joon",
        "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Shin",
    ),
    "middle_eastern": (
        "Fatima Aisha Maryam Layla Noor Zainab Rana Hiba Sara Yasmin Parisa Soraya",
        "Ahmed Mohammed Ali Omar Hassan Yusuf Karim Samir Reza Mustafa Jamal Farid",
        "Al-Hassan Haddad Khalil Nasser Rahimi Hosseini Mansour Abbas Karimi Saleh Haidari "
        "Ahmadi Qasemi Jafari Sultani",
    ),
    "african": (
        "Amina Grace Blessing Fatuma Nyaradzo Chipo Esther Halima Hodan Mercy Ruth",
        "Abdi Samuel Tendai Kwame Mohamed Emmanuel Farai Daniel Yonas Tinashe Ibrahim",
        "Mohamed Hassan Abdi Okafor Mensah Moyo Ncube Mutasa Tesfaye Bekele Osei Warsame "
        "Ali Dube Chikwanha",
    ),
    "latin_american": (
        "Camila Valentina Sofía Daniela Gabriela Lucía Mariana Paula",
        "Mateo Santiago Diego Andrés Javier Luis Carlos Felipe",
        "González Rodríguez Martínez López Hernández Pérez Sánchez Ramírez Torres Flores "
        "Vargas Rojas",
    ),
}
MULTI_WORD = {"Li Na", "Te Rangi", "Te Awa", "Te Kani", "Te Whata", "Dela Cruz"}

# (city, landline area code, weight, [(suburb, postcode)]): where the provider's clients live.
PLACES: list[tuple[str, str, float, list[tuple[str, str]]]] = [
    ("Auckland", "09", 40, [
        ("Ōtara", "2023"), ("Manurewa", "2102"), ("Papatoetoe", "2025"), ("Henderson", "0612"),
        ("Māngere", "2022"), ("Glen Innes", "1072"), ("Avondale", "1026"), ("Onehunga", "1061"),
        ("Papakura", "2110"), ("Ōtāhuhu", "1062"), ("Massey", "0614"), ("Glenfield", "0629"),
    ]),
    ("Wellington", "04", 10, [
        ("Newtown", "6021"), ("Johnsonville", "6037"), ("Kilbirnie", "6022"), ("Tawa", "5028"),
    ]),
    ("Porirua", "04", 4, [("Cannons Creek", "5024"), ("Waitangirua", "5024"), ("Ranui", "5024")]),
    ("Lower Hutt", "04", 4, [("Naenae", "5011"), ("Taitā", "5011"), ("Wainuiomata", "5014")]),
    ("Christchurch", "03", 10, [
        ("Aranui", "8061"), ("Hornby", "8042"), ("Linwood", "8062"), ("Shirley", "8061"),
        ("Riccarton", "8041"),
    ]),
    ("Hamilton", "07", 7, [("Fairfield", "3214"), ("Nawton", "3200"), ("Enderley", "3214")]),
    ("Tauranga", "07", 5, [("Greerton", "3112"), ("Merivale", "3110"), ("Gate Pā", "3112")]),
    ("Rotorua", "07", 3, [("Fordlands", "3015"), ("Koutu", "3010"), ("Western Heights", "3015")]),
    ("Whangārei", "09", 3, [("Otangarei", "0112"), ("Tikipunga", "0112"), ("Raumanga", "0110")]),
    ("Palmerston North", "06", 4, [("Highbury", "4412"), ("Awapuni", "4412"), ("Takaro", "4412")]),
    ("Hastings", "06", 3, [("Flaxmere", "4120"), ("Camberley", "4120"), ("Mayfair", "4122")]),
    ("Gisborne", "06", 2, [("Kaiti", "4010"), ("Elgin", "4010")]),
    ("Dunedin", "03", 3, [("South Dunedin", "9012"), ("Caversham", "9012"),
                          ("Brockville", "9011")]),
    ("Invercargill", "03", 2, [("Glengarry", "9810"), ("Georgetown", "9812")]),
]
EMAIL_DOMAINS = Weighted({
    "gmail.com": 45, "xtra.co.nz": 12, "outlook.com": 12, "hotmail.com": 14, "yahoo.co.nz": 6,
    "icloud.com": 7, "slingshot.co.nz": 2, "orcon.net.nz": 2,
})
MOBILE_PREFIXES = Weighted({"021": 40, "022": 25, "027": 28, "029": 4, "020": 3})

# fmt: on


class Pools:
    """Name and street pools drawn once from seeded Faker instances; sampling them later with the
    seeded RNG is fast enough for 100k+ clients."""

    def __init__(self, seed: int) -> None:
        fakers = {}
        for offset, locale in enumerate(("en_NZ", "en_AU", "en_GB", "de_DE", "nl_NL")):
            fake = Faker(locale)
            fake.seed_instance(seed + offset)
            fakers[locale] = fake

        def draw(fake: Faker, method: str, n: int) -> list[str]:
            return [getattr(fake, method)() for _ in range(n)]

        nz, au, gb = fakers["en_NZ"], fakers["en_AU"], fakers["en_GB"]
        european = (
            draw(nz, "first_name_female", 250) + draw(au, "first_name_female", 80),
            draw(nz, "first_name_male", 250) + draw(au, "first_name_male", 80),
            draw(nz, "last_name", 400) + draw(au, "last_name", 150) + draw(gb, "last_name", 150),
        )
        continental = (
            draw(fakers["de_DE"], "first_name_female", 40)
            + draw(fakers["nl_NL"], "first_name_female", 40)
            + draw(gb, "first_name_female", 60),
            draw(fakers["de_DE"], "first_name_male", 40)
            + draw(fakers["nl_NL"], "first_name_male", 40)
            + draw(gb, "first_name_male", 60),
            draw(fakers["de_DE"], "last_name", 60)
            + draw(fakers["nl_NL"], "last_name", 60)
            + draw(gb, "last_name", 80),
        )
        self.names: dict[str, tuple[list[str], list[str], list[str]]] = {
            "nz_european": european,
            "other_european": continental,
        }
        for background, (female, male, surnames) in NAMES.items():
            self.names[background] = (_split(female), _split(male), _split(surnames))
        # Many Māori and Pacific families carry English surnames.
        self.european_surnames = european[2]
        self.streets = list(dict.fromkeys(draw(nz, "street_name", 900)))
        self.backgrounds = Weighted({k: v[0] for k, v in BACKGROUNDS.items()})
        self.places = Weighted([((city, area, suburbs), w) for city, area, w, suburbs in PLACES])


def _split(names: str) -> list[str]:
    """Split a space-separated pool, keeping the known two-word names whole."""
    text = names
    keep = {}
    for index, multi in enumerate(MULTI_WORD):
        token = f"__{index}__"
        if multi in text:
            text = text.replace(multi, token)
            keep[token] = multi
    return [keep.get(word, word) for word in text.split()]
