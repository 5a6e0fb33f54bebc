"""What administrators can do to accounts, roles, group mappings and sessions, and the rules
that hold whoever calls these services."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.passwords import hash_password, verify_password
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import (
    Principal,
    principal_of,
    resolve_session,
    start_session,
    sync_roles,
    user_permissions,
)
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.users.models import (
    AuthSource,
    GroupRoleMapping,
    User,
    UserProfile,
    UserRole,
    UserSession,
)
from mtkcare.users.roles import (
    add_group_mapping,
    create_role,
    list_group_mappings,
    list_roles,
    remove_group_mapping,
    set_role_permissions,
)
from mtkcare.users.service import (
    activate_user,
    change_own_password,
    deactivate_user,
    end_session,
    list_sessions,
    list_users,
    reset_password,
    set_user_roles,
    user_detail,
)
from tests.factories import make_person, make_user

OLD_PASSWORD = "an-old-password-1234"
NEW_PASSWORD = "Tui-sings-at-dawn-42"
GROUP = "0F8FAD5B-D9CB-469F-A165-70867728950E"


@pytest.fixture
def roles(reference: Session) -> dict[str, int]:
    return sync_roles(reference)


@pytest.fixture
def admin(reference: Session, roles: dict[str, int]) -> Principal:
    return make_person(
        reference, "Administrator", username="ada.admin", first_name="Ada", last_name="Admin"
    )


@pytest.fixture
def worker(reference: Session) -> User:
    user = make_user(reference, None, username="wiremu.worker", first_name="Wiremu")
    user.password_hash = hash_password(OLD_PASSWORD)
    reference.flush()
    return user


def _id(who: User | Principal) -> int | None:
    return who.user_id if isinstance(who, Principal) else who.id


def local_roles(db: Session, user: User | Principal) -> set[int]:
    return set(
        db.exec(
            select(UserRole.role_id).where(
                UserRole.user_id == _id(user), UserRole.source == AuthSource.LOCAL.value
            )
        ).all()
    )


def azure_roles(db: Session, user: User | Principal) -> set[int]:
    return set(
        db.exec(
            select(UserRole.role_id).where(
                UserRole.user_id == _id(user), UserRole.source == AuthSource.AZURE.value
            )
        ).all()
    )


# --------------------------------------------------------------------------------------------
# Roles of a user


def test_roles_combine_and_setting_them_replaces_only_the_local_ones(
    reference: Session, roles: dict[str, int], admin: Principal, worker: User
) -> None:
    reference.add(
        UserRole(user_id=worker.id, role_id=roles["Team lead"], source=AuthSource.AZURE.value)  # type: ignore[arg-type]
    )
    reference.flush()

    set_user_roles(reference, admin, worker.id, [roles["Intake worker"], roles["Manager"]])  # type: ignore[arg-type]
    assert local_roles(reference, worker) == {roles["Intake worker"], roles["Manager"]}
    assert azure_roles(reference, worker) == {roles["Team lead"]}
    perms = user_permissions(reference, worker.id)  # type: ignore[arg-type]
    # Combined: intake (consent.record), manager (report.export), team lead (referral.decide).
    assert {"consent.record", "report.export", "referral.decide"} <= perms

    # Asking for a role they already hold through Azure adds no duplicate local row.
    detail = set_user_roles(
        reference,
        admin,
        worker.id,  # type: ignore[arg-type]
        [roles["Case worker"], roles["Team lead"]],
    )
    assert local_roles(reference, worker) == {roles["Case worker"]}
    assert azure_roles(reference, worker) == {roles["Team lead"]}
    held = {r.name: (r.held_locally, r.held_via_azure) for r in detail.roles}
    assert held["Case worker"] == (True, False)
    assert held["Team lead"] == (False, True)
    assert held["Intake worker"] == (False, False)

    set_user_roles(reference, admin, worker.id, [])  # type: ignore[arg-type]
    assert local_roles(reference, worker) == set()
    assert azure_roles(reference, worker) == {roles["Team lead"]}


def test_unknown_and_deleted_roles_cannot_be_given(
    reference: Session, roles: dict[str, int], admin: Principal, worker: User
) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        set_user_roles(reference, admin, worker.id, [roles["Case worker"], 987654])  # type: ignore[arg-type]
    assert "no longer exists" in unknown.value.errors["role_ids"]

    gone = create_role(reference, admin, "Night shift", None, ["client.view"])
    from mtkcare.users.models import Role

    role = reference.get(Role, gone.id)
    assert role is not None
    role.is_deleted = True
    reference.flush()
    with pytest.raises(ValidationFailed):
        set_user_roles(reference, admin, worker.id, [gone.id])  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        set_user_roles(reference, admin, worker.id, ["1"])  # type: ignore[arg-type, list-item]
    assert local_roles(reference, worker) == set()


def test_an_administrator_cannot_take_away_their_own_user_administration(
    reference: Session, roles: dict[str, int], admin: Principal
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_user_roles(reference, admin, admin.user_id, [])  # type: ignore[arg-type]
    assert "your own user administration" in refused.value.errors["role_ids"]
    assert local_roles(reference, admin) == {roles["Administrator"]}


def test_nobody_gives_themselves_a_role_a_second_administrator_must(
    reference: Session, roles: dict[str, int], admin: Principal
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_user_roles(
            reference, admin, admin.user_id, [roles["Administrator"], roles["Case worker"]]
        )  # type: ignore[arg-type]
    assert "cannot give yourself a role" in refused.value.errors["role_ids"]
    assert local_roles(reference, admin) == {roles["Administrator"]}
    second = make_person(reference, "Administrator", username="sam.second")
    set_user_roles(reference, second, admin.user_id, [roles["Administrator"], roles["Case worker"]])  # type: ignore[arg-type]
    assert local_roles(reference, admin) == {roles["Administrator"], roles["Case worker"]}


def test_nobody_adds_permissions_to_a_role_they_hold(
    reference: Session, roles: dict[str, int], admin: Principal
) -> None:
    custom = create_role(reference, admin, "Night desk", None, ["client.view"])
    second = make_person(reference, "Administrator", username="sam.second")
    set_user_roles(reference, second, admin.user_id, [roles["Administrator"], custom.id])  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as refused:
        set_role_permissions(reference, admin, custom.id, ["client.view", "client.view_risk"])
    assert "give them to yourself" in refused.value.errors["permissions"]
    # Taking a permission away, or keeping what they already have, is not a grant.
    set_role_permissions(reference, admin, custom.id, ["client.view", "program.view"])
    changed = set_role_permissions(reference, second, custom.id, ["client.view_risk"])
    assert changed.permissions == ["client.view_risk"]


def test_nobody_maps_a_group_they_are_in_to_a_role(
    reference: Session, roles: dict[str, int], admin: Principal
) -> None:
    profile = reference.exec(select(UserProfile).where(UserProfile.user_id == admin.user_id)).one()
    profile.azure_groups = [GROUP.lower()]
    reference.flush()
    with pytest.raises(ValidationFailed) as refused:
        add_group_mapping(reference, admin, GROUP, "Ops", roles["Team lead"])
    assert "You are in this group" in refused.value.errors["azure_group_id"]
    second = make_person(reference, "Administrator", username="sam.second")
    assert (
        add_group_mapping(reference, second, GROUP, "Ops", roles["Team lead"]).role_id
        == (roles["Team lead"])
    )


def test_a_sessions_cached_permissions_are_recomputed_after_a_role_change(
    reference: Session, roles: dict[str, int], admin: Principal, worker: User
) -> None:
    set_user_roles(reference, admin, worker.id, [roles["Intake worker"]])  # type: ignore[arg-type]
    token = start_session(reference, worker, method="LOCAL")
    before = resolve_session(reference, token)
    assert before is not None and not before.can(Permission.REFERRAL_DECIDE)

    set_user_roles(reference, admin, worker.id, [roles["Intake worker"], roles["Team lead"]])  # type: ignore[arg-type]
    after = resolve_session(reference, token)
    assert after is not None and after.can(Permission.REFERRAL_DECIDE)

    # Changing what a role may do reaches everyone who holds it, too.
    custom = create_role(reference, admin, "Reception", "Front desk", ["client.view"])
    set_user_roles(reference, admin, worker.id, [custom.id])  # type: ignore[arg-type]
    assert not resolve_session(reference, token).can(Permission.REPORT_VIEW)  # type: ignore[union-attr]
    set_role_permissions(reference, admin, custom.id, ["client.view", "report.view"])
    assert resolve_session(reference, token).can(Permission.REPORT_VIEW)  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# Activation


def test_deactivating_someone_ends_their_sessions_and_activating_lets_them_back(
    reference: Session, admin: Principal, worker: User
) -> None:
    first = start_session(reference, worker, method="LOCAL")
    second = start_session(reference, worker, method="LOCAL")
    assert len(list_sessions(reference, admin, worker.id)) == 2  # type: ignore[arg-type]

    detail = deactivate_user(reference, admin, worker.id)  # type: ignore[arg-type]
    assert detail.is_active is False and detail.sessions == []
    assert resolve_session(reference, first) is None
    assert resolve_session(reference, second) is None
    revoked = reference.exec(
        select(UserSession.revoked_at).where(UserSession.user_id == worker.id)
    ).all()
    assert revoked and all(at is not None for at in revoked)

    assert activate_user(reference, admin, worker.id).is_active is True  # type: ignore[arg-type]
    assert resolve_session(reference, start_session(reference, worker, method="LOCAL"))


def test_an_administrator_cannot_deactivate_themselves(
    reference: Session, admin: Principal
) -> None:
    token = start_session(reference, reference.get(User, admin.user_id), method="LOCAL")
    with pytest.raises(ValidationFailed) as refused:
        deactivate_user(reference, admin, admin.user_id)  # type: ignore[arg-type]
    assert "your own account" in refused.value.errors["user_id"]
    assert reference.get(User, admin.user_id).is_active  # type: ignore[union-attr]
    assert resolve_session(reference, token) is not None


def test_unknown_users_are_not_found(reference: Session, admin: Principal) -> None:
    with pytest.raises(NotFound):
        deactivate_user(reference, admin, 987654)
    with pytest.raises(NotFound):
        user_detail(reference, admin, 987654)


# --------------------------------------------------------------------------------------------
# Passwords


@pytest.mark.parametrize(
    ("password", "confirmation", "field", "words"),
    [
        ("short-1", None, "new_password", "at least 12 characters"),
        ("wiremu.worker-2024!", None, "new_password", "username"),
        ("aaaaaaaaaaaaaaaa", None, "new_password", "mix of different characters"),
        (NEW_PASSWORD, "something-else-1234", "confirm_password", "same new password"),
    ],
)
def test_a_reset_password_must_follow_the_password_rules(
    reference: Session,
    admin: Principal,
    worker: User,
    password: str,
    confirmation: str | None,
    field: str,
    words: str,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        reset_password(reference, admin, worker.id, password, confirmation=confirmation)  # type: ignore[arg-type]
    assert words in refused.value.errors[field]
    reference.refresh(worker)
    assert verify_password(worker.password_hash, OLD_PASSWORD)


def test_an_administrator_reset_sets_the_password_and_signs_the_person_out(
    reference: Session, admin: Principal, worker: User
) -> None:
    token = start_session(reference, worker, method="LOCAL")
    reset_password(reference, admin, worker.id, NEW_PASSWORD, confirmation=NEW_PASSWORD)  # type: ignore[arg-type]
    reference.refresh(worker)
    assert verify_password(worker.password_hash, NEW_PASSWORD)
    assert not verify_password(worker.password_hash, OLD_PASSWORD)
    assert resolve_session(reference, token) is None
    changes = reference.exec(
        select(AuditLog.changes).where(
            AuditLog.resource == "User",
            AuditLog.resource_id == str(worker.id),
            AuditLog.action == "UPDATE",
            AuditLog.user_id == admin.user_id,
        )
    ).all()
    assert any(c and c.get("password_hash") == ["[redacted]", "[redacted]"] for c in changes)


def test_a_reset_is_refused_for_yourself_and_for_microsoft_accounts(
    reference: Session, admin: Principal
) -> None:
    with pytest.raises(ValidationFailed) as own:
        reset_password(reference, admin, admin.user_id, NEW_PASSWORD)  # type: ignore[arg-type]
    assert "Your account" in own.value.errors["new_password"]

    azure = make_user(reference, None, first_name="Mika")
    azure.auth_source = AuthSource.AZURE.value
    reference.flush()
    with pytest.raises(ValidationFailed) as microsoft:
        reset_password(reference, admin, azure.id, NEW_PASSWORD)  # type: ignore[arg-type]
    assert "signs in with Microsoft" in microsoft.value.errors["new_password"]
    reference.refresh(azure)
    assert azure.password_hash is None


def test_changing_your_own_password_needs_the_current_one_and_ends_your_other_sessions(
    reference: Session, worker: User
) -> None:
    here = start_session(reference, worker, method="LOCAL")
    elsewhere = start_session(reference, worker, method="LOCAL")
    here_id = resolve_session(reference, here).session_id  # type: ignore[union-attr]

    with pytest.raises(ValidationFailed) as wrong:
        change_own_password(
            reference, principal_of(reference, worker), "not-my-password", NEW_PASSWORD
        )
    assert "current password" in wrong.value.errors["current_password"]
    with pytest.raises(ValidationFailed) as same:
        change_own_password(reference, principal_of(reference, worker), OLD_PASSWORD, OLD_PASSWORD)
    assert "different" in same.value.errors["new_password"]

    ended = change_own_password(
        reference,
        principal_of(reference, worker),
        OLD_PASSWORD,
        NEW_PASSWORD,
        confirmation=NEW_PASSWORD,
        keep_session_id=here_id,
    )
    assert ended == 1
    reference.refresh(worker)
    assert verify_password(worker.password_hash, NEW_PASSWORD)
    assert resolve_session(reference, here) is not None
    assert resolve_session(reference, elsewhere) is None


# --------------------------------------------------------------------------------------------
# Sessions


def test_an_administrator_can_end_one_session_and_the_list_shows_no_secrets(
    reference: Session, admin: Principal, worker: User
) -> None:
    keep = start_session(reference, worker, method="LOCAL", ip_address="10.0.0.7")
    end = start_session(reference, worker, method="LOCAL", user_agent="Firefox")
    end_id = resolve_session(reference, end).session_id  # type: ignore[union-attr]

    detail = end_session(reference, admin, end_id)
    assert [s.id for s in detail.sessions] == [resolve_session(reference, keep).session_id]  # type: ignore[union-attr]
    assert resolve_session(reference, end) is None
    assert resolve_session(reference, keep) is not None
    shown = list_sessions(reference, admin, worker.id)[0].model_dump()  # type: ignore[arg-type]
    assert "token_hash" not in shown and "permissions" not in shown
    assert shown["ip_address"] == "10.0.0.7"
    assert "password_hash" not in user_detail(reference, admin, worker.id).model_dump()  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        end_session(reference, admin, 987654)


# --------------------------------------------------------------------------------------------
# Roles and their permissions


def test_built_in_roles_keep_the_catalogue_permissions(
    reference: Session, roles: dict[str, int], admin: Principal
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_role_permissions(reference, admin, roles["Case worker"], ["client.view"])
    assert "built-in role" in refused.value.errors["permissions"]
    case = next(r for r in list_roles(reference, admin) if r.name == "Case worker")
    assert "client.view_risk" in case.permissions


def test_new_roles_take_only_known_permissions_and_unique_names(
    reference: Session, admin: Principal, worker: User
) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        create_role(reference, admin, "Volunteer", "", ["client.view", "everything"])
    assert unknown.value.errors == {"permissions": "Choose permissions from the list"}
    with pytest.raises(ValidationFailed) as blank:
        create_role(reference, admin, " ", None, [])
    assert set(blank.value.errors) == {"name", "permissions"}

    role = create_role(reference, admin, "Volunteer", "  ", ["referral.view", "client.view"])
    assert role.is_system is False and role.description == ""
    assert role.permissions == ["client.view", "referral.view"]  # catalogue order
    with pytest.raises(ValidationFailed) as taken:
        create_role(reference, admin, "volunteer", None, ["client.view"])
    assert "already a role called" in taken.value.errors["name"]

    set_user_roles(reference, admin, worker.id, [role.id])  # type: ignore[arg-type]
    changed = set_role_permissions(reference, admin, role.id, ["document.view"])
    assert changed.permissions == ["document.view"] and changed.user_count == 1
    listed = {r.name: r for r in list_roles(reference, admin)}
    assert listed["Volunteer"].user_count == 1
    assert listed["Administrator"].user_count >= 1


# --------------------------------------------------------------------------------------------
# Azure AD group mappings


@pytest.mark.parametrize(
    "group_id", ["", "not-a-guid", "0f8fad5b-d9cb-469f-a165-70867728950", f"{GROUP}x"]
)
def test_a_group_mapping_needs_a_real_group_object_id(
    reference: Session, roles: dict[str, int], admin: Principal, group_id: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        add_group_mapping(reference, admin, group_id, "Staff", roles["Case worker"])
    assert "azure_group_id" in refused.value.errors


def test_group_mappings_are_added_once_removed_softly_and_can_come_back(
    reference: Session, roles: dict[str, int], admin: Principal
) -> None:
    with pytest.raises(ValidationFailed) as no_role:
        add_group_mapping(reference, admin, GROUP, "Staff", 987654)
    assert no_role.value.errors == {"role_id": "Choose a role from the list"}

    added = add_group_mapping(reference, admin, f"  {GROUP} ", "SG-Case", roles["Case worker"])
    assert added.azure_group_id == GROUP.lower() and added.role_name == "Case worker"
    with pytest.raises(ValidationFailed) as duplicate:
        add_group_mapping(reference, admin, GROUP.lower(), "Again", roles["Case worker"])
    assert "already gives the role" in duplicate.value.errors["azure_group_id"]
    # The same group may give a second role.
    add_group_mapping(reference, admin, GROUP, "SG-Case", roles["Team lead"])

    remove_group_mapping(reference, admin, added.id)
    assert added.id not in {m.id for m in list_group_mappings(reference, admin)}
    row = reference.exec(
        select(GroupRoleMapping)
        .where(col(GroupRoleMapping.id) == added.id)
        .execution_options(include_deleted=True)
    ).one()
    assert row.is_deleted and row.deleted_by == admin.user_id
    with pytest.raises(NotFound):
        remove_group_mapping(reference, admin, added.id)

    back = add_group_mapping(reference, admin, GROUP, "SG-Case workers", roles["Case worker"])
    assert back.id == added.id and back.group_name == "SG-Case workers"
    assert added.id in {m.id for m in list_group_mappings(reference, admin)}


# --------------------------------------------------------------------------------------------
# The users list


def test_the_users_list_is_paged_searchable_and_filtered_by_status(
    reference: Session, roles: dict[str, int], admin: Principal
) -> None:
    for n in range(7):
        make_user(reference, None, first_name="Paging", last_name=f"Zzpage{n}")
    leaver = make_user(reference, None, first_name="Paging", last_name="Zzleaver")
    set_user_roles(reference, admin, leaver.id, [roles["Case worker"], roles["Intake worker"]])  # type: ignore[arg-type]
    deactivate_user(reference, admin, leaver.id)  # type: ignore[arg-type]

    first = list_users(reference, admin, page=1, page_size=5, search="zzpa")
    assert first.total == 7 and first.pages == 2 and len(first.rows) == 5
    second = list_users(reference, admin, page=9, page_size=5, search="zzpa")
    assert second.page == 2 and len(second.rows) == 2

    everyone = list_users(reference, admin, search="paging")
    assert everyone.total == 8
    inactive = list_users(reference, admin, search="paging", active=False)
    assert [r.full_name for r in inactive.rows] == ["Paging Zzleaver"]
    assert inactive.rows[0].roles == ["Intake worker", "Case worker"]
    assert inactive.rows[0].is_active is False
    assert list_users(reference, admin, search="paging", active=True).total == 7
    assert list_users(reference, admin, search="%").total == 0


def test_wrong_current_passwords_lock_the_account_until_an_administrator_resets_it(
    reference: Session, worker: User, admin: Principal
) -> None:
    from mtkcare.auth.service import SignInFailed, sign_in_local
    from mtkcare.settings import get_settings
    from mtkcare.users.service import WrongPassword, note_wrong_password

    for _ in range(get_settings().signin_max_failures):
        with pytest.raises(WrongPassword):
            change_own_password(reference, principal_of(reference, worker), "a-guess", NEW_PASSWORD)
        note_wrong_password(
            reference, principal_of(reference, worker)
        )  # what the account page does with the refusal

    # Even the right password is refused now, here and at the sign-in page.
    with pytest.raises(ValidationFailed) as locked:
        change_own_password(
            reference,
            principal_of(reference, worker),
            OLD_PASSWORD,
            NEW_PASSWORD,
            confirmation=NEW_PASSWORD,
        )
    assert "Too many wrong passwords" in locked.value.errors["current_password"]
    with pytest.raises(SignInFailed) as refused:
        sign_in_local(reference, worker.username, OLD_PASSWORD)
    assert "Too many attempts" in refused.value.message

    # An administrator's reset ends the lock-out.
    reset_password(reference, admin, worker.id, NEW_PASSWORD)  # type: ignore[arg-type]
    assert sign_in_local(reference, worker.username, NEW_PASSWORD)
