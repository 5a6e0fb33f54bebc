from __future__ import annotations

import re

from mtkcare.auth.permissions import ROLE_PERMISSIONS, Permission
from tests.conftest import ROOT


def test_readme_roles_matrix_matches_the_catalogue() -> None:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- roles-matrix:start -->(.*?)<!-- roles-matrix:end -->", text, re.S)
    assert block, "README lost its roles matrix"
    rows = [line for line in block.group(1).strip().splitlines()[2:]]
    roles = list(ROLE_PERMISSIONS)
    documented = {}
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        permission = cells[0].strip("`")
        documented[permission] = {roles[i] for i, c in enumerate(cells[1:]) if c == "✓"}
    expected = {p.value: {r for r in roles if p in ROLE_PERMISSIONS[r]} for p in Permission}
    assert documented == expected
