from __future__ import annotations

from datetime import date

from sqlmodel import Session

from mtkcare.clients.service import list_clients
from mtkcare.users.models import User
from tests.factories import make_client


def test_clients_list_is_paged_and_sorted_by_name_on_the_server(
    reference: Session, intake_worker: User
) -> None:
    surnames = [f"Zzpage{i:02d}" for i in range(30)]
    for name in reversed(surnames):
        make_client(reference, intake_worker, last_name=name)
    first = list_clients(reference, page=1, page_size=25, search="zzpage")
    assert first.total == 30 and first.pages == 2
    assert [r.full_name.split(",")[0] for r in first.rows] == surnames[:25]
    second = list_clients(reference, page=2, page_size=25, search="zzpage")
    assert [r.full_name.split(",")[0] for r in second.rows] == surnames[25:]


def test_a_page_past_the_end_shows_the_last_page(reference: Session, intake_worker: User) -> None:
    for i in range(3):
        make_client(reference, intake_worker, last_name=f"Yypast{i}")
    page = list_clients(reference, page=99, page_size=2, search="yypast")
    assert page.page == 2
    assert [r.full_name for r in page.rows] == ["Yypast2, Aroha"]


def test_search_matches_name_starts_and_phone(reference: Session, intake_worker: User) -> None:
    make_client(
        reference, intake_worker, first_name="Losaline", last_name="Xxfifita", phone="029 777 1234"
    )
    make_client(
        reference, intake_worker, first_name="Tama", last_name="Xxwhite", preferred_name="Tam"
    )
    assert [r.full_name for r in list_clients(reference, search="xxfif").rows] == [
        "Xxfifita, Losaline"
    ]
    assert [r.full_name for r in list_clients(reference, search="029 777").rows] == [
        "Xxfifita, Losaline"
    ]
    assert list_clients(reference, search="nobody-like-this").total == 0


def test_list_rows_carry_only_what_the_list_shows(reference: Session, intake_worker: User) -> None:
    make_client(
        reference,
        intake_worker,
        last_name="Wwshape",
        notes="private note",
        date_of_birth=date(1970, 5, 6),
    )
    row = list_clients(reference, search="wwshape").rows[0]
    assert set(row.model_dump()) == {
        "id",
        "full_name",
        "preferred_name",
        "date_of_birth",
        "phone",
        "city",
        "risk_level",
    }
    assert row.date_of_birth == "1970-05-06"


def test_search_treats_wildcards_as_plain_characters(
    reference: Session, intake_worker: User
) -> None:
    make_client(reference, intake_worker, last_name="Vvwild")
    assert list_clients(reference, search="%").total == 0
    assert list_clients(reference, search="_vwild").total == 0
    assert list_clients(reference, search="vvwild").total == 1
